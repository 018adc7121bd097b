"""``manage.py refresh_listing_photos``: a photo stored before resized copies existed, with
the GPS position the phone wrote into it, becomes EXIF-free copies; running it again changes
nothing."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from PIL import Image

from livestock import services
from livestock.models import Listing, StockEvent
from shops.errors import NotFound
from tests import factories
from tests.support.media import jpeg_with_exif

pytestmark = pytest.mark.django_db


def old_photo(listing: Listing, data: bytes, name: str = "old.jpg") -> str:
    """Store ``data`` as the listing's photo the way it was kept before copies existed."""
    stored = default_storage.save(f"listings/{listing.shop_id}/{name}", ContentFile(data))
    Listing.objects.filter(pk=listing.pk).update(photo=stored, photo_variants=[])
    return stored


def run(*args: str) -> str:
    out = StringIO()
    call_command("refresh_listing_photos", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_an_old_gps_tagged_photo_becomes_copies_without_exif_and_the_original_goes(
    shop, listing, django_capture_on_commit_callbacks
):
    original = old_photo(listing, jpeg_with_exif((2400, 1600), orientation=6))
    with default_storage.open(original) as fh:
        assert Image.open(fh).getexif().get(0x8825)  # the GPS block is there to begin with
    untouched = factories.make_listing(shop, "사과")  # no photo: nothing to do
    with django_capture_on_commit_callbacks(execute=True):
        out = run()
    assert "1 photos refreshed, 0 skipped" in out
    listing.refresh_from_db()
    assert {v["ext"] for v in listing.photo_variants} == {"jpg", "webp"}
    assert listing.photo.name == listing.photo_variants[-1]["name"]
    for variant in listing.photo_variants:
        with default_storage.open(variant["name"]) as fh:
            data = fh.read()
        image = Image.open(io.BytesIO(data))
        assert not image.getexif() and b"PhoneMaker" not in data
        assert image.height > image.width  # turned upright as the EXIF said, then forgotten
    assert not default_storage.exists(original)
    event = StockEvent.objects.filter(listing=listing).latest("version")
    assert (event.reason, event.actor_label) == ("edit", "refresh_listing_photos")
    assert event.payload["photo_card_url"]
    assert not Listing.objects.get(pk=untouched.pk).photo


def test_running_it_again_changes_nothing(shop, listing, django_capture_on_commit_callbacks):
    old_photo(listing, jpeg_with_exif())
    with django_capture_on_commit_callbacks(execute=True):
        run()
    listing.refresh_from_db()
    copies, events = listing.photo_variants, StockEvent.objects.count()
    assert "0 photos refreshed, 0 skipped" in run()
    listing.refresh_from_db()
    assert listing.photo_variants == copies
    assert StockEvent.objects.count() == events
    assert services.refresh_old_photo(shop=shop, listing_id=listing.pk) is None


def test_dry_run_lists_and_changes_nothing(shop, listing):
    original = old_photo(listing, jpeg_with_exif())
    out = run("--dry-run")
    assert f"would refresh {shop.slug} #{listing.pk}" in out and "1 photos to refresh" in out
    listing.refresh_from_db()
    assert listing.photo.name == original and listing.photo_variants == []


def test_one_shop_only(shop, other_shop, listing):
    theirs = factories.make_listing(other_shop, "배")
    old_photo(listing, jpeg_with_exif())
    old_photo(theirs, jpeg_with_exif(), name="theirs.jpg")
    run("--shop", other_shop.slug)
    assert Listing.objects.get(pk=listing.pk).photo_variants == []
    assert Listing.objects.get(pk=theirs.pk).photo_variants
    with pytest.raises(CommandError):
        run("--shop", "no-such-shop")


def test_a_missing_or_broken_file_is_reported_and_the_others_still_refreshed(shop, listing):
    old_photo(listing, jpeg_with_exif()[:2000], name="broken.jpg")  # cut off mid-pixels
    gone = factories.make_listing(shop, "사과")
    Listing.objects.filter(pk=gone.pk).update(photo=f"listings/{shop.pk}/gone.jpg")
    fine = factories.make_listing(shop, "배")
    old_photo(fine, jpeg_with_exif(), name="fine.jpg")
    err = StringIO()
    with pytest.raises(CommandError, match="2 photos could not be refreshed"):
        call_command("refresh_listing_photos", stdout=StringIO(), stderr=err)
    assert "사진 파일을 읽을 수 없습니다" in err.getvalue()
    assert "사진 파일이 저장소에 없습니다" in err.getvalue()
    assert Listing.objects.get(pk=listing.pk).photo_variants == []
    assert Listing.objects.get(pk=fine.pk).photo_variants
    with pytest.raises(NotFound):
        services.refresh_old_photo(shop=shop, listing_id=gone.pk)
