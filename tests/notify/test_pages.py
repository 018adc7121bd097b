"""The installable app's pages and the notification controls on the existing pages."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from livestock import services as stock
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_service_worker_is_served_at_the_root_with_its_offline_assets(client: Client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    source = response.content.decode()
    assert "__OFFLINE_ASSETS__" not in source
    assert '"/offline/"' in source
    for event in ("push", "notificationclick", "pushsubscriptionchange", "fetch"):
        assert f'addEventListener("{event}"' in source


def test_the_manifest_names_the_app_in_korean_with_icons(client: Client, shop):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"].startswith("application/manifest+json")
    data = json.loads(response.content)
    assert data["name"] == "동네5km" and data["lang"] == "ko" and data["start_url"] == "/"
    assert data["theme_color"] and data["display"] == "standalone"
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200
    per_shop = json.loads(client.get(f"/manifest.webmanifest?s={shop.slug}").content)
    assert per_shop["start_url"] == f"/s/{shop.slug}/" and shop.name in per_shop["name"]
    assert json.loads(client.get("/manifest.webmanifest?s=nope").content)["start_url"] == "/"


def test_every_page_links_the_manifest_and_the_csp_allows_worker_and_manifest(client, shop):
    response = client.get(f"/s/{shop.slug}/")
    html = response.content.decode()
    assert f'rel="manifest" href="/manifest.webmanifest?s={shop.slug}"' in html
    csp = response["Content-Security-Policy"]
    assert "worker-src 'self'" in csp and "manifest-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_shop_page_has_the_follow_button_and_sold_out_items_the_restock_button(client, shop):
    factories.make_listing(shop, "단감", available=10)
    gone = factories.make_listing(shop, "사과", available=5)
    stock.mark_sold_out(shop=shop, listing_id=gone.pk)
    html = client.get(f"/s/{shop.slug}/").content.decode()
    assert f'data-follow data-shop="{shop.slug}"' in html
    assert "단골 알림 받기" in html and "(광고" not in html
    assert "광고성 정보" in html  # consent is explicit
    assert "홈 화면에 추가" in html  # the iOS note
    assert f'data-restock data-restock-listing="{gone.pk}"' in html
    assert html.count('src="/static/js/notify.js"') >= 1


def test_near_me_list_has_a_follow_button_per_shop(client, shop):
    html = client.get(f"/?lat={shop.lat}&lng={shop.lng}").content.decode()
    assert f'data-follow data-shop="{shop.slug}"' in html
    assert "광고성 알림 수신에 동의" in html  # the short button still says what it agrees to


def test_my_alerts_and_offline_pages_render(client):
    html = client.get("/notify/").content.decode()
    assert "내 알림" in html and "data-my-alerts" in html
    offline = client.get("/offline/")
    assert (
        offline.status_code == 200 and "인터넷에 연결되어 있지 않아요" in offline.content.decode()
    )
