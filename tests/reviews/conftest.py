"""Fixtures for reviews: reservations made and picked up through the real services."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from PIL import Image

from pickup.services import reservations
from tests import factories


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def counter(db, shop):
    return factories.shop_counter(shop)


@pytest.fixture
def reserve(shop, listing, counter, clock):
    """``reserve(picked_up=True, **fields)``: a reservation at the shop's counter."""

    def make(picked_up: bool = True, **fields):
        reservation = factories.make_reservation(shop, listing, counter, **fields)
        if picked_up:
            reservations.mark_picked_up(shop=shop, code=reservation.code)
            reservation.refresh_from_db()
        return reservation

    return make


@pytest.fixture
def picked_up(reserve):
    return reserve(name="김동네")


def jpeg_with_exif(size=(2400, 1600), orientation: int = 6) -> bytes:
    """A camera-like JPEG: big, with EXIF (a GPS position and an orientation tag)."""
    image = Image.new("RGB", size, (200, 80, 30))
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation: rotate 90° CW to display
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (37.0, 33.0, 21.0), 3: "E", 4: (126.0, 54.0, 7.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()
