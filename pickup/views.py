"""Customer and café pages: the no-JavaScript reserve form, the reservation page, the café list.

Every write calls the same service as the API; errors come back as the service's Korean
sentence on the page.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import segno
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pickup import clients, form_fields, limits, streams
from pickup import reservation_selectors as selectors
from pickup.codes import format_code, mask_phone, normalize_code
from pickup.minimap import minimap
from pickup.services import reservations as reservation_services
from shops.auth import client_ip, shops_for_user
from shops.errors import DomainError, InvalidInput
from shops.selectors import shop_by_slug
from shops.sharing import attribute_reservation
from shops.units import unit_text


def _int_or_raw(value: str | None) -> Any:
    """Form text → int when it is one; anything else goes to the service to be refused."""
    if value is None or value.strip() == "":
        return None
    try:
        return int(value.strip())
    except ValueError:
        return value


def _item_choices(shop) -> list[dict[str, Any]]:
    items = []
    for listing in selectors.reservable_listings(shop):
        options = list(listing.options.all())
        for option in options or [None]:
            units = option.units if option else 1
            limit = listing.per_customer_limit
            # Counts in the unit the customer buys: an option's own count, not base units.
            limit_text = (
                _("1인 최대 %(n)s개") % {"n": limit // units}
                if option
                else _("1인 최대 %(limit)s%(unit)s")
                % {"limit": limit, "unit": unit_text(listing.unit)}
            )
            items.append(
                {
                    "value": f"{listing.pk}:{option.pk}" if option else str(listing.pk),
                    "listing_id": listing.pk,
                    "units": units,
                    "price": option.pickup_price if option else listing.pickup_price,
                    "name": f"{listing.name} · {option.label}" if option else listing.name,
                    "unit": listing.unit,
                    "option": option.label if option else "",
                    "sold_out": listing.available < units,
                    "limit": limit,
                    "limit_text": limit_text,
                }
            )
    return items


def slot_value(slot) -> str:
    """Today's choices keep the plain ``point[:window]`` value; later days add the date."""
    point = str(slot.point.pk)
    window = str(slot.window.window.pk) if slot.window else ""
    if slot.day == timezone.localdate():
        return f"{point}:{window}" if window else point
    return f"{point}:{window}:{slot.day.isoformat()}"


def _day_choices(shop) -> list[dict[str, Any]]:
    return [
        {
            "label": day.label,
            "date": day.day.isoformat(),
            "slots": [
                {
                    "value": slot_value(slot),
                    "place": slot.point.place,
                    "window": slot.window,
                    "hours": slot.hours,
                    "selectable": slot.selectable,
                }
                for slot in day.slots
            ],
        }
        for day in selectors.pickup_day_choices(shop)
    ]


def reserve_form_context(
    shop,
    request: HttpRequest,
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    error_code: str | None = None,
) -> dict[str, Any]:
    items = _item_choices(shop)
    values = dict(values or {})
    wanted = values.get("item", "")
    if wanted and not any(item["value"] == wanted for item in items):
        # A bare listing id (a card's 예약하기): its first way to buy it.
        values["item"] = next(
            (item["value"] for item in items if str(item["listing_id"]) == wanted), ""
        )
    days = _day_choices(shop)
    return {
        "shop": shop,
        "request": request,
        "items": items,
        "days": days,
        "places": list(
            {slot["place"].pk: slot["place"] for d in days for slot in d["slots"]}.values()
        ),
        "values": values,
        "error": error,
        # The field the error is about (shown next to it), "" for the form as a whole.
        "error_field": form_fields.field_for(error_code) if error else "",
        "error_fields": form_fields.RESERVE_ERROR_FIELDS,
        "idempotency_key": values.get("idempotency_key") or uuid.uuid4().hex,
    }


@require_POST
def reserve_submit(request: HttpRequest, slug: str) -> HttpResponse:
    shop = shop_by_slug(slug)
    if shop is None:
        raise Http404("shop")
    data = request.POST
    item = (data.get("item") or "").split(":", 1)
    slot = (data.get("slot") or "").split(":", 2)
    values = {
        key: data.get(key, "")[:200]
        for key in ("item", "slot", "quantity", "name", "phone", "consent", "idempotency_key")
    }
    try:
        if not data.get("consent"):
            raise InvalidInput(
                _("전화번호를 이 예약에만 쓰는 데 동의해 주세요."), code="consent_required"
            )
        ip = client_ip(request)
        limits.check_reservation_rate(client_ip=ip)
        reservation, replayed = reservation_services.reserve(
            shop=shop,
            listing_id=_int_or_raw(item[0]) if item[0] else None,
            option_id=_int_or_raw(item[1]) if len(item) > 1 else None,
            quantity=_int_or_raw(data.get("quantity")),
            pickup_point_id=_int_or_raw(slot[0]) if slot[0] else None,
            window_id=_int_or_raw(slot[1]) if len(slot) > 1 else None,
            pickup_date=slot[2] if len(slot) > 2 else None,
            name=data.get("name", ""),
            phone=data.get("phone", ""),
            consent=True,
            idempotency_key=(data.get("idempotency_key") or "")[:200] or None,
            client=clients.client_for(request, ip),
        )
    except DomainError as exc:
        context = reserve_form_context(
            shop, request, values=values, error=exc.detail, error_code=exc.code
        )
        return clients.remember_device(
            request, render(request, "pickup/reserve_page.html", context, status=exc.status)
        )
    if not replayed:
        attribute_reservation(request, shop)
    return clients.remember_device(
        request, redirect("pickup:reservation_page", token=reservation.token)
    )


def _redeem_qr(request: HttpRequest, reservation) -> str:
    """The QR on the customer's screen: /h/<shop>/<code>/, which takes whoever hands the order
    over (the shop's staff, or the café's staff) to their own page for this code."""
    url = request.build_absolute_uri(
        reverse(
            "pickup:handover_qr", kwargs={"slug": reservation.shop.slug, "code": reservation.code}
        )
    )
    return segno.make(url, error="m").svg_inline(scale=5, dark="#111", light="#fff", omitsize=True)


def handover_qr(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """Where the customer's QR leads. The shop's staff (signed in) go to the owner's redeem
    page; café staff (this phone opened their café's staff link) to their handover page with
    the order first; anyone else learns what the code is for, and nothing about the order."""
    shop = shop_by_slug(slug)
    if shop is None:
        raise Http404("shop")
    if request.user.is_authenticated and shops_for_user(request.user).filter(pk=shop.pk).exists():
        return redirect("owner:redeem", slug=shop.slug, code=code)
    tokens = request.session.get(CAFE_SESSION_KEY, [])
    if tokens:
        normalized = normalize_code(code)
        reservation = selectors.reservation_by_code(shop, normalized) if normalized else None
        place = reservation.pickup_point.place if reservation else None
        if place is not None and place.staff_link_active and place.staff_token in tokens:
            return redirect(
                f"{reverse('pickup:cafe_page', args=[place.staff_token])}?code={normalized}"
            )
    response = render(
        request,
        "pickup/handover_help.html",
        {"shop": shop, "redeem_url": reverse("owner:redeem", args=[shop.slug, code])},
    )
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "same-origin"
    return response


def reservation_page(request: HttpRequest, token: str) -> HttpResponse:
    reservation = selectors.reservation_by_token(token)
    if reservation is None:
        raise Http404("reservation")
    place = reservation.pickup_point.place
    shop = reservation.shop
    response = render(
        request,
        "pickup/reservation.html",
        {
            "reservation": reservation,
            "place": place,
            "shop": shop,
            "code_display": format_code(reservation.code),
            "phone_masked": mask_phone(reservation.phone),
            "qr_svg": _redeem_qr(request, reservation),
            "map": minimap(
                place.lat,
                place.lng,
                None if reservation.pickup_point.is_shop_counter else shop.lat,
                None if reservation.pickup_point.is_shop_counter else shop.lng,
            ),
        },
    )
    response["Referrer-Policy"] = "same-origin"  # the secret link never leaves the site
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def reservation_cancel(request: HttpRequest, token: str) -> HttpResponse:
    reservation = selectors.reservation_by_token(token)
    if reservation is None:
        raise Http404("reservation")
    try:
        reservation_services.cancel_reservation(
            reservation_id=reservation.pk, by="customer", reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("예약을 취소했습니다. 수량은 바로 다시 판매됩니다."))
    return redirect("pickup:reservation_page", token=token)


def _place_or_404(token: str):
    place = selectors.place_by_staff_token(token)
    if place is None:
        raise Http404("place")
    return place


CAFE_SESSION_KEY = "cafe_staff_tokens"


def _remember_cafe(request: HttpRequest, token: str) -> None:
    """This phone opened a café's staff link: a customer's QR scanned on it later leads here."""
    tokens = [t for t in request.session.get(CAFE_SESSION_KEY, []) if t != token]
    request.session[CAFE_SESSION_KEY] = [token, *tokens][:5]


def cafe_page(request: HttpRequest, token: str) -> HttpResponse:
    place = _place_or_404(token)
    _remember_cafe(request, token)
    feed_version = streams.feed_version(streams.place_feed(place.pk))  # before the list
    reservations = selectors.place_handover(place)
    open_reservations = [r for r in reservations if r.is_open]
    # A scanned QR or a typed code: that order first, with its own 전달 완료.
    asked = request.GET.get("code", "")[:20]
    found, code_error = None, ""
    if asked:
        scope = f"place:{place.pk}"
        try:
            limits.check_code_attempts(scope=scope)
        except DomainError as exc:
            code_error = exc.detail
        else:
            wanted = normalize_code(asked)
            found = next((r for r in open_reservations if wanted and r.code == wanted), None)
            if found is None:
                limits.record_code_failure(scope=scope)
                code_error = _(
                    "이 카페에서 오늘 전달할 주문 중에 그 수령 코드가 없습니다. 수령 코드를 다시 확인해 주세요."
                )
    response = render(
        request,
        "pickup/cafe.html",
        {
            "place": place,
            "feed_version": feed_version,
            "asked_code": asked,
            "found": found,
            "code_error": code_error,
            "open_reservations": [r for r in open_reservations if r is not found],
            "done_reservations": [r for r in reservations if not r.is_open],
            "tomorrow_orders": [
                r
                for r in selectors.place_handover(place, timezone.localdate() + timedelta(days=1))
                if r.is_open
            ],
        },
    )
    response["Referrer-Policy"] = "same-origin"  # the secret link never leaves the site
    response["X-Robots-Tag"] = "noindex"
    return response


@require_POST
def cafe_handover(request: HttpRequest, token: str) -> HttpResponse:
    place = _place_or_404(token)
    try:
        reservation = reservation_services.hand_over_at_place(
            place=place, code=request.POST.get("code", "")
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            _("%(code)s 전달 완료: %(item)s ×%(qty)d")
            % {
                "code": format_code(reservation.code),
                "item": reservation.item_name,
                "qty": reservation.quantity,
            },
        )
    return redirect("pickup:cafe_page", token=token)


def find_reservations(request: HttpRequest) -> HttpResponse:
    """ "내 예약" on any device: the pickup code plus the phone number (or its last 4 digits)
    finds the open reservations they belong to. Wrong tries count per client address against
    the same limit as wrong pickup codes."""
    values = {"code": "", "phone": ""}
    found: list = []
    error, status = "", 200
    if request.method == "POST":
        values = {key: request.POST.get(key, "")[:30] for key in values}
        scope = f"lookup:{client_ip(request)}"
        try:
            limits.check_code_attempts(scope=scope)
            code = normalize_code(values["code"])
            found = selectors.open_reservations_for(code, values["phone"]) if code else []
            if not found:
                limits.record_code_failure(scope=scope)
                error = _(
                    "그 수령 코드와 번호로 진행 중인 예약을 찾지 못했습니다. 다시 확인해 주세요."
                )
        except DomainError as exc:
            error, status = exc.detail, exc.status
        if len(found) == 1:
            return redirect("pickup:reservation_page", token=found[0].token)
    response = render(
        request,
        "pickup/find_reservations.html",
        {"values": values, "found": found, "error": error},
        status=status,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
