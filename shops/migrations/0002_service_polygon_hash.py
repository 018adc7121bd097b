from django.db import migrations, models


def fill_hashes(apps, schema_editor):
    from shops.geo import polygon_hash

    Shop = apps.get_model("shops", "Shop")
    for shop in Shop.objects.exclude(service_polygon__isnull=True).only("pk", "service_polygon"):
        Shop.objects.filter(pk=shop.pk).update(service_polygon_hash=polygon_hash(shop.service_polygon))


class Migration(migrations.Migration):

    dependencies = [
        ('shops', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='shop',
            name='service_polygon_hash',
            field=models.CharField(blank=True, default='', editable=False, max_length=16),
        ),
        migrations.RunPython(fill_hashes, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='shop',
            index=models.Index(fields=['lat', 'lng', 'service_radius_m'], name='shop_area_idx'),
        ),
    ]
