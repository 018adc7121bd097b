"""The Idempotency-Key record moves from livestock to shops (state only).

Its rows stay where they are: livestock's migration 0004 renames the table to
``shops_idempotencyrecord`` (dropping the unused status code) and removes the model from
livestock's state, so no record is lost and a key claimed before the move still replays.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("shops", "0004_membership_keep_an_owner"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyRecord",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                                   serialize=False, verbose_name="ID")),
                        ("scope", models.CharField(max_length=60)),
                        ("key", models.CharField(max_length=200)),
                        ("fingerprint", models.CharField(max_length=64)),
                        ("response", models.JSONField(null=True)),
                        ("created_at", models.DateTimeField(
                            db_index=True, default=django.utils.timezone.now)),
                        ("shop", models.ForeignKey(
                            on_delete=django.db.models.deletion.CASCADE, related_name="+",
                            to="shops.shop")),
                    ],
                    options={
                        "constraints": [models.UniqueConstraint(
                            fields=("shop", "scope", "key"), name="idempotency_unique_key")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
