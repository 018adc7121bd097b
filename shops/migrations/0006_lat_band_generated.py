# lat_band becomes a stored generated column: the database keeps it in step with lat on every
# write, bulk paths and queryset updates included. A column cannot be altered into a generated
# one, so the index that leads with it is dropped, the column replaced, and the index rebuilt.

import django.db.models.expressions
import django.db.models.functions.comparison
import django.db.models.functions.math
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('shops', '0005_idempotency_record'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='shop',
            name='shop_area_idx',
        ),
        migrations.RemoveField(
            model_name='shop',
            name='lat_band',
        ),
        migrations.AddField(
            model_name='shop',
            name='lat_band',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.functions.comparison.Cast(django.db.models.functions.math.Floor(django.db.models.expressions.CombinedExpression(models.F('lat'), '/', models.Value(0.05))), models.SmallIntegerField()), output_field=models.SmallIntegerField()),
        ),
        migrations.AddIndex(
            model_name='shop',
            index=models.Index(fields=['lat_band', 'lng', 'lat', 'service_radius_m', 'id'], name='shop_area_idx'),
        ),
    ]
