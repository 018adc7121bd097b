"""A shop cannot touch another shop's pickup places.

Every place has an owning shop (a counter: its shop; a café: the shop that added it). Only
that shop edits it; another shop offers it only once the owner accepts an invitation; a
counter stays on its shop's own place.
"""

from __future__ import annotations

import importlib
import json
from datetime import time

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Permission
from django.test import Client

from pickup import models as pickup_models
from pickup import selectors
from pickup.models import PickupPlace, PickupPoint, PickupWindow
from pickup.services import points
from shops.errors import Conflict, NotFound, PermissionDenied
from shops.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db

# Between the two test shops, inside both service areas.
BETWEEN = (37.563, 126.941)


@pytest.fixture
def cafe(shop):
    """The first shop's café, open 08–22, with a lunch window."""
    point = factories.make_cafe(
        shop, "두 가게 카페", lat=BETWEEN[0], lng=BETWEEN[1], opens_at=time(8), closes_at=time(22)
    )
    factories.make_window(point, "12:00", "14:00")
    return point


def admin_client(shop, username: str) -> tuple[Client, object]:
    user = factories.make_owner(shop, username=username)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="pickup"))
    client = Client()
    client.force_login(user)
    return client, user


def partner_over_api(client: Client, slug: str, place_id):
    return client.post(
        f"/api/shops/{slug}/pickup-points/partner",
        data=json.dumps({"place_id": place_id}),
        content_type="application/json",
    )


def reserve_over_api(slug: str, listing, point_id: int, window_id: int | None = None):
    body = {
        "listing_id": listing.pk,
        "quantity": 1,
        "pickup_point_id": point_id,
        "name": "이웃",
        "phone": factories.next_phone(),
    }
    if window_id is not None:
        body["pickup_window"] = window_id
    return Client().post(
        f"/api/shops/{slug}/reservations", data=json.dumps(body), content_type="application/json"
    )


# --- partnering needs the café owner's consent -------------------------------------------


def test_api_partner_of_another_shops_cafe_waits_for_its_owner(
    shop, other_shop, other_token, cafe, owner_client
):
    other = Client(headers={"Authorization": f"Bearer {other_token}"})
    asked = partner_over_api(other, other_shop.slug, cafe.place_id)
    assert asked.status_code == 202, asked.content
    body = asked.json()
    assert body["status"] == "pending" and body["place_id"] == cafe.place_id
    # Nothing usable until the owner says yes.
    assert not PickupPoint.objects.filter(shop=other_shop, place=cafe.place).exists()
    listed = other.get(f"/api/shops/{other_shop.slug}/pickup-points").json()
    assert cafe.place_id not in [p["place_id"] for p in listed]
    public = Client().get(f"/api/shops/{other_shop.slug}").json()["pickup_points"]
    assert cafe.place.name not in [p["name"] for p in public]
    bread = factories.make_listing(other_shop, "소금빵", 10)
    assert reserve_over_api(other_shop.slug, bread, cafe.pk).status_code == 404
    # Asking again does not pile up invitations.
    assert partner_over_api(other, other_shop.slug, cafe.place_id).json()["id"] == body["id"]
    assert pickup_models.PartnerInvitation.objects.filter(shop=other_shop).count() == 1

    # The café's owner accepts in the console (a plain form post, no JavaScript).
    page = owner_client.get(f"/owner/s/{shop.slug}/area/").content.decode()
    assert "제휴 요청" in page and other_shop.name in page and "수락" in page and "거절" in page
    accept = f"/owner/s/{shop.slug}/area/invitations/{body['id']}/accept/"
    assert owner_client.post(accept).status_code == 302
    point = PickupPoint.objects.get(shop=other_shop, place=cafe.place)
    assert point.is_active
    made = reserve_over_api(other_shop.slug, bread, point.pk)
    assert made.status_code == 201, made.content
    assert pickup_models.PartnerInvitation.objects.get(pk=body["id"]).status == "accepted"
    # Answered once only.
    with pytest.raises(Conflict):
        points.accept_partner_invitation(shop=shop, invitation_id=body["id"])


def test_declined_invitation_leaves_nothing(shop, other_shop, other_token, cafe, owner_client):
    other = Client(headers={"Authorization": f"Bearer {other_token}"})
    invitation_id = partner_over_api(other, other_shop.slug, cafe.place_id).json()["id"]
    decline = f"/owner/s/{shop.slug}/area/invitations/{invitation_id}/decline/"
    assert owner_client.post(decline).status_code == 302
    assert pickup_models.PartnerInvitation.objects.get(pk=invitation_id).status == "declined"
    assert not PickupPoint.objects.filter(shop=other_shop, place=cafe.place).exists()
    page = owner_client.get(f"/owner/s/{shop.slug}/area/").content.decode()
    assert f"/invitations/{invitation_id}/" not in page


def test_only_the_cafe_owner_may_answer(shop, other_shop, token, other_token, cafe):
    other = Client(headers={"Authorization": f"Bearer {other_token}"})
    invitation_id = partner_over_api(other, other_shop.slug, cafe.place_id).json()["id"]
    # The asking shop cannot accept its own request, through the API or the services.
    own = other.post(f"/api/shops/{other_shop.slug}/partner-invitations/{invitation_id}/accept")
    assert own.status_code == 404 and own.json()["code"] == "invitation_not_found"
    with pytest.raises(NotFound):
        points.accept_partner_invitation(shop=other_shop, invitation_id=invitation_id)
    # Nor act for the café's shop with its own token.
    assert (
        other.post(f"/api/shops/{shop.slug}/partner-invitations/{invitation_id}/accept").status_code
        == 403
    )
    # A member of the asking shop cannot reach the owner's console form either.
    stranger = Client()
    stranger.force_login(factories.make_owner(other_shop, username="other-owner"))
    assert (
        stranger.post(f"/owner/s/{shop.slug}/area/invitations/{invitation_id}/accept/").status_code
        == 404
    )
    bad = Client(headers={"Authorization": f"Bearer {token}"}).post(
        f"/api/shops/{shop.slug}/partner-invitations/0/accept"
    )
    assert bad.status_code == 404
    assert not PickupPoint.objects.filter(shop=other_shop, place=cafe.place).exists()
    listed = (
        Client(headers={"Authorization": f"Bearer {token}"})
        .get(f"/api/shops/{shop.slug}/partner-invitations")
        .json()
    )
    assert [i["id"] for i in listed["incoming"]] == [invitation_id] and listed["outgoing"] == []


def test_partnering_own_unowned_or_jointly_run_places_is_direct(shop, other_shop, cafe):
    # A place with no owner (made before places had owners): direct, and the shop adopts it.
    loose = PickupPlace.objects.create(
        name="주인 없는 카페", lat=BETWEEN[0] + 0.001, lng=BETWEEN[1]
    )
    point = points.partner_place(shop=other_shop, place_id=loose.pk)
    assert isinstance(point, PickupPoint) and point.shop_id == other_shop.pk
    loose.refresh_from_db()
    assert loose.owner_shop_id == other_shop.pk
    # Someone who runs both shops is the café owner's consent.
    both = factories.make_owner(shop, username="both")
    Membership.objects.create(shop=other_shop, user=both, role=Membership.Role.OWNER)
    direct = points.partner_place(shop=other_shop, place_id=cafe.place_id, user=both)
    assert isinstance(direct, PickupPoint) and direct.place_id == cafe.place_id
    # A staff member of the café's shop is not.
    third = factories.make_shop(slug="third", name="셋째 가게", lat=37.565, lng=126.94)
    staff = factories.make_owner(shop, username="staff", role=Membership.Role.STAFF)
    Membership.objects.create(shop=third, user=staff, role=Membership.Role.OWNER)
    asked = points.partner_place(shop=third, place_id=cafe.place_id, user=staff)
    assert isinstance(asked, pickup_models.PartnerInvitation) and asked.is_pending
    with pytest.raises(Conflict):
        points.invite_partner(shop=shop, place_id=cafe.place_id)


def test_console_shows_pending_request_instead_of_the_button(shop, other_shop, cafe):
    other_owner = Client()
    other_owner.force_login(factories.make_owner(other_shop, username="other-owner"))
    area = f"/owner/s/{other_shop.slug}/area/"
    page = other_owner.get(area).content.decode()
    assert "두 가게 카페" in page and "수락 대기 중" not in page
    response = other_owner.post(f"{area}points/partner/", {"place_id": cafe.place_id}, follow=True)
    page = response.content.decode()
    assert "수락 대기 중" in page and "제휴를 요청했습니다" in page
    assert not PickupPoint.objects.filter(shop=other_shop, place=cafe.place).exists()


# --- editing a shared café ---------------------------------------------------------------


@pytest.fixture
def shared(shop, other_shop, cafe):
    """The café shared with the other shop, which has a window there and a reservation."""
    point = factories.make_cafe(other_shop, place=cafe.place)
    window = factories.make_window(point, "17:00", "19:00")
    return point, window


def test_partner_shop_cannot_rename_or_rehour_the_shared_cafe_in_admin(
    shop, other_shop, cafe, shared, clock
):
    point, window = shared
    client, _user = admin_client(other_shop, "partner-owner")
    url = f"/admin/pickup/pickupplace/{cafe.place_id}/change/"
    assert client.get(url).status_code == 200  # visible, read-only
    response = client.post(
        url,
        {
            "name": "내 카페로 바꿈",
            "address": "",
            "lat": BETWEEN[0],
            "lng": BETWEEN[1],
            "opening_hours": "",
            "opens_at": "08:00",
            "closes_at": "10:00",
            "contact": "",
            "handover_notes": "",
        },
    )
    assert response.status_code == 403
    place = PickupPlace.objects.get(pk=cafe.place_id)
    assert (place.name, place.closes_at) == ("두 가게 카페", time(22))
    with pytest.raises(PermissionDenied):
        points.edit_pickup_place(place_id=place.pk, user=_user, changes={"name": "몰래"})
    # The other shop's customers keep reserving their window.
    bread = factories.make_listing(other_shop, "소금빵", 10)
    made = reserve_over_api(other_shop.slug, bread, point.pk, window.pk)
    assert made.status_code == 201, made.content


def test_owner_edits_its_cafe_but_not_hours_that_break_a_partners_window(
    shop, other_shop, cafe, shared, clock
):
    point, window = shared
    client, _user = admin_client(shop, "cafe-owner")
    url = f"/admin/pickup/pickupplace/{cafe.place_id}/change/"
    fields = {
        "name": "두 가게 카페",
        "address": "",
        "lat": BETWEEN[0],
        "lng": BETWEEN[1],
        "opening_hours": "",
        "opens_at": "08:00",
        "closes_at": "16:00",
        "contact": "",
        "handover_notes": "",
    }
    refused = client.post(url, fields)
    assert refused.status_code == 200 and "17:00–19:00" in refused.content.decode()
    assert PickupPlace.objects.get(pk=cafe.place_id).closes_at == time(22)
    renamed = client.post(url, {**fields, "name": "골목 두 가게 카페", "closes_at": "21:00"})
    assert renamed.status_code == 302, renamed.content.decode()[:2000]
    place = PickupPlace.objects.get(pk=cafe.place_id)
    assert (place.name, place.closes_at) == ("골목 두 가게 카페", time(21))
    bread = factories.make_listing(other_shop, "소금빵", 10)
    assert reserve_over_api(other_shop.slug, bread, point.pk, window.pk).status_code == 201


# --- counters stay their shop's own ------------------------------------------------------


def test_admin_cannot_repoint_a_counter_or_add_points(shop, other_shop):
    client, _user = admin_client(other_shop, "partner-owner")
    mine = PickupPoint.objects.get(shop=other_shop, is_shop_counter=True)
    theirs = PickupPoint.objects.select_related("place").get(shop=shop, is_shop_counter=True)
    url = f"/admin/pickup/pickuppoint/{mine.pk}/change/"
    assert 'name="place"' not in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "shop": other_shop.pk,
            "place": theirs.place_id,
            "status": "active",
            "paused_reason": "",
            "position": 0,
        },
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.place_id != theirs.place_id and mine.shop_id == other_shop.pk
    added = client.post(
        "/admin/pickup/pickuppoint/add/",
        {
            "shop": other_shop.pk,
            "place": theirs.place_id,
            "status": "active",
            "paused_reason": "",
            "position": 1,
        },
    )
    assert added.status_code == 403
    assert not PickupPoint.objects.filter(shop=other_shop, place=theirs.place).exists()
    # Another shop's counter place is not even editable through the place form.
    place_url = f"/admin/pickup/pickupplace/{theirs.place_id}/change/"
    assert client.post(
        place_url, {"name": "빼앗은 매장", "lat": 37.5, "lng": 127.0}
    ).status_code in (302, 403, 404)
    assert PickupPlace.objects.get(pk=theirs.place_id).name == shop.name


def test_ensure_shop_counter_never_writes_to_another_shops_place(shop, other_shop):
    theirs = PickupPoint.objects.select_related("place").get(shop=shop, is_shop_counter=True)
    mine = PickupPoint.objects.get(shop=other_shop, is_shop_counter=True)
    # A row left pointing at the first shop's counter (as the old admin allowed).
    PickupPoint.objects.filter(pk=mine.pk).update(place=theirs.place)
    other_shop.phone = "02-000-0000"
    other_shop.save()  # the counter signal runs ensure_shop_counter
    place = PickupPlace.objects.get(pk=theirs.place_id)
    assert (place.name, place.lat, place.lng, place.contact) == (
        shop.name,
        shop.lat,
        shop.lng,
        shop.phone,
    )
    mine.refresh_from_db()
    assert mine.place_id != theirs.place_id
    own = PickupPlace.objects.get(pk=mine.place_id)
    assert (own.name, own.lat, own.owner_shop_id, own.contact) == (
        other_shop.name,
        other_shop.lat,
        other_shop.pk,
        "02-000-0000",
    )
    # A place another shop owns is not written either, even if nobody else uses it.
    foreign = PickupPlace.objects.create(name="남의 장소", lat=1, lng=1, owner_shop=shop)
    PickupPoint.objects.filter(pk=mine.pk).update(place=foreign)
    points.ensure_shop_counter(shop=other_shop)
    foreign.refresh_from_db()
    assert (foreign.name, foreign.lat) == ("남의 장소", 1)


def test_new_places_belong_to_the_shop_that_made_them(shop, cafe):
    counter = PickupPoint.objects.select_related("place").get(shop=shop, is_shop_counter=True)
    assert counter.place.owner_shop_id == shop.pk
    assert PickupPlace.objects.get(pk=cafe.place_id).owner_shop_id == shop.pk


def test_migration_gives_each_place_its_counter_shop_or_first_partner(shop, other_shop, cafe):
    shared_point = factories.make_cafe(other_shop, place=cafe.place)
    other_cafe = factories.make_cafe(other_shop, "다른 가게 카페")
    loose = PickupPlace.objects.create(name="아무도 안 쓰는 곳", lat=1, lng=1)
    PickupPlace.objects.update(owner_shop=None)
    migration = importlib.import_module(
        "pickup.migrations.0003_place_owner_and_partner_invitations"
    )
    migration.assign_owners(django_apps, None)
    owner_of = dict(PickupPlace.objects.values_list("pk", "owner_shop_id"))
    counters = PickupPoint.objects.filter(is_shop_counter=True)
    assert all(owner_of[p.place_id] == p.shop_id for p in counters)
    assert owner_of[shared_point.place_id] == shop.pk  # first offered by the first shop
    assert owner_of[other_cafe.place_id] == other_shop.pk
    assert owner_of[loose.pk] is None


def test_invitation_payload_names_the_owner(shop, other_shop, cafe):
    invitation = points.invite_partner(shop=other_shop, place_id=cafe.place_id)
    data = selectors.invitation_payload(invitation)
    assert data["owner_shop"] == shop.name and data["shop"] == other_shop.slug
    assert PickupWindow.objects.filter(pickup_point__shop=other_shop).count() == 0


def test_a_shop_cannot_move_a_place_another_shop_owns(shop, other_shop):
    # A café left with one partner but owned by another shop (e.g. its own point was removed).
    place = PickupPlace.objects.create(
        name="남의 카페", lat=BETWEEN[0], lng=BETWEEN[1], owner_shop=shop
    )
    point = PickupPoint.objects.create(shop=other_shop, place=place)
    with pytest.raises(Conflict) as excinfo:
        points.move_pickup_point(
            shop=other_shop, point_id=point.pk, lat=BETWEEN[0] + 0.001, lng=BETWEEN[1]
        )
    assert excinfo.value.code == "place_shared"
    place.refresh_from_db()
    assert place.lat == BETWEEN[0]


def test_admin_pauses_and_orders_points_through_the_services(shop, cafe):
    client, _user = admin_client(shop, "cafe-owner")
    url = f"/admin/pickup/pickuppoint/{cafe.pk}/change/"
    response = client.post(url, {"status": "paused", "paused_reason": "공사", "position": 7})
    assert response.status_code == 302
    cafe.refresh_from_db()
    assert (cafe.status, cafe.paused_reason, cafe.position) == ("paused", "공사", 7)
    assert (
        client.post(url, {"status": "active", "paused_reason": "", "position": 7}).status_code
        == 302
    )
    cafe.refresh_from_db()
    assert (cafe.status, cafe.paused_reason) == ("active", "")
