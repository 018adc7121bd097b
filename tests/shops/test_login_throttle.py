"""Sign-in throttling (django-axes) on the owner console and the admin: per account, per IP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db

OWNER_LOGIN = "/owner/login/"
ADMIN_LOGIN = "/admin/login/"
PASSWORD = "right-password-123"
REFUSAL = "로그인에 여러 번 실패해 15분 동안 로그인할 수 없습니다"


@pytest.fixture
def staff(shop):
    user = factories.make_owner(shop, username="boss")
    user.set_password(PASSWORD)
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def later(monkeypatch):
    """Move the clock the app and django-axes read forward."""

    def advance(minutes: int) -> None:
        moved = timezone.now() + timedelta(minutes=minutes)
        monkeypatch.setattr(timezone, "now", lambda: moved)
        monkeypatch.setattr("axes.handlers.proxy.now", lambda: moved)

    return advance


def sign_in(client: Client, page: str, username: str, password: str):
    return client.post(
        page,
        {
            "username": username,
            "password": password,
            "next": "/owner/" if page == OWNER_LOGIN else "/admin/",
        },
    )


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("page", [OWNER_LOGIN, ADMIN_LOGIN])
def test_ten_wrong_passwords_lock_the_account_then_the_right_one_is_refused(staff, page):
    client = Client(REMOTE_ADDR="10.0.0.1")
    for attempt in range(9):
        response = sign_in(client, page, "boss", f"wrong-{attempt}")
        assert response.status_code == 200
    assert sign_in(client, page, "boss", "wrong-9").status_code == 429
    response = sign_in(client, page, "boss", PASSWORD)
    assert response.status_code == 429
    assert REFUSAL in response.content.decode()
    assert not signed_in(client)


def test_the_refusal_is_in_english_for_english_visitors(staff):
    client = Client(REMOTE_ADDR="10.0.0.1", headers={"Accept-Language": "en"})
    for attempt in range(10):
        sign_in(client, OWNER_LOGIN, "boss", f"wrong-{attempt}")
    body = sign_in(client, OWNER_LOGIN, "boss", PASSWORD).content.decode()
    assert "Too many failed sign-ins" in body


def test_a_lock_earned_on_the_console_holds_on_the_admin_too(staff):
    attacker = Client(REMOTE_ADDR="10.0.0.1")
    for attempt in range(10):
        sign_in(attacker, OWNER_LOGIN, "boss", f"wrong-{attempt}")
    owner = Client(REMOTE_ADDR="10.0.0.2")
    assert sign_in(owner, ADMIN_LOGIN, "boss", PASSWORD).status_code == 429
    assert not signed_in(owner)


@pytest.mark.parametrize("page", [OWNER_LOGIN, ADMIN_LOGIN])
def test_after_fifteen_minutes_the_right_password_works_again(staff, later, page):
    client = Client(REMOTE_ADDR="10.0.0.1")
    for attempt in range(10):
        sign_in(client, page, "boss", f"wrong-{attempt}")
    assert sign_in(client, page, "boss", PASSWORD).status_code == 429
    later(14)
    assert sign_in(client, page, "boss", PASSWORD).status_code == 429
    later(16)
    assert sign_in(client, page, "boss", PASSWORD).status_code == 302
    assert signed_in(client)


def test_another_account_is_unaffected(staff, shop):
    other = factories.make_owner(shop, username="clerk")
    other.set_password(PASSWORD)
    other.save()
    attacker = Client(REMOTE_ADDR="10.0.0.1")
    for attempt in range(10):
        sign_in(attacker, OWNER_LOGIN, "boss", f"wrong-{attempt}")
    clerk = Client(REMOTE_ADDR="10.0.0.2")
    assert sign_in(clerk, OWNER_LOGIN, "clerk", PASSWORD).status_code == 302
    assert signed_in(clerk)


def test_one_ip_guessing_many_accounts_is_refused_for_every_account(staff):
    attacker = Client(REMOTE_ADDR="10.0.0.9")
    for attempt in range(10):
        sign_in(attacker, OWNER_LOGIN, f"user{attempt}", "guess")
    assert sign_in(attacker, OWNER_LOGIN, "boss", PASSWORD).status_code == 429
    assert not signed_in(attacker)
    elsewhere = Client(REMOTE_ADDR="10.0.0.10")
    assert sign_in(elsewhere, OWNER_LOGIN, "boss", PASSWORD).status_code == 302


def test_throttling_counts_the_client_ip_the_app_uses_not_a_forged_header(staff):
    client = Client(REMOTE_ADDR="10.0.0.1")
    for attempt in range(3):
        client.post(
            OWNER_LOGIN,
            {"username": "boss", "password": "wrong"},
            headers={"X-Forwarded-For": f"192.0.2.{attempt}", "X-Real-IP": f"198.51.100.{attempt}"},
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"10.0.0.1"}


def test_a_successful_sign_in_clears_the_count(staff):
    client = Client(REMOTE_ADDR="10.0.0.1")
    for attempt in range(9):
        sign_in(client, OWNER_LOGIN, "boss", f"wrong-{attempt}")
    assert sign_in(client, OWNER_LOGIN, "boss", PASSWORD).status_code == 302
    client.logout()
    assert sign_in(client, OWNER_LOGIN, "boss", "wrong").status_code == 200
    assert sign_in(client, OWNER_LOGIN, "boss", PASSWORD).status_code == 302
