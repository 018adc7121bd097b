"""axe-core finds no violation of any impact on the public pages, the reservation page, the
owner's console pages and the café page, in Korean and in English, on a 390×844 phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from livestock.services import OptionSpec
from shops.services import update_shop_details
from tests import factories
from tests.support.a11y import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _switch_language(page, language: str) -> None:
    if language == "en":
        page.goto("/")
        page.locator("#lang-select").select_option("en")
        page.locator(".lang-form button").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.parametrize("language", ["ko", "en"])
def test_every_page_kind_has_no_axe_violation(new_phone, shop, owner, owner_login, language):
    listing = factories.make_listing(
        shop,
        "단감",
        199,
        unit="반팩",
        price=5000,
        pickup_price=4200,
        options=[OptionSpec("1팩", 2, 9000, 7900), OptionSpec("반팩", 1, 5000, 4200)],
        staff_note="아삭하고 달아요",
    )
    factories.make_listing(shop, "삼겹살", 50, unit="500g", price=2000, pickup_price=2000)
    cafe = factories.make_cafe(shop, "카페 한강뷰")
    factories.make_window(cafe, "09:00", "21:00")
    factories.shop_counter(shop)
    reservation = factories.make_reservation(shop, listing, cafe, quantity=1)
    update_shop_details(shop=shop, changes={"notice": "오늘 단감 할인"}, changed_by=owner)

    found: dict[str, list[str]] = {}
    customer = new_phone("customer")
    _switch_language(customer.page, language)
    pages = [
        ("near-me", "/"),
        ("near-me-results", f"/?lat={shop.lat}&lng={shop.lng}"),
        ("shop", f"/s/{shop.slug}/"),
        ("listing", f"/s/{shop.slug}/l/{listing.pk}/"),
        ("reservation", f"/r/{reservation.token}/"),
        ("cafe", f"/cafe/{cafe.place.staff_token}/"),
        ("handover-help", f"/h/{shop.slug}/{reservation.code}/"),
        ("not-found", "/s/no-such-shop/"),
        ("find-reservation", "/my/"),
    ]
    for name, url in pages:
        customer.page.goto(url)
        customer.screenshot(f"{name}-{language}")
        found[name] = violations(customer.page)

    boss = new_phone("owner")
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/")
    _switch_language(boss.page, language)
    for name, url in [
        ("console", f"/owner/s/{shop.slug}/"),
        ("reservations", f"/owner/s/{shop.slug}/reservations/"),
        ("cafe-links", f"/owner/s/{shop.slug}/cafes/"),
        ("post-arrival", f"/owner/s/{shop.slug}/listings/new/"),
        ("edit-listing", f"/owner/s/{shop.slug}/listings/{listing.pk}/edit/"),
        ("shop-details", f"/owner/s/{shop.slug}/details/"),
        ("area", f"/owner/s/{shop.slug}/area/"),
        ("sharing", f"/owner/s/{shop.slug}/sharing/"),
        ("redeem", f"/owner/s/{shop.slug}/redeem/{reservation.code}/"),
    ]:
        boss.page.goto(url)
        boss.screenshot(f"{name}-{language}")
        found[name] = violations(boss.page)

    failing = {name: lines for name, lines in found.items() if lines}
    assert failing == {}, "\n".join(f"{n}: {line}" for n, ls in failing.items() for line in ls)
