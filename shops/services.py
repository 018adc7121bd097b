"""Writes about shops that are not stock: memberships, the service area, share attribution
counters.

Memberships change only through :func:`add_member`, :func:`change_member_role` and
:func:`remove_members` (the admin, and anything else, call these). Only an owner (or a
superuser) adds, changes or removes an owner or manager membership; a manager manages staff;
anyone may leave a shop. A shop that has an owner always keeps one: the services refuse the
change (``last_owner``), and the database refuses it too (see migration 0004).

Lock order for memberships: every membership row of the shops concerned, by ascending shop id
then membership id, with ``of=("self",)``, and no other row in that transaction. Two owners
demoting each other therefore queue on the same first row, and the second one sees the first
one's change before it counts the owners that remain.

Changing the service area locks the shop row first (``FOR NO KEY UPDATE OF`` the shop only),
then its pickup points through ``service_area_changed``; it locks no listing, window or
reservation, as the project's lock order (pickup/services/__init__.py) requires.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from shops import calendar, geo, live, signals
from shops.cache import CacheUnavailable
from shops.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from shops.models import (
    ALL_SCOPES,
    ApiToken,
    Membership,
    ShareChannel,
    ShareStat,
    Shop,
    ShopCalendar,
    ShopClosure,
    ShopDetailChange,
)
from shops.selectors import service_area
from shops.signals import service_area_changed
from shops.validation import clean_text

logger = logging.getLogger(__name__)


def mark_public_pages_changed(shop_ids: Iterable[int]) -> None:
    """Something the shops' public pages show (besides stock) changed: move their
    ``page_version`` on once the change commits (nothing moves for a change rolled back).

    After the commit, not inside it: an UPDATE of the shop row in the middle of a write would
    take that row's lock out of the order every write keeps (tests/pickup/test_lock_order.py).
    A page drawn in the instant between the commit and this UPDATE may be kept under the old
    key; the next read after it draws anew. This process, which made the change, forgets
    what it kept of those shops at once (``signals.public_pages_changed``), so its own next
    read, in or after the transaction, is drawn from the change."""
    ids = sorted({int(shop_id) for shop_id in shop_ids if shop_id is not None})
    if ids:
        signals.public_pages_changed.send(sender=Shop, shop_ids=ids)
        transaction.on_commit(
            lambda: Shop.objects.filter(pk__in=ids).update(page_version=F("page_version") + 1)
        )


def normalize_channel(raw: object) -> str:
    """A known channel name, or ``other`` for anything else (never the raw value)."""
    value = str(raw or "").strip().lower()
    return value if value in ShareChannel.values else ShareChannel.OTHER


def _bump(shop_id: int, channel: str, day: date | None, field: str) -> None:
    channel = normalize_channel(channel)
    day = day or timezone.localdate()
    rows = ShareStat.objects.filter(shop_id=shop_id, day=day, channel=channel)
    with transaction.atomic():
        if rows.update(**{field: F(field) + 1}):
            return
        try:
            with transaction.atomic():
                ShareStat.objects.create(shop_id=shop_id, day=day, channel=channel, **{field: 1})
        except IntegrityError:  # another request created today's row first
            rows.update(**{field: F(field) + 1})


# A visitor-day is remembered a little longer than a day, so the key outlives its day in
# every time zone's reading of it; the day is part of the key, so the next day counts again.
VISIT_SEEN_SECONDS = 26 * 3600


def share_visit_key(*, shop_id: int, channel: str, day: date, visitor: str) -> str:
    """The cache key that marks ``visitor`` as already counted for this shop, channel and day."""
    return f"share:visit:{shop_id}:{normalize_channel(channel)}:{day.isoformat()}:{visitor}"


def record_share_visit(
    *, shop_id: int, channel: str, visitor: str, day: date | None = None
) -> bool:
    """Count one visitor who arrived at a shop's page through a link shared via ``channel``.

    ``visitor`` is an opaque, stable name for the visitor (see ``shops.sharing.visitor_keys``).
    Each visitor is counted at most once per shop, channel and Asia/Seoul day: the cache
    remembers who was counted, so a repeated visit costs no database write at all. Returns
    whether this visit was counted. When the cache is unreachable nothing is counted (a lost
    visit is better than one database write per request).
    """
    channel = normalize_channel(channel)
    day = day or timezone.localdate()
    key = share_visit_key(shop_id=shop_id, channel=channel, day=day, visitor=visitor)
    try:
        first = cache.add(key, 1, VISIT_SEEN_SECONDS)
    except CacheUnavailable:  # the shared cache is down: do not turn every visit into a write
        logger.warning(
            "share visit for shop %s not counted: cache unavailable", shop_id, exc_info=True
        )
        return False
    if not first:
        return False
    _bump(shop_id, channel, day, "visits")
    return True


def record_share_reservation(*, shop_id: int, channel: str, day: date | None = None) -> None:
    """Count one reservation made by a visitor who came through ``channel``."""
    _bump(shop_id, channel, day, "reservations")


# --- memberships ---------------------------------------------------------------------------

Role = Membership.Role
MANAGEMENT_ROLES = frozenset({Role.OWNER, Role.MANAGER})


def _check_role(role: Any) -> str:
    if role not in Role.values:
        raise InvalidInput(
            _("역할은 사장님, 매니저, 직원 중 하나여야 합니다."), code="invalid_role"
        )
    return str(role)


def _locked_memberships(shop_ids: set[int]) -> list[Membership]:
    """Every membership of these shops, locked in the documented order."""
    return list(
        Membership.objects.select_for_update(of=("self",))
        .filter(shop_id__in=shop_ids)
        .order_by("shop_id", "pk")
    )


def _actor_role(actor: Any, shop_id: int, memberships: list[Membership]) -> str | None:
    if getattr(actor, "is_superuser", False):
        return Role.OWNER
    actor_id = getattr(actor, "pk", None)
    for membership in memberships:
        if membership.shop_id == shop_id and membership.user_id == actor_id:
            return membership.role
    return None


def check_member_change(
    *,
    actor: Any,
    membership: Membership,
    new_role: str | None,
    memberships: list[Membership],
    remaining: list[Membership] | None = None,
) -> None:
    """Raise unless ``actor`` may turn ``membership`` into ``new_role`` (None: remove it).

    ``memberships`` are the shop's memberships before the change (they say what the actor
    may do); ``remaining`` the ones left once the other parts of a change of several at once
    are applied (they say whether an owner remains). Reads nothing itself.
    """
    old_role = membership.role if membership.pk else None
    leaving = new_role is None and membership.user_id == getattr(actor, "pk", None)
    role = _actor_role(actor, membership.shop_id, memberships)
    touches_management = old_role in MANAGEMENT_ROLES or new_role in MANAGEMENT_ROLES
    if not leaving:
        if role not in MANAGEMENT_ROLES:
            raise PermissionDenied(_("이 가게의 구성원을 관리할 권한이 없습니다."))
        if touches_management and role != Role.OWNER:
            raise PermissionDenied(
                _("사장님과 매니저는 사장님만 추가하거나 바꾸거나 내보낼 수 있습니다."),
                code="owner_required",
            )
    if old_role == Role.OWNER and new_role != Role.OWNER:
        others = [
            m
            for m in (memberships if remaining is None else remaining)
            if m.shop_id == membership.shop_id and m.role == Role.OWNER and m.pk != membership.pk
        ]
        if not others:
            raise Conflict(
                _("가게에는 사장님이 한 명 이상 있어야 합니다. 다른 사장님을 먼저 지정해 주세요."),
                code="last_owner",
            )


def add_member(*, actor: Any, shop: Shop, user: Any, role: Any) -> Membership:
    """Make ``user`` a member of ``shop`` with ``role``."""
    role = _check_role(role)
    with transaction.atomic():
        memberships = _locked_memberships({shop.pk})
        if any(m.user_id == user.pk for m in memberships):
            raise Conflict(_("이미 이 가게의 구성원입니다."), code="already_member")
        membership = Membership(shop=shop, user=user, role=role)
        check_member_change(
            actor=actor, membership=membership, new_role=role, memberships=memberships
        )
        membership.save()
    return membership


def change_member_role(*, actor: Any, membership_id: int, role: Any) -> Membership:
    """Give a member another role. A member who loses access is disconnected at once."""
    role = _check_role(role)
    with transaction.atomic():
        shop_id = (
            Membership.objects.filter(pk=membership_id).values_list("shop_id", flat=True).first()
        )
        memberships = _locked_memberships({shop_id}) if shop_id is not None else []
        membership = next((m for m in memberships if m.pk == membership_id), None)
        if membership is None:
            raise NotFound(_("구성원을 찾을 수 없습니다."), code="membership_not_found")
        if membership.role == role:
            return membership
        check_member_change(
            actor=actor, membership=membership, new_role=role, memberships=memberships
        )
        membership.role = role
        membership.save(update_fields=["role"])
        live.revoke_on_commit(user_id=membership.user_id, shop_id=membership.shop_id)
    return membership


def remove_members(*, actor: Any, membership_ids: list[int]) -> int:
    """Remove these memberships, all or none. Returns how many were removed."""
    wanted = set(membership_ids)
    with transaction.atomic():
        shop_ids = set(Membership.objects.filter(pk__in=wanted).values_list("shop_id", flat=True))
        memberships = _locked_memberships(shop_ids)
        doomed = [m for m in memberships if m.pk in wanted]
        remaining = list(memberships)
        for membership in doomed:
            check_member_change(
                actor=actor,
                membership=membership,
                new_role=None,
                memberships=memberships,
                remaining=remaining,
            )
            remaining.remove(membership)
        for membership in doomed:
            membership.delete()  # post_delete disconnects the member's live sockets
    return len(doomed)


def remove_member(*, actor: Any, membership_id: int) -> None:
    """Remove one membership (a member may always remove themselves, unless last owner)."""
    if not remove_members(actor=actor, membership_ids=[membership_id]):
        raise NotFound(_("구성원을 찾을 수 없습니다."), code="membership_not_found")


# --- the service area ---------------------------------------------------------------------


def geo_message(error: geo.GeoError) -> str:
    """The Korean sentence for a geometry input error."""
    field_names = {"lat": _("위도(lat)"), "lng": _("경도(lng)"), "radius": _("반경")}
    params = {**error.params}
    params["field"] = field_names.get(params.get("field", ""), params.get("field", ""))
    messages = {
        "not_a_number": _("%(field)s은(는) 숫자로 입력해 주세요."),
        "not_finite": _("%(field)s에 NaN이나 무한대는 쓸 수 없습니다."),
        "lat_range": _("위도(lat)는 -90 이상 90 이하여야 합니다."),
        "lng_range": _("경도(lng)는 -180 이상 180 이하여야 합니다."),
        "radius_not_integer": _("반경은 미터 단위 정수로 입력해 주세요."),
        "radius_range": _("반경은 %(low)d m 이상 %(high)d m 이하로 정해 주세요."),
        "polygon_json": _("다각형이 올바른 GeoJSON(JSON)이 아닙니다."),
        "polygon_type": _("다각형은 GeoJSON Polygon이어야 합니다 (받은 형식: %(type)s)."),
        "polygon_empty": _("다각형에 좌표가 없습니다."),
        "polygon_ring_short": _(
            "다각형의 각 고리는 처음과 끝이 같은 4개 이상의 좌표로 이루어져야 합니다."
        ),
        "polygon_not_closed": _(
            "다각형이 닫혀 있지 않습니다. 마지막 좌표를 첫 좌표와 같게 해 주세요."
        ),
        "polygon_position": _(
            "다각형 좌표는 [경도, 위도] 숫자 쌍이어야 하고 범위 안에 있어야 합니다."
        ),
        "polygon_too_many_vertices": _("다각형의 꼭짓점이 너무 많습니다 (최대 %(limit)d개)."),
        "polygon_invalid": _(
            "다각형의 변이 서로 교차하거나 넓이가 없습니다. 모양을 다시 그려 주세요."
        ),
        "polygon_excludes_shop": _("다각형이 가게 위치를 포함해야 합니다."),
    }
    template = messages.get(error.code, _("위치 정보를 확인해 주세요."))
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return template


def as_invalid_input(error: geo.GeoError) -> InvalidInput:
    if error.code.startswith("polygon"):
        code = "invalid_polygon"
    elif error.code.startswith("radius"):
        code = "invalid_radius"
    else:
        code = "invalid_coordinates"
    return InvalidInput(geo_message(error), code=code, reason=error.code)


def parse_point(lat: Any, lng: Any) -> tuple[float, float]:
    try:
        return geo.parse_point(lat, lng)
    except geo.GeoError as exc:
        raise as_invalid_input(exc) from None


class OutsideServiceArea(InvalidInput):
    code = "outside_service_area"

    def __init__(self, shop: Shop, check: geo.AreaCheck) -> None:
        meters = int(round(check.distance_m))
        params = {
            "distance": geo.format_distance(check.distance_m),
            "radius": geo.format_distance(shop.service_radius_m),
        }
        if check.outside_polygon:
            detail = (
                _(
                    "서비스 구역 밖입니다. 가게에서 %(distance)s 떨어져 있고, "
                    "사장님이 그린 서비스 구역 다각형 밖에 있습니다."
                )
                % params
            )
        else:
            detail = (
                _(
                    "서비스 구역 밖입니다. 가게에서 %(distance)s 떨어져 있어 "
                    "반경 %(radius)s을 넘습니다."
                )
                % params
            )
        super().__init__(detail, distance_m=meters)
        self.distance_m = meters


def check_in_service_area(shop: Shop, lat: Any, lng: Any) -> tuple[float, float, int]:
    """Parsed ``(lat, lng, distance_m)`` of a point inside the shop's area, or a 422."""
    lat_f, lng_f = parse_point(lat, lng)
    check = service_area(shop).check(lat_f, lng_f)
    if not check.inside:
        raise OutsideServiceArea(shop, check)
    return lat_f, lng_f, int(round(check.distance_m))


@dataclass(frozen=True)
class AreaChange:
    shop: Shop
    paused: list[str] = field(default_factory=list)


def validate_service_area(
    *, lat: Any, lng: Any, radius_m: Any, polygon: Any
) -> tuple[float, float, int, dict | None]:
    """Everything the area needs, checked; raises InvalidInput with a Korean sentence."""
    lat_f, lng_f = parse_point(lat, lng)
    try:
        radius = geo.parse_radius(radius_m)
        normalized = geo.normalize_polygon(polygon, lat_f, lng_f)
    except geo.GeoError as exc:
        raise as_invalid_input(exc) from None
    return lat_f, lng_f, radius, normalized


def set_service_area(
    shop: Shop, *, radius_m: Any, polygon: Any = None, lat: Any = None, lng: Any = None
) -> AreaChange:
    """Save the shop's radius and polygon (and centre, when given).

    Pickup points that fall outside the new area are paused, never deleted; the returned
    ``AreaChange.paused`` names them so the owner can be told.
    """
    lat_f, lng_f, radius, normalized = validate_service_area(
        lat=shop.lat if lat is None else lat,
        lng=shop.lng if lng is None else lng,
        radius_m=radius_m,
        polygon=polygon,
    )
    with transaction.atomic():
        locked = Shop.objects.select_for_update(of=("self",), no_key=True).get(pk=shop.pk)
        locked.lat, locked.lng = lat_f, lng_f
        locked.service_radius_m = radius
        locked.service_polygon = normalized
        locked.save(update_fields=["lat", "lng", "service_radius_m", "service_polygon"])
        paused: list[str] = []
        for _receiver, labels in service_area_changed.send(sender=Shop, shop=locked):
            paused.extend(labels or [])
    for name in ("lat", "lng", "service_radius_m", "service_polygon", "service_polygon_hash"):
        setattr(shop, name, getattr(locked, name))
    return AreaChange(shop=shop, paused=paused)


# --- API tokens ------------------------------------------------------------------------

MAX_TOKEN_NAME = 80


def issue_api_token(*, shop: Shop, name: Any, scopes: Any) -> tuple[ApiToken, str]:
    """A new integration token for ``shop`` with the chosen scopes; the raw token is returned
    once (the console shows it once) and only its hash is kept."""
    name = clean_text(name or "integration", label=_("토큰 이름"), max_length=MAX_TOKEN_NAME)
    if not isinstance(scopes, list | tuple) or not scopes:
        raise InvalidInput(_("권한을 하나 이상 골라 주세요."), code="scopes_required")
    unknown = [s for s in scopes if s not in ALL_SCOPES]
    if unknown:
        raise InvalidInput(
            _("알 수 없는 권한입니다: %(scopes)s") % {"scopes": ", ".join(map(str, unknown))},
            code="unknown_scope",
        )
    with transaction.atomic():
        return ApiToken.issue(shop, name=name or "integration", scopes=tuple(scopes))


def revoke_api_token(*, shop: Shop, token_id: int, now: Any = None) -> ApiToken:
    """The token stops working at once; revoking twice changes nothing."""
    with transaction.atomic():
        token = (
            ApiToken.objects.select_for_update(of=("self",))
            .filter(pk=token_id, shop_id=shop.pk)
            .first()
        )
        if token is None:
            raise NotFound(_("토큰을 찾을 수 없습니다."), code="token_not_found")
        if token.revoked_at is None:
            token.revoked_at = now or timezone.now()
            token.save(update_fields=["revoked_at"])
    return token


# --- the shop's calendar -----------------------------------------------------------------


def calendar_message(error: calendar.CalendarError) -> str:
    """The Korean sentence for a mistake in weekly hours."""
    params = {"day": "", "value": "", "opens": "", "closes": "", **error.params}
    messages = {
        "unknown_weekday": _("알 수 없는 요일입니다: %(day)s. mon~sun 중에서 골라 주세요."),
        "missing_weekday": _("일곱 요일을 모두 보내 주세요 (쉬는 요일은 빈 목록): %(day)s"),
        "invalid_time": _(
            "시각 '%(value)s'을(를) 알 수 없습니다. 09:30 같은 24시간 형식으로 입력해 주세요."
        ),
        "reversed_range": _(
            "%(day)s: 닫는 시각(%(closes)s)은 여는 시각(%(opens)s)보다 늦어야 합니다."
        ),
        "overlapping_ranges": _("%(day)s: 영업시간 구간이 서로 겹칩니다."),
    }
    detail = messages.get(
        error.code,
        _('영업시간은 요일별로 [["09:00", "19:00"]] 같은 목록으로 보내 주세요.'),
    )
    return detail % params


def check_weekly_hours(raw: Any) -> dict[str, list[list[str]]]:
    """Checked weekly hours in their stored (JSON) shape, or InvalidInput naming the mistake."""
    try:
        return calendar.weekly_as_json(calendar.parse_weekly(raw))
    except calendar.CalendarError as error:
        day = error.params.get("day")
        field = {"field": day} if day in calendar.WEEKDAYS else {}
        raise InvalidInput(calendar_message(error), code=error.code, **field) from None


def check_date(value: Any, *, code: str = "invalid_date") -> date:
    """A ``YYYY-MM-DD`` string (or a date) → date; anything else is a 422."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(_("날짜는 2025-01-31 같은 형식으로 보내 주세요."), code=code)


def shop_calendar_row(shop: Shop) -> ShopCalendar:
    """The shop's calendar row, created (and committed) when missing."""
    row, _created = ShopCalendar.objects.get_or_create(shop=shop)
    return row


def set_weekly_hours(*, shop: Shop, weekly: Any) -> ShopCalendar:
    """The owner sets the shop's weekly opening hours (all seven days)."""
    hours = check_weekly_hours(weekly)
    shop_calendar_row(shop)
    with transaction.atomic():
        row = ShopCalendar.objects.select_for_update(of=("self",)).get(shop=shop)
        row.weekly = hours
        row.updated_at = timezone.now()
        row.save(update_fields=["weekly", "updated_at"])
    return row


def check_closure(*, day: Any, reason: Any, today: date) -> tuple[date, str]:
    """A closure's date (not in the past) and its optional reason, checked."""
    day = check_date(day)
    if day < today:
        raise InvalidInput(_("지난 날짜는 휴무일로 정할 수 없습니다."), code="closure_in_past")
    reason = clean_text(
        reason if reason is not None else "",
        label=_("휴무 사유"),
        max_length=200,
        code_prefix="reason_",
    )
    return day, reason


def lock_calendar_shared(shop: Shop) -> None:
    """Hold the shop's calendar row shared for the rest of the transaction: a reservation
    checks its day is open under it, so closing a day (which takes the row exclusively)
    waits for reservations in flight and they wait for it. SQLite writes are serialised
    already (IMMEDIATE transactions)."""
    if connection.vendor == "postgresql":  # Django has no FOR SHARE
        table = connection.ops.quote_name(ShopCalendar._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {table} WHERE shop_id = %s FOR SHARE", [shop.pk])


def lock_shop_calendars(shop_ids: Iterable[int]) -> None:
    """Take the calendar rows of these shops exclusively, in id order (closing a day)."""
    list(
        ShopCalendar.objects.select_for_update(of=("self",))
        .filter(shop_id__in=sorted(set(shop_ids)))
        .order_by("shop_id")
        .values_list("pk", flat=True)
    )


def add_shop_closure_in_transaction(*, shop: Shop, day: date, reason: str) -> ShopClosure:
    """Record a closed date; the caller holds the shop's calendar lock and its transaction."""
    if ShopClosure.objects.filter(shop=shop, date=day).exists():
        raise Conflict(_("이미 휴무일로 정한 날입니다."), code="closure_exists")
    return ShopClosure.objects.create(shop=shop, date=day, reason=reason)


# --- shop details the customers read --------------------------------------------------

SHOP_DETAIL_FIELDS = (
    "notice",
    "opening_hours",
    "response_hours",
    "return_policy",
    "kakao_channel_url",
    "naver_url",
)
_DETAIL_LIMITS = {
    "notice": (_lazy("안내 배너"), 200, False),
    "opening_hours": (_lazy("영업시간 안내"), 200, False),
    "response_hours": (_lazy("문의 응답 시간"), 100, False),
    "return_policy": (_lazy("교환·환불 안내"), 2000, True),
}
_LINK_LABELS = {"kakao_channel_url": _lazy("카카오톡 채널"), "naver_url": _lazy("네이버 링크")}


def _check_link(value: Any, label: str) -> str:
    text = clean_text(value, label=label, max_length=200)
    if not text:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(text)
    except DjangoValidationError:
        raise InvalidInput(
            _("%(field)s은(는) https://로 시작하는 주소로 입력해 주세요.") % {"field": label},
            code="invalid_url",
        ) from None
    return text


def record_detail_change(
    *, shop: Shop, diff: dict[str, dict[str, str]], changed_by: AbstractBaseUser | None
) -> ShopDetailChange | None:
    """Keep one change of 가게 안내 (``{field: {"before", "after"}}``), in the writer's
    transaction; nothing for an empty one. The console's service and the admin both write here."""
    if not diff:
        return None
    user = changed_by if changed_by is not None and changed_by.is_authenticated else None
    return ShopDetailChange.objects.create(
        shop=shop,
        changed_by=user,
        changed_by_name=user.get_username() if user is not None else "",
        changes=diff,
        changed_at=timezone.now(),
    )


def update_shop_details(
    *, shop: Shop, changes: dict[str, Any], changed_by: AbstractBaseUser | None = None
) -> Shop:
    """A manager rewrites what the shop page says about the shop: the banner, hours text,
    return policy and contact links. Text is stored as written (markup included; every page
    escapes it); control characters, over-long text and non-web links are refused.

    A change is kept in ``ShopDetailChange`` with who made it and each field's text before
    and after; saving the same text again records nothing."""
    unknown = set(changes) - set(SHOP_DETAIL_FIELDS)
    if unknown:
        raise InvalidInput(
            _("수정할 수 없는 항목입니다: %(f)s") % {"f": ", ".join(sorted(unknown))},
            code="unknown_field",
        )
    cleaned: dict[str, str] = {}
    for field_name, value in changes.items():
        try:
            if field_name in _LINK_LABELS:
                cleaned[field_name] = _check_link(value, str(_LINK_LABELS[field_name]))
            else:
                label, limit, multiline = _DETAIL_LIMITS[field_name]
                cleaned[field_name] = clean_text(
                    value, label=str(label), max_length=limit, multiline=multiline
                )
        except DomainError as exc:
            # Forms show the sentence next to this field; API callers learn which one it was.
            exc.extra.setdefault("field", field_name)
            raise
    with transaction.atomic():
        locked = Shop.objects.select_for_update(of=("self",), no_key=True).get(pk=shop.pk)
        diff = {
            name: {"before": getattr(locked, name), "after": value}
            for name, value in cleaned.items()
            if getattr(locked, name) != value
        }
        for field_name, value in cleaned.items():
            setattr(locked, field_name, value)
        locked.save(update_fields=list(cleaned))
        record_detail_change(shop=locked, diff=diff, changed_by=changed_by)
    for field_name, value in cleaned.items():
        setattr(shop, field_name, value)
    return shop
