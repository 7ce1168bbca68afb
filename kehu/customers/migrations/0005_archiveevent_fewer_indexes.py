"""Two indexes less per archive event: the single-column customer index (the (customer, -at) index starts with the
customer and serves every lookup by customer) and the actor index over NULLs (now only where an actor is set). A
regrade writes up to one event per customer; each index cost on every one of them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_owner_code_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="archiveevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="archiveevent",
            name="customer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="customers.customer",
            ),
        ),
        migrations.AddIndex(
            model_name="archiveevent",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)), fields=["actor"], name="archiveevent_actor_set"
            ),
        ),
    ]
