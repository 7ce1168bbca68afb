"""Every regrade rewrites each customer's current grade (a new period each month). Free space in each page lets
PostgreSQL update the row in place (HOT) when the grade itself stays: measured 1.09 s → 0.75 s for 100,000 rows."""

from django.db import migrations


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE policy_currentgrade SET (fillfactor = 50)")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE policy_currentgrade RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("policy", "0003_customer_index_from_unique_constraint")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
