"""Managers write the shop's banner, hours text, return policy and links from the console."""

from __future__ import annotations

import pytest
from django.test import Client

from shops import services
from shops.errors import InvalidInput
from shops.models import Membership, Shop, ShopDetailChange
from shops.selectors import recent_detail_changes
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


# --- who changed what, and when ------------------------------------------------------------


def test_each_change_records_who_what_and_when_and_the_same_text_again_records_nothing(
    shop, owner, clock
):
    clock.set("10:00")
    services.update_shop_details(shop=shop, changes=details(), changed_by=owner)
    clock.set("10:05")
    services.update_shop_details(shop=shop, changes=details(notice="오늘만 20%"), changed_by=owner)
    services.update_shop_details(shop=shop, changes=details(notice="오늘만 20%"))
    first, second = ShopDetailChange.objects.filter(shop=shop).order_by("id")
    assert ShopDetailChange.objects.count() == 2
    assert (first.changed_by, first.changed_by_name) == (owner, owner.username)
    assert set(first.changes) == set(details())
    assert first.changes["notice"] == {
        "before": "동네 5km 픽업 할인",
        "after": "동네 5km 픽업 할인 10%",
    }
    assert first.changed_at == clock.at("10:00")
    assert second.changes == {"notice": {"before": "동네 5km 픽업 할인 10%", "after": "오늘만 20%"}}
    assert second.field_labels == ["안내 배너"]
    assert second.changed_by == owner and second.changed_at == clock.at("10:05")
    assert recent_detail_changes(shop.pk) == [second, first]


def test_a_refused_change_records_nothing(shop, owner):
    with pytest.raises(InvalidInput):
        services.update_shop_details(
            shop=shop, changes={"notice": "새 안내", "naver_url": "x"}, changed_by=owner
        )
    assert not ShopDetailChange.objects.exists()


def test_the_details_page_lists_recent_changes(owner_client, owner, shop, other_shop):
    page = owner_client.get(url(shop)).content.decode()
    assert "최근 변경" in page and "아직 바꾼 기록이 없습니다" in page
    response = owner_client.post(
        url(shop), details(notice="<b>오늘만</b>", return_policy=shop.return_policy)
    )
    assert response.status_code == 302
    services.update_shop_details(shop=other_shop, changes={"notice": "다른 가게 안내"})
    page = owner_client.get(url(shop)).content.decode()
    recent = page[page.index("recent-changes-title") :]
    assert owner.username in recent and "안내 배너" in recent and "카카오톡 채널" in recent
    assert "교환·환불 안내" not in recent  # unchanged
    assert "오늘만" not in recent  # which fields, not their text
    assert "다른 가게 안내" not in page


def test_the_admin_shows_changes_read_only(shop, owner, admin_client):
    services.update_shop_details(shop=shop, changes={"notice": "<i>새</i> 안내"}, changed_by=owner)
    change = ShopDetailChange.objects.get()
    listing = admin_client.get("/admin/shops/shopdetailchange/").content.decode()
    assert owner.username in listing and "안내 배너" in listing
    detail = admin_client.get(f"/admin/shops/shopdetailchange/{change.pk}/change/")
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "&lt;i&gt;새&lt;/i&gt; 안내" in body and 'name="changed_by_name"' not in body
    assert admin_client.get("/admin/shops/shopdetailchange/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/shops/shopdetailchange/{change.pk}/delete/", {"post": "yes"})
    ).status_code == 403
    assert ShopDetailChange.objects.filter(pk=change.pk).exists()


def test_an_admin_edit_records_the_same_history(shop, admin_client, admin_user):
    url = f"/admin/shops/shop/{shop.pk}/change/"
    data = {
        "name": shop.name,
        "slug": shop.slug,
        "is_active": "on",
        "notice": shop.notice,
        "address": "",
        "lat": shop.lat,
        "lng": shop.lng,
        "service_radius_m": shop.service_radius_m,
        "service_polygon": "null",
        "opening_hours": "",
        "response_hours": shop.response_hours,
        "return_policy": shop.return_policy,
        "phone": "",
        "kakao_channel_url": "",
        "naver_url": "",
    }
    assert admin_client.post(url, {**data, "name": "새 이름"}).status_code == 302
    assert not ShopDetailChange.objects.exists()  # the name is not 가게 안내
    response = admin_client.post(url, {**data, "notice": "관리자가 바꾼 안내"})
    assert response.status_code == 302
    change = ShopDetailChange.objects.get()
    assert change.changes == {
        "notice": {"before": "동네 5km 픽업 할인", "after": "관리자가 바꾼 안내"}
    }
    assert (change.changed_by, change.changed_by_name) == (admin_user, admin_user.username)
    assert recent_detail_changes(shop.pk) == [change]


def test_a_refused_field_is_named_and_the_console_shows_it_on_that_field(owner_client, shop):
    with pytest.raises(InvalidInput) as caught:
        services.update_shop_details(shop=shop, changes={"naver_url": "ftp://naver.me/x"})
    assert caught.value.extra["field"] == "naver_url"

    response = owner_client.post(url(shop), details(naver_url="javascript:alert(1)"))
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["naver_url"] and not form.non_field_errors()
