"""The owner's phone console: post an arrival, tap the count buttons."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from livestock.models import Listing, StockEvent
from tests import factories
from tests.support.media import movie as mp4_bytes
from tests.support.media import png as png_bytes

pytestmark = pytest.mark.django_db


def arrival_form(**overrides):
    data = {
        "name": "단감",
        "available": "200",
        "unit": "팩",
        "price": "9000",
        "pickup_price": "7900",
        "staff_note": "직원이 직접 먹어 본 후기",
        "opt-TOTAL_FORMS": "2",
        "opt-INITIAL_FORMS": "0",
        "opt-MIN_NUM_FORMS": "0",
        "opt-MAX_NUM_FORMS": "5",
        "opt-0-label": "1팩",
        "opt-0-units": "2",
        "opt-0-price": "9000",
        "opt-0-pickup_price": "7900",
        "opt-1-label": "반팩",
        "opt-1-units": "1",
        "opt-1-price": "5000",
        "opt-1-pickup_price": "4200",
    }
    data.update(overrides)
    return data


def test_console_requires_login(shop):
    response = Client().get("/owner/")
    assert response.status_code == 302
    assert response["Location"].startswith("/owner/login/")


def test_login_page_and_console_for_the_owner(shop, owner):
    client = Client()
    assert client.get("/owner/login/").status_code == 200
    response = client.post("/owner/login/", {"username": "owner", "password": "pw-for-tests-1"})
    assert response.status_code == 302
    response = client.get("/owner/", follow=True)
    assert response.status_code == 200
    assert shop.name in response.content.decode()


def test_post_arrival_with_photo_video_and_options(owner_client, shop):
    data = arrival_form(
        photo=SimpleUploadedFile("x.png", png_bytes(), content_type="image/png"),
        video=SimpleUploadedFile("clip.mp4", mp4_bytes(12.5), content_type="video/mp4"),
    )
    response = owner_client.post(f"/owner/s/{shop.slug}/listings/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    listing = Listing.objects.get()
    assert (listing.name, listing.available, listing.pickup_price) == ("단감", 200, 7900)
    # A photo is kept as resized JPEG/WebP copies; the listing's photo is the largest JPEG.
    assert listing.photo.name.endswith(".jpg")
    assert listing.video.name.endswith(".mp4")
    assert [(o.label, o.units) for o in listing.options.all()] == [("1팩", 2), ("반팩", 1)]
    assert StockEvent.objects.get().reason == "arrival"
    page = Client().get(f"/s/{shop.slug}/").content.decode()
    assert listing.photo.url in page and listing.video.url in page
    media = Client().get(listing.photo.url)
    assert media.status_code == 200
    assert media["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(
    ("field", "upload", "message"),
    [
        (
            "photo",
            SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg"),
            "사진 파일을 읽을 수 없습니다",
        ),
        (
            "photo",
            SimpleUploadedFile("x.gif", b"GIF89a" + bytes(30), content_type="image/gif"),
            "사진",
        ),
        (
            "video",
            SimpleUploadedFile("v.mp4", mp4_bytes(25), content_type="video/mp4"),
            "20초 이하",
        ),
        (
            "video",
            SimpleUploadedFile("v.mp4", b"\x00" * 64, content_type="video/mp4"),
            "MP4 또는 MOV",
        ),
        (
            "video",
            SimpleUploadedFile("v.png", png_bytes(), content_type="video/mp4"),
            "MP4 또는 MOV",
        ),
    ],
)
def test_bad_uploads_are_refused_with_a_message_and_nothing_saved(
    owner_client, shop, field, upload, message
):
    response = owner_client.post(
        f"/owner/s/{shop.slug}/listings/new/", arrival_form(**{field: upload})
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Listing.objects.exists()


def test_oversized_photo_is_refused(owner_client, shop, settings):
    settings.MAX_PHOTO_BYTES = 100
    upload = SimpleUploadedFile("x.png", png_bytes((200, 200)), content_type="image/png")
    response = owner_client.post(f"/owner/s/{shop.slug}/listings/new/", arrival_form(photo=upload))
    assert response.status_code == 400
    assert "MB 이하" in response.content.decode()
    assert not Listing.objects.exists()


def test_invalid_arrival_form_shows_errors(owner_client, shop):
    response = owner_client.post(
        f"/owner/s/{shop.slug}/listings/new/", arrival_form(available="-5", pickup_price="99999")
    )
    assert response.status_code == 400
    assert not Listing.objects.exists()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"delta": "1"}, 201),
        ({"delta": "10"}, 210),
        ({"delta": "-1"}, 199),
        ({"delta": "-10"}, 190),
        ({"action": "set", "set": "42"}, 42),
        ({"action": "sold_out"}, 0),
    ],
)
def test_count_buttons(owner_client, shop, listing, data, expected):
    url = f"/owner/s/{shop.slug}/listings/{listing.pk}/stock/"
    response = owner_client.post(url, data)
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.available == expected


def test_count_buttons_answer_json_for_the_script(owner_client, shop, listing):
    url = f"/owner/s/{shop.slug}/listings/{listing.pk}/stock/"
    response = owner_client.post(url, {"delta": "-3"}, headers={"Accept": "application/json"})
    assert response.json() == {"available": 197, "version": 2}
    response = owner_client.post(url, {"delta": "-500"}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "재고가 부족합니다" in response.json()["detail"]
    response = owner_client.post(url, {"delta": "1.5"}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    listing.refresh_from_db()
    assert listing.available == 197


def test_too_many_minus_shows_a_message_and_keeps_the_count(owner_client, shop, listing):
    url = f"/owner/s/{shop.slug}/listings/{listing.pk}/stock/"
    response = owner_client.post(url, {"delta": "-1000"}, follow=True)
    assert "재고가 부족합니다" in response.content.decode()
    listing.refresh_from_db()
    assert listing.available == 200


def test_end_listing(owner_client, shop, listing):
    owner_client.post(f"/owner/s/{shop.slug}/listings/{listing.pk}/end/")
    listing.refresh_from_db()
    assert listing.status == "ended"
    assert StockEvent.objects.latest("version").reason == "ended"


def test_console_of_another_shop_is_404(owner_client, other_shop):
    theirs = factories.make_listing(other_shop, available=5)
    assert owner_client.get(f"/owner/s/{other_shop.slug}/").status_code == 404
    response = owner_client.post(
        f"/owner/s/{other_shop.slug}/listings/{theirs.pk}/stock/", {"delta": "-5"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.available == 5
