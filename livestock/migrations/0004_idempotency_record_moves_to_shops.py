"""The Idempotency-Key record now belongs to shops (shops/idempotency.py, shops.models).

The table keeps its rows: it is renamed to ``shops_idempotencyrecord``, which shops' model
(created in shops' state by shops 0005) uses, and only the status code nobody read is dropped.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("livestock", "0003_per_customer_limit"),
        ("shops", "0005_idempotency_record"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RemoveField(model_name="idempotencyrecord", name="status_code"),
                migrations.AlterModelTable(name="idempotencyrecord",
                                           table="shops_idempotencyrecord"),
            ],
            state_operations=[
                migrations.DeleteModel(name="IdempotencyRecord"),
            ],
        ),
    ]
