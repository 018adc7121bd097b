"""Small builders for test data; every one goes through the real services."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from livestock import services
from livestock.models import Listing
from shops.models import ApiToken, Membership, Shop


def make_shop(**fields) -> Shop:
    defaults = {
        "slug": "mangwon-fruit",
        "name": "망원 과일가게",
        "lat": 37.5559,
        "lng": 126.9019,
        "notice": "동네 5km 픽업 할인",
        "return_policy": "상한 상품은 교환해 드립니다.",
        "response_hours": "평일 10:00–19:00",
    }
    defaults.update(fields)
    return Shop.objects.create(**defaults)


def make_owner(shop: Shop, username: str = "owner", role: str = Membership.Role.OWNER):
    user = get_user_model().objects.create_user(
        username=username, password="pw-for-tests-1", is_staff=True
    )
    Membership.objects.create(shop=shop, user=user, role=role)
    return user


def make_listing(shop: Shop, name: str = "단감", available: int = 200, **fields) -> Listing:
    listing, _result = services.post_arrival(
        shop=shop,
        name=name,
        unit=fields.pop("unit", "팩"),
        available=available,
        price=fields.pop("price", 9000),
        pickup_price=fields.pop("pickup_price", 7900),
        staff_note=fields.pop("staff_note", ""),
        options=fields.pop("options", ()),
        max_per_customer=fields.pop("max_per_customer", None),
    )
    listing.refresh_from_db()
    return listing


def make_token(shop: Shop) -> str:
    _token, raw = ApiToken.issue(shop)
    return raw


def make_pickup_point(
    shop: Shop,
    name: str = "카페 보리",
    lat: float | None = None,
    lng: float | None = None,
    **fields,
):
    """A partner café inside the shop's area (500 m north unless told)."""
    from pickup.services import points
    from shops import geo

    if lat is None or lng is None:
        lat, lng = geo.destination(shop.lat, shop.lng, 0, 500)
    return points.add_pickup_point(shop=shop, name=name, lat=lat, lng=lng, **fields)


def make_cafe(shop: Shop, name: str = "골목 카페", *, status: str = "active", place=None, **fields):
    """A partner café as a pickup point, made through the pickup-point services: a new place
    (inside the area), or an existing ``place`` shared with another shop; optionally paused."""
    from pickup.models import PickupPoint
    from pickup.services import points

    if place is not None:
        point = points.partner_place(shop=shop, place_id=place.pk)
        if not isinstance(point, PickupPoint):  # another shop's café: its owner accepts
            point = points.accept_partner_invitation(shop=place.owner_shop, invitation_id=point.pk)
    else:
        fields.setdefault("address", "서울 마포구 망원로 1")
        point = make_pickup_point(shop, name, **fields)
    if status == "paused":
        point = points.pause_pickup_point(shop=shop, point_id=point.pk, reason="잠시 휴업")
    return point


def shop_counter(shop: Shop):
    """The shop's own counter (every shop gets one when it is created)."""
    from pickup.services import points

    return points.ensure_shop_counter(shop=shop)


def make_window(point, starts: str = "09:00", ends: str = "21:00", capacity: int | None = None):
    from datetime import time

    from pickup.models import PickupWindow

    return PickupWindow.objects.create(
        pickup_point=point,
        starts_at=time.fromisoformat(starts),
        ends_at=time.fromisoformat(ends),
        capacity=capacity,
    )


_phone_seq = iter(range(10_000_000))


def next_phone() -> str:
    return f"010-{5000 + next(_phone_seq) // 10000:04d}-{next(_phone_seq) % 10000:04d}"


def make_reservation(shop: Shop, listing: Listing, point, window=None, quantity: int = 1, **fields):
    """A reservation made through the real service; returns the model instance."""
    from pickup.services import reservations

    reservation, _replayed = reservations.reserve(
        shop=shop,
        listing_id=listing.pk,
        quantity=quantity,
        pickup_point_id=point.pk,
        window_id=window.pk if window is not None else None,
        name=fields.pop("name", "김동네"),
        phone=fields.pop("phone", None) or next_phone(),
        **fields,
    )
    return reservation
