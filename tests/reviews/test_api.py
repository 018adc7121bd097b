"""The reviews API: only a picked-up reservation reviews, once; the shop's list; the owner's
reply and report; and every bad input a clear 4xx with nothing stored."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from PIL import Image

from pickup.models import Reservation
from pickup.services import reservations as reservation_services
from reviews import services
from reviews.models import Review, ReviewLog
from tests import factories
from tests.support import media
from tests.support.media import jpeg_with_exif

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client(enforce_csrf_checks=True)


def post(client, url, body, **headers):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(url, data, content_type="application/json", headers=headers)


def review_url(reservation: Reservation) -> str:
    return f"/api/reservations/{reservation.token}/review"


def test_review_after_pickup_is_listed_with_masked_nickname(client, shop, picked_up):
    response = post(client, review_url(picked_up), {"rating": 5, "text": "달고 아삭해요"})
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["rating"] == 5 and data["text"] == "달고 아삭해요"
    assert data["reply"] is None and data["nickname"] == "김**"
    assert data["created_at"].endswith("+09:00")

    listed = client.get(f"/api/shops/{shop.slug}/reviews")
    assert listed.status_code == 200
    body = listed.json()
    assert body["count"] == 1 and body["average"] == 5.0
    assert set(body["reviews"][0]) >= {"id", "rating", "text", "created_at", "reply"}
    assert body["reviews"][0]["id"] == data["id"]
    text = listed.content.decode()
    assert "김동네" not in text and picked_up.phone[-4:] not in text and picked_up.token not in text
    assert ReviewLog.objects.get().action == ReviewLog.Action.WRITTEN


def test_average_counts_only_public_reviews(client, shop, reserve):
    for rating in (5, 4, 4):
        reservation = reserve()
        assert post(client, review_url(reservation), {"rating": rating}).status_code == 201
    body = client.get(f"/api/shops/{shop.slug}/reviews").json()
    assert body["count"] == 3 and body["average"] == 4.3


def test_review_before_pickup_is_409_not_picked_up(client, reserve):
    reservation = reserve(picked_up=False)
    response = post(client, review_url(reservation), {"rating": 5, "text": "미리 씀"})
    assert response.status_code == 409
    assert response.json()["code"] == "not_picked_up" and response.json()["detail"]
    assert not Review.objects.exists()


def test_cancelled_reservation_cannot_review(client, reserve):
    reservation = reserve(picked_up=False)
    reservation_services.cancel_reservation(reservation_id=reservation.pk, by="customer")
    response = post(client, review_url(reservation), {"rating": 1})
    assert response.status_code == 409 and response.json()["code"] == "not_picked_up"


def test_second_review_is_409_already_reviewed(client, picked_up):
    assert post(client, review_url(picked_up), {"rating": 4, "text": "좋아요"}).status_code == 201
    again = post(client, review_url(picked_up), {"rating": 1, "text": "또 씀"})
    assert again.status_code == 409 and again.json()["code"] == "already_reviewed"
    assert Review.objects.get().rating == 4


def test_another_reservations_token_reaches_only_that_reservation(client, shop, reserve):
    mine = reserve(name="김동네")
    theirs = reserve(picked_up=False, name="박이웃")
    assert post(client, review_url(mine), {"rating": 5, "text": "내 리뷰"}).status_code == 201

    # Their token is not picked up: it cannot review, edit or delete mine.
    assert post(client, review_url(theirs), {"rating": 1}).json()["code"] == "not_picked_up"
    edited = client.put(
        review_url(theirs), json.dumps({"rating": 1, "text": "x"}), "application/json"
    )
    assert edited.status_code == 404 and edited.json()["code"] == "review_not_found"
    assert client.delete(review_url(theirs)).status_code == 404
    assert client.get(review_url(theirs)).status_code == 404
    review = Review.objects.get()
    assert (review.rating, review.text, review.reservation_id) == (5, "내 리뷰", mine.pk)


def test_another_shops_reservation_reviews_that_shop(client, shop, other_shop, picked_up):
    listing = factories.make_listing(other_shop, "사과")
    counter = factories.shop_counter(other_shop)
    elsewhere = factories.make_reservation(other_shop, listing, counter)
    reservation_services.mark_picked_up(shop=other_shop, code=elsewhere.code)
    assert post(client, review_url(elsewhere), {"rating": 2}).status_code == 201
    assert client.get(f"/api/shops/{shop.slug}/reviews").json()["count"] == 0
    assert client.get(f"/api/shops/{other_shop.slug}/reviews").json()["count"] == 1


def test_unknown_token_and_shop_are_404(client, shop):
    response = post(client, "/api/reservations/nope-not-a-token/review", {"rating": 5})
    assert response.status_code == 404 and response.json()["code"] == "reservation_not_found"
    assert client.get("/api/shops/no-such-shop/reviews").status_code == 404


def test_markup_is_stored_as_given(client, picked_up):
    text = '<script>alert(1)</script> & "따옴표" </script>'
    response = post(client, review_url(picked_up), {"rating": 3, "text": text})
    assert response.status_code == 201
    assert response.json()["text"] == text
    assert Review.objects.get().text == text


@pytest.mark.parametrize("text", ["맛있\x00어요", "좋아\x07요", "탭\x1b[31m", "\ud800"])
def test_control_characters_are_refused(client, picked_up, text):
    body = json.dumps({"rating": 4, "text": text})
    response = client.post(review_url(picked_up), body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] in ("control_characters", "malformed_json", "invalid_input")
    assert not Review.objects.exists()


def test_nul_in_text_is_422_control_characters(client, picked_up):
    response = post(client, review_url(picked_up), {"rating": 4, "text": "맛\u0000있어요"})
    assert response.status_code == 422 and response.json()["code"] == "control_characters"
    assert not Review.objects.exists()


def test_newlines_are_kept(client, picked_up):
    response = post(client, review_url(picked_up), {"rating": 4, "text": "첫 줄\r\n둘째 줄"})
    assert response.status_code == 201 and response.json()["text"] == "첫 줄\n둘째 줄"


@pytest.mark.parametrize("rating", [0, 6, -1, "5", 4.5, True, None, [5], {"v": 5}])
def test_bad_ratings_are_422(client, picked_up, rating):
    response = post(client, review_url(picked_up), {"rating": rating, "text": "좋아요"})
    assert response.status_code == 422 and response.json()["code"] == "invalid_rating"
    assert not Review.objects.exists()


@override_settings(REVIEW_MAX_TEXT=20)
def test_text_too_long_is_422(client, picked_up):
    response = post(client, review_url(picked_up), {"rating": 4, "text": "가" * 21})
    assert response.status_code == 422 and response.json()["code"] == "too_long"
    assert post(client, review_url(picked_up), {"rating": 4, "text": "가" * 20}).status_code == 201


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{not json", 400, "malformed_json"),
        ("[1, 2]", 422, "invalid_input"),
        ('"text"', 422, "invalid_input"),
        ("[" * 100 + "]" * 100, 400, "malformed_json"),
        ('{"rating": 5, "text": 12}', 422, "invalid_input"),
    ],
)
def test_unreadable_bodies_are_4xx(client, picked_up, body, status, code):
    response = post(client, review_url(picked_up), body)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert not Review.objects.exists()


def test_photo_through_multipart_is_resized_and_stripped(client, picked_up):
    photo = SimpleUploadedFile("IMG_0001.jpg", jpeg_with_exif(), content_type="image/jpeg")
    response = client.post(review_url(picked_up), {"rating": "5", "text": "사진", "photo": photo})
    assert response.status_code == 201, response.content
    url = response.json()["photo_url"]
    assert url.startswith("/media/reviews/") and url.endswith(".jpg")
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    data = b"".join(served.streaming_content)
    assert b"PhoneMaker" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert max(image.size) == 1280 and not image.getexif()
    assert client.get(f"/api/shops/{picked_up.shop.slug}/reviews?photos=true").json()["reviews"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.jpg", media.SCRIPT),
        ("page.png", media.HTML),
        ("pic.svg", media.SVG),
        ("empty.jpg", b""),
        ("cut.jpg", jpeg_with_exif()[:200]),
    ],
)
def test_photo_that_is_not_an_image_is_refused(client, picked_up, name, content):
    photo = SimpleUploadedFile(name, content, content_type="image/jpeg")
    response = client.post(review_url(picked_up), {"rating": "5", "text": "x", "photo": photo})
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid_photo"
    assert not Review.objects.exists()


def test_edit_within_the_window_then_refused(client, picked_up, clock):
    created = post(client, review_url(picked_up), {"rating": 2, "text": "별로"}).json()
    clock.now += timedelta(days=6, hours=23)
    edited = client.put(
        review_url(picked_up),
        json.dumps({"rating": 4, "text": "다시 먹으니 좋아요"}),
        "application/json",
    )
    assert edited.status_code == 200 and edited.json()["rating"] == 4
    assert edited.json()["id"] == created["id"]
    clock.now += timedelta(hours=2)
    late = client.put(review_url(picked_up), json.dumps({"rating": 1}), "application/json")
    assert late.status_code == 409 and late.json()["code"] == "edit_window_over"
    assert Review.objects.get().rating == 4


def test_customer_deletes_their_review_any_time(
    client, shop, picked_up, clock, django_capture_on_commit_callbacks
):
    photo = SimpleUploadedFile("p.png", media.png(), content_type="image/png")
    client.post(review_url(picked_up), {"rating": "1", "photo": photo})
    review = Review.objects.get()
    storage, name = review.photo.storage, review.photo.name
    assert storage.exists(name)
    clock.now += timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(review_url(picked_up))
    assert response.status_code == 200 and response.json() == {"id": review.pk, "deleted": True}
    assert not Review.objects.exists() and not storage.exists(name)
    assert client.get(f"/api/shops/{shop.slug}/reviews").json()["count"] == 0
    assert [log.action for log in ReviewLog.objects.order_by("id")] == ["written", "deleted"]


@override_settings(REVIEW_EDITS_PER_RESERVATION=3)
def test_rapid_writes_are_rate_limited(client, picked_up):
    statuses = [post(client, review_url(picked_up), {"rating": 5}).status_code for _ in range(5)]
    assert statuses[:3] == [201, 409, 409] and statuses[3:] == [429, 429]
    response = post(client, review_url(picked_up), {"rating": 5})
    assert response.json()["code"] == "rate_limited" and response.json()["retry_after"] > 0


def test_review_outlives_phone_erasure(client, shop, picked_up, clock, settings):
    post(client, review_url(picked_up), {"rating": 5, "text": "또 올게요"})
    clock.now += timedelta(days=settings.PICKUP_PHONE_RETENTION_DAYS + 1)
    assert reservation_services.purge_expired_phones() >= 1
    picked_up.refresh_from_db()
    assert picked_up.phone == ""
    body = client.get(f"/api/shops/{shop.slug}/reviews").json()
    assert body["count"] == 1 and body["reviews"][0]["text"] == "또 올게요"
    # Nothing personal on the review itself: the masked nickname only.
    review = Review.objects.get()
    fields = {f.name for f in Review._meta.get_fields()}
    assert "phone" not in fields and "name" not in fields and review.nickname == "김**"
    # Even a reservation that goes away leaves the review.
    Reservation.objects.filter(pk=picked_up.pk).delete()
    assert Review.objects.get().reservation_id is None


# --- the owner -------------------------------------------------------------------------


@pytest.fixture
def review(picked_up):
    return services.write_review(reservation=picked_up, rating=2, text="조금 물렀어요")


def reply_url(shop, review) -> str:
    return f"/api/shops/{shop.slug}/reviews/{review.pk}/reply"


def test_owner_replies_once_and_edits_the_reply(api, client, shop, review):
    response = post(api, reply_url(shop, review), {"text": "죄송합니다. 다음엔 더 단단한 걸로!"})
    assert response.status_code == 200, response.content
    assert response.json()["reply"] == "죄송합니다. 다음엔 더 단단한 걸로!"
    again = post(api, reply_url(shop, review), {"text": "고친 답글"})
    assert again.status_code == 200
    listed = client.get(f"/api/shops/{shop.slug}/reviews").json()["reviews"]
    assert len(listed) == 1 and listed[0]["reply"] == "고친 답글"


def test_owner_session_can_reply(owner_client, shop, review):
    response = post(owner_client, reply_url(shop, review), {"text": "감사합니다"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"text": ""}, "required"),
        ({"text": "   "}, "required"),
        ({}, "required"),
        ({"text": "답\x00글"}, "control_characters"),
        ({"text": "가" * 1001}, "too_long"),
        ({"text": 5}, "invalid_input"),
    ],
)
def test_bad_replies_are_422(api, shop, review, body, code):
    response = post(api, reply_url(shop, review), body)
    assert response.status_code == 422 and response.json()["code"] == code
    assert Review.objects.get().reply_text == ""


def test_reply_needs_the_shops_owner(client, other_token, shop, other_shop, review):
    assert post(client, reply_url(shop, review), {"text": "x"}).status_code == 401
    other = Client(headers={"Authorization": f"Bearer {other_token}"})
    assert post(other, reply_url(shop, review), {"text": "x"}).status_code == 403
    # Through their own shop's URL, another shop's review does not exist.
    response = post(other, reply_url(other_shop, review), {"text": "x"})
    assert response.status_code == 404 and response.json()["code"] == "review_not_found"
    bad = post(other, f"/api/shops/{other_shop.slug}/reviews/99999999999999999999/reply", {})
    assert bad.status_code in (404, 422)
    assert Review.objects.get().reply_text == ""


def test_report_hides_until_the_admin_decides(api, client, shop, review):
    response = post(api, f"/api/shops/{shop.slug}/reviews/{review.pk}/report", {"reason": "욕설"})
    assert response.status_code == 200 and response.json()["status"] == "reported"
    assert client.get(f"/api/shops/{shop.slug}/reviews").json()["count"] == 0
    services.decide_report(review_id=review.pk, hide=False, actor=services.Actor(label="admin"))
    assert client.get(f"/api/shops/{shop.slug}/reviews").json()["count"] == 1


def test_report_needs_a_reason(api, shop, review):
    response = post(api, f"/api/shops/{shop.slug}/reviews/{review.pk}/report", {"reason": ""})
    assert response.status_code == 422 and Review.objects.get().status == "visible"


def test_a_new_review_is_told_once_inside_its_transaction(client, picked_up):
    from shops import events

    heard = []

    def receiver(sender, event, **kwargs):
        heard.append(event)

    events.happened.connect(receiver)
    try:
        post(client, review_url(picked_up), {"rating": 4, "text": "비밀 아닌 후기"})
        post(client, review_url(picked_up), {"rating": 4, "text": "두 번째"})  # 409
    finally:
        events.happened.disconnect(receiver)
    told = [e for e in heard if e.type == events.REVIEW_CREATED]
    assert len(told) == 1
    review = Review.objects.get()
    assert told[0].shop_slug == picked_up.shop.slug and told[0].data == {
        "review_id": review.pk,
        "rating": 4,
        "listing_id": picked_up.listing_id,
        "item_name": picked_up.item_name,
        "has_photo": False,
    }


@pytest.mark.parametrize("rating", ["abc", "4.5", "", "6", "9" * 5000])
def test_bad_multipart_ratings_are_422(client, picked_up, rating):
    response = client.post(review_url(picked_up), {"rating": rating, "text": "x"})
    assert response.status_code == 422 and response.json()["code"] == "invalid_rating"
    assert not Review.objects.exists()
