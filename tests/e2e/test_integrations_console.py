"""An owner connects a POS on a phone: a webhook with its secret shown once, a scoped token."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from integrations.models import WebhookEndpoint
from shops.models import ApiToken, hash_token
from tests.support.axe import assert_no_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_adds_a_webhook_and_a_scoped_token_on_a_phone(new_phone, shop, owner_login):
    boss = new_phone("owner")
    boss.log_in(*owner_login, f"/owner/s/{shop.slug}/")
    boss.page.get_by_role("link", name="연동 (웹훅·API)").tap()
    expect(boss.page.get_by_role("heading", name="웹훅", exact=True)).to_be_visible()
    assert_no_violations(boss.page, "integrations console")

    boss.page.get_by_label("받을 주소 (https)").fill("https://pos.example.com/hooks/dongne5km")
    boss.page.get_by_label("준비 완료").check()
    boss.page.get_by_role("button", name="웹훅 추가").tap()
    secret = boss.page.locator("[data-secret]")
    expect(secret).to_be_visible()
    assert secret.input_value() == WebhookEndpoint.objects.get().secret
    assert WebhookEndpoint.objects.get().events == ["stock.changed", "reservation.ready"]
    boss.screenshot("secret-once")
    assert_no_violations(boss.page, "secret shown once")
    assert boss.sideways_overflow() <= 0

    boss.page.goto(f"/owner/s/{shop.slug}/integrations/")
    expect(boss.page.locator("[data-secret]")).to_have_count(0)
    expect(boss.page.get_by_text("https://pos.example.com/hooks/dongne5km")).to_be_visible()

    boss.page.get_by_label("이름", exact=True).fill("계산대 POS")
    boss.page.get_by_label("재고·상품 쓰기").uncheck()
    boss.page.get_by_label("웹훅 관리").uncheck()
    boss.page.get_by_role("button", name="토큰 만들기").tap()
    expect(boss.page.locator("[data-secret]")).to_be_visible()
    raw = boss.page.locator("[data-secret]").input_value()
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    assert token.scopes == ["reservations:read", "reservations:write"]

    boss.page.get_by_role("button", name="계산대 POS 토큰 폐기").tap()
    expect(boss.page.get_by_text("폐기됨")).to_be_visible()
    boss.screenshot("revoked")
    assert_no_violations(boss.page, "token revoked")
    boss.assert_healthy()
