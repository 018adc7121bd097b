"""At the counter, on a 390×844 phone: the owner fixes a posted item (text, price, options,
photo), a shopper's open page follows, and an ended item is posted again with a new count."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from livestock import services
from livestock.models import Listing
from livestock.services import OptionSpec
from tests import factories
from tests.support.media import png as png_bytes
from tests.support.services import shared_redis_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_url(start_daphne) -> str:
    """The e2e server, serving uploads: the shopper's open card loads the new photo."""
    return start_daphne(shared_redis_url(), name="daphne-e2e", SERVE_MEDIA="1").url


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_owner_edits_a_listing_and_reposts_an_ended_one(new_phone, shop, owner_login, javascript):
    listing = factories.make_listing(shop, "단감", 40, price=9000, pickup_price=7900)
    shopper = new_phone("shopper")
    shopper.open_shop(shop.slug)
    shopper.wait_live()

    boss = new_phone("owner", javascript=javascript)
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/")
    row = boss.page.locator(f'[data-listing-id="{listing.pk}"]')
    edit = row.get_by_role("link", name="고치기")
    assert edit.bounding_box()["height"] >= 44
    edit.tap()
    form = boss.page.locator("form.stack")
    expect(form.get_by_label("상품명")).to_have_value("단감")
    boss.screenshot("edit-form")

    # A wrong price first: the page says why, next to the form, and nothing changes.
    form.get_by_label("픽업 가격(원)").fill("99999")
    form.get_by_role("button", name="저장").tap()
    expect(boss.page.get_by_role("alert")).to_contain_text("픽업 가격은 정가보다 높을 수 없습니다")
    boss.screenshot("edit-error")
    assert Listing.objects.get(pk=listing.pk).pickup_price == 7900
    # The refused form answers 400, which Chromium logs; that one is expected.
    boss.errors = [e for e in boss.errors if "status of 400" not in e]

    form = boss.page.locator("form.stack")
    form.get_by_label("상품명").fill("햇단감")
    form.get_by_label("가격(원)", exact=True).fill("10000")
    form.get_by_label("픽업 가격(원)").fill("8500")
    form.get_by_label("사진 바꾸기").set_input_files(
        {"name": "dangam.png", "mimeType": "image/png", "buffer": png_bytes((64, 48))}
    )
    form.get_by_role("button", name="저장").tap()
    expect(boss.page.get_by_text("'햇단감' 내용을 고쳤습니다.")).to_be_visible()
    boss.screenshot("edited")
    saved = Listing.objects.get(pk=listing.pk)
    assert (saved.name, saved.price, saved.pickup_price, saved.available) == (
        "햇단감",
        10000,
        8500,
        40,
    )
    assert saved.photo.name.endswith(".jpg") and saved.photo_variants  # resized copies

    # The shopper's open page follows without a reload, the new photo included.
    card = shopper.page.locator(f'[data-listing-id="{listing.pk}"]')
    expect(card.locator('[data-field="name"]')).to_have_text("햇단감")
    image = card.locator('img[data-field="photo"]')
    expect(image).to_have_attribute("alt", "햇단감")
    shopper.page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )

    # Yesterday's item, ended: one tap fills the arrival form, the owner types today's count.
    services.end_listing(shop=shop, listing_id=listing.pk)
    boss.page.goto(f"/owner/s/{shop.slug}/")
    repost = boss.page.get_by_role("link", name="다시 올리기: 햇단감")
    assert repost.bounding_box()["height"] >= 44
    boss.screenshot("repost-list")
    repost.tap()
    arrival = boss.page.locator("form.stack")
    expect(arrival.get_by_label("상품명")).to_have_value("햇단감")
    expect(arrival.get_by_label("픽업 가격(원)")).to_have_value("8500")
    arrival.get_by_label("수량", exact=True).fill("25")
    arrival.get_by_role("button", name="올리기").tap()
    expect(boss.page.get_by_text("'햇단감' 입고를 올렸습니다.")).to_be_visible()
    boss.screenshot("reposted")
    fresh = Listing.objects.get(is_active=True)
    assert fresh.pk != listing.pk and (fresh.name, fresh.available) == ("햇단감", 25)
    boss.assert_healthy()
    shopper.assert_healthy()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_owner_edits_options_and_an_open_shop_page_follows(
    new_phone, shop, owner_login, javascript
):
    listing = factories.make_listing(
        shop,
        "단감",
        40,
        unit="반팩",
        price=5000,
        pickup_price=4200,
        options=[OptionSpec("1팩", 2, 9000, 7900), OptionSpec("반팩", 1, 5000, 4200)],
    )
    pack, half = listing.options.all()
    counter = factories.shop_counter(shop)
    # Someone is yet to collect a 1팩: its size stays until they do.
    factories.make_reservation(shop, listing, counter, quantity=1, option_id=pack.pk)

    shopper = new_phone("shopper")
    shopper.open_shop(shop.slug)
    shopper.wait_live()
    reserve = shopper.page.locator("[data-reserve-form]")
    reserve.get_by_label("상품").select_option(f"{listing.pk}:{pack.pk}")

    boss = new_phone("owner", javascript=javascript)
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/listings/{listing.pk}/edit/")
    form = boss.page.locator("form.stack")
    rows = form.locator("fieldset.option-row")
    expect(rows.nth(0).get_by_label("옵션", exact=True)).to_have_value("1팩")
    expect(rows.nth(1).get_by_label("옵션", exact=True)).to_have_value("반팩")
    boss.screenshot("options")

    # Resizing the reserved 1팩 is refused with the reason, and nothing changes.
    rows.nth(0).get_by_label("수량 단위 몇 개분").fill("3")
    form.get_by_role("button", name="저장").tap()
    expect(boss.page.get_by_role("alert")).to_contain_text("아직 찾아가지 않은 예약이 있어")
    boss.screenshot("options-refused")
    assert [(o.label, o.units) for o in listing.options.all()] == [("1팩", 2), ("반팩", 1)]
    boss.errors = [e for e in boss.errors if "status of 400" not in e]

    # Its name and price may change; 반팩 goes; 두 팩 is added in a blank row.
    form = boss.page.locator("form.stack")
    rows = form.locator("fieldset.option-row")
    rows.nth(0).get_by_label("수량 단위 몇 개분").fill("2")
    rows.nth(0).get_by_label("옵션", exact=True).fill("한 팩")
    rows.nth(0).get_by_label("픽업 가격", exact=True).fill("7500")
    remove = rows.nth(1).get_by_label("지우기")
    assert remove.locator("xpath=..").bounding_box()["height"] >= 44
    remove.check()
    added = rows.nth(2)
    added.get_by_label("옵션", exact=True).fill("두 팩")
    added.get_by_label("수량 단위 몇 개분").fill("4")
    added.get_by_label("가격", exact=True).fill("18000")
    added.get_by_label("픽업 가격", exact=True).fill("15000")
    boss.screenshot("options-filled")
    form.get_by_role("button", name="저장").tap()
    expect(boss.page.get_by_text("'단감' 내용을 고쳤습니다.")).to_be_visible()
    assert [(o.label, o.units, o.pickup_price) for o in listing.options.all()] == [
        ("한 팩", 2, 7500),
        ("두 팩", 4, 15000),
    ]

    # The shopper's open page follows: the card's options, and the reserve form's choices,
    # with a word that the chosen one changed.
    card = shopper.page.locator(f'[data-listing-id="{listing.pk}"] [data-field="options"]')
    expect(card.locator("li")).to_have_text(
        ["한 팩 · 7,500원 · 19개 남음", "두 팩 · 15,000원 · 9개 남음"]
    )
    choices = reserve.get_by_label("상품").locator("option")
    expect(choices).to_contain_text(["단감 · 한 팩 — 7,500원", "단감 · 두 팩 — 15,000원"])
    expect(reserve.get_by_label("상품")).to_have_value(f"{listing.pk}:{pack.pk}")
    expect(reserve.locator("[data-reserve-error]")).to_contain_text("방금 바꿨습니다")
    expect(reserve.locator("[data-reserve-total]")).to_contain_text("7,500원")
    shopper.screenshot("options-followed")
    boss.assert_healthy()
    shopper.assert_healthy()
