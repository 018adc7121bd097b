from django.db import migrations, models

import shops.models

FULL = ["stock:write", "reservations:read", "reservations:write", "webhooks:manage"]


def existing_tokens_keep_every_right(apps, schema_editor):
    """Tokens issued before scopes existed could do everything; they still can."""
    apps.get_model("shops", "ApiToken").objects.update(scopes=FULL)


class Migration(migrations.Migration):
    dependencies = [("shops", "0006_lat_band_generated")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(default=shops.models.all_scopes, verbose_name="권한"),
        ),
        migrations.RunPython(existing_tokens_keep_every_right, migrations.RunPython.noop),
    ]
