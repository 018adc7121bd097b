"""Owner console: the service area picture and settings, and the pickup points in it.

Plain forms that post and redirect, so everything works without JavaScript; area.js only
adds "click on the picture to fill in the coordinates".

Also today's reservations: prep list, ready, picked up, no-show, cancel, and the pickup windows;
owner_reservations.js keeps that list live.
"""

from __future__ import annotations

import json
import math
from datetime import date, time, timedelta

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from livestock.services import Actor
from pickup import reservation_selectors, selectors, streams
from pickup.codes import format_code, normalize_code
from pickup.forms import MoveForm, PickupPointForm, ServiceAreaForm
from pickup.models import ALL_WEEKDAYS, PartnerInvitation, PickupPoint, Reservation
from pickup.services import calendar as calendar_services
from pickup.services import points as point_services
from pickup.services import reservations as reservation_services
from pickup.services import windows as window_services
from shops import area_map, calendar, geo, geocoding
from shops.auth import MANAGING_ROLES, console_shop
from shops.errors import DomainError, InvalidInput
from shops.feedback import for_form
from shops.korean import particles
from shops.models import Shop
from shops.public_holidays import holiday_suggestions
from shops.selectors import (
    describe_day,
    hours_payload,
    service_area,
    upcoming_closures,
    weekday_names,
)
from shops.services import calendar_message, set_service_area, set_weekly_hours

DIRECTIONS = (
    gettext_lazy("북쪽"),
    gettext_lazy("북동쪽"),
    gettext_lazy("동쪽"),
    gettext_lazy("남동쪽"),
    gettext_lazy("남쪽"),
    gettext_lazy("남서쪽"),
    gettext_lazy("서쪽"),
    gettext_lazy("북서쪽"),
)


def where_from_shop(area: geo.ServiceArea, lat: float, lng: float) -> str:
    """Where a spot lies, in the words area.js uses for a tap: "가게에서 북동쪽 약 1.2km"."""
    xs, ys = area.to_local([lat], [lng])
    east, north = float(xs[0]), float(ys[0])
    inside = area.check(lat, lng).inside
    if math.hypot(east, north) < 15:
        where = _("가게 바로 앞")
    else:
        direction = DIRECTIONS[round((math.degrees(math.atan2(east, north)) % 360) / 45) % 8]
        where = _("가게에서 %(dir)s 약 %(far)s") % {
            "dir": direction,
            "far": geo.format_distance(math.hypot(east, north)),
        }
    if inside:
        return _("%(where)s, 구역 안") % {"where": where}
    return _("%(where)s, 구역 밖") % {"where": where}


def area_picture(
    shop: Shop,
    points: list,
    *,
    interactive: bool = True,
    found: tuple[float, float] | None = None,
) -> str:
    """The offline picture; ``found`` (lat, lng) is an address just found, marked in red."""
    markers = [
        area_map.MapMarker(
            label=f"{point.place.name}" + ("" if point.is_active else f" ({_('일시 중지')})"),
            lat=point.place.lat,
            lng=point.place.lng,
            kind="counter" if point.is_shop_counter else ("point" if point.is_active else "paused"),
            number="" if point.is_shop_counter else str(index),
        )
        for index, point in enumerate(points)
    ]
    area = service_area(shop)
    title = _("%(shop)s 서비스 구역: 반경 %(radius)s") % {
        "shop": shop.name,
        "radius": geo.format_distance(shop.service_radius_m),
    }
    if found is not None:
        label = _("찾은 주소")
        markers.append(area_map.MapMarker(label=label, lat=found[0], lng=found[1], kind="found"))
        title += ". " + _("빨간 표시 %(label)s: %(where)s") % {
            "label": label,
            "where": where_from_shop(area, *found),
        }
    return area_map.render_area_svg(area, markers, interactive=interactive, title=title)


def tile_map_data(shop: Shop, points: list) -> dict | None:
    """What static/js/tilemap.js draws over street tiles, when a tile server is configured."""
    if not settings.MAP_TILE_URL:
        return None
    return {
        "tiles": {
            "url": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "max_zoom": settings.MAP_TILE_MAX_ZOOM,
        },
        "shop": {"name": shop.name, "lat": shop.lat, "lng": shop.lng},
        "radius_m": shop.service_radius_m,
        "polygon": shop.service_polygon or None,
        "points": [
            {
                "name": point.place.name,
                "lat": point.place.lat,
                "lng": point.place.lng,
                "kind": "counter"
                if point.is_shop_counter
                else ("point" if point.is_active else "paused"),
            }
            for point in points
        ],
    }


def _page(
    request: HttpRequest,
    shop: Shop,
    *,
    area_form=None,
    point_form=None,
    address_note: str = "",
    found: tuple[float, float] | None = None,
    status: int = 200,
) -> HttpResponse:
    points = selectors.owner_pickup_points(shop)
    area = service_area(shop)
    for point in points:
        point.distance_text = geo.format_distance(
            area.check(point.place.lat, point.place.lng).distance_m
        )
    polygon_text = json.dumps(shop.service_polygon) if shop.service_polygon else ""
    outgoing = selectors.outgoing_invitations(shop)
    asked = {invitation.place_id for invitation in outgoing}
    return render(
        request,
        "owner/area.html",
        {
            "shop": shop,
            # Escaped by shops.area_map.
            "picture": mark_safe(area_picture(shop, points, found=found)),  # noqa: S308
            "tile_map": tile_map_data(shop, points),
            "area_km2": area.area_km2(),
            "radius_text": geo.format_distance(shop.service_radius_m),
            "points": points,
            "partnerable": [
                (place, geo.format_distance(distance), place.pk in asked)
                for place, distance in selectors.partnerable_places(shop)
            ],
            "incoming": selectors.incoming_invitations(shop),
            "outgoing": outgoing,
            "area_form": area_form or ServiceAreaForm.for_shop(shop.service_radius_m, polygon_text),
            "point_form": point_form or PickupPointForm(),
            "address_note": address_note,
        },
        status=status,
    )


@login_required
def area_page(request: HttpRequest, slug: str) -> HttpResponse:
    shop = console_shop(request, slug, MANAGING_ROLES)
    if request.method != "POST":
        return _page(request, shop)
    form = ServiceAreaForm(request.POST)
    if form.is_valid():
        try:
            change = set_service_area(
                shop,
                radius_m=form.cleaned_data["radius_m"],
                polygon=form.cleaned_data["polygon"] or None,
            )
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, _("서비스 구역을 저장했습니다."))
            if change.paused:
                messages.warning(
                    request,
                    _("구역 밖이 된 픽업 지점을 일시 중지했습니다 (삭제하지 않았습니다): %(names)s")
                    % {"names": ", ".join(change.paused)},
                )
            return redirect("owner:service_area", slug=shop.slug)
    return _page(request, shop, area_form=form, status=400)


@login_required
@require_POST
def add_point(request: HttpRequest, slug: str) -> HttpResponse:
    shop = console_shop(request, slug, MANAGING_ROLES)
    form = PickupPointForm(request.POST)
    if not form.is_valid():
        return _page(request, shop, point_form=form, status=400)
    data = dict(form.cleaned_data)
    if "geocode" in request.POST:
        try:
            found = geocoding.geocode(data.get("address"))
        except DomainError as exc:
            form.add_error("address", exc.detail)
            return _page(request, shop, point_form=form, status=400)
        filled = PickupPointForm(
            initial={
                **data,
                "lat": f"{found.lat:.6f}",
                "lng": f"{found.lng:.6f}",
                "address": data["address"],
            }
        )
        # Shown in the address block: the form posts to its own anchor, so that is where
        # the owner is looking (a message at the top of the page would be off screen).
        note = _(
            "주소에서 좌표를 찾았습니다: %(address)s. 그림의 빨간 표시(%(where)s)에서 위치를 "
            "확인한 뒤 추가하세요."
        ) % {
            "address": found.address,
            "where": where_from_shop(service_area(shop), found.lat, found.lng),
        }
        return _page(
            request, shop, point_form=filled, address_note=note, found=(found.lat, found.lng)
        )
    if not data.get("lat") or not data.get("lng"):
        form.add_error(
            None, _("위치를 정해 주세요: 좌표를 입력하거나, 그림을 누르거나, 주소로 찾으세요.")
        )
        return _page(request, shop, point_form=form, status=400)
    try:
        point = point_services.add_pickup_point(shop=shop, **data)
    except DomainError as exc:
        form.add_error(None, exc.detail)
        return _page(request, shop, point_form=form, status=400)
    messages.success(
        request,
        particles(_("'%(name)s'을(를) 픽업 지점으로 추가했습니다.") % {"name": point.place.name}),
    )
    return redirect("owner:service_area", slug=shop.slug)


@login_required
@require_POST
def point_action(request: HttpRequest, slug: str, point_id: int, action: str) -> HttpResponse:
    shop = console_shop(request, slug, MANAGING_ROLES)
    try:
        if action == "pause":
            point = point_services.pause_pickup_point(
                shop=shop, point_id=point_id, reason=request.POST.get("reason", "")
            )
            message = _("'%(name)s' 픽업을 일시 중지했습니다.")
        elif action == "resume":
            point = point_services.resume_pickup_point(shop=shop, point_id=point_id)
            message = _("'%(name)s' 픽업을 다시 열었습니다.")
        elif action == "move":
            form = MoveForm(request.POST)
            if not form.is_valid():
                raise InvalidInput(_("옮길 위치의 위도와 경도를 입력해 주세요."))
            point = point_services.move_pickup_point(
                shop=shop,
                point_id=point_id,
                lat=form.cleaned_data["lat"],
                lng=form.cleaned_data["lng"],
            )
            message = _("'%(name)s' 위치를 옮겼습니다.")
        else:
            raise Http404("action")
    except DomainError as exc:
        shown = PickupPoint.objects.filter(pk=point_id, shop=shop).exists()
        return _refused_on_area(request, shop, exc, shown, "point", point_id)
    messages.success(request, message % {"name": point.place.name})
    return redirect("owner:service_area", slug=shop.slug)


def _refused_on_area(
    request: HttpRequest, shop: Shop, exc: DomainError, shown: bool, form: str, key: int
) -> HttpResponse:
    """Back to the area page with the refusal said on the row of the form it is about, when
    that row is still on the page (``shown``); otherwise in the messages at the top."""
    if not shown:
        messages.error(request, exc.detail)
        return redirect("owner:service_area", slug=shop.slug)
    messages.error(request, exc.detail, extra_tags=for_form(form, key))
    url = reverse("owner:service_area", kwargs={"slug": shop.slug})
    return redirect(f"{url}#{form}-{key}")


@login_required
@require_POST
def partner(request: HttpRequest, slug: str) -> HttpResponse:
    shop = console_shop(request, slug, MANAGING_ROLES)
    try:
        place_id = int(request.POST.get("place_id", ""))
    except ValueError:
        place_id = 0
    try:
        result = point_services.partner_place(shop=shop, place_id=place_id, user=request.user)
    except DomainError as exc:
        asked = {invitation.place_id for invitation in selectors.outgoing_invitations(shop)}
        shown = place_id not in asked and any(
            place.pk == place_id for place, _distance in selectors.partnerable_places(shop)
        )
        return _refused_on_area(request, shop, exc, shown, "share", place_id)
    else:
        if isinstance(result, PartnerInvitation):
            messages.info(
                request,
                particles(
                    _(
                        "'%(name)s'을(를) 관리하는 가게에 제휴를 요청했습니다. "
                        "수락하면 픽업 지점으로 쓸 수 있습니다."
                    )
                    % {"name": result.place.name}
                ),
            )
        else:
            messages.success(
                request,
                particles(
                    _("'%(name)s'을(를) 함께 쓰는 픽업 지점으로 추가했습니다.")
                    % {"name": result.place.name}
                ),
            )
    return redirect("owner:service_area", slug=shop.slug)


@login_required
@require_POST
def answer_invitation(
    request: HttpRequest, slug: str, invitation_id: int, decision: str
) -> HttpResponse:
    """The café's owning shop accepts or declines another shop's request to share it."""
    shop = console_shop(request, slug, MANAGING_ROLES)
    try:
        if decision == "accept":
            point = point_services.accept_partner_invitation(
                shop=shop, invitation_id=invitation_id, user=request.user
            )
            message = particles(
                _("%(shop)s에서 '%(name)s'을(를) 함께 쓰도록 수락했습니다.")
                % {"shop": point.shop.name, "name": point.place.name}
            )
        elif decision == "decline":
            invitation = point_services.decline_partner_invitation(
                shop=shop, invitation_id=invitation_id, user=request.user
            )
            message = _("%(shop)s의 '%(name)s' 제휴 요청을 거절했습니다.") % {
                "shop": invitation.shop.name,
                "name": invitation.place.name,
            }
        else:
            raise Http404("decision")
    except DomainError as exc:
        shown = any(i.pk == invitation_id for i in selectors.incoming_invitations(shop))
        return _refused_on_area(request, shop, exc, shown, "invitation", invitation_id)
    messages.success(request, message)
    return redirect("owner:service_area", slug=shop.slug)


# --- today's reservations (any member of the shop) --------------------------------------


def _back(slug: str) -> HttpResponse:
    return redirect("owner:reservations", slug=slug)


def _chosen_day(request: HttpRequest, today: date) -> date:
    """``?date=YYYY-MM-DD`` within a month either side of today, else today."""
    raw = request.GET.get("date", "")
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 else today
    except ValueError:
        return today
    return day if abs((day - today).days) <= 31 else today


@login_required
def reservations(request: HttpRequest, slug: str) -> HttpResponse:
    shop = console_shop(request, slug)
    # Read before the list: a change after it has a higher version, so the live feed
    # (owner_reservations.js) reloads the list for it.
    feed_version = streams.feed_version(streams.shop_feed(shop.pk))
    today = timezone.localdate()
    day = _chosen_day(request, today)
    tomorrow = today + timedelta(days=1)
    groups = reservation_selectors.owner_day(shop, day)
    return render(
        request,
        "pickup/owner_reservations.html",
        {
            "shop": shop,
            "feed_version": feed_version,
            "groups": groups,
            "day": day,
            "day_label": describe_day(day, today),
            "is_today": day == today,
            "today": today,
            "tomorrow": tomorrow,
            "tomorrow_prep": reservation_selectors.prep_list(shop, tomorrow),
            "held_later": reservation_selectors.held_for_later_days(shop, today),
            "pickup_choices": reservation_selectors.pickup_choices(shop),
            "weekday_names": list(enumerate(weekday_names())),
            "Status": Reservation.Status,
        },
    )


def _run(request: HttpRequest, action, success: str, form: str = "") -> None:
    try:
        reservation = action()
    except DomainError as exc:
        messages.error(request, exc.detail, extra_tags=for_form(form) if form else "")
    else:
        messages.success(
            request, success % {"code": format_code(reservation.code), "name": reservation.name}
        )


@login_required
@require_POST
def mark_ready(request: HttpRequest, slug: str, reservation_id: int) -> HttpResponse:
    shop = console_shop(request, slug)
    _run(
        request,
        lambda: reservation_services.mark_ready(shop=shop, reservation_id=reservation_id),
        _("%(code)s (%(name)s) 준비 완료로 알렸습니다."),
    )
    return _back(slug)


@login_required
@require_POST
def mark_no_show(request: HttpRequest, slug: str, reservation_id: int) -> HttpResponse:
    shop = console_shop(request, slug)
    _run(
        request,
        lambda: reservation_services.mark_no_show(
            shop=shop,
            reservation_id=reservation_id,
            actor=Actor(user=request.user, label="console"),
        ),
        _("%(code)s (%(name)s) 노쇼 처리했습니다."),
    )
    return _back(slug)


@login_required
@require_POST
def cancel(request: HttpRequest, slug: str, reservation_id: int) -> HttpResponse:
    shop = console_shop(request, slug)
    _run(
        request,
        lambda: reservation_services.cancel_reservation(
            reservation_id=reservation_id,
            shop=shop,
            by="shop",
            reason=request.POST.get("reason", ""),
            actor=Actor(user=request.user, label="console"),
        ),
        _("%(code)s (%(name)s) 예약을 취소했습니다."),
    )
    return _back(slug)


@login_required
@require_POST
def pick_up(request: HttpRequest, slug: str) -> HttpResponse:
    """Typed code (or the confirm button of the QR redeem page)."""
    shop = console_shop(request, slug)
    _run(
        request,
        lambda: reservation_services.mark_picked_up(shop=shop, code=request.POST.get("code", "")),
        _("%(code)s (%(name)s) 수령 완료."),
        # Only the typed code has a field to put the sentence next to; buttons use the list.
        form="pickup-code" if request.POST.get("form") == "pickup-code" else "",
    )
    return _back(slug)


@login_required
def redeem(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """Where the customer's QR leads: the order behind the code, and a button to hand it over."""
    shop = console_shop(request, slug)
    normalized = normalize_code(code)
    reservation = (
        reservation_selectors.reservation_by_code(shop, normalized) if normalized else None
    )
    return render(
        request,
        "pickup/owner_redeem.html",
        {"shop": shop, "reservation": reservation, "code": code[:20]},
        status=200 if reservation else 404,
    )


def _parse_time(value: str | None) -> time | None:
    try:
        return time.fromisoformat((value or "").strip())
    except ValueError:
        return None


@login_required
@require_POST
def add_window(request: HttpRequest, slug: str) -> HttpResponse:
    shop = console_shop(request, slug)
    starts, ends = (
        _parse_time(request.POST.get("starts_at")),
        _parse_time(request.POST.get("ends_at")),
    )
    capacity_raw = (request.POST.get("capacity") or "").strip()
    try:
        if starts is None or ends is None:
            raise InvalidInput(_("시각을 HH:MM 형식으로 입력해 주세요."), code="invalid_window")
        try:
            capacity = int(capacity_raw) if capacity_raw else None
        except ValueError:
            raise InvalidInput(
                _("최대 예약 수는 정수로 입력해 주세요."), code="invalid_capacity"
            ) from None
        point_raw = request.POST.get("pickup_point", "")
        days = [int(d) for d in request.POST.getlist("weekday") if d in "0123456" and len(d) == 1]
        window_services.add_pickup_window(
            shop=shop,
            pickup_point_id=int(point_raw) if point_raw.isdigit() else None,
            starts_at=starts,
            ends_at=ends,
            capacity=capacity,
            weekdays=sum(1 << d for d in set(days)) if days else ALL_WEEKDAYS,
        )
    except DomainError as exc:
        point = request.POST.get("pickup_point", "")
        messages.error(request, exc.detail, extra_tags=for_form("window", point[:12]))
    else:
        messages.success(request, _("픽업 시간대를 추가했습니다."))
    return _back(slug)


@login_required
@require_POST
def remove_window(request: HttpRequest, slug: str, window_id: int) -> HttpResponse:
    shop = console_shop(request, slug)
    try:
        window_services.remove_pickup_window(shop=shop, window_id=window_id)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("픽업 시간대를 내렸습니다."))
    return _back(slug)


# --- hours and closed days (managers) -------------------------------------------------------


def _weekly_from_form(request: HttpRequest, prefix: str = "") -> dict[str, list[list[str]]]:
    weekly = {}
    for day in calendar.WEEKDAYS:
        try:
            weekly[day] = calendar.parse_day_text(request.POST.get(f"{prefix}{day}", "")[:200])
        except calendar.CalendarError as error:
            raise InvalidInput(calendar_message(error), code=error.code, field=day) from None
    return weekly


def _day_fields(weekly: dict | None) -> list[dict[str, str]]:
    names = weekday_names()
    return [
        {
            "key": key,
            "name": names[index],
            "text": calendar.day_text((weekly or {}).get(key, [])) if weekly else "",
        }
        for index, key in enumerate(calendar.WEEKDAYS)
    ]


def _hours_context(shop: Shop, **extra) -> dict:
    today = timezone.localdate()
    hours = hours_payload(shop, today)
    places = [
        {
            "place": point.place,
            "days": _day_fields(point.place.weekly_hours),
            "closures": list(point.place.closures.filter(date__gte=today)),
        }
        for point in selectors.owner_pickup_points(shop)
        if point.place.owner_shop_id in (None, shop.pk) and not point.is_shop_counter
    ]
    return {
        "shop": shop,
        "days": _day_fields(hours["weekly"]),
        "hours_set": hours["weekly"] is not None,
        "closures": upcoming_closures(shop, today),
        "places": places,
        "today": today,
        "holidays": holiday_suggestions(today, {c.date for c in upcoming_closures(shop, today)}),
        **extra,
    }


@login_required
def hours_page(request: HttpRequest, slug: str) -> HttpResponse:
    shop = console_shop(request, slug, MANAGING_ROLES)
    return render(request, "pickup/owner_hours.html", _hours_context(shop))


@login_required
@require_POST
def save_hours(request: HttpRequest, slug: str) -> HttpResponse:
    shop = console_shop(request, slug, MANAGING_ROLES)
    place_id = request.POST.get("place_id", "")
    try:
        weekly = _weekly_from_form(request)
        if place_id:
            calendar_services.set_place_hours(
                shop=shop, place_id=int(place_id) if place_id.isdigit() else place_id, weekly=weekly
            )
        else:
            set_weekly_hours(shop=shop, weekly=weekly)
    except DomainError as exc:
        return _refused_hours(request, shop, place_id, exc)
    messages.success(request, _("영업시간을 저장했습니다."))
    return redirect("owner:hours", slug=shop.slug)


def _refused_hours(
    request: HttpRequest, shop: Shop, place_id: str, exc: DomainError
) -> HttpResponse:
    """The hours page again with what was typed (a week of hours is a lot to type twice) and
    the sentence on the day it is about, or on the form when it is about the whole week."""
    day = exc.extra.get("field", "")
    typed = [
        {**field, "text": request.POST.get(field["key"], "")[:200]}
        | ({"error": exc.detail} if field["key"] == day else {})
        for field in _day_fields(None)
    ]
    context = _hours_context(shop)
    form = next((p for p in context["places"] if str(p["place"].pk) == place_id), None)
    if form is None and not place_id:
        form = context
    if form is None:
        messages.error(request, exc.detail)
        return redirect("owner:hours", slug=shop.slug)
    form["days"] = typed
    if not day:
        form["hours_error"] = exc.detail
    return render(request, "pickup/owner_hours.html", context, status=exc.status)


@login_required
@require_POST
def add_closure(request: HttpRequest, slug: str) -> HttpResponse:
    """Closing a day asks first how many reservations it cancels, then does it on confirm."""
    shop = console_shop(request, slug, MANAGING_ROLES)
    raw_place = request.POST.get("place_id", "")
    place_id = (int(raw_place) if raw_place.isdigit() else raw_place) if raw_place else None
    day, reason = request.POST.get("date", "")[:20], request.POST.get("reason", "")[:300]
    try:
        if request.POST.get("confirm") != "1":
            affected = calendar_services.closure_impact(shop=shop, day=day, place_id=place_id)
            if affected:
                return render(
                    request,
                    "pickup/owner_hours.html",
                    _hours_context(
                        shop,
                        confirm={
                            "date": day,
                            "reason": reason,
                            "place_id": raw_place,
                            "count": affected,
                        },
                    ),
                )
        result = calendar_services.close_day(shop=shop, day=day, reason=reason, place_id=place_id)
    except DomainError as exc:
        return _refused_closure(request, shop, exc, day=day, reason=reason, place=raw_place)
    else:
        messages.success(
            request,
            _("%(day)s을(를) 휴무일로 정했습니다. 취소된 예약: %(count)d건")
            % {"day": describe_day(result.closure.date), "count": len(result.cancelled)},
        )
    return redirect("owner:hours", slug=shop.slug)


def _refused_closure(
    request: HttpRequest, shop: Shop, exc: DomainError, *, day: str, reason: str, place: str
) -> HttpResponse:
    """The hours page again with the closure form as typed and the sentence next to the field
    it is about (the reason's length or characters; the date for anything else). A day
    suggested from the holidays list comes back the same way, in the form."""
    field = "reason" if exc.code.startswith("reason_") else "date"
    context = _hours_context(
        shop,
        closure={
            "date": day,
            "reason": reason,
            "place_id": place,
            "field": field,
            "error": exc.detail,
        },
    )
    return render(request, "pickup/owner_hours.html", context, status=exc.status)


@login_required
@require_POST
def remove_closure(request: HttpRequest, slug: str, closure_id: int) -> HttpResponse:
    shop = console_shop(request, slug, MANAGING_ROLES)
    raw_place = request.POST.get("place_id", "")
    try:
        calendar_services.reopen_day(
            shop=shop,
            closure_id=closure_id,
            place_id=(int(raw_place) if raw_place.isdigit() else raw_place) if raw_place else None,
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("휴무일을 지웠습니다."))
    return redirect("owner:hours", slug=shop.slug)


# --- café staff links --------------------------------------------------------------------


def _staff_link_qr(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=4, dark="#111", light="#fff", omitsize=True)


@login_required
def cafe_links(request: HttpRequest, slug: str) -> HttpResponse:
    """The partner cafés' staff links: each owned café's link and a QR to scan at its counter."""
    shop = console_shop(request, slug, MANAGING_ROLES)
    cafes = []
    for point in selectors.owner_pickup_points(shop):
        if point.is_shop_counter:
            continue
        place = point.place
        owned = place.owner_shop_id == shop.pk
        url = (
            request.build_absolute_uri(reverse("pickup:cafe_page", args=[place.staff_token]))
            if owned and place.staff_link_active
            else ""
        )
        cafes.append(
            {
                "point": point,
                "place": place,
                "owned": owned,
                "url": url,
                "qr_svg": mark_safe(_staff_link_qr(url)) if url else "",  # noqa: S308 (segno's SVG)
            }
        )
    response = render(request, "pickup/owner_cafe_links.html", {"shop": shop, "cafes": cafes})
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


def _staff_link_change(request: HttpRequest, slug: str, place_id: int, *, renew: bool):
    shop = console_shop(request, slug, MANAGING_ROLES)
    change = point_services.renew_staff_link if renew else point_services.revoke_staff_link
    try:
        place = change(shop=shop, place_id=place_id)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            (
                _("%(name)s 직원 링크를 새로 만들었습니다. 예전 링크는 더 이상 열리지 않습니다.")
                if renew
                else _("%(name)s 직원 링크를 껐습니다. 다시 초대하려면 새 링크를 만드세요.")
            )
            % {"name": place.name},
        )
    return redirect("owner:cafe_links", slug=slug)


@login_required
@require_POST
def renew_cafe_link(request: HttpRequest, slug: str, place_id: int) -> HttpResponse:
    return _staff_link_change(request, slug, place_id, renew=True)


@login_required
@require_POST
def revoke_cafe_link(request: HttpRequest, slug: str, place_id: int) -> HttpResponse:
    return _staff_link_change(request, slug, place_id, renew=False)
