"""Every change to a listing's count goes through here.

Each public function is one thing an owner, customer or integration means to do. It owns
its transaction: a conditional UPDATE that can never take ``available`` below zero, a bump
of the shop's gap-free ``stock_version``, a StockEvent row, and the broadcast scheduled for
after commit, so a change that rolls back is never announced.

Locks follow the project's one order (written out in pickup/services/__init__.py): idempotency key →
listing (``FOR UPDATE OF`` the listing only, or the conditional UPDATE of a count change that
needs no read first) → shop (the version bump). Callers that also
lock pickup windows or reservations take those before calling in here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cache, partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import connections, router, transaction
from django.db.models import F, prefetch_related_objects
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.translation import gettext as _

from livestock import media
from livestock.models import Listing, ListingOption, StockEvent, listing_media_path
from livestock.payloads import listing_payload, stock_message
from livestock.signals import options_held
from livestock.streams import publish_stock_message
from shops import events
from shops.errors import Conflict, InvalidInput, NotFound
from shops.idempotency import run_once
from shops.models import Shop
from shops.validation import clean_text

Reason = StockEvent.Reason


class InsufficientStock(Conflict):
    code = "insufficient_stock"

    def __init__(self, available: int, requested: int | None = None) -> None:
        detail = _("재고가 부족합니다. 현재 남은 수량은 %(available)d입니다.") % {
            "available": available
        }
        super().__init__(detail, available=available)
        self.available = available
        self.requested = requested


@dataclass(frozen=True)
class StockResult:
    listing_id: int
    available: int
    version: int

    def as_dict(self) -> dict[str, int]:
        return {"listing_id": self.listing_id, "available": self.available, "version": self.version}


@dataclass(frozen=True)
class Actor:
    """Who made a change: a logged-in user, an API token, or the system (label only)."""

    user: AbstractBaseUser | None = None
    label: str = ""


SYSTEM = Actor(label="system")


@dataclass(frozen=True)
class OptionSpec:
    label: str
    units: int
    price: int
    pickup_price: int
    # The option this spec keeps (edit_listing); None for a new one.
    id: int | None = None


# --- validation ------------------------------------------------------------------------


def _check_count(value: Any, field: str, *, allow_negative: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(
            _("%(field)s은(는) 정수여야 합니다.") % {"field": field}, code="invalid_count"
        )
    limit = settings.MAX_STOCK_COUNT
    low = -limit if allow_negative else 0
    if not low <= value <= limit:
        raise InvalidInput(
            _("%(field)s은(는) %(low)d 이상 %(high)d 이하여야 합니다.")
            % {"field": field, "low": low, "high": limit},
            code="invalid_count",
        )
    return value


def _check_prices(price: Any, pickup_price: Any) -> None:
    for value, label in ((price, _("가격")), (pickup_price, _("픽업 가격"))):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100_000_000:
            raise InvalidInput(
                _("%(field)s은(는) 0원 이상 1억 원 이하의 정수여야 합니다.") % {"field": label},
                code="invalid_price",
            )
    if pickup_price > price:
        raise InvalidInput(_("픽업 가격은 정가보다 높을 수 없습니다."), code="invalid_price")


def _check_max_per_customer(value: Any) -> int | None:
    """The owner's "1인 최대" for a listing: a positive whole number, or None for the default."""
    if value is None or value == "":
        return None
    limit = settings.MAX_STOCK_COUNT
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise InvalidInput(
            _("1인 최대 수량은 1 이상 %(max)d 이하의 정수로 입력해 주세요.") % {"max": limit},
            code="invalid_max_per_customer",
        )
    return value


def _check_text(value: Any, field: str, max_length: int, *, required: bool) -> str:
    return clean_text(value, label=field, max_length=max_length, required=required)


# --- the one writer --------------------------------------------------------------------


def _record_change(
    *,
    shop: Shop,
    listing: Listing,
    delta: int,
    reason: str,
    actor: Actor,
    note: str = "",
    reload: bool = True,
    listing_event: str | None = None,
) -> StockResult:
    """Bump the shop's version, log the change, tell the capabilities and schedule the
    broadcast (in a transaction).

    Every version gets one ``stock.changed`` event, so an integration that applies them in
    version order never sees a gap; ``listing_event`` (created, updated, ended) is recorded
    beside it for a change to the listing itself. ``reload=False`` is for a listing whose
    loaded state (options included) is already what the database holds after the change, so
    the payload is built without reading it again.
    """
    version = _bump_stock_version(shop)
    if reload:
        listing.refresh_from_db()
    payload = listing_payload(listing)
    StockEvent.objects.create(
        shop_id=shop.pk,
        listing=listing,
        version=version,
        delta=delta,
        available_after=listing.available,
        reason=reason,
        note=note[:200],
        actor=actor.user if actor.user is not None and actor.user.is_authenticated else None,
        actor_label=actor.label[:80],
        payload=payload,
        # Read the clock here, not through the field default bound at import: the daily
        # rollups (insights) time arrivals and sell-outs from it.
        created_at=timezone.now(),
    )
    events.record(
        type=events.STOCK_CHANGED,
        shop_id=shop.pk,
        shop_slug=shop.slug,
        version=version,
        data={
            "shop": shop.slug,
            "listing_id": listing.pk,
            "available": listing.available,
            "version": version,
            "delta": delta,
            "reason": reason,
        },
    )
    if listing_event is not None:
        events.record(
            type=listing_event,
            shop_id=shop.pk,
            shop_slug=shop.slug,
            version=version,
            data={"shop": shop.slug, "version": version, "listing": payload},
        )
    publish_stock_message(shop.pk, stock_message(shop.slug, version, payload))
    return StockResult(listing_id=listing.pk, available=listing.available, version=version)


def _announce_edit(*, shop: Shop, listing: Listing, actor: Actor) -> StockResult:
    """A change to the listing itself (text, price, photo): a new version, no count change."""
    return _record_change(
        shop=shop,
        listing=listing,
        delta=0,
        reason=Reason.EDIT,
        actor=actor,
        listing_event=events.LISTING_UPDATED,
    )


def _bump_stock_version(shop: Shop) -> int:
    """Add one to the shop's gap-free version and return the new value.

    UPDATE ... RETURNING does both in one statement on PostgreSQL and SQLite >= 3.35 (the
    same version Django requires to return columns from an INSERT); the returned value is the
    one this transaction wrote, holding the shop row's lock.
    """
    connection = connections[router.db_for_write(Shop)]
    update_can_return = (
        connection.vendor in ("postgresql", "sqlite")
        and connection.features.can_return_columns_from_insert
    )
    if not update_can_return:
        Shop.objects.filter(pk=shop.pk).update(stock_version=F("stock_version") + 1)
        return Shop.objects.values_list("stock_version", flat=True).get(pk=shop.pk)
    quote = connection.ops.quote_name
    table = quote(Shop._meta.db_table)
    column = quote(Shop._meta.get_field("stock_version").column)
    key = quote(Shop._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = {column} + 1 WHERE {key} = %s RETURNING {column}",
            [shop.pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise Shop.DoesNotExist("Shop matching query does not exist.")
    return row[0]


def _locked_listing(shop: Shop, listing_id: Any) -> Listing:
    if isinstance(listing_id, bool) or not isinstance(listing_id, int):
        raise NotFound(_("상품을 찾을 수 없습니다."), code="listing_not_found")
    listing = (
        Listing.objects.select_for_update(of=("self",))
        .filter(pk=listing_id, shop_id=shop.pk)
        .prefetch_related("options")
        .first()
    )
    if listing is None:
        raise NotFound(_("이 가게에 해당 상품이 없습니다."), code="listing_not_found")
    return listing


@cache
def _move_sql(vendor: str) -> str:
    """``UPDATE … RETURNING`` of a listing's count, written once per database vendor."""
    connection = connections[router.db_for_write(Listing)]
    quote = connection.ops.quote_name
    fields = Listing._meta.concrete_fields
    column = {f.name: quote(f.column) for f in fields}
    available = column["available"]
    return (
        f"UPDATE {quote(Listing._meta.db_table)}"
        f" SET {available} = {available} + %s, {column['updated_at']} = %s"
        f" WHERE {column['id']} = %s AND {column['shop']} = %s AND {column['is_active']} = %s"
        f" AND {available} >= %s AND {available} <= %s"
        f" RETURNING {', '.join(column[f.name] for f in fields)}"
    )


def _moved_listing(shop: Shop, listing_id: Any, delta: Any) -> Listing | None:
    """The common count change in one statement: the conditional UPDATE takes the row lock,
    checks the listing is on sale and the result stays within 0..MAX_STOCK_COUNT, and returns
    the row as it now is (options read after, under the lock). None when it does not apply
    (unusual input, a refusal to explain, an old SQLite): the caller then takes the long way,
    which reads the row under its lock and says why."""
    limit = settings.MAX_STOCK_COUNT
    if (
        isinstance(listing_id, bool)
        or not isinstance(listing_id, int)
        or isinstance(delta, bool)
        or not isinstance(delta, int)
        or delta == 0
        or not -limit <= delta <= limit
    ):
        return None
    connection = connections[router.db_for_write(Listing)]
    if not connection.features.can_return_columns_from_insert:
        return None
    sql = _move_sql(connection.vendor)
    updated_at = timezone.now()
    stamp = Listing._meta.get_field("updated_at").get_db_prep_value(updated_at, connection)
    params = [delta, stamp, listing_id, shop.pk, True, max(0, -delta), limit - max(0, delta)]
    rows = list(Listing.objects.raw(sql, params))
    if not rows:
        return None
    listing = rows[0]
    prefetch_related_objects([listing], "options")
    return listing


def _apply_delta(listing: Listing, delta: int) -> None:
    """Conditional UPDATE: matches no row when the result would fall below zero.

    On success the loaded listing is moved by the same delta. It was read under its row lock
    in this transaction (SELECT ... FOR UPDATE returns the latest committed row on
    PostgreSQL; SQLite transactions are IMMEDIATE), and every other write of the row waits
    for that lock, so the database now holds exactly the loaded count plus ``delta``.
    """
    updated_at = timezone.now()
    updated = Listing.objects.filter(pk=listing.pk, available__gte=max(0, -delta)).update(
        available=F("available") + delta, updated_at=updated_at
    )
    if not updated:
        current = Listing.objects.values_list("available", flat=True).get(pk=listing.pk)
        raise InsufficientStock(available=current, requested=-delta)
    listing.available += delta
    listing.updated_at = updated_at


def change_stock_in_transaction(
    *,
    shop: Shop,
    listing_id: int,
    delta: int | None = None,
    set_to: int | None = None,
    reason: str,
    actor: Actor,
    note: str = "",
    listing_event: str | None = None,
) -> StockResult:
    """The shared core of every count change; the caller holds the transaction.

    Reservations call this inside their own transaction so taking stock and creating the
    reservation commit (or roll back) together.
    """
    if (delta is None) == (set_to is None):
        raise InvalidInput(_("set 또는 delta 중 하나만 보내 주세요."), code="set_or_delta")
    if transaction.get_autocommit(using=router.db_for_write(Listing)):
        raise TransactionManagementError(
            "change_stock_in_transaction needs the caller's transaction."
        )
    listing = _moved_listing(shop, listing_id, delta) if set_to is None else None
    if listing is None:  # a count to set, or a delta the one-statement path refused
        listing = _locked_listing(shop, listing_id)
        if not listing.is_active:
            raise Conflict(_("판매가 종료된 상품입니다."), code="listing_ended")
        if set_to is not None:
            set_to = _check_count(set_to, "set")
            delta = set_to - listing.available
        else:
            delta = _check_count(delta, "delta", allow_negative=True)
            if delta == 0:
                raise InvalidInput(_("변동 수량이 0입니다."), code="invalid_count")
            if listing.available + delta > settings.MAX_STOCK_COUNT:
                raise InvalidInput(
                    _("수량은 %(max)d 이하여야 합니다.") % {"max": settings.MAX_STOCK_COUNT},
                    code="invalid_count",
                )
        _apply_delta(listing, delta)
    return _record_change(
        shop=shop,
        listing=listing,
        delta=delta,
        reason=reason,
        actor=actor,
        note=note,
        reload=False,
        listing_event=listing_event,
    )


def adjust_stock(
    *,
    shop: Shop,
    listing_id: int,
    delta: int | None = None,
    set_to: int | None = None,
    reason: str | None = None,
    note: str = "",
    actor: Actor = SYSTEM,
    idempotency_key: str | None = None,
) -> tuple[StockResult, bool]:
    """Owner or integration changes a count ("+20 arrived", "3 sold", "set 50").

    Returns the result and whether it was a replay of an earlier request with the same key.
    """
    if reason is None:
        if set_to is not None:
            reason = Reason.SOLD_OUT if set_to == 0 else Reason.SET
        elif isinstance(delta, int) and delta > 0:
            reason = Reason.RESTOCK
        else:
            reason = Reason.COUNTER_SALE
    if reason not in Reason.values:
        raise InvalidInput(_("알 수 없는 사유입니다."), code="invalid_reason")
    note = _check_text(note, _("메모"), 200, required=False)

    def action() -> StockResult:
        return change_stock_in_transaction(
            shop=shop,
            listing_id=listing_id,
            delta=delta,
            set_to=set_to,
            reason=reason,
            actor=actor,
            note=note,
        )

    with transaction.atomic():
        return run_once(
            shop_id=shop.pk,
            scope=f"stock:{listing_id}",
            key=idempotency_key,
            request_data={"delta": delta, "set": set_to, "reason": reason},
            action=action,
            remember=StockResult.as_dict,
            recall=lambda stored: StockResult(**stored),
        )


def mark_sold_out(*, shop: Shop, listing_id: int, actor: Actor = SYSTEM) -> StockResult:
    result, _replayed = adjust_stock(
        shop=shop, listing_id=listing_id, set_to=0, reason=Reason.SOLD_OUT, actor=actor
    )
    return result


def post_arrival(
    *,
    shop: Shop,
    name: str,
    unit: str,
    available: int,
    price: int,
    pickup_price: int,
    staff_note: str = "",
    options: Sequence[OptionSpec] = (),
    photo: UploadedFile | None = None,
    video: UploadedFile | None = None,
    max_per_customer: int | None = None,
    actor: Actor = SYSTEM,
) -> tuple[Listing, StockResult]:
    """Owner posts today's arrival ("단감 200팩"); customers' pages show it at once.

    ``max_per_customer`` ("1인 최대 5팩") caps what one customer may hold in open
    reservations; None leaves the project default (PICKUP_MAX_UNITS_PER_CLIENT).
    """
    name = _check_text(name, _("상품명"), 120, required=True)
    unit = _check_text(unit, _("단위"), 20, required=True)
    staff_note = _check_text(staff_note, _("직원 한마디"), 300, required=False)
    available = _check_count(available, _("수량"))
    _check_prices(price, pickup_price)
    max_per_customer = _check_max_per_customer(max_per_customer)
    options = _check_options(options)
    if photo is not None:
        media.check_photo(photo)
    if video is not None:
        media.check_video(video)

    with transaction.atomic():
        listing = Listing(
            shop=shop,
            name=name,
            unit=unit,
            available=available,
            price=price,
            pickup_price=pickup_price,
            staff_note=staff_note,
            max_per_customer=max_per_customer,
        )
        if photo is not None:
            attach_photo(listing=listing, photo=photo)
        if video is not None:
            listing.video.save(video.name, video, save=False)
        listing.save()
        ListingOption.objects.bulk_create(
            ListingOption(
                listing=listing,
                position=i,
                label=o.label,
                units=o.units,
                price=o.price,
                pickup_price=o.pickup_price,
            )
            for i, o in enumerate(options)
        )
        result = _record_change(
            shop=shop,
            listing=listing,
            delta=available,
            reason=Reason.ARRIVAL,
            actor=actor,
            listing_event=events.LISTING_CREATED,
        )
    return listing, result


def attach_photo(*, listing: Listing, photo: UploadedFile) -> None:
    """Store a checked photo as its resized copies (livestock.images: 320/640/1280 px wide,
    WebP and JPEG, upright, no EXIF/GPS) and point ``listing.photo`` at the largest JPEG.

    The upload itself is never stored. The caller (post_arrival, the admin's save, inside
    their transaction) saves the listing.
    """
    copies = media.photo_copies(photo)
    base = listing_media_path(listing, "photo").rsplit(".", 1)[0]
    stored = [
        {
            "name": default_storage.save(f"{base}-{copy.width}.{copy.ext}", ContentFile(copy.data)),
            "width": copy.width,
            "height": copy.height,
            "ext": copy.ext,
        }
        for copy in copies
    ]
    # A new name, not the upload (a form may have put it there uncommitted): never stored.
    listing.photo = [v for v in stored if v["ext"] == "jpg"][-1]["name"]
    listing.photo_variants = stored


def _check_options(options: Iterable[OptionSpec]) -> list[OptionSpec]:
    """The options checked, their labels trimmed."""
    labels: set[str] = set()
    checked: list[OptionSpec] = []
    for option in options:
        label = _check_text(option.label, _("옵션 이름"), 40, required=True)
        if label in labels:
            raise InvalidInput(
                _("옵션 이름 '%(label)s'이(가) 겹칩니다.") % {"label": label},
                code="duplicate_option",
            )
        labels.add(label)
        if (
            isinstance(option.units, bool)
            or not isinstance(option.units, int)
            or not (1 <= option.units <= 1000)
        ):
            raise InvalidInput(
                _("옵션이 수량 단위 몇 개분인지는 1~1000 사이 정수여야 합니다."),
                code="invalid_option",
            )
        _check_prices(option.price, option.pickup_price)
        checked.append(replace(option, label=label))
    return checked


EDITABLE_FIELDS = {"name", "unit", "price", "pickup_price", "staff_note", "max_per_customer"}


class OptionInUse(Conflict):
    code = "option_in_use"


def edit_listing(
    *,
    shop: Shop,
    listing_id: int,
    changes: dict[str, Any],
    options: Sequence[OptionSpec] | None = None,
    actor: Actor = SYSTEM,
) -> StockResult:
    """Owner fixes a listing's text, price or options; open pages get the new ``L`` like any
    change.

    ``options`` (None leaves them alone) is the whole new list, in order: a spec with an
    ``id`` changes that option, one without adds an option, and an option left out is removed.
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise InvalidInput(
            _("수정할 수 없는 항목입니다: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    if options is not None:
        options = _check_options(options)
    with transaction.atomic():
        listing = _locked_listing(shop, listing_id)
        if "name" in changes:
            listing.name = _check_text(changes["name"], _("상품명"), 120, required=True)
        if "unit" in changes:
            listing.unit = _check_text(changes["unit"], _("단위"), 20, required=True)
        if "staff_note" in changes:
            listing.staff_note = _check_text(
                changes["staff_note"], _("직원 한마디"), 300, required=False
            )
        if "max_per_customer" in changes:
            listing.max_per_customer = _check_max_per_customer(changes["max_per_customer"])
        listing.price = changes.get("price", listing.price)
        listing.pickup_price = changes.get("pickup_price", listing.pickup_price)
        _check_prices(listing.price, listing.pickup_price)
        if options is not None:
            _replace_options(listing, options)
        listing.save(
            update_fields=[
                "name",
                "unit",
                "staff_note",
                "price",
                "pickup_price",
                "max_per_customer",
                "updated_at",
            ]
        )
        return _announce_edit(shop=shop, listing=listing, actor=actor)


def check_options_free(
    *,
    listing: Listing,
    removed: Sequence[ListingOption] = (),
    resized: Sequence[ListingOption] = (),
) -> None:
    """Refuse removing or resizing an option that open reservations hold (pickup answers
    ``options_held``); the console's edit (under the listing's lock) and the admin ask here."""
    asked = {option.pk for option in (*removed, *resized)}
    if not asked:
        return
    held: set[int] = set()
    for _receiver, ids in options_held.send(
        sender=ListingOption, listing=listing, option_ids=asked
    ):
        held.update(ids or ())
    for option in removed:
        if option.pk in held:
            raise OptionInUse(
                _(
                    "'%(label)s' 옵션은 아직 찾아가지 않은 예약이 있어 지울 수 없습니다. "
                    "예약이 끝난 뒤 지워 주세요."
                )
                % {"label": option.label}
            )
    for option in resized:
        if option.pk in held:
            raise OptionInUse(
                _(
                    "'%(label)s' 옵션은 아직 찾아가지 않은 예약이 있어 몇 개분인지 바꿀 수 "
                    "없습니다. 이름과 가격은 바꿀 수 있습니다."
                )
                % {"label": option.label}
            )


def _replace_options(listing: Listing, specs: list[OptionSpec]) -> None:
    """Make the listing's options ``specs`` (checked), under the listing's row lock.

    A reservation keeps the base units it took (``Reservation.units``), so stock returns stay
    right whatever an option becomes; still, an option that open reservations hold keeps its
    size and stays, so what the owner hands over matches what the customer reserved. New
    reservations of the listing wait for its lock, so none can slip in after the check.
    """
    current = {option.pk: option for option in listing.options.all()}
    kept: set[int] = set()
    for spec in specs:
        if spec.id is None:
            continue
        if isinstance(spec.id, bool) or not isinstance(spec.id, int) or spec.id not in current:
            raise NotFound(_("이 상품에 해당 옵션이 없습니다."), code="option_not_found")
        if spec.id in kept:
            raise InvalidInput(_("같은 옵션이 두 번 있습니다."), code="duplicate_option")
        kept.add(spec.id)
    removed = [option for pk, option in current.items() if pk not in kept]
    resized = [
        current[spec.id]
        for spec in specs
        if spec.id is not None and spec.units != current[spec.id].units
    ]
    check_options_free(listing=listing, removed=removed, resized=resized)
    ListingOption.objects.filter(pk__in=[option.pk for option in removed]).delete()
    for position, spec in enumerate(specs):
        option = current[spec.id] if spec.id is not None else ListingOption(listing=listing)
        option.label = spec.label
        option.units = spec.units
        option.price = spec.price
        option.pickup_price = spec.pickup_price
        option.position = position
        option.save()


def replace_photo(
    *, shop: Shop, listing_id: int, photo: UploadedFile, actor: Actor = SYSTEM
) -> StockResult:
    """Owner swaps a listing's photo; the upload passes the one photo check first.

    The old file is removed only after the new one is committed, so a change that rolls
    back leaves the listing with the photo it had.
    """
    media.check_photo(photo)
    with transaction.atomic():
        listing = _locked_listing(shop, listing_id)
        _swap_photo(listing, photo)
        return _announce_edit(shop=shop, listing=listing, actor=actor)


def refresh_old_photo(*, shop: Shop, listing_id: int, actor: Actor = SYSTEM) -> StockResult | None:
    """A photo stored before resized copies existed (as uploaded, EXIF and GPS included)
    becomes the copies every new photo gets; the original file goes after commit.

    Returns None, changing nothing, for a listing without such a photo (none, or already
    refreshed), so running it again is harmless. A file that is gone or cannot be read is
    refused (``photo_missing``, ``invalid_photo``) and the listing left as it was.
    """
    with transaction.atomic():
        listing = _locked_listing(shop, listing_id)
        if not listing.photo or listing.photo_variants:
            return None
        name = listing.photo.name
        try:
            with listing.photo.storage.open(name, "rb") as stored:
                data = stored.read()
        except FileNotFoundError:
            raise NotFound(
                _("사진 파일이 저장소에 없습니다: %(name)s") % {"name": name},
                code="photo_missing",
            ) from None
        photo = SimpleUploadedFile(name.rsplit("/", 1)[-1], data)
        media.check_photo(photo)
        _swap_photo(listing, photo)
        return _announce_edit(shop=shop, listing=listing, actor=actor)


def _swap_photo(listing: Listing, photo: UploadedFile) -> None:
    """Store ``photo``'s copies on the locked listing; its old files go after commit."""
    old = {listing.photo.name, *(v["name"] for v in listing.photo_variants or [])} - {""}
    attach_photo(listing=listing, photo=photo)
    listing.save(update_fields=["photo", "photo_variants", "updated_at"])
    storage = listing.photo.storage
    for name in sorted(old - {v["name"] for v in listing.photo_variants}):
        transaction.on_commit(partial(storage.delete, name), robust=True)


def end_listing(*, shop: Shop, listing_id: int, actor: Actor = SYSTEM) -> StockResult:
    """Owner takes a listing off today's board; it leaves every open page."""
    with transaction.atomic():
        listing = _locked_listing(shop, listing_id)
        if not listing.is_active:
            raise Conflict(_("이미 판매가 종료된 상품입니다."), code="listing_ended")
        Listing.objects.filter(pk=listing.pk).update(is_active=False, updated_at=timezone.now())
        return _record_change(
            shop=shop,
            listing=listing,
            delta=0,
            reason=Reason.ENDED,
            actor=actor,
            listing_event=events.LISTING_ENDED,
        )


def prune_stock_events(*, older_than_days: int) -> int:
    """Drop log rows nobody can resync from any more; keep each shop's latest ones."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    keep = settings.LIVESTOCK_EVENTS_KEPT
    deleted = 0
    for shop_id, version in Shop.objects.values_list("pk", "stock_version"):
        deleted += StockEvent.objects.filter(
            shop_id=shop_id, created_at__lt=cutoff, version__lte=version - keep
        ).delete()[0]
    return deleted


def announce_admin_save(
    *, shop: Shop, listing: Listing, initial_available: int | None, actor: Actor
) -> StockResult:
    """The admin saved a listing inside its own transaction; log and broadcast it.

    A new listing gets its starting count here, through the same conditional update as
    every other change; an edited one is announced with its new text and prices.
    """
    if initial_available is not None:
        return change_stock_in_transaction(
            shop=shop,
            listing_id=listing.pk,
            set_to=initial_available,
            reason=Reason.ARRIVAL,
            actor=actor,
            listing_event=events.LISTING_CREATED,
        )
    listing = _locked_listing(shop, listing.pk)
    return _announce_edit(shop=shop, listing=listing, actor=actor)
