"""Reviews on the pages: the reservation page's form, the shop and listing pages, the JSON-LD
and share text, the owner console, and the admin; markup escaped everywhere."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from reviews import services
from reviews.models import Review
from tests import factories
from tests.support import media
from tests.support.media import jpeg_with_exif

pytestmark = pytest.mark.django_db

MARKUP = '</script><script>alert("x")</script><b>굵게</b> & <img src=x onerror=alert(1)>'


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD"
    return json.loads(match.group(1))


def submit(client, reservation, **fields):
    return client.post(f"/r/{reservation.token}/review/", fields, follow=True)


# --- the reservation page --------------------------------------------------------------


def test_no_review_form_before_pickup(reserve):
    reservation = reserve(picked_up=False)
    html = page(Client(), f"/r/{reservation.token}/")
    assert "data-review-form" not in html
    response = submit(Client(), reservation, rating="5", text="미리")
    assert "수령을 마친 예약만" in response.content.decode()
    assert not Review.objects.exists()


def test_write_with_photo_then_see_it_everywhere(shop, listing, picked_up):
    client = Client()
    html = page(client, f"/r/{picked_up.token}/")
    assert "data-review-form" in html and 'enctype="multipart/form-data"' in html
    photo = SimpleUploadedFile("IMG_1.jpg", jpeg_with_exif(), content_type="image/jpeg")
    response = submit(client, picked_up, rating="4", text="달아요\n또 살게요", photo=photo)
    assert response.redirect_chain[-1][0].endswith(f"/r/{picked_up.token}/#review")
    html = response.content.decode()
    assert "리뷰를 올렸습니다" in html and "내가 쓴 리뷰" in html and "달아요<br>또 살게요" in html
    review = Review.objects.get()
    assert review.photo.name.endswith(".jpg") and review.nickname == "김**"

    shop_html = page(client, f"/s/{shop.slug}/")
    assert "별점 4.0 · 리뷰 1개" in shop_html
    # Near the top: the summary comes before today's arrivals.
    assert shop_html.index("별점 4.0 · 리뷰 1개") < shop_html.index("arrivals-title")
    assert review.photo.url in shop_html and "김**" in shop_html
    assert "김동네" not in shop_html.split('id="reviews"')[1]
    assert picked_up.phone[-4:] not in shop_html

    listing_html = page(client, f"/s/{shop.slug}/l/{listing.pk}/")
    assert "달아요" in listing_html and 'id="reviews"' in listing_html


def test_listing_page_shows_only_that_items_reviews(shop, listing, counter, reserve, clock):
    other = factories.make_listing(shop, "배", 50)
    mine = reserve()
    pear = factories.make_reservation(shop, other, counter)
    from pickup.services import reservations

    reservations.mark_picked_up(shop=shop, code=pear.code)
    services.write_review(reservation=mine, rating=5, text="단감 최고")
    services.write_review(reservation=pear, rating=3, text="배는 보통")
    html = page(Client(), f"/s/{shop.slug}/l/{listing.pk}/")
    assert "단감 최고" in html and "배는 보통" not in html
    html = page(Client(), f"/s/{shop.slug}/l/{other.pk}/")
    assert "배는 보통" in html and "단감 최고" not in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rating": "5", "text": "널\x00문자"}, "제어 문자"),
        ({"rating": "9", "text": "좋아요"}, "별점은"),
        ({"text": "별점 없음"}, "별점은"),
        ({"rating": "5", "text": "가" * 501}, "500자 이하"),
    ],
)
def test_bad_form_input_says_why_and_stores_nothing(picked_up, fields, message):
    response = submit(Client(), picked_up, **fields)
    assert response.status_code == 200
    assert message in unescape(response.content.decode())
    assert not Review.objects.exists()


def test_form_photo_that_is_not_an_image_is_refused(picked_up):
    photo = SimpleUploadedFile("cat.jpg", media.HTML, content_type="image/jpeg")
    response = submit(Client(), picked_up, rating="5", text="사진", photo=photo)
    assert "JPG, PNG, WebP" in unescape(response.content.decode())
    assert not Review.objects.exists()


def test_edit_then_delete_from_the_reservation_page(shop, picked_up, clock):
    client = Client()
    submit(client, picked_up, rating="2", text="별로")
    response = submit(client, picked_up, rating="5", text="다시 먹어 보니 좋아요")
    assert "리뷰를 고쳤습니다" in response.content.decode()
    assert Review.objects.get().rating == 5 and Review.objects.count() == 1

    clock.now += timedelta(days=8)
    html = page(client, f"/r/{picked_up.token}/")
    assert "data-review-form" not in html and "기간(쓴 날부터 7일)이 지났습니다" in html
    response = client.post(f"/r/{picked_up.token}/review/delete/", follow=True)
    assert "리뷰를 지웠습니다" in response.content.decode()
    assert not Review.objects.exists()
    assert "별점" not in page(client, f"/s/{shop.slug}/").split('id="reviews"')[0]


def test_markup_is_escaped_on_every_page(shop, listing, owner_client, picked_up):
    review = services.write_review(reservation=picked_up, rating=1, text=MARKUP)
    services.reply_to_review(
        shop=shop, review_id=review.pk, text=MARKUP, actor=services.Actor(label="t")
    )
    for url in (
        f"/s/{shop.slug}/",
        f"/s/{shop.slug}/l/{listing.pk}/",
        f"/r/{picked_up.token}/",
    ):
        html = page(Client(), url)
        assert "<b>굵게</b>" not in html and "<img src=x" not in html, url
        assert "&lt;b&gt;굵게&lt;/b&gt;" in html, url
    console = page(owner_client, f"/owner/s/{shop.slug}/reviews/")
    assert "<b>굵게</b>" not in console and "&lt;b&gt;굵게&lt;/b&gt;" in console


def test_json_ld_has_aggregate_rating_and_cannot_be_broken_out_of(shop, reserve):
    for rating, text in ((5, MARKUP), (4, "좋아요")):
        services.write_review(reservation=reserve(), rating=rating, text=text)
    html = page(Client(), f"/s/{shop.slug}/")
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block and ">" not in block  # the review's </script> stays inside
    data = json_ld(html)
    assert data["@type"] == "LocalBusiness" and data["name"] == shop.name
    assert data["aggregateRating"] == {
        "@type": "AggregateRating",
        "ratingValue": 4.5,
        "reviewCount": 2,
        "bestRating": 5,
        "worstRating": 1,
    }
    assert MARKUP in [r["reviewBody"] for r in data["review"]]
    assert '<script>alert("x")' not in html


def test_json_ld_without_reviews_has_no_rating(shop):
    data = json_ld(page(Client(), f"/s/{shop.slug}/"))
    assert "aggregateRating" not in data


def test_share_description_carries_the_stars(shop, reserve):
    for rating in (5, 5, 4):
        services.write_review(reservation=reserve(), rating=rating, text="")
    html = page(Client(), f"/s/{shop.slug}/")
    description = re.search(r'<meta property="og:description" content="([^"]*)"', html).group(1)
    assert unescape(description).startswith("★4.7 (3) · ")


def test_photo_filter_shows_only_photo_reviews(shop, reserve):
    with_photo = reserve()
    services.write_review(
        reservation=with_photo,
        rating=5,
        text="사진 있음",
        photo=SimpleUploadedFile("a.png", media.png(), content_type="image/png"),
    )
    services.write_review(reservation=reserve(), rating=4, text="글만")
    html = page(Client(), f"/s/{shop.slug}/")
    assert "사진 있음" in html and "글만" in html and "사진 리뷰 (1)" in html
    filtered = page(Client(), f"/s/{shop.slug}/?reviews=photo").split("</head>")[1]
    assert "사진 있음" in filtered and "글만" not in filtered


# --- the owner console -----------------------------------------------------------------


def test_console_lists_new_reviews_replies_and_reports(shop, owner_client, picked_up):
    review = services.write_review(reservation=picked_up, rating=1, text="물렀어요")
    console = page(owner_client, f"/owner/s/{shop.slug}/")
    assert f"/owner/s/{shop.slug}/reviews/" in console and "새 리뷰 1" in console

    html = page(owner_client, f"/owner/s/{shop.slug}/reviews/")
    assert "물렀어요" in html and "새 리뷰" in html
    assert "솔직한 나쁜 리뷰도 지우지 않습니다" in html
    assert "새 리뷰 1" not in page(owner_client, f"/owner/s/{shop.slug}/")  # seen now

    url = f"/owner/s/{shop.slug}/reviews/{review.pk}/reply/"
    response = owner_client.post(url, {"text": "죄송해요, 바꿔 드릴게요"}, follow=True)
    assert "답글을 올렸습니다" in response.content.decode()
    owner_client.post(url, {"text": "고친 답글입니다"})
    assert Review.objects.get().reply_text == "고친 답글입니다"
    shop_html = page(Client(), f"/s/{shop.slug}/")
    assert "사장님 답글" in shop_html and "고친 답글입니다" in shop_html

    bad = owner_client.post(url, {"text": "답\x00글"}, follow=True)
    assert "제어 문자" in unescape(bad.content.decode())
    assert Review.objects.get().reply_text == "고친 답글입니다"

    report = f"/owner/s/{shop.slug}/reviews/{review.pk}/report/"
    response = owner_client.post(report, {"reason": "경쟁 가게의 광고"}, follow=True)
    assert "운영자가 확인할 때까지" in response.content.decode()
    assert Review.objects.get().status == Review.Status.REPORTED
    assert "물렀어요" not in page(Client(), f"/s/{shop.slug}/")
    assert "물렀어요" in page(owner_client, f"/owner/s/{shop.slug}/reviews/")


def test_a_refused_reply_or_report_is_said_on_its_form_with_what_was_typed(
    shop, owner_client, picked_up
):
    review = services.write_review(reservation=picked_up, rating=2, text="물렀어요")
    typed = "죄송합니다.\x00 다음엔 더 단단한 걸로 드릴게요 " * 3
    bad = owner_client.post(f"/owner/s/{shop.slug}/reviews/{review.pk}/reply/", {"text": typed})
    assert bad.status_code == 422
    html = unescape(bad.content.decode())
    error = re.search(rf'id="reply-{review.pk}-error">([^<]+)<', html)
    assert error and "제어 문자" in error[1]
    assert f'aria-describedby="reply-{review.pk}-error"' in html
    assert "다음엔 더 단단한 걸로 드릴게요" in html  # nothing typed is lost
    assert Review.objects.get().reply_text == ""

    report = owner_client.post(
        f"/owner/s/{shop.slug}/reviews/{review.pk}/report/", {"reason": "광고\x07입니다"}
    )
    assert report.status_code == 422
    html = unescape(report.content.decode())
    assert re.search(r"<details open>\s*<summary[^>]*>신고하기", html)
    assert re.search(rf'id="report-{review.pk}-error">[^<]*제어 문자', html)
    assert 'value="광고' in html
    assert Review.objects.get().status == Review.Status.VISIBLE

    # A review no longer there: said at the top of the page, not lost.
    gone = owner_client.post(
        f"/owner/s/{shop.slug}/reviews/999999/reply/", {"text": "답글"}, follow=True
    )
    assert gone.redirect_chain and "리뷰" in unescape(gone.content.decode())
    assert any(m.level_tag == "error" for m in gone.context["messages"])


def test_console_of_another_shop_is_404(shop, other_shop, picked_up):
    review = services.write_review(reservation=picked_up, rating=1, text="x")
    stranger = factories.make_owner(other_shop, username="stranger")
    client = Client()
    client.force_login(stranger)
    assert client.get(f"/owner/s/{shop.slug}/reviews/").status_code == 404
    response = client.post(f"/owner/s/{shop.slug}/reviews/{review.pk}/reply/", {"text": "x"})
    assert response.status_code == 404
    # Through their own shop's URL the review is not found, and nothing changes.
    client.post(f"/owner/s/{other_shop.slug}/reviews/{review.pk}/report/", {"reason": "x"})
    assert Review.objects.get().status == Review.Status.VISIBLE
    assert Client().get(f"/owner/s/{shop.slug}/reviews/").status_code == 302  # to sign-in


# --- the admin -------------------------------------------------------------------------


@pytest.fixture
def platform_admin(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-1")


def test_platform_admin_decides_on_a_report(shop, owner, platform_admin, picked_up):
    review = services.write_review(reservation=picked_up, rating=1, text=MARKUP)
    services.report_review(
        shop=shop, review_id=review.pk, reason="<i>욕설</i>", actor=services.Actor(user=owner)
    )
    admin = Client()
    admin.force_login(platform_admin)
    listing = page(admin, "/admin/reviews/review/?status=reported")
    assert "<i>욕설</i>" not in listing and "&lt;i&gt;욕설&lt;/i&gt;" in listing
    detail = page(admin, f"/admin/reviews/review/{review.pk}/change/")
    assert "<b>굵게</b>" not in detail and "&lt;b&gt;굵게&lt;/b&gt;" in detail

    response = admin.post(
        "/admin/reviews/review/",
        {"action": "restore_reviews", "_selected_action": [review.pk]},
        follow=True,
    )
    assert response.status_code == 200
    review.refresh_from_db()
    assert review.status == Review.Status.VISIBLE and review.decided_at is not None

    services.report_review(
        shop=shop, review_id=review.pk, reason="다시", actor=services.Actor(user=owner)
    )
    admin.post(
        "/admin/reviews/review/", {"action": "hide_reviews", "_selected_action": [review.pk]}
    )
    assert Review.objects.get().status == Review.Status.HIDDEN


def test_shop_owner_sees_reviews_in_admin_but_cannot_decide(shop, other_shop, owner, picked_up):
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # creates the owners' group
    owner.groups.add(Group.objects.get(name="가게 사장님"))
    from pickup.services import reservations

    review = services.write_review(reservation=picked_up, rating=1, text="내 가게 리뷰")
    services.report_review(shop=shop, review_id=review.pk, reason="r", actor=services.Actor())
    apple = factories.make_listing(other_shop, "남의 사과")
    theirs = factories.make_reservation(other_shop, apple, factories.shop_counter(other_shop))
    reservations.mark_picked_up(shop=other_shop, code=theirs.code)
    services.write_review(reservation=theirs, rating=5, text="남의 리뷰")
    client = Client()
    client.force_login(owner)
    html = page(client, "/admin/reviews/review/")
    assert "restore_reviews" not in html and "단감" in html and "남의 사과" not in html
    client.post(
        "/admin/reviews/review/", {"action": "restore_reviews", "_selected_action": [review.pk]}
    )
    assert Review.objects.get(pk=review.pk).status == Review.Status.REPORTED


def test_preview_image_shows_the_stars_under_a_new_url(shop, listing, reserve):
    from storefront import og_image, previews

    before = previews.build_preview(shop, [listing])
    assert before.rating == ""
    services.write_review(reservation=reserve(), rating=5, text=MARKUP)
    after = previews.build_preview(shop, [listing])
    assert after.rating == "★5.0 (1)" and after.fingerprint() != before.fingerprint()
    assert og_image.render_preview_png(after) != og_image.render_preview_png(before)
    # A listing's own preview stays about the listing.
    assert previews.build_preview(shop, [listing], listing).rating == ""

    from livestock.selectors import active_listings

    shown = previews.build_preview(shop, list(active_listings(shop.pk)))
    html = page(Client(), f"/s/{shop.slug}/")
    image = re.search(r'<meta property="og:image" content="http://testserver([^"]+)"', html)
    assert image and shown.rating == "★5.0 (1)" and shown.fingerprint() in image.group(1)
    response = Client().get(image.group(1))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
