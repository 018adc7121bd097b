"""Every item reserves in one or two taps: a 예약하기 on each card (a link that works without
JavaScript: the shop page with that item chosen), and the item page has the form itself."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from livestock import services
from livestock.services import OptionSpec
from pickup.models import Reservation
from tests import factories

pytestmark = pytest.mark.django_db


def _selected_item(html: str) -> str | None:
    select = html[
        html.index('id="reserve-item"') : html.index("</select>", html.index('id="reserve-item"'))
    ]
    match = re.search(r'<option value="([^"]+)"[^>]* selected', select)
    return match.group(1) if match else None


def test_each_card_has_a_reserve_link_to_that_item(shop):
    a = factories.make_listing(shop, "단감", 10)
    b = factories.make_listing(shop, "사과", 10)
    factories.shop_counter(shop)
    html = Client().get(f"/s/{shop.slug}/").content.decode()
    for listing in (a, b):
        assert re.search(
            rf'href="/s/{shop.slug}/\?item={listing.pk}#reserve" data-reserve-listing="{listing.pk}"',
            html,
        )
    assert '<span class="sr-only"> 사과</span>' in html
    assert 'id="reserve"' in html


def test_sold_out_card_hides_its_reserve_link(shop):
    listing = factories.make_listing(shop, "단감", 10)
    services.adjust_stock(shop=shop, listing_id=listing.pk, set_to=0)
    html = Client().get(f"/s/{shop.slug}/").content.decode()
    assert re.search(rf'data-reserve-listing="{listing.pk}" data-field="reserve" hidden', html)


def test_item_query_preselects_the_item_and_its_first_option(shop):
    plain = factories.make_listing(shop, "단감", 10)
    packed = factories.make_listing(
        shop, "귤", 20, unit="반팩", options=[OptionSpec("1팩", 2, 9000, 7900)]
    )
    factories.shop_counter(shop)
    html = Client().get(f"/s/{shop.slug}/?item={plain.pk}").content.decode()
    assert _selected_item(html) == str(plain.pk)
    html = Client().get(f"/s/{shop.slug}/?item={packed.pk}").content.decode()
    assert _selected_item(html) == f"{packed.pk}:{packed.options.get().pk}"
    for junk in ("999999", "abc", "1:2:3", "<b>", "x" * 500):
        response = Client().get(f"/s/{shop.slug}/", {"item": junk})
        assert response.status_code == 200 and _selected_item(response.content.decode()) is None


def test_item_page_reserves_that_item(shop):
    factories.make_listing(shop, "사과", 10)
    listing = factories.make_listing(shop, "단감", 10)
    counter = factories.shop_counter(shop)
    client = Client()
    html = client.get(f"/s/{shop.slug}/l/{listing.pk}/").content.decode()
    assert "data-reserve-form" in html and _selected_item(html) == str(listing.pk)
    assert f'href="#reserve" data-reserve-listing="{listing.pk}"' in html
    assert "js/reserve.js" in html and "/jsi18n/?l=ko" in html
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)
    response = client.post(
        f"/s/{shop.slug}/reserve/",
        {
            "item": str(listing.pk),
            "slot": str(counter.pk),
            "quantity": "2",
            "name": "김동네",
            "phone": "010-1234-5678",
            "consent": "1",
            "idempotency_key": key,
        },
    )
    assert response.status_code == 302 and "/r/" in response["Location"]
    assert Reservation.objects.get().listing_id == listing.pk


def test_ended_item_page_has_no_form(shop):
    listing = factories.make_listing(shop, "단감", 10)
    services.end_listing(shop=shop, listing_id=listing.pk)
    html = Client().get(f"/s/{shop.slug}/l/{listing.pk}/").content.decode()
    assert "data-reserve-form" not in html and "data-reserve-listing" not in html
