"""Owner console pages for today's reservations: prep list, ready, picked up, no-show, cancel,
and the pickup windows. Plain forms that post and redirect; owner_reservations.js keeps the
list live."""

from __future__ import annotations

from datetime import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from livestock.services import Actor
from pickup import reservation_selectors as selectors
from pickup import services
from pickup.codes import format_code, normalize_code
from pickup.models import Reservation
from shops.auth import shop_for_actor
from shops.errors import DomainError, NotFound, PermissionDenied
from shops.models import Shop


def _owned_shop(request: HttpRequest, slug: str) -> Shop:
    try:
        return shop_for_actor(None, request.user, slug)
    except (NotFound, PermissionDenied):
        raise Http404("shop") from None


def _back(slug: str) -> HttpResponse:
    return redirect("owner:reservations", slug=slug)


@login_required
def reservations(request: HttpRequest, slug: str) -> HttpResponse:
    shop = _owned_shop(request, slug)
    groups = selectors.owner_day(shop)
    return render(request, "pickup/owner_reservations.html", {
        "shop": shop,
        "groups": groups,
        "pickup_choices": selectors.pickup_choices(shop),
        "Status": Reservation.Status,
    })


def _run(request: HttpRequest, action, success: str) -> None:
    try:
        reservation = action()
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, success % {"code": format_code(reservation.code),
                                             "name": reservation.name})


@login_required
@require_POST
def mark_ready(request: HttpRequest, slug: str, reservation_id: int) -> HttpResponse:
    shop = _owned_shop(request, slug)
    _run(request, lambda: services.mark_ready(shop=shop, reservation_id=reservation_id),
         _("%(code)s (%(name)s) 준비 완료로 알렸습니다."))
    return _back(slug)


@login_required
@require_POST
def mark_no_show(request: HttpRequest, slug: str, reservation_id: int) -> HttpResponse:
    shop = _owned_shop(request, slug)
    _run(request, lambda: services.mark_no_show(
        shop=shop, reservation_id=reservation_id,
        actor=Actor(user=request.user, label="console")),
        _("%(code)s (%(name)s) 노쇼 처리했습니다."))
    return _back(slug)


@login_required
@require_POST
def cancel(request: HttpRequest, slug: str, reservation_id: int) -> HttpResponse:
    shop = _owned_shop(request, slug)
    _run(request, lambda: services.cancel_reservation(
        reservation_id=reservation_id, shop=shop, by="shop",
        reason=request.POST.get("reason", ""), actor=Actor(user=request.user, label="console")),
        _("%(code)s (%(name)s) 예약을 취소했습니다."))
    return _back(slug)


@login_required
@require_POST
def pick_up(request: HttpRequest, slug: str) -> HttpResponse:
    """Typed code (or the confirm button of the QR redeem page)."""
    shop = _owned_shop(request, slug)
    _run(request, lambda: services.mark_picked_up(shop=shop, code=request.POST.get("code", "")),
         _("%(code)s (%(name)s) 수령 완료."))
    return _back(slug)


@login_required
def redeem(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """Where the customer's QR leads: the order behind the code, and a button to hand it over."""
    shop = _owned_shop(request, slug)
    normalized = normalize_code(code)
    reservation = selectors.reservation_by_code(shop, normalized) if normalized else None
    return render(request, "pickup/owner_redeem.html",
                  {"shop": shop, "reservation": reservation, "code": code[:20]},
                  status=200 if reservation else 404)


def _parse_time(value: str | None) -> time | None:
    try:
        return time.fromisoformat((value or "").strip())
    except ValueError:
        return None


@login_required
@require_POST
def add_window(request: HttpRequest, slug: str) -> HttpResponse:
    shop = _owned_shop(request, slug)
    starts, ends = _parse_time(request.POST.get("starts_at")), _parse_time(
        request.POST.get("ends_at"))
    capacity_raw = (request.POST.get("capacity") or "").strip()
    try:
        if starts is None or ends is None:
            raise services.InvalidInput(_("시각을 HH:MM 형식으로 입력해 주세요."),
                                        code="invalid_window")
        try:
            capacity = int(capacity_raw) if capacity_raw else None
        except ValueError:
            raise services.InvalidInput(_("최대 예약 수는 정수로 입력해 주세요."),
                                        code="invalid_capacity") from None
        point_raw = request.POST.get("pickup_point", "")
        services.add_pickup_window(
            shop=shop, pickup_point_id=int(point_raw) if point_raw.isdigit() else None,
            starts_at=starts, ends_at=ends, capacity=capacity)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("픽업 시간대를 추가했습니다."))
    return _back(slug)


@login_required
@require_POST
def remove_window(request: HttpRequest, slug: str, window_id: int) -> HttpResponse:
    shop = _owned_shop(request, slug)
    try:
        services.remove_pickup_window(shop=shop, window_id=window_id)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("픽업 시간대를 내렸습니다."))
    return _back(slug)
