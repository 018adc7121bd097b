"""A customer reserves; the shop, café staff and the clock move the reservation along.

One function per thing a customer, owner or café means to do, each owning its transaction.
Stock moves only through ``livestock.services`` (the same conditional decrement, version bump,
StockEvent and broadcast as every other count change), inside the reservation's own
transaction, so a reservation and the stock it took commit or roll back together. Status
changes are announced after commit. The lock order is in ``pickup/services/__init__.py``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from livestock.models import Listing, ListingOption, StockEvent
from livestock.services import Actor, change_stock_in_transaction
from pickup import codes, limits
from pickup.clients import Client, customer_key
from pickup.models import PickupPlace, PickupPoint, Reservation, ReservationEvent
from pickup.payloads import (
    reservation_payload,
    reservation_pos_payload,
    reservation_staff_payload,
)
from pickup.services.checks import RawInput, check_id
from pickup.services.windows import check_pickup_date, pickup_slot
from pickup.streams import record_reservation_change
from shops import events
from shops.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from shops.idempotency import Stored, run_once
from shops.models import Shop
from shops.services import lock_calendar_shared
from shops.validation import clean_text

ReservationStatus = Reservation.Status
Reason = StockEvent.Reason

EVENT_OF_STATUS = {
    ReservationStatus.READY: events.RESERVATION_READY,
    ReservationStatus.PICKED_UP: events.RESERVATION_PICKED_UP,
    ReservationStatus.CANCELLED: events.RESERVATION_CANCELLED,
    ReservationStatus.NO_SHOW: events.RESERVATION_NO_SHOW,
}

CUSTOMER = Actor(label="customer")
SYSTEM = Actor(label="system")
MAX_NAME = 40
MAX_REASON = 200

# Loaded with every reservation a service returns: what the pages and payloads show.
SHOWN_WITH = ("shop", "pickup_point__place", "window")


# --- small helpers ---------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


def _check_quantity(value: RawInput) -> int:
    limit = settings.PICKUP_MAX_QUANTITY
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        raise InvalidInput(
            _("수량은 1 이상 %(max)d 이하의 정수로 입력해 주세요.") % {"max": limit},
            code="invalid_quantity",
        )
    return value


def _check_name(value: RawInput) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(_("받는 분 이름을 입력해 주세요."), code="name_required")
    return clean_text(
        value, label=_("이름"), max_length=MAX_NAME, collapse_spaces=True, code_prefix="name_"
    )


def _check_phone(value: RawInput) -> str:
    try:
        return codes.normalize_phone(value)
    except codes.InvalidPhone:
        raise InvalidInput(
            _("휴대폰 번호를 확인해 주세요. 예: 010-1234-5678"), code="invalid_phone"
        ) from None


def _check_reason(value: RawInput) -> str:
    return clean_text(
        value, label=_("취소 사유"), max_length=MAX_REASON, multiline=True, code_prefix="reason_"
    )


def _announce(reservation: Reservation, *, created: bool = False) -> Reservation:
    """Version the reservation's change on its live streams and publish it after commit;
    return it fully loaded. A new reservation starts at version 1 and is already loaded; a
    changed one was saved with ``version`` one higher in the same UPDATE as its change (a
    second UPDATE of the row in one transaction makes PostgreSQL check every foreign key of
    it again, locking the pickup window out of the lock order)."""
    if not created:
        reservation = Reservation.objects.select_related(*SHOWN_WITH).get(pk=reservation.pk)
    record_reservation_change(
        reservation=reservation,
        public=reservation_payload(reservation),
        staff=reservation_staff_payload(reservation),
    )
    events.record(
        type=events.RESERVATION_CREATED if created else EVENT_OF_STATUS[reservation.status],
        shop_id=reservation.shop_id,
        shop_slug=reservation.shop.slug,
        version=reservation.version,
        data=reservation_pos_payload(reservation),
    )
    return reservation


def _unique_code(shop: Shop) -> str:
    for _attempt in range(20):
        code = codes.new_code()
        if not Reservation.objects.filter(shop_id=shop.pk, code=code).exists():
            return code
    raise Conflict(_("잠시 후 다시 시도해 주세요."), code="code_exhausted")


# --- reserve ---------------------------------------------------------------------------


@cache
def _customer_counts_sql(vendor: str, device: bool, network: bool) -> str:
    """The limits' one aggregate (see _customer_counts), written once per database vendor
    and kind of client: it runs on every reservation."""
    quote = connection.ops.quote_name
    column = {f.name: quote(f.column) for f in Reservation._meta.concrete_fields}
    is_open = f"{column['status']} IN ({', '.join(['%s'] * len(Reservation.OPEN_STATUSES))})"
    phone, key = f"{column['phone']} = %s", f"{column['customer_key']} = %s"
    this_listing = f"{is_open} AND {column['listing']} = %s"
    person, anyone = [phone], [phone, key]
    counted = [
        (
            "no_shows",
            f"COUNT(*) FILTER (WHERE {phone} AND {column['status']} = %s"
            f" AND {column['ended_at']} >= %s)",
        ),
        ("active", f"COUNT(*) FILTER (WHERE {phone} AND {is_open})"),
        ("collected", f"COUNT(*) FILTER (WHERE {key} AND {column['status']} = %s)"),
    ]
    if device:
        same_device = f"{column['client_device']} = %s"
        person.append(same_device)
        anyone.append(same_device)
        counted.append(("device_open", f"COUNT(*) FILTER (WHERE {is_open} AND {same_device})"))
    counted.append(
        (
            "person",
            f"SUM({column['units']}) FILTER (WHERE {this_listing} AND ({' OR '.join(person)}))",
        )
    )
    if network:
        same_network = f"{column['client_network']} = %s"
        anyone.append(same_network)
        counted.append(
            ("network", f"SUM({column['units']}) FILTER (WHERE {this_listing} AND {same_network})")
        )
        counted.append(("network_open", f"COUNT(*) FILTER (WHERE {is_open} AND {same_network})"))
    return (
        f"SELECT {', '.join(sql for _name, sql in counted)}"
        f" FROM {quote(Reservation._meta.db_table)}"
        f" WHERE {column['shop']} = %s AND ({' OR '.join(anyone)})"
    )


def _customer_counts(
    listing: Listing, *, phone: str, key: str, client: Client, now: datetime
) -> dict[str, int]:
    """Everything the limits count about this customer at the shop, in one query over the
    rows that share the phone, the keyed phone, the device or the network: no-shows and open
    reservations of the phone, pickups of the keyed phone, and the open reservations and
    units of this listing the person (phone or device) and the network hold."""
    since = now - timedelta(days=settings.PICKUP_PHONE_RETENTION_DAYS)
    since = Reservation._meta.get_field("ended_at").get_db_prep_value(since, connection)
    is_open = [str(status) for status in Reservation.OPEN_STATUSES]
    names = ["no_shows", "active", "collected"]
    params: list[object] = [phone, str(ReservationStatus.NO_SHOW), since]
    params += [phone, *is_open]
    params += [key, str(ReservationStatus.PICKED_UP)]
    person, anyone = [phone], [phone, key]
    if client.device:
        names.append("device_open")
        params += [*is_open, client.device]
        person.append(client.device)
        anyone.append(client.device)
    names.append("person")
    params += [*is_open, listing.pk, *person]
    if client.network:
        names += ["network", "network_open"]
        params += [*is_open, listing.pk, client.network, *is_open, client.network]
        anyone.append(client.network)
    params += [listing.shop_id, *anyone]
    sql = _customer_counts_sql(connection.vendor, bool(client.device), bool(client.network))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return {name: value or 0 for name, value in zip(names, row, strict=True)}


def _check_phone_limits(counts: dict[str, int]) -> bool:
    """Refuse a phone over its no-show or open-reservation limit; return whether the same
    customer (by keyed hash, which outlives a phone erased without consent) has picked up an
    order here before."""
    if counts["no_shows"] >= settings.PICKUP_NO_SHOW_LIMIT:
        raise PermissionDenied(
            _(
                "이 번호는 미수령(노쇼)이 %(count)d회 있어 지금은 예약할 수 없습니다. "
                "가게에 직접 문의해 주세요."
            )
            % {"count": counts["no_shows"]},
            code="no_show_limit",
        )
    if counts["active"] >= settings.PICKUP_MAX_ACTIVE_PER_PHONE:
        raise RateLimited(
            _(
                "한 번호로 이 가게에 동시에 %(max)d건까지 예약할 수 있습니다. "
                "받으신 뒤 다시 예약해 주세요."
            )
            % {"max": settings.PICKUP_MAX_ACTIVE_PER_PHONE},
            code="too_many_active_reservations",
        )
    return counts["collected"] > 0


def _over_limit(listing: Listing, limit: int, *, held: int) -> Conflict:
    if held:
        detail = _(
            "이 상품은 1인 최대 %(limit)d%(unit)s까지 예약할 수 있습니다. "
            "이미 %(held)d%(unit)s을(를) 예약해 두셨습니다."
        )
    else:
        detail = _("이 상품은 1인 최대 %(limit)d%(unit)s까지 예약할 수 있습니다.")
    return Conflict(
        detail % {"limit": limit, "unit": listing.unit, "held": held},
        code="limit_per_customer",
        limit=limit,
        unit=listing.unit,
        held=held,
    )


def _check_customer_holdings(
    listing: Listing, limit: int, counts: dict[str, int], *, units: int
) -> None:
    """Refuse when this customer would hold more than ``limit`` units of the listing, or
    more open reservations at the shop than one phone may (PICKUP_MAX_ACTIVE_PER_PHONE), so
    fresh phone numbers neither empty a listing nor fill the shop's pickup windows.

    Counted by device cookie and by phone; every client also by network address, allowed
    PICKUP_NETWORK_ALLOWANCE times as much (many customers share a carrier's address). The
    units of one listing are counted under its row lock, so they hold exactly under a race.
    """
    person_held = counts["person"]
    if person_held + units > limit:
        raise _over_limit(listing, limit, held=person_held)
    most_open = settings.PICKUP_MAX_ACTIVE_PER_PHONE
    if counts.get("device_open", 0) >= most_open:
        raise RateLimited(
            _(
                "한 기기로 이 가게에 동시에 %(max)d건까지 예약할 수 있습니다. "
                "받으신 뒤 다시 예약해 주세요."
            )
            % {"max": most_open},
            code="too_many_active_reservations",
        )
    allowance = settings.PICKUP_NETWORK_ALLOWANCE
    if counts.get("network", 0) + units > limit * allowance:
        raise RateLimited(
            _("이 네트워크에서 이 상품을 너무 많이 예약했습니다. 받으신 뒤 다시 예약해 주세요."),
            code="limit_per_network",
            limit=limit,
            unit=listing.unit,
        )
    if counts.get("network_open", 0) >= most_open * allowance:
        raise RateLimited(
            _("이 네트워크에서 이 가게에 예약이 너무 많습니다. 받으신 뒤 다시 예약해 주세요."),
            code="limit_per_network",
            limit=limit,
            unit=listing.unit,
        )


def _option_as_reserved(option: ListingOption) -> ListingOption:
    """The option read again under its listing's row lock, which the owner's edits hold too:
    refused when it was removed or changed since it was read, so a reservation never points at
    an option that is gone or takes units or a price the option no longer has."""
    current = ListingOption.objects.filter(pk=option.pk, listing_id=option.listing_id).first()
    if current is None:
        raise NotFound(_("이 상품에 해당 옵션이 없습니다."), code="option_not_found")
    if (current.label, current.units, current.pickup_price) != (
        option.label,
        option.units,
        option.pickup_price,
    ):
        raise Conflict(
            _("고르신 옵션이 방금 바뀌었습니다. 내용을 확인하고 다시 예약해 주세요."),
            code="option_changed",
        )
    return current


def reserve(
    *,
    shop: Shop,
    listing_id: RawInput,
    quantity: RawInput,
    pickup_point_id: RawInput,
    name: RawInput,
    phone: RawInput,
    option_id: RawInput = None,
    window_id: RawInput = None,
    pickup_date: RawInput = None,
    consent: bool = False,
    idempotency_key: str | None = None,
    client: Client | None = None,
    now: datetime | None = None,
) -> tuple[Reservation, bool]:
    """A customer reserves ``quantity`` of a listing for pickup on ``pickup_date`` (default:
    today, or the next open day once today's windows are over).

    Returns the reservation (with its shop, pickup point and place, and window loaded) and
    whether this was a replay of an earlier request with the same Idempotency-Key.
    ``client`` (pickup/clients.py) is who asks, for the listing's "1인 최대" limit.
    """
    client = client or Client()
    now = _now(now)
    quantity = _check_quantity(quantity)
    name = _check_name(name)
    phone = _check_phone(phone)
    listing_id = check_id(
        listing_id, code="listing_not_found", detail=_("상품을 찾을 수 없습니다.")
    )
    point_id = check_id(
        pickup_point_id, code="pickup_point_not_found", detail=_("픽업 지점을 찾을 수 없습니다.")
    )
    if option_id is not None:
        option_id = check_id(
            option_id, code="option_not_found", detail=_("옵션을 찾을 수 없습니다.")
        )
    consent = bool(consent)
    chosen_day = check_pickup_date(value=pickup_date, today=timezone.localtime(now).date())

    def action() -> Reservation:
        # First lock after the idempotency key: a closing of the day waits for this
        # reservation, or this one sees the closure (pickup/services/__init__.py).
        lock_calendar_shared(shop)
        code = codes.new_code()
        listing = (
            Listing.objects.filter(pk=listing_id, shop_id=shop.pk)
            .annotate(code_taken=Exists(Reservation.objects.filter(shop_id=shop.pk, code=code)))
            .first()
        )
        if listing is None:
            raise NotFound(_("이 가게에 해당 상품이 없습니다."), code="listing_not_found")
        if not listing.is_active:
            raise Conflict(_("판매가 종료된 상품입니다."), code="listing_ended")
        option = None
        if option_id is not None:
            option = ListingOption.objects.filter(pk=option_id, listing_id=listing.pk).first()
            if option is None:
                raise NotFound(_("이 상품에 해당 옵션이 없습니다."), code="option_not_found")
        point = (
            PickupPoint.objects.select_related("place").filter(pk=point_id, shop_id=shop.pk).first()
        )
        if point is None:
            raise NotFound(_("이 가게의 픽업 지점이 아닙니다."), code="pickup_point_not_found")
        if not point.is_active:
            raise Conflict(
                _("지금은 이 픽업 지점을 이용할 수 없습니다. 다른 곳을 골라 주세요."),
                code="pickup_point_paused",
            )
        window, starts, ends = pickup_slot(
            point=point, shop=shop, window_id=window_id, now=now, day=chosen_day
        )
        day = timezone.localtime(starts).date()
        key = customer_key(shop_id=shop.pk, phone=phone)
        per_item = option.units if option else 1
        units = per_item * quantity
        limit = listing.per_customer_limit
        unit_price = option.pickup_price if option else listing.pickup_price
        if listing.code_taken:
            code = _unique_code(shop)

        def check_limits() -> tuple[bool, dict[str, int]]:
            """The phone's limits, then the listing's "1인 최대" for this one request; one
            query, made under the listing's row lock, that also counts the holdings."""
            counts = _customer_counts(listing, phone=phone, key=key, client=client, now=now)
            returning = _check_phone_limits(counts)
            # More than is left is insufficient_stock (decided under the lock), whatever
            # the limit: the customer can act on the count that is left.
            if limit < units <= listing.available:
                raise _over_limit(listing, limit, held=0)
            return returning, counts

        try:
            change_stock_in_transaction(
                shop=shop,
                listing_id=listing.pk,
                delta=-units,
                reason=Reason.RESERVED,
                actor=CUSTOMER,
                note=f"reservation {code}",
            )
        except DomainError:
            check_limits()  # a refusal of the customer comes before one of the stock
            raise
        returning, counts = check_limits()
        if option is not None:
            option = _option_as_reserved(option)
        # Under the listing's row lock: whatever else this customer holds is committed.
        _check_customer_holdings(listing, limit, counts, units=units)
        item_name = f"{listing.name} ({option.label})" if option else listing.name
        reservation = Reservation.objects.create(
            shop=shop,
            listing=listing,
            option=option,
            item_name=item_name[:200],
            quantity=quantity,
            units=units,
            unit_price=unit_price,
            total_price=unit_price * quantity,
            pickup_point=point,
            window=window,
            date=day,
            pickup_starts_at=starts,
            pickup_ends_at=ends,
            name=name,
            phone=phone,
            phone_consent=consent,
            code=code,
            created_at=now,
            updated_at=now,
            client_device=client.device,
            client_network=client.network,
            customer_key=key,
            returning_customer=returning,
        )
        # Created from the loaded shop, point (with its place) and window: nothing to reload.
        return _announce(reservation, created=True)

    with transaction.atomic(), events.one_change():
        return run_once(
            shop_id=shop.pk,
            scope="reserve",
            key=idempotency_key,
            request_data={
                "listing_id": listing_id,
                "option_id": option_id,
                "quantity": quantity,
                "pickup_point_id": point_id,
                "window_id": window_id,
                "pickup_date": chosen_day.isoformat() if chosen_day else None,
                "name": name,
                "phone": phone,
                "consent": consent,
            },
            action=action,
            remember=lambda reservation: {"reservation_id": reservation.pk},
            recall=_recall_reservation,
        )


def _recall_reservation(stored: Stored) -> Reservation:
    """The reservation a replayed request created (the record keeps only its id)."""
    reservation = (
        Reservation.objects.select_related(*SHOWN_WITH)
        .filter(pk=stored.get("reservation_id"))
        .first()
    )
    if reservation is None:
        raise NotFound(_("예약을 찾을 수 없습니다."), code="reservation_not_found")
    return reservation


# --- lifecycle -------------------------------------------------------------------------


def _locked(queryset: QuerySet[Reservation]) -> Reservation | None:
    return queryset.select_for_update(of=("self",)).first()


def _return_stock(reservation: Reservation, reason: str, actor: Actor) -> int:
    """Give the units back while the listing is still on sale; return how many went back."""
    still_on_sale = (
        Listing.objects.select_for_update(of=("self",))
        .filter(pk=reservation.listing_id, is_active=True)
        .values_list("pk", flat=True)
        .first()
    ) is not None
    if not still_on_sale:
        return 0
    change_stock_in_transaction(
        shop=reservation.shop,
        listing_id=reservation.listing_id,
        delta=reservation.units,
        reason=reason,
        actor=actor,
        note=f"reservation {reservation.code}",
    )
    return reservation.units


def _locked_open_reservation(reservation_id: int, shop: Shop | None) -> Reservation:
    """Lock a still-open reservation (of ``shop`` when given) for a closing transition."""
    queryset = Reservation.objects.select_related("shop").filter(pk=reservation_id)
    if shop is not None:
        queryset = queryset.filter(shop_id=shop.pk)
    reservation = _locked(queryset)
    if reservation is None:
        raise NotFound(_("예약을 찾을 수 없습니다."), code="reservation_not_found")
    if not reservation.is_open:
        raise _not_open(reservation)
    return reservation


def _close(reservation: Reservation, status: str, now: datetime, **fields: object) -> None:
    reservation.status = status
    reservation.updated_at = now
    reservation.ended_at = now
    reservation.client_device = reservation.client_network = ""  # needed only while open
    reservation.version += 1  # the row is locked: the loaded version is the current one
    for key, value in fields.items():
        setattr(reservation, key, value)
    reservation.save()


def _not_open(reservation: Reservation) -> Conflict:
    messages = {
        ReservationStatus.PICKED_UP: (_("이미 수령한 예약입니다."), "already_picked_up"),
        ReservationStatus.CANCELLED: (_("이미 취소된 예약입니다."), "already_cancelled"),
        ReservationStatus.NO_SHOW: (_("미수령(노쇼) 처리된 예약입니다."), "already_no_show"),
    }
    detail, code = messages.get(
        reservation.status, (_("지금 상태에서는 할 수 없습니다."), "invalid_status")
    )
    return Conflict(detail, code=code, status_now=reservation.status)


def cancel_reservation(
    *,
    reservation_id: int,
    by: str,
    shop: Shop | None = None,
    reason: RawInput = "",
    actor: Actor = CUSTOMER,
    now: datetime | None = None,
) -> Reservation:
    """The customer (secret link) or the shop (with a reason) cancels; stock goes back live."""
    now = _now(now)
    reason = _check_reason(reason)
    if by == Reservation.CancelledBy.SHOP and not reason:
        raise InvalidInput(_("취소 사유를 입력해 주세요."), code="reason_required")
    with transaction.atomic():
        reservation = _locked_open_reservation(reservation_id, shop)
        returned = _return_stock(reservation, Reason.RESERVATION_CANCELLED, actor)
        _close(
            reservation,
            ReservationStatus.CANCELLED,
            now,
            cancel_reason=reason,
            cancelled_by=by,
            units_returned=returned,
        )
        _announce(reservation)
    return reservation


def mark_ready(*, shop: Shop, reservation_id: int, now: datetime | None = None) -> Reservation:
    """The order is packed and waiting at its pickup point."""
    now = _now(now)
    with transaction.atomic():
        reservation = _locked(Reservation.objects.filter(pk=reservation_id, shop_id=shop.pk))
        if reservation is None:
            raise NotFound(_("예약을 찾을 수 없습니다."), code="reservation_not_found")
        if reservation.status == ReservationStatus.READY:
            return reservation
        if reservation.status != ReservationStatus.CONFIRMED:
            raise _not_open(reservation)
        reservation.status = ReservationStatus.READY
        reservation.ready_at = reservation.updated_at = now
        reservation.version += 1
        reservation.save(update_fields=["status", "ready_at", "updated_at", "version"])
        _announce(reservation)
    return reservation


def _hand_over(
    queryset: QuerySet[Reservation], scope: str, code: RawInput, now: datetime
) -> Reservation:
    limits.check_code_attempts(scope=scope)
    normalized = codes.normalize_code(code)
    reservation = None
    with transaction.atomic():
        if normalized:
            reservation = _locked(queryset.filter(code=normalized))
        if reservation is not None:
            if not reservation.is_open:
                raise _not_open(reservation)
            _close(reservation, ReservationStatus.PICKED_UP, now)
            _announce(reservation)
    if reservation is None:
        limits.record_code_failure(scope=scope)
        raise NotFound(_("수령 코드가 맞지 않습니다. 다시 확인해 주세요."), code="code_not_found")
    return reservation


def mark_picked_up(*, shop: Shop, code: RawInput, now: datetime | None = None) -> Reservation:
    """The owner types (or scans) the customer's code at the counter."""
    return _hand_over(
        Reservation.objects.filter(shop_id=shop.pk), f"shop:{shop.pk}", code, _now(now)
    )


def hand_over(*, shop: Shop, reservation_id: int, now: datetime | None = None) -> Reservation:
    """The shop hands an order over, named by its id (a point-of-sale tool that already
    matched the customer, so no code is typed and no wrong-code limit applies)."""
    now = _now(now)
    with transaction.atomic():
        reservation = _locked_open_reservation(reservation_id, shop)
        _close(reservation, ReservationStatus.PICKED_UP, now)
        _announce(reservation)
    return reservation


def hand_over_at_place(
    *, place: PickupPlace, code: RawInput, now: datetime | None = None
) -> Reservation:
    """Café staff hand an order over at their counter (any partner shop's order)."""
    return _hand_over(
        Reservation.objects.filter(pickup_point__place_id=place.pk),
        f"place:{place.pk}",
        code,
        _now(now),
    )


def mark_no_show(
    *,
    reservation_id: int,
    shop: Shop | None = None,
    actor: Actor = SYSTEM,
    now: datetime | None = None,
) -> Reservation:
    """Nobody came: close the reservation and return its stock while the listing is on sale."""
    now = _now(now)
    with transaction.atomic():
        reservation = _locked_open_reservation(reservation_id, shop)
        if now < reservation.pickup_ends_at:
            raise Conflict(
                _("수령 시간이 끝난 뒤에 노쇼로 처리할 수 있습니다."), code="window_not_over"
            )
        returned = _return_stock(reservation, Reason.NO_SHOW, actor)
        _close(reservation, ReservationStatus.NO_SHOW, now, units_returned=returned)
        _announce(reservation)
    return reservation


def expire_no_shows(*, now: datetime | None = None) -> int:
    """Every open reservation whose window ended more than the grace period ago → no-show."""
    now = _now(now)
    cutoff = now - timedelta(minutes=settings.PICKUP_NO_SHOW_GRACE_MINUTES)
    due = list(
        Reservation.objects.filter(status__in=Reservation.OPEN_STATUSES, pickup_ends_at__lte=cutoff)
        .order_by("pickup_ends_at")
        .values_list("pk", flat=True)[:1000]
    )
    expired = 0
    for reservation_id in due:
        try:
            mark_no_show(reservation_id=reservation_id, now=now)
        except (Conflict, NotFound):
            continue  # picked up or cancelled meanwhile
        expired += 1
    return expired


def purge_expired_phones(*, now: datetime | None = None) -> int:
    """Erase the phone of reservations that ended longer ago than the retention period.

    Without the customer's consent to keep it, the number goes as soon as the reservation ends.
    The keyed hash of the phone (``customer_key``, which counts repeat customers) is kept for
    the retention period either way and then erased; the daily rollups need neither
    (docs/privacy.md).
    """
    now = _now(now)
    cutoff = now - timedelta(days=settings.PICKUP_PHONE_RETENTION_DAYS)
    # The live feeds' logs hold names and masked phones too; a page a day behind gets a
    # snapshot anyway.
    ReservationEvent.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    ended = Reservation.objects.filter(status__in=Reservation.FINAL_STATUSES)
    ended.filter(ended_at__lte=cutoff).exclude(customer_key="").update(customer_key="")
    return (
        ended.exclude(phone="")
        .filter(
            Q(phone_consent=True, ended_at__lte=cutoff) | Q(phone_consent=False, ended_at__lte=now)
        )
        .update(phone="", phone_erased_at=now)
    )


# --- point-of-sale steps ---------------------------------------------------------------

POS_STEPS = ("ready", "picked-up", "no-show", "cancel")
# The refusals that mean "the reservation's status does not allow this step".
NOT_ALLOWED_NOW = {
    "already_picked_up",
    "already_cancelled",
    "already_no_show",
    "invalid_status",
    "window_not_over",
}


def advance(
    *,
    shop: Shop,
    reservation_id: int,
    step: str,
    reason: RawInput = "",
    actor: Actor = SYSTEM,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> tuple[Reservation, bool]:
    """A point-of-sale tool moves a reservation one step (``POS_STEPS``); returns it and
    whether the answer is a replay of an earlier request with the same Idempotency-Key.

    A step the status does not allow is a ``Conflict`` with code ``invalid_transition``
    (``status`` says where the reservation is, ``reason`` the specific refusal). A shop
    cancelling without a reason gives the customer a plain one.
    """
    if step not in POS_STEPS:
        raise NotFound(_("알 수 없는 처리입니다."), code="unknown_step")
    if step == "cancel":
        reason = _check_reason(reason) or _("가게 사정으로 취소되었습니다.")

    def action() -> Reservation:
        try:
            if step == "ready":
                return mark_ready(shop=shop, reservation_id=reservation_id, now=now)
            if step == "picked-up":
                return hand_over(shop=shop, reservation_id=reservation_id, now=now)
            if step == "no-show":
                return mark_no_show(reservation_id=reservation_id, shop=shop, actor=actor, now=now)
            return cancel_reservation(
                reservation_id=reservation_id,
                by=Reservation.CancelledBy.SHOP,
                shop=shop,
                reason=reason,
                actor=actor,
                now=now,
            )
        except Conflict as refused:
            if refused.code not in NOT_ALLOWED_NOW:
                raise
            current = (
                Reservation.objects.filter(pk=reservation_id)
                .values_list("status", flat=True)
                .first()
            )
            raise Conflict(
                refused.detail,
                code="invalid_transition",
                status=409,
                reason=refused.code,
                status_now=current,
            ) from None

    with transaction.atomic():
        return run_once(
            shop_id=shop.pk,
            scope=f"pos:{step}",
            key=idempotency_key,
            request_data={"reservation_id": reservation_id, "step": step, "reason": reason},
            action=action,
            remember=lambda reservation: {"reservation_id": reservation.pk},
            recall=_recall_reservation,
        )
