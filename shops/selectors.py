"""Reads about shops shared by pages and the API."""

from __future__ import annotations

from typing import Any

from shops.models import Shop


def shop_by_slug(slug: str) -> Shop | None:
    if not slug or len(slug) > 50:
        return None
    return Shop.objects.filter(slug=slug, is_active=True).first()


def shop_public_fields(shop: Shop) -> dict[str, Any]:
    return {
        "slug": shop.slug,
        "name": shop.name,
        "address": shop.address,
        "lat": shop.lat,
        "lng": shop.lng,
        "service_radius_m": shop.service_radius_m,
        "service_polygon": shop.service_polygon,
        "stock_version": shop.stock_version,
        "notice": shop.notice,
        "return_policy": shop.return_policy,
        "response_hours": shop.response_hours,
        "opening_hours": shop.opening_hours,
        "phone": shop.phone,
        "kakao_channel_url": shop.kakao_channel_url,
        "naver_url": shop.naver_url,
        "url": shop.get_absolute_url(),
    }
