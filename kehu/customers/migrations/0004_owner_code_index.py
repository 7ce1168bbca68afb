from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_cjk_bigram_index"),
        ("org", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["owner", "code"], name="customer_owner_code_idx"),
        ),
    ]
