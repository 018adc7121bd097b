"""A demo neighbourhood in 망원·연남·합정 (Mapo-gu, Seoul). Safe to run again."""

from __future__ import annotations

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from livestock import services
from livestock.models import Listing
from pickup.models import PickupPlace, PickupPoint
from pickup.services import points as pickup_points
from shops.models import Membership, Shop
from shops.services import check_weekly_hours, set_service_area, set_weekly_hours

DEMO_OWNER = "owner"
DEMO_PASSWORD = os.environ.get("DEMO_OWNER_PASSWORD", "dongne5km!")

SHOPS = [
    {
        "slug": "mangwon-fruit",
        "name": "망원 과일가게",
        "address": "서울 마포구 망원로 54",
        "lat": 37.5559,
        "lng": 126.9019,
        "service_radius_m": 5000,
        "notice": "동네 5km 픽업 할인 · 오늘 새벽 입고",
        "return_policy": "신선식품 특성상 단순 변심 교환·환불은 어렵습니다.\n상한 상품은 수령 당일 사진과 함께 알려 주시면 교환해 드립니다.",
        "response_hours": "평일 10:00–19:00 (점심 12:30–13:30)",
        "opening_hours": "매일 09:00–21:00",
        "phone": "02-332-0000",
        "kakao_channel_url": "https://pf.kakao.com/_dongne5km",
        "listings": [
            (
                # Counted in its smallest option (반팩); "1팩" takes two of them.
                "단감",
                "반팩",
                200,
                5000,
                4200,
                "직원이 직접 먹어 본 후기: 아삭하고 달아요",
                [("1팩", 2, 9000, 7900), ("반팩", 1, 5000, 4200)],
            ),
            ("샤인머스캣", "송이", 40, 15000, 13000, "", []),
            ("제주 감귤 3kg", "박스", 25, 18000, 15900, "귤은 상온 보관하세요", []),
        ],
    },
    {
        "slug": "yeonnam-bakery",
        "name": "연남 동네빵집",
        "address": "서울 마포구 동교로 262",
        "lat": 37.5627,
        "lng": 126.9255,
        "service_radius_m": 3000,
        "notice": "오후 3시 갓 구운 빵 · 픽업 10% 할인",
        "return_policy": "빵은 당일 생산·당일 판매 원칙으로 교환·환불이 어렵습니다.",
        "response_hours": "매일 11:00–18:00",
        "opening_hours": "화–일 10:00–20:00 (월 휴무)",
        "listings": [
            ("소금빵", "개", 60, 3500, 3200, "오븐에서 나온 지 10분", []),
            (
                "통밀 캄파뉴",
                "반 덩이",
                12,
                4200,
                3800,
                "",
                [("한 덩이", 2, 8000, 7200), ("반 덩이", 1, 4200, 3800)],
            ),
        ],
    },
    {
        "slug": "hapjeong-butcher",
        "name": "합정 정육점",
        "address": "서울 마포구 양화로 45",
        "lat": 37.5496,
        "lng": 126.9139,
        "service_radius_m": 5000,
        # Leaves out the far bank of the Han river.
        "service_polygon": {
            "type": "Polygon",
            "coordinates": [
                [
                    [126.850, 37.538],
                    [126.985, 37.538],
                    [126.985, 37.600],
                    [126.850, 37.600],
                    [126.850, 37.538],
                ]
            ],
        },
        "notice": "한우 소분 판매 · 당일 수령",
        "return_policy": "포장 개봉 전, 수령 당일에 한해 교환해 드립니다.",
        "response_hours": "평일 09:00–18:00",
        "opening_hours": "매일 09:00–20:00",
        "listings": [
            (
                "한우 등심 1++",
                "100g",
                300,
                16000,
                14500,
                "",
                [("300g", 3, 48000, 43500), ("100g", 1, 16000, 14500)],
            ),
            ("국내산 삼겹살", "500g", 50, 14000, 12500, "두툼하게 썰었어요", []),
        ],
    },
]

# Partner cafés: (name, address, lat, lng, hours, handover notes, shops offering it).
CAFES = [
    (
        "카페 나루",
        "서울 마포구 망원동 한강공원 입구",
        37.5545,
        126.8975,
        "매일 10:00–22:00",
        "카운터에서 수령 코드를 말씀해 주세요.",
        ["mangwon-fruit"],
    ),
    (
        "망원시장 카페 보리",
        "서울 마포구 포은로 8길",
        37.5563,
        126.9065,
        "매일 08:00–21:00",
        "냉장 보관 상품은 카운터 뒤 냉장고에 있어요.",
        ["mangwon-fruit", "yeonnam-bakery", "hapjeong-butcher"],
    ),
    (
        "책방카페 온기",
        "서울 마포구 연남로 30",
        37.5660,
        126.9230,
        "화–일 11:00–21:00",
        "2층 책방 카운터에서 받으세요.",
        ["yeonnam-bakery"],
    ),
    (
        "카페 모퉁이",
        "서울 마포구 동교로 230",
        37.5580,
        126.9240,
        "매일 09:00–20:00",
        "",
        ["yeonnam-bakery"],
    ),
    (
        "카페 소풍",
        "서울 마포구 독막로 10",
        37.5490,
        126.9105,
        "매일 09:00–22:00",
        "",
        ["hapjeong-butcher"],
    ),
    (
        "카페 담",
        "서울 마포구 와우산로 20",
        37.5478,
        126.9230,
        "매일 12:00–23:00",
        "저녁에는 바 카운터에서 받으세요.",
        ["hapjeong-butcher"],
    ),
]

OWNER_PERMISSIONS = [
    ("shops", "shop", ["view", "change"]),
    ("shops", "membership", ["view", "add", "change", "delete"]),
    ("shops", "apitoken", ["view", "change"]),
    ("livestock", "listing", ["view", "add", "change"]),
    ("livestock", "listingoption", ["view", "add", "change", "delete"]),
    ("livestock", "stockevent", ["view"]),
    ("pickup", "pickupplace", ["view", "change"]),
    ("pickup", "pickuppoint", ["view", "add", "change"]),
    ("pickup", "pickupwindow", ["view", "add", "change", "delete"]),
    ("pickup", "reservation", ["view"]),
    ("reviews", "review", ["view"]),
]


def owner_group() -> Group:
    group, _created = Group.objects.get_or_create(name="가게 사장님")
    for app_label, model, actions in OWNER_PERMISSIONS:
        for action in actions:
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=f"{action}_{model}"
            ).first()
            if perm:
                group.permissions.add(perm)
    return group


def _every(*ranges: tuple[str, str], closed: tuple[str, ...] = ()) -> dict:
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return {d: [] if d in closed else [list(r) for r in ranges] for d in days}


# Structured weekly hours (the free-text opening_hours above say the same for people).
SHOP_HOURS = {
    "mangwon-fruit": _every(("09:00", "21:00")),
    "yeonnam-bakery": _every(("10:00", "20:00"), closed=("mon",)),
    "hapjeong-butcher": _every(("09:00", "20:00")),
}
CAFE_HOURS = {
    # A lunch break: the 13:00–17:00 window crosses it, so it is not offered there.
    "카페 나루": _every(("10:00", "14:00"), ("15:00", "22:00")),
    "망원시장 카페 보리": _every(("08:00", "21:00")),
    "책방카페 온기": _every(("11:00", "21:00"), closed=("mon",)),
}


def seed_hours(shops: list[Shop]) -> None:
    for shop in shops:
        if shop.slug in SHOP_HOURS:
            set_weekly_hours(shop=shop, weekly=SHOP_HOURS[shop.slug])
    for name, weekly in CAFE_HOURS.items():
        PickupPlace.objects.filter(name=name).update(weekly_hours=check_weekly_hours(weekly))


DEMO_WINDOWS = [("11:00", "13:00", 20), ("13:00", "17:00", None), ("17:00", "20:00", 20)]


def seed_pickup_windows(shop: Shop) -> None:
    """Daily pickup windows for each active pickup point of the shop, within the place's
    hours (adding only what is missing)."""
    from datetime import time

    from pickup.models import PickupWindow

    pickup_points.ensure_shop_counter(shop=shop)
    for point in PickupPoint.objects.filter(
        shop=shop, status=PickupPoint.Status.ACTIVE
    ).select_related("place"):
        opens = point.place.opens_at or time(0)
        closes = point.place.closes_at or time(23, 59, 59)
        for start, end, capacity in DEMO_WINDOWS:
            starts, ends = time.fromisoformat(start), time.fromisoformat(end)
            if starts < opens or ends > closes:
                continue
            PickupWindow.objects.get_or_create(
                pickup_point=point, starts_at=starts, ends_at=ends, defaults={"capacity": capacity}
            )


class Command(BaseCommand):
    help = "Create (or refresh) the demo neighbourhood: shops, listings, partner cafés, an owner."

    def handle(self, *args, **options):
        User = get_user_model()
        with transaction.atomic():
            owner, created = User.objects.get_or_create(
                username=DEMO_OWNER, defaults={"is_staff": True, "first_name": "데모 사장님"}
            )
            if created or not owner.has_usable_password():
                owner.set_password(DEMO_PASSWORD)
            owner.is_staff = True
            owner.save()
            owner.groups.add(owner_group())
            shops = []
            for spec in SHOPS:
                fields = {
                    k: v
                    for k, v in spec.items()
                    if k not in ("slug", "listings", "service_polygon")
                }
                shop, _ = Shop.objects.update_or_create(slug=spec["slug"], defaults=fields)
                set_service_area(
                    shop, radius_m=spec["service_radius_m"], polygon=spec.get("service_polygon")
                )
                pickup_points.ensure_shop_counter(shop=shop)
                Membership.objects.get_or_create(
                    shop=shop, user=owner, defaults={"role": Membership.Role.OWNER}
                )
                for name, unit, count, price, pickup, note, opts in spec["listings"]:
                    if Listing.objects.filter(shop=shop, name=name, is_active=True).exists():
                        continue
                    services.post_arrival(
                        shop=shop,
                        name=name,
                        unit=unit,
                        available=count,
                        price=price,
                        pickup_price=pickup,
                        staff_note=note,
                        options=[services.OptionSpec(*o) for o in opts],
                        actor=services.Actor(user=owner, label="seed_demo"),
                    )
                shops.append(shop)
            by_slug = {shop.slug: shop for shop in shops}
            for name, address, lat, lng, hours, notes, slugs in CAFES:
                place = PickupPlace.objects.filter(name=name, address=address).first()
                for slug in slugs:
                    shop = by_slug[slug]
                    if place is None:
                        place = pickup_points.add_pickup_point(
                            shop=shop,
                            name=name,
                            address=address,
                            lat=lat,
                            lng=lng,
                            opening_hours=hours,
                            handover_notes=notes,
                        ).place
                    elif not PickupPoint.objects.filter(shop=shop, place=place).exists():
                        pickup_points.partner_place(shop=shop, place_id=place.pk, user=owner)
            for shop in shops:
                seed_pickup_windows(shop)
            seed_hours(shops)

        self.stdout.write("Demo shops:")
        for shop in shops:
            cafes = PickupPoint.objects.filter(shop=shop, is_shop_counter=False).count()
            self.stdout.write(
                f"  {shop.slug}  {shop.name}  /s/{shop.slug}/  (partner cafés: {cafes})"
            )
        self.stdout.write("Hours: 연남 동네빵집 closed on Mondays; 카페 나루 closes 14:00–15:00.")
        self.stdout.write("Café staff links (each café's handover page; renew or turn off at")
        self.stdout.write("  /owner/s/<slug>/cafes/):")
        places = PickupPlace.objects.filter(
            owner_shop__in=shops, staff_link_active=True, partnerships__is_shop_counter=False
        ).distinct()
        for place in places.order_by("pk"):
            self.stdout.write(f"  {place.name}  /cafe/{place.staff_token}/")
        self.stdout.write(f"Owner login: {DEMO_OWNER} / {DEMO_PASSWORD}  (/owner/, /admin/)")
