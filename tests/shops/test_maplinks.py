"""길찾기 (Naver Map, Kakao Map) and call links on the shop page, its pickup points and the
reservation page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from shops import maplinks
from tests import factories


def test_kakao_directions_url():
    url = maplinks.kakao_directions("카페 한강뷰, 2층", 37.55591, 126.9019)
    assert url == (
        "https://map.kakao.com/link/to/"
        "%EC%B9%B4%ED%8E%98%20%ED%95%9C%EA%B0%95%EB%B7%B0%20%202%EC%B8%B5,37.555910,126.901900"
    )
    assert maplinks.kakao_directions("", 37.5, 127).startswith("https://map.kakao.com/link/to/")


def test_naver_directions_url():
    url = maplinks.naver_directions("망원 과일가게 & 꽃", 37.5559, 126.9019)
    parts = urlsplit(url)
    assert parts.scheme == "https" and parts.netloc == "map.naver.com"
    query = parse_qs(parts.query)
    assert query == {
        "menu": ["route"],
        "elat": ["37.555900"],
        "elng": ["126.901900"],
        "etext": ["망원 과일가게 & 꽃"],
    }


@pytest.mark.parametrize(
    ("phone", "href"),
    [
        ("02-332-0000", "tel:023320000"),
        ("010 1234 5678", "tel:01012345678"),
        ("", ""),
        (None, ""),
        ("문의는 카톡", ""),
        ("+82 2-332-0000", "tel:+8223320000"),
    ],
)
def test_tel_href(phone, href):
    assert maplinks.tel_href(phone) == href


@pytest.mark.django_db
def test_pages_offer_directions_and_calls(shop, clock):
    listing = factories.make_listing(shop)
    cafe = factories.make_cafe(shop, "카페 한강뷰", contact="02-111-2222")
    window = factories.make_window(cafe, "09:00", "21:00")
    shop.phone = "02-332-0000"
    shop.save(update_fields=["phone"])
    html = Client().get(f"/s/{shop.slug}/").content.decode()
    assert html.count("https://map.kakao.com/link/to/") >= 2  # the shop and its pickup points
    assert "https://map.naver.com/index.nhn?menu=route" in html

    reservation = factories.make_reservation(shop, listing, cafe, window)
    html = Client().get(f"/r/{reservation.token}/").content.decode()
    assert 'href="tel:021112222"' in html and 'href="tel:023320000"' in html
    assert "카페 한강뷰에 전화" in html
    assert "https://map.naver.com/index.nhn?menu=route" in html
