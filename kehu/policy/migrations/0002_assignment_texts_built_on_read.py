"""Rename the three text fields in Django's state only (the columns keep their names): the model exposes
`explanation` / `to_next` / `to_previous` as properties that build the text on read when it was not stored."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RenameField("gradeassignment", "explanation", "explanation_text"),
                migrations.RenameField("gradeassignment", "to_next", "to_next_text"),
                migrations.RenameField("gradeassignment", "to_previous", "to_previous_text"),
                migrations.AlterField(
                    "gradeassignment", "explanation_text",
                    models.TextField(blank=True, db_column="explanation", verbose_name="说明"),
                ),
                migrations.AlterField(
                    "gradeassignment", "to_next_text",
                    models.TextField(blank=True, db_column="to_next", verbose_name="升级条件"),
                ),
                migrations.AlterField(
                    "gradeassignment", "to_previous_text",
                    models.TextField(blank=True, db_column="to_previous", verbose_name="降级条件"),
                ),
            ],
        )
    ]
