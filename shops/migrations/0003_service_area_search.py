from django.db import migrations, models


def fill(apps, schema_editor):
    from shops.geo import lat_band, polygon_hash

    Shop = apps.get_model("shops", "Shop")
    for shop in Shop.objects.only("pk", "lat", "service_polygon"):
        Shop.objects.filter(pk=shop.pk).update(
            service_polygon_hash=polygon_hash(shop.service_polygon), lat_band=lat_band(shop.lat))


class Migration(migrations.Migration):

    dependencies = [
        ('shops', '0002_share_stats'),
    ]

    operations = [
        migrations.AddField(
            model_name='shop',
            name='service_polygon_hash',
            field=models.CharField(blank=True, default='', editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name='shop',
            name='lat_band',
            field=models.SmallIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='shop',
            index=models.Index(fields=['lat_band', 'lng', 'lat', 'service_radius_m', 'id'], name='shop_area_idx'),
        ),
    ]
