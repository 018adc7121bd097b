"""The service areas' version (shops.models.ServiceAreasVersion) moves, by the database's own
triggers, with every write that can change which shops a nearby search finds, on every write
path, and with nothing else."""

from __future__ import annotations

import pytest
from django.db import connection

from shops.models import ServiceAreasVersion, Shop
from tests import factories

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[126.89, 37.55], [126.91, 37.55], [126.91, 37.56], [126.89, 37.56], [126.89, 37.55]]
    ],
}


def version() -> int:
    return ServiceAreasVersion.objects.get(pk=1).value


def moves(change) -> bool:
    before = version()
    change()
    return version() != before


def test_every_write_to_where_shops_serve_moves_it(shop):
    def saved(**fields):
        def change():
            for name, value in fields.items():
                setattr(shop, name, value)
            shop.save()

        return change

    assert moves(saved(lat=37.5601))
    assert moves(saved(lng=126.9101))
    assert moves(saved(service_radius_m=3000))
    assert moves(saved(service_polygon=SQUARE))
    assert moves(saved(service_polygon=None))
    assert moves(saved(is_active=False))
    assert moves(saved(is_active=True))
    assert moves(lambda: factories.make_shop(slug="second-shop", lat=37.50))
    assert moves(lambda: Shop.objects.filter(slug="second-shop").delete())


def test_bulk_and_raw_writes_move_it_too(shop):
    assert moves(lambda: Shop.objects.filter(pk=shop.pk).update(service_radius_m=2500))
    assert moves(
        lambda: Shop.objects.bulk_create(
            [Shop(slug=f"bulk-{i}", name=f"가게 {i}", lat=37.5, lng=127.0) for i in range(3)]
        )
    )
    moved = list(Shop.objects.filter(slug__startswith="bulk-"))
    for one in moved:
        one.lng = 127.01
    assert moves(lambda: Shop.objects.bulk_update(moved, ["lng"]))
    assert not moves(lambda: Shop.objects.bulk_update(moved, ["service_polygon"]))  # unchanged

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {Shop._meta.db_table} SET lat = lat + 0.001")

    assert moves(raw)


def test_changes_elsewhere_leave_it(shop, listing):
    def rename():
        shop.name = "새 이름"
        shop.notice = "새 안내"
        shop.save()

    assert not moves(rename)
    assert not moves(lambda: Shop.objects.filter(pk=shop.pk).update(page_version=9))
    from livestock import services as stock_services

    assert not moves(
        lambda: stock_services.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1)
    )


def test_a_row_a_flush_removed_comes_back_with_the_next_change(shop):
    ServiceAreasVersion.objects.all().delete()
    factories.make_shop(slug="second-shop", lat=37.50)
    assert ServiceAreasVersion.objects.filter(pk=1).exists()
    assert moves(lambda: Shop.objects.filter(slug="second-shop").update(lat=37.51))
