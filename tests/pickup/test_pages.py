"""Pages: the reserve form without JavaScript, the reservation page, the owner console's
reservations, the QR redeem page and the café staff page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from livestock.models import Listing
from pickup.models import PickupWindow, Reservation
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser() -> Client:
    return Client(enforce_csrf_checks=True)


def csrf_post(client: Client, page: str, action: str, data: dict):
    """Submit a form the way a browser without JavaScript does: GET the page, POST with its token."""
    html = client.get(page).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    return client.post(action, {**data, "csrfmiddlewaretoken": token})


def form_values(shop, listing, point, window, **extra):
    return {
        "item": str(listing.pk),
        "slot": f"{point.pk}:{window.pk}",
        "quantity": "2",
        "name": "김동네",
        "phone": "010-1234-5678",
        "consent": "1",
        **extra,
    }


def test_shop_page_has_the_reserve_form_with_pickup_prices_and_windows(
    browser, shop, listing, cafe_point, lunch, evening, clock
):
    html = browser.get(f"/s/{shop.slug}/").content.decode()
    assert 'action="/s/mangwon-fruit/reserve/"' in html
    assert "7,900원" in html  # the pickup price
    assert f'value="{cafe_point.pk}:{lunch.pk}"' in html and "12:00–14:00" in html
    assert "3자리 남음" in html
    assert "js/reserve.js" in html
    assert "<script>" not in html and "style=" not in html  # CSP: no inline script or style


def test_full_and_past_windows_are_shown_but_not_selectable(
    browser, shop, listing, cafe_point, lunch, evening, clock
):
    for _ in range(3):
        factories.make_reservation(shop, listing, cafe_point, lunch)
    clock.set("18:00")
    html = browser.get(f"/s/{shop.slug}/").content.decode()
    assert re.search(rf'value="{cafe_point.pk}:{lunch.pk}"[^>]*disabled', html)
    assert "(지남)" in html or "(마감)" in html


def test_after_the_last_window_the_form_offers_tomorrows_first(
    browser, shop, listing, cafe_point, lunch, evening, clock
):
    clock.set("20:00")
    html = browser.get(f"/s/{shop.slug}/").content.decode()
    tomorrow = (clock.now + timedelta(days=1)).date().isoformat()
    value = f"{cafe_point.pk}:{lunch.pk}:{tomorrow}"
    assert re.search(rf'<option value="{value}"(?![^>]*disabled)[^>]*>내일 · ', html)
    assert re.search(rf'<optgroup label="내일 · [^"]*" data-day="{tomorrow}"', html)
    response = csrf_post(
        browser,
        f"/s/{shop.slug}/",
        f"/s/{shop.slug}/reserve/",
        {**form_values(shop, listing, cafe_point, lunch), "slot": value},
    )
    assert response.status_code == 302
    reservation = Reservation.objects.get()
    assert reservation.window == lunch
    assert reservation.pickup_starts_at == clock.at("12:00") + timedelta(days=1)


def test_the_form_offers_the_open_days_of_the_week_and_skips_closed_ones(
    browser, shop, listing, cafe_point, lunch, clock
):
    from shops.services import set_weekly_hours

    open_day = [["09:00", "19:00"]]
    set_weekly_hours(
        shop=shop,
        weekly={
            "mon": [],
            "tue": open_day,
            "wed": open_day,
            "thu": open_day,
            "fri": open_day,
            "sat": open_day,
            "sun": [],
        },
    )
    html = browser.get(f"/s/{shop.slug}/").content.decode()
    days = re.findall(r'<optgroup label="[^"]*" data-day="([0-9-]+)"', html)
    # Friday 2026-11-20 through Friday 11-27; Sunday 22 and Monday 23 closed.
    assert days == [
        "2026-11-20",
        "2026-11-21",
        "2026-11-24",
        "2026-11-25",
        "2026-11-26",
        "2026-11-27",
    ]
    assert "11월 24일(화) · 골목 카페 · 12:00–14:00 (3자리 남음)" in html


def test_no_js_form_post_reserves_and_redirects_to_the_reservation_page(
    browser, shop, listing, cafe_point, lunch, clock
):
    response = csrf_post(
        browser,
        f"/s/{shop.slug}/",
        f"/s/{shop.slug}/reserve/",
        form_values(shop, listing, cafe_point, lunch, idempotency_key="abc"),
    )
    reservation = Reservation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/r/{reservation.token}/"
    assert Listing.objects.get(pk=listing.pk).available == 198
    # The same form submitted twice (a double tap) reserves once.
    again = csrf_post(
        browser,
        f"/s/{shop.slug}/",
        f"/s/{shop.slug}/reserve/",
        form_values(shop, listing, cafe_point, lunch, idempotency_key="abc"),
    )
    assert again["Location"] == response["Location"]
    assert Reservation.objects.count() == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"quantity": "0"}, "수량은 1 이상"),
        ({"quantity": "1.5"}, "수량은 1 이상"),
        ({"phone": "12345"}, "휴대폰 번호를 확인해 주세요"),
        ({"name": ""}, "받는 분 이름을 입력해 주세요"),
        ({"consent": ""}, "동의해 주세요"),
        ({"item": "999999"}, "이 가게에 해당 상품이 없습니다"),
        ({"slot": "abc"}, "픽업 지점을 찾을 수 없습니다"),
        ({"quantity": "500"}, "수량은 1 이상"),
    ],
)
def test_no_js_form_errors_are_shown_in_korean_and_keep_the_input(
    browser, shop, listing, cafe_point, lunch, clock, change, message
):
    response = csrf_post(
        browser,
        f"/s/{shop.slug}/",
        f"/s/{shop.slug}/reserve/",
        form_values(shop, listing, cafe_point, lunch, **change),
    )
    assert 400 <= response.status_code < 500
    html = response.content.decode()
    assert message in html
    assert 'role="alert"' in html
    if "name" not in change:
        assert 'value="김동네"' in html
    assert not Reservation.objects.exists()
    assert Listing.objects.get(pk=listing.pk).available == 200


def test_no_js_form_says_sold_out(browser, shop, cafe_point, lunch, clock):
    listing = factories.make_listing(shop, "샤인머스캣", 1)
    response = csrf_post(
        browser,
        f"/s/{shop.slug}/",
        f"/s/{shop.slug}/reserve/",
        form_values(shop, listing, cafe_point, lunch),
    )
    assert response.status_code == 409
    assert "재고가 부족합니다" in response.content.decode()


def test_reservation_page_shows_code_qr_place_window_and_cancel(
    browser, shop, listing, cafe_point, lunch, clock
):
    r = factories.make_reservation(
        shop, listing, cafe_point, lunch, quantity=2, phone="010-2222-8765"
    )
    response = browser.get(f"/r/{r.token}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f"{r.code[:3]} {r.code[3:]}" in html
    assert "<svg" in html and 'class="segno"' in html  # the QR, inline SVG
    assert "골목 카페" in html and "서울 마포구 망원로 1" in html and "매일 08:00–22:00" in html
    assert "12:00–14:00" in html and "예약 확정" in html
    assert "010-****-8765" in html and "8765" in html and "2222" not in html
    assert "js/reservation.js" in html and "<script>" not in html and "style=" not in html
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "same-origin"
    assert browser.get("/r/not-a-token/").status_code == 404

    cancelled = csrf_post(browser, f"/r/{r.token}/", f"/r/{r.token}/cancel/", {"reason": "일정"})
    assert cancelled.status_code == 302
    r.refresh_from_db()
    assert r.status == "cancelled" and Listing.objects.get(pk=listing.pk).available == 200
    assert "이 예약은 취소되어" in browser.get(f"/r/{r.token}/").content.decode()


def test_qr_leads_to_the_owner_only_redeem_page(
    shop, other_shop, listing, cafe_point, lunch, owner_client, clock
):
    r = factories.make_reservation(shop, listing, cafe_point, lunch)
    url = f"/owner/s/{shop.slug}/redeem/{r.code}/"
    assert Client().get(url).status_code == 302  # to the login page
    stranger = Client()
    stranger.force_login(factories.make_owner(other_shop, username="stranger"))
    assert stranger.get(url).status_code == 404
    page = owner_client.get(url)
    assert page.status_code == 200 and r.item_name in page.content.decode()
    done = owner_client.post(f"/owner/s/{shop.slug}/pickup/", {"code": r.code})
    assert done.status_code == 302
    r.refresh_from_db()
    assert r.status == "picked_up"
    assert owner_client.get(f"/owner/s/{shop.slug}/redeem/ZZZZZZ/").status_code == 404


def test_owner_sees_today_grouped_with_a_prep_list_and_acts(
    owner_client, shop, listing, cafe_point, lunch, evening, counter_point, clock
):
    a = factories.make_reservation(
        shop, listing, cafe_point, lunch, quantity=2, phone="010-1111-4321"
    )
    b = factories.make_reservation(shop, listing, cafe_point, evening, quantity=3)
    c = factories.make_reservation(shop, listing, counter_point, quantity=1)
    html = owner_client.get(f"/owner/s/{shop.slug}/reservations/").content.decode()
    assert html.index("골목 카페") < html.index("12:00–14:00") < html.index("17:00–19:00")
    assert "<strong>5</strong> × 단감" in html  # prep list for the café: 2 + 3
    # Today's open reservation: the full number with a call button (tests/pickup/test_owner_phone.py).
    assert "010-1111-4321" in html and 'href="tel:+821011114321"' in html
    assert "js/owner_reservations.js" in html

    base = f"/owner/s/{shop.slug}/reservations"
    assert owner_client.post(f"{base}/{a.pk}/ready/").status_code == 302
    assert owner_client.post(f"{base}/{b.pk}/cancel/", {"reason": ""}).status_code == 302
    b.refresh_from_db()
    assert b.status == "confirmed"  # a shop cancel needs a reason
    owner_client.post(f"{base}/{b.pk}/cancel/", {"reason": "상품 파손"})
    clock.now += timedelta(hours=14)  # past midnight: the counter's day is over
    owner_client.post(f"{base}/{c.pk}/no-show/")
    statuses = dict(Reservation.objects.values_list("pk", "status"))
    assert statuses == {a.pk: "ready", b.pk: "cancelled", c.pk: "no_show"}
    wrong = owner_client.post(f"/owner/s/{shop.slug}/pickup/", {"code": "ZZZZZZ"}, follow=True)
    assert "수령 코드가 맞지 않습니다" in wrong.content.decode()


def test_owner_adds_and_removes_windows(owner_client, shop, cafe_point):
    url = f"/owner/s/{shop.slug}/windows/"
    owner_client.post(
        url,
        {"pickup_point": cafe_point.pk, "starts_at": "12:00", "ends_at": "13:00", "capacity": "4"},
    )
    window = PickupWindow.objects.get()
    assert window.capacity == 4
    refused = owner_client.post(
        url, {"pickup_point": cafe_point.pk, "starts_at": "06:00", "ends_at": "07:00"}, follow=True
    )
    assert "영업시간" in refused.content.decode()
    owner_client.post(f"/owner/s/{shop.slug}/windows/{window.pk}/remove/")
    window.refresh_from_db()
    assert not window.is_active


def test_other_shops_owner_cannot_touch_reservations(
    shop, other_shop, listing, cafe_point, lunch, clock
):
    r = factories.make_reservation(shop, listing, cafe_point, lunch)
    stranger = Client()
    stranger.force_login(factories.make_owner(other_shop, username="stranger"))
    assert stranger.get(f"/owner/s/{shop.slug}/reservations/").status_code == 404
    assert stranger.post(f"/owner/s/{shop.slug}/reservations/{r.pk}/ready/").status_code == 404
    r.refresh_from_db()
    assert r.status == "confirmed"


def test_cafe_staff_page_lists_only_that_cafes_orders_across_shops(
    shop, other_shop, listing, clock
):
    # A café between the two shops, inside both service areas.
    shared = factories.make_cafe(shop, "두 가게 카페", lat=37.563, lng=126.941)
    place = shared.place
    other_point = factories.make_cafe(other_shop, place=place)
    bread = factories.make_listing(other_shop, "소금빵", 10)
    mine = factories.make_reservation(shop, listing, shared, phone="010-3333-1234")
    theirs = factories.make_reservation(other_shop, bread, other_point)
    elsewhere = factories.make_reservation(shop, listing, factories.make_cafe(shop, "먼 카페"))
    staff = Client(enforce_csrf_checks=True)
    page = f"/cafe/{place.staff_token}/"
    html = staff.get(page).content.decode()
    assert mine.code[:3] in html and theirs.code[:3] in html and "소금빵" in html
    assert elsewhere.code[:3] + " " + elsewhere.code[3:] not in html
    assert "010-****-1234" in html and "3333" not in html
    assert staff.get("/cafe/wrong-token/").status_code == 404
    done = csrf_post(staff, page, f"{page}handover/", {"code": theirs.code})
    assert done.status_code == 302
    theirs.refresh_from_db()
    assert theirs.status == "picked_up"
    csrf_post(staff, page, f"{page}handover/", {"code": elsewhere.code})
    elsewhere.refresh_from_db()
    assert elsewhere.status == "confirmed"


def test_admin_shows_only_the_owners_reservations_read_only_and_checks_window_hours(
    shop, other_shop, listing, cafe_point, lunch, clock
):
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # creates the owners' group
    user = factories.make_owner(shop, username="kim")
    user.groups.add(Group.objects.get(name="가게 사장님"))
    admin = Client()
    admin.force_login(user)
    mine = factories.make_reservation(shop, listing, cafe_point, lunch, phone="010-4444-9876")
    theirs = factories.make_reservation(
        other_shop,
        factories.make_listing(other_shop, "감", 5),
        factories.make_cafe(other_shop, "남의 카페"),
    )
    page = admin.get("/admin/pickup/reservation/").content.decode()
    assert mine.code in page and theirs.code not in page
    assert "010-****-9876" in page and "4444" not in page
    detail = admin.get(f"/admin/pickup/reservation/{mine.pk}/change/").content.decode()
    assert mine.token not in detail and "4444" not in detail
    assert (
        admin.post(f"/admin/pickup/reservation/{mine.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Reservation.objects.filter(pk=mine.pk).exists()

    refused = admin.post(
        "/admin/pickup/pickupwindow/add/",
        {
            "pickup_point": cafe_point.pk,
            "starts_at": "06:00",
            "ends_at": "07:00",
            "is_active": "on",
        },
    )
    assert refused.status_code == 200 and "영업시간" in refused.content.decode()
    added = admin.post(
        "/admin/pickup/pickupwindow/add/",
        {
            "pickup_point": cafe_point.pk,
            "starts_at": "15:00",
            "ends_at": "16:00",
            "capacity": "4",
            "is_active": "on",
        },
    )
    assert added.status_code == 302
    assert PickupWindow.objects.filter(pickup_point=cafe_point, capacity=4).exists()
