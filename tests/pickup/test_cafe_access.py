"""Café staff get in: the owner invites a café from the console (a link and a QR, renewable and
revocable), the customer's QR takes café staff to their own handover page with that order
first, a typed code does the same, and seed_demo prints the links."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from pickup.models import PickupPlace, Reservation
from pickup.services import points
from shops.errors import NotFound, PermissionDenied
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shop, listing, cafe_point, lunch, clock):
    return factories.make_reservation(shop, listing, cafe_point, lunch, quantity=2)


def _staff(place) -> Client:
    """Café staff whose phone has opened their staff link."""
    client = Client()
    assert client.get(f"/cafe/{place.staff_token}/").status_code == 200
    return client


# --- the owner's console -----------------------------------------------------------------


def test_owner_sees_each_owned_cafe_link_with_a_qr(owner_client, shop, cafe_point):
    html = owner_client.get(f"/owner/s/{shop.slug}/cafes/").content.decode()
    place = cafe_point.place
    assert f"http://testserver/cafe/{place.staff_token}/" in html
    assert "<svg" in html and "직원 링크 QR" in html
    assert "새 링크 만들기" in html and "링크 끄기" in html
    assert (
        f"/owner/s/{shop.slug}/cafes/"
        in owner_client.get(f"/owner/s/{shop.slug}/").content.decode()
    )


def test_renewing_replaces_the_link_and_turning_off_closes_it(owner_client, shop, cafe_point):
    place = cafe_point.place
    old = place.staff_token
    response = owner_client.post(f"/owner/s/{shop.slug}/cafes/{place.pk}/link/renew/")
    assert response.status_code == 302
    place.refresh_from_db()
    assert place.staff_token != old and place.staff_link_active
    assert Client().get(f"/cafe/{old}/").status_code == 404
    assert Client().get(f"/cafe/{place.staff_token}/").status_code == 200

    owner_client.post(f"/owner/s/{shop.slug}/cafes/{place.pk}/link/off/")
    place.refresh_from_db()
    assert not place.staff_link_active
    assert Client().get(f"/cafe/{place.staff_token}/").status_code == 404
    html = owner_client.get(f"/owner/s/{shop.slug}/cafes/").content.decode()
    assert "직원 링크가 꺼져 있습니다" in html and "/cafe/" not in html

    owner_client.post(f"/owner/s/{shop.slug}/cafes/{place.pk}/link/renew/")
    place.refresh_from_db()
    assert place.staff_link_active
    assert Client().get(f"/cafe/{place.staff_token}/").status_code == 200


def test_only_the_owning_shop_manages_a_cafe_link(shop, cafe_point):
    other_shop = factories.make_shop(
        slug="next-door", name="옆 가게", lat=shop.lat + 0.002, lng=shop.lng
    )
    partner = factories.make_cafe(other_shop, place=cafe_point.place)
    token = cafe_point.place.staff_token
    with pytest.raises(PermissionDenied):
        points.renew_staff_link(shop=other_shop, place_id=partner.place.pk)
    with pytest.raises(NotFound):
        points.revoke_staff_link(shop=other_shop, place_id=999_999)
    with pytest.raises(NotFound):
        points.revoke_staff_link(shop=shop, place_id="1")
    counter = factories.shop_counter(shop)
    with pytest.raises(NotFound):  # the shop's own counter has no café link
        points.renew_staff_link(shop=shop, place_id=counter.place.pk)
    assert PickupPlace.objects.get(pk=cafe_point.place.pk).staff_token == token


def test_cafe_links_page_is_for_the_shops_managers(shop, other_shop, cafe_point):
    anonymous = Client().get(f"/owner/s/{shop.slug}/cafes/")
    assert anonymous.status_code == 302 and "/owner/login/" in anonymous["Location"]
    stranger = Client()
    stranger.force_login(factories.make_owner(other_shop, username="stranger"))
    assert stranger.get(f"/owner/s/{shop.slug}/cafes/").status_code in (403, 404)
    response = stranger.post(f"/owner/s/{shop.slug}/cafes/{cafe_point.place.pk}/link/renew/")
    assert response.status_code in (403, 404)


# --- the customer's QR -------------------------------------------------------------------


def test_customer_qr_leads_cafe_staff_to_their_handover_page(order, cafe_point):
    place = cafe_point.place
    staff = _staff(place)
    response = staff.get(f"/h/{order.shop.slug}/{order.code}/")
    assert response.status_code == 302
    assert response["Location"] == f"/cafe/{place.staff_token}/?code={order.code}"
    html = staff.get(response["Location"]).content.decode()
    found = html[html.index("이 주문을 전달하세요") :]
    assert order.item_name in found[:600] and "× 2" in found[:600]
    assert f'name="code" value="{order.code}"' in found

    staff.post(f"/cafe/{place.staff_token}/handover/", {"code": order.code})
    order.refresh_from_db()
    assert order.status == Reservation.Status.PICKED_UP


def test_customer_qr_leads_the_owner_to_the_redeem_page(order, owner_client):
    response = owner_client.get(f"/h/{order.shop.slug}/{order.code}/")
    assert response.status_code == 302
    assert response["Location"] == f"/owner/s/{order.shop.slug}/redeem/{order.code}/"


def test_customer_qr_tells_anyone_else_what_it_is_for_and_nothing_more(order, shop, other_shop):
    html = Client().get(f"/h/{shop.slug}/{order.code}/").content.decode()
    assert "직원이 찍는 코드" in html and "/owner/login/?next=" in html
    assert order.item_name not in html.split("<main", 1)[1] and order.name not in html
    # Staff of another café (a link opened on this phone) learn nothing either.
    elsewhere = factories.make_cafe(shop, "다른 카페")
    staff = _staff(elsewhere.place)
    response = staff.get(f"/h/{shop.slug}/{order.code}/")
    assert response.status_code == 200 and order.name not in response.content.decode()
    assert Client().get(f"/h/no-such-shop/{order.code}/").status_code == 404


def test_reservation_qr_encodes_the_handover_address(order):
    from pickup import views

    request = Client().get("/").wsgi_request
    svg = views._redeem_qr(request, order)
    assert svg.startswith("<svg")
    url = f"http://testserver/h/{order.shop.slug}/{order.code}/"
    import segno

    assert (
        segno.make(url, error="m").svg_inline(scale=5, dark="#111", light="#fff", omitsize=True)
        == svg
    )


# --- typed code on the café page ----------------------------------------------------------


def test_typed_code_brings_the_order_up_and_wrong_codes_are_limited(order, cafe_point, settings):
    settings.PICKUP_CODE_ATTEMPTS = 3
    place = cafe_point.place
    staff = _staff(place)
    spaced = f"{order.code[:3]} {order.code[3:]}".lower()
    html = staff.get(f"/cafe/{place.staff_token}/", {"code": spaced}).content.decode()
    assert "이 주문을 전달하세요" in html and order.item_name in html

    for _ in range(3):
        html = staff.get(f"/cafe/{place.staff_token}/", {"code": "ZZZZZZ"}).content.decode()
        assert "그 수령 코드가 없습니다" in html and "이 주문을 전달하세요" not in html
        assert 'aria-invalid="true"' in html and 'role="alert"' in html
    html = staff.get(f"/cafe/{place.staff_token}/", {"code": order.code}).content.decode()
    assert "이 주문을 전달하세요" not in html  # limited now, even for the right code
    assert 'role="alert"' in html
    for junk in ("", "<script>", "x" * 300):
        assert staff.get(f"/cafe/{place.staff_token}/", {"code": junk}).status_code == 200


# --- seed_demo ----------------------------------------------------------------------------


def test_seed_demo_prints_cafe_links_that_open():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    links = re.findall(r"(/cafe/[A-Za-z0-9_-]+/)", out.getvalue())
    assert len(links) >= 2
    for link in links:
        assert Client().get(link).status_code == 200
