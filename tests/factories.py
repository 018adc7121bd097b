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
    user = get_user_model().objects.create_user(username=username, password="pw-for-tests-1",
                                                is_staff=True)
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
    )
    listing.refresh_from_db()
    return listing


def make_token(shop: Shop) -> str:
    _token, raw = ApiToken.issue(shop)
    return raw


def make_pickup_point(shop: Shop, name: str = "카페 보리", lat: float | None = None,
                      lng: float | None = None, **fields):
    """A partner café inside the shop's area (500 m north unless told)."""
    from pickup import services as pickup_services
    from shops import geo

    if lat is None or lng is None:
        lat, lng = geo.destination(shop.lat, shop.lng, 0, 500)
    return pickup_services.add_pickup_point(shop, name=name, lat=lat, lng=lng, **fields)
