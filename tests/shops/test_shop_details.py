"""Managers write the shop's banner, hours text, return policy and links from the console."""

from __future__ import annotations

import pytest
from django.test import Client

from shops import services
from shops.errors import InvalidInput
from shops.models import Membership, Shop
from tests import factories

pytestmark = pytest.mark.django_db


def details(**overrides):
    data = {
        "notice": "동네 5km 픽업 할인 10%",
        "opening_hours": "매일 9시~20시",
        "response_hours": "평일 10시~18시",
        "return_policy": "받은 날 바꿔 드려요.\n사진을 보내 주세요.",
        "kakao_channel_url": "https://pf.kakao.com/_abc",
        "naver_url": "https://naver.me/xyz",
    }
    data.update(overrides)
    return data


def url(shop):
    return f"/owner/s/{shop.slug}/details/"


def test_service_stores_text_as_written(shop):
    services.update_shop_details(shop=shop, changes=details(notice="<script>x</script> 할인"))
    stored = Shop.objects.get(pk=shop.pk)
    assert stored.notice == "<script>x</script> 할인"
    assert stored.return_policy == "받은 날 바꿔 드려요.\n사진을 보내 주세요."
    assert stored.kakao_channel_url == "https://pf.kakao.com/_abc"


def test_service_changes_only_the_fields_given(shop):
    services.update_shop_details(shop=shop, changes=details())
    services.update_shop_details(shop=shop, changes={"notice": ""})
    stored = Shop.objects.get(pk=shop.pk)
    assert stored.notice == ""
    assert stored.response_hours == "평일 10시~18시"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"notice": "할인\x00"}, "control_characters"),
        ({"response_hours": "가" * 101}, "too_long"),
        ({"return_policy": "가" * 2001}, "too_long"),
        ({"notice": 5}, None),
        ({"kakao_channel_url": "javascript:alert(1)"}, "invalid_url"),
        ({"naver_url": "naver.me/x"}, "invalid_url"),
        ({"name": "새 이름"}, "unknown_field"),
        ({"stock_version": 99}, "unknown_field"),
    ],
)
def test_service_refuses_bad_input_and_stores_nothing(shop, changes, code):
    services.update_shop_details(shop=shop, changes=details())
    with pytest.raises(InvalidInput) as caught:
        services.update_shop_details(
            shop=shop,
            changes={**changes, "notice": "바뀌면 안 됨"} if "notice" not in changes else changes,
        )
    if code:
        assert caught.value.code == code
    assert caught.value.detail
    stored = Shop.objects.get(pk=shop.pk)
    assert stored.notice == "동네 5km 픽업 할인 10%"
    assert stored.name == shop.name


def test_manager_saves_from_the_console_and_the_shop_page_escapes_it(shop):
    manager = factories.make_owner(shop, username="mgr", role=Membership.Role.MANAGER)
    client = Client()
    client.force_login(manager)
    console = client.get(f"/owner/s/{shop.slug}/").content.decode()
    assert url(shop) in console
    form = client.get(url(shop))
    assert form.status_code == 200
    response = client.post(url(shop), details(notice="<b>오늘만</b> 할인"))
    assert response.status_code == 302
    page = Client().get(f"/s/{shop.slug}/").content.decode()
    assert "&lt;b&gt;오늘만&lt;/b&gt; 할인" in page
    assert "<b>오늘만</b>" not in page
    assert "평일 10시~18시" in page
    assert 'href="https://pf.kakao.com/_abc"' in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"notice": "할인\x00"}, "제어 문자"),
        ({"notice": "가" * 201}, "200"),
        ({"kakao_channel_url": "javascript:alert(1)"}, "https://"),
    ],
)
def test_console_refuses_bad_input_with_a_message(owner_client, shop, overrides, message):
    response = owner_client.post(url(shop), details(**overrides))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body and message in body
    assert Shop.objects.get(pk=shop.pk).notice == shop.notice


def test_staff_cannot_edit_and_do_not_see_the_link(shop):
    staff = factories.make_owner(shop, username="staff", role=Membership.Role.STAFF)
    client = Client()
    client.force_login(staff)
    assert url(shop) not in client.get(f"/owner/s/{shop.slug}/").content.decode()
    assert client.get(url(shop)).status_code == 404
    assert client.post(url(shop), details()).status_code == 404
    assert Shop.objects.get(pk=shop.pk).notice == shop.notice


def test_another_shop_is_404(owner_client, other_shop):
    assert owner_client.post(url(other_shop), details()).status_code == 404
    assert Shop.objects.get(pk=other_shop.pk).notice == other_shop.notice
