"""The owner fixes what they posted (name, unit, prices, options, note, photo) and re-posts
old items."""

from __future__ import annotations

import json
from datetime import time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from livestock import selectors, services
from livestock.models import Listing, ListingOption, StockEvent
from pickup.services.reservations import _option_as_reserved, cancel_reservation
from shops.errors import Conflict, InvalidInput, NotFound
from shops.models import Shop
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


# --- options -----------------------------------------------------------------------------


@pytest.fixture
def boxed(shop):
    """단감 in 반팩 units: "1팩" takes 2 of them, "반팩" one."""
    return factories.make_listing(
        shop,
        "단감",
        40,
        unit="반팩",
        price=9000,
        pickup_price=7900,
        options=[
            services.OptionSpec("1팩", 2, 9000, 7900),
            services.OptionSpec("반팩", 1, 5000, 4200),
        ],
    )


@pytest.fixture
def point(shop, clock):
    cafe = factories.make_cafe(shop, "골목 카페", opens_at=time(8), closes_at=time(22))
    factories.make_window(cafe, "12:00", "14:00")
    return cafe


def spec(option: ListingOption, **changes) -> services.OptionSpec:
    fields = {
        "id": option.pk,
        "label": option.label,
        "units": option.units,
        "price": option.price,
        "pickup_price": option.pickup_price,
    }
    fields.update(changes)
    return services.OptionSpec(**fields)


def options_of(listing: Listing) -> list[tuple[str, int, int, int]]:
    return [
        (o.label, o.units, o.price, o.pickup_price)
        for o in ListingOption.objects.filter(listing=listing)
    ]


def test_options_are_changed_added_and_removed_in_one_announced_edit(shop, boxed, monkeypatch):
    sent = []
    monkeypatch.setattr(services, "publish_stock_message", lambda _shop, m: sent.append(m))
    pack, half = boxed.options.all()
    result = services.edit_listing(
        shop=shop,
        listing_id=boxed.pk,
        changes={},
        options=[
            spec(pack, label=" 한 팩 ", price=9500, pickup_price=8000),
            services.OptionSpec("두 팩", 4, 18000, 15000),
        ],
    )
    assert options_of(boxed) == [("한 팩", 2, 9500, 8000), ("두 팩", 4, 18000, 15000)]
    assert ListingOption.objects.get(label="한 팩").pk == pack.pk  # changed, not replaced
    assert not ListingOption.objects.filter(pk=half.pk).exists()
    event = StockEvent.objects.get(version=result.version)
    assert (event.reason, event.delta) == ("edit", 0)
    shown = [(o["label"], o["pickup_price"], o["available"]) for o in event.payload["options"]]
    assert shown == [("한 팩", 8000, 20), ("두 팩", 15000, 10)]
    assert sent[-1]["listing"]["options"] == event.payload["options"]
    assert Listing.objects.get(pk=boxed.pk).available == 40


def test_options_left_as_none_are_kept_and_an_empty_list_removes_them(shop, boxed):
    services.edit_listing(shop=shop, listing_id=boxed.pk, changes={"name": "햇단감"})
    assert len(options_of(boxed)) == 2
    services.edit_listing(shop=shop, listing_id=boxed.pk, changes={}, options=[])
    assert options_of(boxed) == []


def test_an_option_held_by_an_open_reservation_keeps_its_size_and_stays(shop, boxed, point):
    pack, half = boxed.options.all()
    reservation = factories.make_reservation(shop, boxed, point, quantity=3, option_id=pack.pk)
    assert Listing.objects.get(pk=boxed.pk).available == 34
    events = StockEvent.objects.count()
    for options, word in (
        ([spec(pack, units=3), spec(half)], "몇 개분인지 바꿀 수 없습니다"),
        ([spec(half)], "지울 수 없습니다"),
    ):
        with pytest.raises(services.OptionInUse) as refused:
            services.edit_listing(
                shop=shop, listing_id=boxed.pk, changes={"name": "햇단감"}, options=options
            )
        assert "'1팩'" in refused.value.detail and word in refused.value.detail
        assert refused.value.code == "option_in_use" and refused.value.status == 409
    # Nothing of a refused edit was kept, the name included.
    assert options_of(boxed) == [("1팩", 2, 9000, 7900), ("반팩", 1, 5000, 4200)]
    assert Listing.objects.get(pk=boxed.pk).name == "단감"
    assert StockEvent.objects.count() == events

    # Its name and prices may change; the reservation keeps what it was made with.
    services.edit_listing(
        shop=shop,
        listing_id=boxed.pk,
        changes={},
        options=[spec(pack, label="한 팩", price=9900, pickup_price=8800), spec(half, units=3)],
    )
    reservation.refresh_from_db()
    assert (reservation.units, reservation.unit_price, reservation.item_name) == (
        6,
        7900,
        "단감 (1팩)",
    )
    # Once it is collected or cancelled, the option is free to change or go; stock returns
    # by the units the reservation took, whatever the option has become.
    cancel_reservation(reservation_id=reservation.pk, by="customer")
    assert Listing.objects.get(pk=boxed.pk).available == 40
    services.edit_listing(shop=shop, listing_id=boxed.pk, changes={}, options=[spec(half, units=3)])
    reservation.refresh_from_db()
    assert reservation.option_id is None and reservation.item_name == "단감 (1팩)"
    assert options_of(boxed) == [("반팩", 3, 5000, 4200)]


def test_an_option_changed_after_the_customer_chose_it_is_refused_under_the_lock(shop, boxed):
    pack, half = boxed.options.all()
    chosen = ListingOption.objects.get(pk=pack.pk)
    services.edit_listing(
        shop=shop, listing_id=boxed.pk, changes={}, options=[spec(pack, units=3), spec(half)]
    )
    with pytest.raises(Conflict) as changed:
        _option_as_reserved(chosen)
    assert changed.value.code == "option_changed"
    services.edit_listing(shop=shop, listing_id=boxed.pk, changes={}, options=[spec(half)])
    with pytest.raises(NotFound):
        _option_as_reserved(chosen)
    unchanged = ListingOption.objects.get(pk=half.pk)
    assert _option_as_reserved(unchanged).pk == half.pk


@pytest.mark.parametrize(
    ("options", "code"),
    [
        (lambda p, h: [spec(p), spec(h, label="1팩")], "duplicate_option"),
        (lambda p, h: [spec(p), spec(p, label="둘")], "duplicate_option"),
        (lambda p, h: [spec(p, units=0)], "invalid_option"),
        (lambda p, h: [spec(p, units=True)], "invalid_option"),
        (lambda p, h: [spec(p, pickup_price=99999)], "invalid_price"),
        (lambda p, h: [spec(p, price=-1)], "invalid_price"),
        (lambda p, h: [spec(p, label="")], "required"),
        (lambda p, h: [spec(p, label="가" * 41)], "too_long"),
        (lambda p, h: [spec(p, id=999999)], "option_not_found"),
        (lambda p, h: [spec(p, id="1")], "option_not_found"),
    ],
)
def test_bad_options_are_refused_and_nothing_changes(shop, boxed, options, code):
    pack, half = boxed.options.all()
    before = options_of(boxed)
    with pytest.raises((InvalidInput, NotFound)) as refused:
        services.edit_listing(
            shop=shop, listing_id=boxed.pk, changes={}, options=options(pack, half)
        )
    assert refused.value.code == code
    assert refused.value.detail
    assert options_of(boxed) == before


def test_another_listings_option_cannot_be_taken_over(shop, boxed):
    other = factories.make_listing(
        shop, "사과", 10, options=[services.OptionSpec("한 봉지", 1, 3000, 2500)]
    )
    theirs = other.options.get()
    with pytest.raises(NotFound):
        services.edit_listing(shop=shop, listing_id=boxed.pk, changes={}, options=[spec(theirs)])
    assert options_of(other) == [("한 봉지", 1, 3000, 2500)]


# --- options on the 고치기 page ------------------------------------------------------------


def option_rows(listing: Listing, rows: list[dict], extra: int = 0) -> dict[str, str]:
    """The formset as the page posts it: the listing's options first, then ``extra`` blanks."""
    initial = listing.options.count()
    data = {
        "opt-TOTAL_FORMS": str(len(rows) + extra),
        "opt-INITIAL_FORMS": str(initial),
        "opt-MIN_NUM_FORMS": "0",
        "opt-MAX_NUM_FORMS": "5",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"opt-{i}-{key}"] = str(value)
    return data


def row(option: ListingOption | None = None, **changes) -> dict:
    fields = (
        {
            "id": option.pk,
            "label": option.label,
            "units": option.units,
            "price": option.price,
            "pickup_price": option.pickup_price,
        }
        if option is not None
        else {"label": "", "units": "", "price": "", "pickup_price": ""}
    )
    fields.update(changes)
    return fields


def test_edit_page_shows_each_option_with_a_remove_box_and_blank_rows(owner_client, shop, boxed):
    page = owner_client.get(edit_url(shop, boxed)).content.decode()
    assert 'value="1팩"' in page and 'value="반팩"' in page
    assert page.count('name="opt-0-DELETE"') == 1 and 'name="opt-2-DELETE"' not in page
    assert 'name="opt-3-label"' in page  # two rows to add
    assert "지우기" in page and "소분 옵션" in page


def test_options_are_edited_from_the_page_without_javascript(owner_client, shop, boxed, point):
    pack, half = boxed.options.all()
    data = edit_form(name="단감", unit="반팩", price="9000", pickup_price="7900")
    data.update(
        option_rows(
            boxed,
            [
                row(pack, label="한 팩", pickup_price="7500"),
                row(half, DELETE="on"),
                row(label="두 팩", units="4", price="18000", pickup_price=""),
                row(),
            ],
        )
    )
    response = owner_client.post(edit_url(shop, boxed), data)
    assert response.status_code == 302
    assert options_of(boxed) == [("한 팩", 2, 9000, 7500), ("두 팩", 4, 18000, 18000)]
    # The shop page's cards and reserve form offer what the owner left.
    page = Client().get(f"/s/{shop.slug}/").content.decode()
    assert "한 팩" in page and "두 팩" in page and 'data-option-units="1"' not in page
    assert f'value="{boxed.pk}:{pack.pk}"' in page
    assert f'value="{boxed.pk}:{half.pk}"' not in page


def test_a_post_without_option_rows_leaves_the_options(owner_client, shop, boxed):
    response = owner_client.post(edit_url(shop, boxed), edit_form())
    assert response.status_code == 302
    assert len(options_of(boxed)) == 2


def test_the_page_refuses_resizing_a_reserved_option_and_keeps_everything(
    owner_client, shop, boxed, point
):
    pack, half = boxed.options.all()
    factories.make_reservation(shop, boxed, point, quantity=1, option_id=pack.pk)
    data = edit_form()
    data.update(option_rows(boxed, [row(pack, units="3"), row(half)]))
    response = owner_client.post(edit_url(shop, boxed), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body and "아직 찾아가지 않은 예약이 있어" in body
    assert 'value="3"' in body  # the owner's rows come back as typed
    boxed.refresh_from_db()
    assert boxed.name == "단감"
    assert options_of(boxed) == [("1팩", 2, 9000, 7900), ("반팩", 1, 5000, 4200)]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (lambda p, h: [row(p, price=""), row(h)], "가격을 입력해 주세요"),
        (lambda p, h: [row(p, units="0"), row(h)], ""),
        (lambda p, h: [row(p, units="abc"), row(h)], ""),
        (lambda p, h: [row(p, label=""), row(h)], "지우기"),
        (lambda p, h: [row(p, pickup_price="99999"), row(h)], "픽업 가격은 정가보다"),
        (lambda p, h: [row(p), row(h, label="1팩")], "겹칩니다"),
        (lambda p, h: [row(p, id="999999"), row(h)], "해당 옵션이 없습니다"),
        (lambda p, h: [row(p, id="x"), row(h)], "정수"),
        (
            lambda p, h: (
                [row(p), row(h)] + [row(label=f"옵션{i}", units=1, price=100) for i in range(4)]
            ),
            "옵션은 5개까지 둘 수 있습니다",
        ),
    ],
)
def test_bad_option_rows_are_refused_with_a_message(owner_client, shop, boxed, rows, message):
    pack, half = boxed.options.all()
    events = StockEvent.objects.count()
    data = edit_form()
    data.update(option_rows(boxed, rows(pack, half)))
    response = owner_client.post(edit_url(shop, boxed), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="form-error"' in body and message in body
    boxed.refresh_from_db()
    assert boxed.name == "단감"
    assert options_of(boxed) == [("1팩", 2, 9000, 7900), ("반팩", 1, 5000, 4200)]
    assert StockEvent.objects.count() == events


def admin_form(boxed: Listing, pack_row: dict) -> dict[str, str]:
    """The admin's change form of ``boxed`` as sent, its first option ("1팩") changed by
    ``pack_row``."""
    pack, half = boxed.options.all()
    data = {
        "name": "단감",
        "unit": "반팩",
        "price": "9000",
        "pickup_price": "7900",
        "staff_note": "",
        "is_active": "on",
        "options-TOTAL_FORMS": "2",
        "options-INITIAL_FORMS": "2",
        "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "1000",
    }
    rows = [
        {"id": pack.pk, "label": "1팩", "units": 2, "price": 9000, "pickup_price": 7900} | pack_row,
        {"id": half.pk, "label": "반팩", "units": 1, "price": 5000, "pickup_price": 4200},
    ]
    for i, row in enumerate(rows):
        data.update({f"options-{i}-{key}": str(value) for key, value in row.items()})
        data[f"options-{i}-listing"] = str(boxed.pk)
        data[f"options-{i}-position"] = str(i)
    return data


def test_the_admin_keeps_the_same_rule_for_held_options(shop, boxed, point, admin_client):
    pack, half = boxed.options.all()
    factories.make_reservation(shop, boxed, point, quantity=1, option_id=pack.pk)

    def post(pack_row: dict) -> object:
        return admin_client.post(
            f"/admin/livestock/listing/{boxed.pk}/change/", admin_form(boxed, pack_row)
        )

    for change, word in (({"units": 3}, "몇 개분인지"), ({"DELETE": "on"}, "지울 수 없습니다")):
        response = post(change)
        assert response.status_code == 200  # the form again, with the reason
        assert word in response.content.decode()
        assert options_of(boxed) == [("1팩", 2, 9000, 7900), ("반팩", 1, 5000, 4200)]
    response = post({"label": "한 팩", "pickup_price": 7500})
    assert response.status_code == 302
    assert options_of(boxed)[0] == ("한 팩", 2, 9000, 7500)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_admin_checks_held_options_under_the_listings_lock(shop, boxed, point, admin_client):
    """A reservation of an option in flight (it holds the listing's lock) while the admin
    deletes that option: the admin's check waits for it, then refuses; the option stays."""
    import threading
    import time as clock_time

    from django.db import connection, transaction

    from tests.support.services import postgres_server_url

    if connection.vendor != "postgresql":
        postgres_server_url()
        pytest.skip("runs in the PostgreSQL pass: DATABASE_URL=postgres://… (make test-services)")
    pack, half = boxed.options.all()
    locked, release = threading.Event(), threading.Event()
    answers: list = []

    def reservation_in_flight() -> None:
        try:
            with transaction.atomic():  # made, not committed yet: it holds the listing's lock
                factories.make_reservation(shop, boxed, point, quantity=1, option_id=pack.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    def admin_deletes_the_option() -> None:
        data = admin_form(boxed, {"DELETE": "on"})
        try:
            answers.append(admin_client.post(f"/admin/livestock/listing/{boxed.pk}/change/", data))
        finally:
            connection.close()

    reserving = threading.Thread(target=reservation_in_flight)
    reserving.start()
    assert locked.wait(10)
    editing = threading.Thread(target=admin_deletes_the_option)
    editing.start()
    clock_time.sleep(0.5)  # the admin reaches the lock and waits there
    assert answers == []
    release.set()
    reserving.join(10)
    editing.join(10)
    assert len(answers) == 1 and answers[0].status_code == 200
    assert "지울 수 없습니다" in answers[0].content.decode()
    assert options_of(boxed) == [("1팩", 2, 9000, 7900), ("반팩", 1, 5000, 4200)]
    assert boxed.reservations.filter(option_id=pack.pk).count() == 1


# --- options over the API ----------------------------------------------------------------


def patch(api, shop, listing, body):
    return api.patch(
        f"/api/shops/{shop.slug}/listings/{listing.pk}",
        data=json.dumps(body),
        content_type="application/json",
    )


def test_the_api_edits_options_as_the_console_does(api, shop, boxed, point):
    pack, half = boxed.options.all()
    version = Shop.objects.get(pk=shop.pk).stock_version
    response = patch(
        api,
        shop,
        boxed,
        {
            "name": "대봉 단감",
            "options": [
                {"id": pack.pk, "label": "한 팩", "units": 2, "price": 9000, "pickup_price": 7500},
                {"label": "한 상자", "units": 10, "price": 40000},
            ],
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "대봉 단감" and body["version"] == version + 1
    assert [(o["label"], o["units"], o["pickup_price"]) for o in body["options"]] == [
        ("한 팩", 2, 7500),
        ("한 상자", 10, 40000),  # the pickup price is the price when left out
    ]
    assert options_of(boxed) == [("한 팩", 2, 9000, 7500), ("한 상자", 10, 40000, 40000)]
    assert not ListingOption.objects.filter(pk=half.pk).exists()
    # A PATCH without "options" leaves them alone.
    assert patch(api, shop, boxed, {"staff_note": "달아요"}).status_code == 200
    assert len(options_of(boxed)) == 2


@pytest.mark.parametrize(
    ("options", "status", "code"),
    [
        (
            lambda p, h: [{"id": 999999, "label": "x", "units": 1, "price": 100}],
            404,
            "option_not_found",
        ),
        (lambda p, h: [{"label": "", "units": 1, "price": 100}], 422, None),
        (lambda p, h: [{"label": "a", "units": 0, "price": 100}], 422, "invalid_option"),
        (
            lambda p, h: [
                {"label": "a", "units": 1, "price": 100},
                {"label": "a", "units": 2, "price": 200},
            ],
            422,
            "duplicate_option",
        ),
        (lambda p, h: [{"label": "a", "units": 1, "price": 100, "pickup_price": 200}], 422, None),
        (lambda p, h: [{"id": "x", "label": "a", "units": 1, "price": 100}], 422, None),
        (lambda p, h: "not a list", 422, None),
        (
            lambda p, h: [{"id": h.pk, "label": "반팩", "units": 1, "price": 5000}],
            409,
            "option_in_use",
        ),
    ],
)
def test_bad_options_over_the_api_are_refused_and_change_nothing(
    api, shop, boxed, point, options, status, code
):
    pack, half = boxed.options.all()
    factories.make_reservation(shop, boxed, point, quantity=1, option_id=pack.pk)
    before = options_of(boxed)
    response = patch(api, shop, boxed, {"name": "바뀐 이름", "options": options(pack, half)})
    assert response.status_code == status, response.content
    error = response.json()
    assert error["code"] and error["detail"]
    if code:
        assert error["code"] == code
    boxed.refresh_from_db()
    assert boxed.name == "단감" and options_of(boxed) == before
