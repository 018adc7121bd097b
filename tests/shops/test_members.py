"""Memberships: only owners touch owner and manager memberships, a shop keeps an owner
(services, admin, database), and two owners demoting each other cannot leave none."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client

from shops import services
from shops.errors import Conflict, DomainError, PermissionDenied
from shops.models import Membership
from storefront.management.commands.seed_demo import owner_group
from tests import factories

pytestmark = pytest.mark.django_db


def member(shop, username: str, role: str):
    user = factories.make_owner(shop, username=username, role=role)
    return user, Membership.objects.get(shop=shop, user=user)


def admin_client(user) -> Client:
    user.groups.add(owner_group())
    client = Client()
    client.force_login(user)
    return client


def roles(shop) -> dict[str, str]:
    return dict(shop.memberships.values_list("user__username", "role"))


# --- the rules, in the services ---------------------------------------------------------


def test_a_manager_cannot_demote_remove_or_make_owners_and_managers(shop):
    boss, boss_m = member(shop, "boss", "owner")
    manager, _m = member(shop, "manager", "manager")
    _clerk, clerk_m = member(shop, "clerk", "staff")
    with pytest.raises(PermissionDenied) as denied:
        services.change_member_role(actor=manager, membership_id=boss_m.pk, role="staff")
    assert denied.value.code == "owner_required"
    with pytest.raises(PermissionDenied):
        services.remove_member(actor=manager, membership_id=boss_m.pk)
    with pytest.raises(PermissionDenied):
        services.change_member_role(actor=manager, membership_id=clerk_m.pk, role="manager")
    newcomer = factories.make_owner(factories.make_shop(slug="x-shop"), username="new")
    with pytest.raises(PermissionDenied):
        services.add_member(actor=manager, shop=shop, user=newcomer, role="owner")
    assert roles(shop) == {"boss": "owner", "manager": "manager", "clerk": "staff"}
    # Staff are a manager's to manage.
    services.add_member(actor=manager, shop=shop, user=newcomer, role="staff")
    services.remove_member(actor=manager, membership_id=clerk_m.pk)
    assert roles(shop) == {"boss": "owner", "manager": "manager", "new": "staff"}


def test_staff_manage_nobody_but_anyone_may_leave(shop):
    member(shop, "boss", "owner")
    clerk, clerk_m = member(shop, "clerk", "staff")
    _other, other_m = member(shop, "other", "staff")
    manager, manager_m = member(shop, "manager", "manager")
    with pytest.raises(PermissionDenied):
        services.remove_member(actor=clerk, membership_id=other_m.pk)
    services.remove_member(actor=clerk, membership_id=clerk_m.pk)
    services.remove_member(actor=manager, membership_id=manager_m.pk)
    assert roles(shop) == {"boss": "owner", "other": "staff"}


def test_the_last_owner_can_be_neither_demoted_nor_removed_nor_leave(shop):
    boss, boss_m = member(shop, "boss", "owner")
    partner, partner_m = member(shop, "partner", "owner")
    services.change_member_role(actor=boss, membership_id=partner_m.pk, role="manager")
    for attempt in (
        lambda: services.change_member_role(actor=boss, membership_id=boss_m.pk, role="staff"),
        lambda: services.remove_member(actor=boss, membership_id=boss_m.pk),
    ):
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.code == "last_owner"
    with pytest.raises(Conflict):  # all at once: nothing is removed
        services.remove_members(actor=boss, membership_ids=[boss_m.pk, partner_m.pk])
    assert roles(shop) == {"boss": "owner", "partner": "manager"}
    # With another owner in place, the first may step down.
    services.change_member_role(actor=boss, membership_id=partner_m.pk, role="owner")
    services.remove_member(actor=boss, membership_id=boss_m.pk)
    assert roles(shop) == {"partner": "owner"}


def test_a_bad_role_is_a_clear_error(shop):
    boss, boss_m = member(shop, "boss", "owner")
    with pytest.raises(services.InvalidInput) as bad:
        services.change_member_role(actor=boss, membership_id=boss_m.pk, role="king")
    assert bad.value.code == "invalid_role"


# --- the admin ------------------------------------------------------------------------


def test_a_manager_cannot_demote_the_owner_in_the_admin(shop):
    _boss, boss_m = member(shop, "boss", "owner")
    manager, _m = member(shop, "manager", "manager")
    client = admin_client(manager)
    response = client.post(f"/admin/shops/membership/{boss_m.pk}/change/", {"role": "staff"})
    assert response.status_code == 200
    assert "사장님만" in response.content.decode()
    assert roles(shop)["boss"] == "owner"


def test_an_owner_changes_roles_in_the_admin_but_keeps_one_owner(shop):
    boss, boss_m = member(shop, "boss", "owner")
    _partner, partner_m = member(shop, "partner", "owner")
    client = admin_client(boss)
    response = client.post(f"/admin/shops/membership/{partner_m.pk}/change/", {"role": "manager"})
    assert response.status_code == 302
    response = client.post(f"/admin/shops/membership/{boss_m.pk}/change/", {"role": "staff"})
    assert response.status_code == 200
    assert roles(shop) == {"boss": "owner", "partner": "manager"}


def test_admin_deletes_refuse_the_last_owner_and_a_managers_reach(shop):
    boss, boss_m = member(shop, "boss", "owner")
    manager, manager_m = member(shop, "manager", "manager")
    _clerk, clerk_m = member(shop, "clerk", "staff")
    as_manager = admin_client(manager)
    as_manager.post(f"/admin/shops/membership/{boss_m.pk}/delete/", {"post": "yes"})
    as_manager.post(
        "/admin/shops/membership/",
        {"action": "delete_selected", "_selected_action": [boss_m.pk, clerk_m.pk], "post": "yes"},
    )
    assert roles(shop) == {"boss": "owner", "manager": "manager", "clerk": "staff"}

    as_boss = admin_client(boss)
    as_boss.post(f"/admin/shops/membership/{boss_m.pk}/delete/", {"post": "yes"})
    as_boss.post(
        "/admin/shops/membership/",
        {"action": "delete_selected", "_selected_action": [boss_m.pk, manager_m.pk], "post": "yes"},
    )
    assert roles(shop) == {"boss": "owner", "manager": "manager", "clerk": "staff"}
    as_boss.post(
        "/admin/shops/membership/",
        {
            "action": "delete_selected",
            "_selected_action": [manager_m.pk, clerk_m.pk],
            "post": "yes",
        },
    )
    assert roles(shop) == {"boss": "owner"}


# --- the database ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_demote_the_last_owner(shop):
    _boss, boss_m = member(shop, "boss", "owner")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=boss_m.pk).update(role="staff")
    assert roles(shop) == {"boss": "owner"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_delete_the_last_owner_but_not_the_shop(shop):
    if connection.vendor != "postgresql":
        pytest.skip(
            "runs in the PostgreSQL pass: DATABASE_URL=postgres://… (make test-services);"
            " SQLite has no deferred triggers, the services guard deletes there"
        )
    boss, boss_m = member(shop, "boss", "owner")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=boss_m.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        boss.delete()
    assert roles(shop) == {"boss": "owner"}
    shop.delete()
    assert not Membership.objects.exists()


# --- two owners demoting each other at once ---------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_leave_one_owner(shop):
    a, a_m = member(shop, "a", "owner")
    b, b_m = member(shop, "b", "owner")
    for _round in range(10):
        barrier = threading.Barrier(2)
        outcome: list[str] = []

        def demote(actor, membership_id, barrier=barrier, outcome=outcome):
            try:
                barrier.wait()
                services.change_member_role(
                    actor=actor, membership_id=membership_id, role="manager"
                )
                outcome.append("ok")
            except DomainError as exc:  # the loser is now a manager, or the last owner
                outcome.append(
                    "refused" if exc.code in ("last_owner", "owner_required") else exc.code
                )
            except Exception as exc:  # noqa: BLE001 - shown by the assertion
                outcome.append(f"unexpected {type(exc).__name__}: {exc}")
            finally:
                connections.close_all()

        threads = [
            threading.Thread(target=demote, args=(a, b_m.pk)),
            threading.Thread(target=demote, args=(b, a_m.pk)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcome) == ["ok", "refused"]
        assert list(roles(shop).values()).count("owner") == 1
        Membership.objects.filter(shop=shop).update(role="owner")


def test_deleting_the_last_owners_account_is_refused_in_the_admin(shop):
    from django.contrib.auth import get_user_model

    boss, _m = member(shop, "boss", "owner")
    _partner, partner_m = member(shop, "partner", "manager")
    root = get_user_model().objects.create_superuser("root", password="pw-for-tests-1")
    client = Client()
    client.force_login(root)
    page = client.post(f"/admin/auth/user/{boss.pk}/delete/", {"post": "yes"})
    assert page.status_code == 200 and "마지막 사장님" in page.content.decode()
    client.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [boss.pk], "post": "yes"},
    )
    assert roles(shop) == {"boss": "owner", "partner": "manager"}
    Membership.objects.filter(pk=partner_m.pk).update(role="owner")
    response = client.post(f"/admin/auth/user/{boss.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert roles(shop) == {"partner": "owner"}
