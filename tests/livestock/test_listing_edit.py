"""The owner fixes what they posted (name, unit, prices, note, photo) and re-posts old items."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from livestock import selectors, services
from livestock.models import Listing, ListingOption, StockEvent
from shops.errors import InvalidInput, NotFound
from tests import factories
from tests.support.media import png as png_bytes

pytestmark = pytest.mark.django_db


def edit_form(**overrides):
    data = {
        "name": "대봉감",
        "unit": "박스",
        "price": "12000",
        "pickup_price": "10000",
        "max_per_customer": "3",
        "staff_note": "달아요",
    }
    data.update(overrides)
    return data


def edit_url(shop, listing):
    return f"/owner/s/{shop.slug}/listings/{listing.pk}/edit/"


def test_edit_page_is_prefilled_and_linked_from_the_console(owner_client, shop, listing):
    console = owner_client.get(f"/owner/s/{shop.slug}/").content.decode()
    assert edit_url(shop, listing) in console
    page = owner_client.get(edit_url(shop, listing)).content.decode()
    assert f'value="{listing.name}"' in page
    assert f'value="{listing.price}"' in page


def test_edit_saves_every_field_and_announces_it(owner_client, shop, listing):
    version_before = StockEvent.objects.count()
    response = owner_client.post(edit_url(shop, listing), edit_form())
    assert response.status_code == 302
    listing.refresh_from_db()
    assert (listing.name, listing.unit, listing.price, listing.pickup_price) == (
        "대봉감",
        "박스",
        12000,
        10000,
    )
    assert (listing.max_per_customer, listing.staff_note) == (3, "달아요")
    assert listing.available == 200  # the count is not the form's business
    event = StockEvent.objects.latest("version")
    assert StockEvent.objects.count() == version_before + 1
    assert (event.reason, event.delta, event.payload["name"]) == ("edit", 0, "대봉감")
    shown = Client().get(f"/s/{shop.slug}/").content.decode()
    assert "대봉감" in shown


def test_empty_pickup_price_means_the_price(owner_client, shop, listing):
    owner_client.post(edit_url(shop, listing), edit_form(pickup_price=""))
    listing.refresh_from_db()
    assert listing.pickup_price == listing.price == 12000


def test_markup_in_a_name_is_stored_as_given_and_escaped(owner_client, shop, listing):
    owner_client.post(edit_url(shop, listing), edit_form(name="<b>감</b>"))
    listing.refresh_from_db()
    assert listing.name == "<b>감</b>"
    console = owner_client.get(f"/owner/s/{shop.slug}/").content.decode()
    assert "&lt;b&gt;감&lt;/b&gt;" in console and "<b>감</b>" not in console


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "필수"),
        ({"name": "감\x00"}, ""),
        ({"name": "가" * 121}, ""),
        ({"price": "-1"}, ""),
        ({"price": "abc"}, ""),
        ({"pickup_price": "99999"}, "픽업 가격은 정가보다 높을 수 없습니다"),
        ({"max_per_customer": "0"}, ""),
        ({"unit": ""}, ""),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_changes(
    owner_client, shop, listing, overrides, message
):
    before = (listing.name, listing.price, listing.pickup_price, listing.unit)
    events = StockEvent.objects.count()
    response = owner_client.post(edit_url(shop, listing), edit_form(**overrides))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body
    assert message in body
    listing.refresh_from_db()
    assert (listing.name, listing.price, listing.pickup_price, listing.unit) == before
    assert StockEvent.objects.count() == events


def test_photo_is_replaced_and_the_old_file_removed_after_commit(
    owner_client, shop, listing, django_capture_on_commit_callbacks
):
    first = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    owner_client.post(edit_url(shop, listing), edit_form(photo=first))
    listing.refresh_from_db()
    old_name = listing.photo.name
    old_copies = [v["name"] for v in listing.photo_variants]
    assert old_name.endswith(".jpg") and old_name in old_copies  # stored as resized copies
    storage = listing.photo.storage
    assert all(storage.exists(name) for name in old_copies)
    second = SimpleUploadedFile("b.png", png_bytes((30, 20)), content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(edit_url(shop, listing), edit_form(photo=second))
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.photo.name != old_name
    assert storage.exists(listing.photo.name)
    assert not any(storage.exists(name) for name in old_copies)
    assert all(storage.exists(v["name"]) for v in listing.photo_variants)
    page = Client().get(f"/s/{shop.slug}/").content.decode()
    assert any(storage.url(v["name"]) in page for v in listing.photo_variants)


def test_a_bad_photo_is_refused_and_nothing_changes(owner_client, shop, listing):
    upload = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = owner_client.post(edit_url(shop, listing), edit_form(photo=upload))
    assert response.status_code == 400
    assert "사진 파일을 읽을 수 없습니다" in response.content.decode()
    listing.refresh_from_db()
    assert listing.name != "대봉감"
    assert not listing.photo


def test_replace_photo_service_checks_content_and_scope(shop, other_shop, listing):
    with pytest.raises(InvalidInput):
        services.replace_photo(
            shop=shop,
            listing_id=listing.pk,
            photo=SimpleUploadedFile("x.png", b"GIF89a" + bytes(30), content_type="image/png"),
        )
    with pytest.raises(NotFound):
        services.replace_photo(
            shop=other_shop,
            listing_id=listing.pk,
            photo=SimpleUploadedFile("x.png", png_bytes(), content_type="image/png"),
        )
    result = services.replace_photo(
        shop=shop,
        listing_id=listing.pk,
        photo=SimpleUploadedFile("x.png", png_bytes(), content_type="image/png"),
    )
    listing.refresh_from_db()
    assert listing.photo.name.endswith(".jpg")  # the largest JPEG copy, EXIF-free
    assert {v["ext"] for v in listing.photo_variants} == {"jpg", "webp"}
    assert StockEvent.objects.get(version=result.version).reason == "edit"


def test_another_shops_listing_cannot_be_edited(owner_client, other_shop):
    theirs = factories.make_listing(other_shop, available=5)
    assert owner_client.get(edit_url(other_shop, theirs)).status_code == 404
    response = owner_client.post(edit_url(other_shop, theirs), edit_form())
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name != "대봉감"


def test_edit_needs_login(shop, listing):
    response = Client().post(edit_url(shop, listing), edit_form())
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.name != "대봉감"


# --- 다시 올리기 -------------------------------------------------------------------------


def test_ended_items_are_offered_again_and_prefill_the_arrival_form(owner_client, shop, listing):
    ListingOption.objects.create(
        listing=listing, position=0, label="반팩", units=1, price=5000, pickup_price=4000
    )
    services.end_listing(shop=shop, listing_id=listing.pk)
    console = owner_client.get(f"/owner/s/{shop.slug}/").content.decode()
    repost = f"/owner/s/{shop.slug}/listings/new/?from={listing.pk}"
    assert repost in console
    form = owner_client.get(repost).content.decode()
    assert f'value="{listing.name}"' in form
    assert f'value="{listing.pickup_price}"' in form
    assert 'value="반팩"' in form
    # Posting it again makes a new listing through post_arrival; the old one stays ended.
    response = owner_client.post(
        f"/owner/s/{shop.slug}/listings/new/",
        {
            "name": listing.name,
            "unit": listing.unit,
            "available": "30",
            "price": str(listing.price),
            "pickup_price": str(listing.pickup_price),
            "opt-TOTAL_FORMS": "0",
            "opt-INITIAL_FORMS": "0",
            "opt-MIN_NUM_FORMS": "0",
            "opt-MAX_NUM_FORMS": "5",
        },
    )
    assert response.status_code == 302
    fresh = Listing.objects.get(is_active=True)
    assert fresh.pk != listing.pk and fresh.available == 30 and fresh.name == listing.name
    assert StockEvent.objects.latest("version").reason == "arrival"


def test_repost_of_another_shops_listing_prefills_nothing(owner_client, shop, other_shop):
    theirs = factories.make_listing(other_shop, name="남의 사과", available=5)
    form = owner_client.get(f"/owner/s/{shop.slug}/listings/new/?from={theirs.pk}")
    assert form.status_code == 200
    assert "남의 사과" not in form.content.decode()
    for junk in ("abc", "-1", "99999999999999999999", "²", "1e3", ""):
        assert (
            owner_client.get(f"/owner/s/{shop.slug}/listings/new/?from={junk}").status_code == 200
        )


def test_recently_ended_is_newest_first_one_per_name_and_forgets_old_ones(shop):
    now = timezone.now()
    old = factories.make_listing(shop, name="오래된 배")
    Listing.objects.filter(pk=old.pk).update(is_active=False, arrived_at=now - timedelta(days=30))
    first = factories.make_listing(shop, name="단감")
    Listing.objects.filter(pk=first.pk).update(is_active=False, arrived_at=now - timedelta(days=2))
    again = factories.make_listing(shop, name="단감")
    Listing.objects.filter(pk=again.pk).update(is_active=False, arrived_at=now - timedelta(days=1))
    factories.make_listing(shop, name="사과")  # still on sale
    assert [listing.pk for listing in selectors.recently_ended(shop.pk)] == [again.pk]
