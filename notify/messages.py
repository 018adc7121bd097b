"""What each push says. Pushes stay Korean for everyone (like link previews): a worker has no
visitor's language, and the advertising rule is about Korean text. The advertising wording
itself comes from notify/advertising.py.

A push's ``data`` holds ``title``, ``body``, ``path`` (joined to each device's origin),
``tag``, and the delivery headers ``ttl``, ``urgency``, ``topic``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone

from notify import advertising

HOUR = 3600


def _count(item: Mapping[str, Any]) -> str:
    return f"{item['name']} {item['available']}{item.get('unit', '')}"


def arrival(*, shop_id: int, shop_name: str, shop_slug: str, items: Sequence[Mapping[str, Any]]):
    names = ", ".join(_count(item) for item in items[:3])
    if len(items) > 3:
        names += f" 외 {len(items) - 3}개"
    return {
        "advertising": True,
        "title": advertising.title(f"{shop_name} 오늘 입고"),
        "body": advertising.body(f"{names} 들어왔어요."),
        "path": reverse("shops:shop_page", kwargs={"slug": shop_slug}),
        "tag": f"arrival-{shop_slug}",
        # A newer arrival push replaces an older one still waiting at the push service.
        "topic": f"arrival-{shop_id}",
        "ttl": 6 * HOUR,
        "urgency": "normal",
        "items": list(items),
    }


def restock(*, shop_name: str, shop_slug: str, listing: Mapping[str, Any]):
    return {
        "advertising": True,
        "title": advertising.title(f"{shop_name} 다시 입고"),
        "body": advertising.body(f"품절됐던 {_count(listing)} 다시 들어왔어요."),
        "path": reverse(
            "shops:listing_page", kwargs={"slug": shop_slug, "listing_id": listing["id"]}
        ),
        "tag": f"restock-{listing['id']}",
        "topic": f"restock-{listing['id']}",
        "ttl": 2 * HOUR,
        "urgency": "normal",
    }


def _hh_mm(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%H:%M") if moment else ""


def _reservation_ttl(reservation, now: datetime) -> int:
    """Worth delivering until the pickup window ends (at least five minutes)."""
    left = int((reservation.pickup_ends_at - now).total_seconds())
    return max(300, min(left, 24 * HOUR))


def _reservation_common(reservation, now: datetime) -> dict[str, Any]:
    return {
        "advertising": False,
        "path": reverse("pickup:reservation_page", kwargs={"token": reservation.token}),
        "tag": f"reservation-{reservation.pk}",
        "topic": f"reservation-{reservation.pk}",
        "ttl": _reservation_ttl(reservation, now),
        "urgency": "high",
    }


def ready(reservation, *, now: datetime):
    return {
        **_reservation_common(reservation, now),
        "title": f"{reservation.shop.name} · 준비 완료",
        "body": f"{reservation.item_name} {reservation.quantity}개가 준비됐어요. "
        f"{reservation.pickup_point.place.name}에서 {_hh_mm(reservation.pickup_ends_at)}까지 "
        f"받아 가세요. 수령 코드 {reservation.code}",
    }


def reminder(reservation, *, now: datetime):
    return {
        **_reservation_common(reservation, now),
        "title": f"{reservation.shop.name} · 수령 마감 30분 전",
        "body": f"{reservation.item_name} {reservation.quantity}개, "
        f"{reservation.pickup_point.place.name}에서 {_hh_mm(reservation.pickup_ends_at)}까지 "
        "받아 가세요. 못 가시면 예약을 취소해 주세요.",
    }


def cancelled(reservation, *, now: datetime):
    reason = f" 사유: {reservation.cancel_reason}" if reservation.cancel_reason else ""
    return {
        **_reservation_common(reservation, now),
        "ttl": 6 * HOUR,
        "title": f"{reservation.shop.name} · 예약이 취소됐어요",
        "body": f"가게에서 {reservation.item_name} {reservation.quantity}개 예약을 "
        f"취소했어요.{reason}",
    }


def new_reservation(reservation, *, now: datetime):
    return {
        "advertising": False,
        "title": f"새 예약 · {reservation.item_name} {reservation.quantity}개",
        "body": f"{reservation.pickup_point.place.name} · "
        f"{_hh_mm(reservation.pickup_starts_at)}–{_hh_mm(reservation.pickup_ends_at)}",
        "path": reverse("owner:reservations", kwargs={"slug": reservation.shop.slug}),
        "tag": f"new-reservation-{reservation.pk}",
        "topic": None,
        "ttl": _reservation_ttl(reservation, now),
        "urgency": "high",
    }


def owner_alert(*, title: str, body: str, path: str, key: str):
    """Not advertising: the shop's own business, to its owner and staff."""
    return {
        "advertising": False,
        "title": title,
        "body": body,
        "path": path,
        "tag": f"owner-{key}"[:64],
        "topic": None,
        "ttl": 24 * HOUR,
        "urgency": "normal",
    }
