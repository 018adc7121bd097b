"""The OpenAPI document an integrator reads at /api/docs: every operation's bodies are typed,
every error status it can give is declared with the shared error schema, and the typed
responses put exactly the bytes on the wire that the payload functions build."""

from __future__ import annotations

import json
from datetime import time
from typing import Any

import pytest
from django.test import Client, RequestFactory

from config.api import api
from livestock.payloads import listing_payload
from livestock.services import OptionSpec
from pickup import selectors as pickup_selectors
from pickup.models import Reservation
from pickup.payloads import reservation_payload
from tests import factories

pytestmark = pytest.mark.django_db

ERROR_STATUSES = {"400", "401", "403", "404", "409", "413", "422", "429"}


@pytest.fixture
def document() -> dict[str, Any]:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def is_typed(doc: dict[str, Any], schema: dict[str, Any]) -> bool:
    """A schema says what it holds: properties, typed items, alternatives or a type; not
    ``{}`` nor only ``additionalProperties``."""
    schema = resolve(doc, schema)
    if "anyOf" in schema or "oneOf" in schema or "allOf" in schema:
        return True
    if schema.get("type") == "array":
        return is_typed(doc, schema.get("items", {}))
    if schema.get("type") == "object" or "additionalProperties" in schema:
        return bool(schema.get("properties"))
    return "type" in schema


def operations(doc: dict[str, Any]):
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def body_schema(part: dict[str, Any]) -> dict[str, Any] | None:
    content = part.get("content", {})
    return content.get("application/json", {}).get("schema")


def test_every_request_and_response_body_is_typed(document):
    untyped = []
    for name, operation in operations(document):
        if "requestBody" in operation:
            schema = body_schema(operation["requestBody"])
            if schema is None or not is_typed(document, schema):
                untyped.append(f"{name} request")
        for status, response in operation["responses"].items():
            if status == "204" and "content" not in response:
                continue  # No Content: there is no body to type
            schema = body_schema(response)
            if schema is None or not is_typed(document, schema):
                untyped.append(f"{name} {status}")
    assert untyped == []


def test_every_operation_declares_its_errors_with_the_error_schema(document):
    error = document["components"]["schemas"]["ErrorOut"]
    assert error["properties"]["code"]["type"] == "string"
    assert error["properties"]["detail"]["type"] == "string"
    assert set(error["required"]) == {"code", "detail"}
    for name, operation in operations(document):
        errors = {s: r for s, r in operation["responses"].items() if s in ERROR_STATUSES}
        assert errors, f"{name} declares no error status"
        for status, response in errors.items():
            assert body_schema(response) == {"$ref": "#/components/schemas/ErrorOut"}, (
                name,
                status,
            )
            # The description names the codes that come with each declared status.
            assert f"- {status}: `" in operation["description"], (name, status)
        if "requestBody" in operation:
            assert {"400", "422"} <= set(errors), name
        if operation.get("security"):
            assert {"401", "403"} <= set(errors), name


def test_key_operations_declare_the_statuses_they_give(document):
    paths = document["paths"]
    reserve = paths["/api/shops/{slug}/reservations"]["post"]
    assert {"201", "400", "404", "409", "413", "422", "429"} <= set(reserve["responses"])
    assert "`limit_per_customer`" in reserve["description"]
    assert "`limit_per_network`" in reserve["description"]
    partner = paths["/api/shops/{slug}/pickup-points/partner"]["post"]["responses"]
    assert body_schema(partner["201"]) == {"$ref": "#/components/schemas/PickupPointOut"}
    assert body_schema(partner["202"]) == {"$ref": "#/components/schemas/InvitationOut"}


def field_types(document, name: str) -> dict[str, Any]:
    schema = document["components"]["schemas"][name]
    return {
        key: value.get("type")
        or [resolve(document, v).get("type", v.get("$ref")) for v in value.get("anyOf", [])]
        or value.get("$ref")
        for key, value in schema["properties"].items()
    }


def test_listing_and_reservation_list_their_fields_with_types(document):
    listing = field_types(document, "ListingOut")
    assert listing["id"] == "integer" and listing["name"] == "string"
    assert listing["available"] == "integer" and listing["price"] == "integer"
    assert listing["max_per_customer"] == "integer"
    assert listing["photo_url"] == ["string", "null"]
    assert listing["options"] == "array"
    option = document["components"]["schemas"]["ListingOut"]["properties"]["options"]["items"]
    assert resolve(document, option)["properties"]["units"]["type"] == "integer"

    reservation = field_types(document, "ReservationOut")
    for key in ("token", "code", "status", "item_name", "phone_masked", "url"):
        assert reservation[key] == "string", key
    for key in ("quantity", "units", "unit_price", "total_price"):
        assert reservation[key] == "integer", key
    assert reservation["shop"] == "#/components/schemas/ReservationShopOut"
    assert reservation["window"] == ["object", "null"]
    assert field_types(document, "ReservationCreatedOut")["replayed"] == "boolean"
    point = field_types(document, "PickupPointOut")
    assert point["lat"] == ["number", "integer"] and point["is_shop_counter"] == "boolean"


# --- the wire stays the same -----------------------------------------------------------


def untyped_bytes(data: Any) -> bytes:
    """What the API sent for ``data`` before it had response schemas."""
    return api.renderer.render(RequestFactory().get("/"), data, response_status=200).encode()


def test_shop_detail_and_stock_poll_bytes_are_the_payloads(shop, clock):
    listing = factories.make_listing(shop, options=[OptionSpec("한 상자", 10, 50000, 45000)])
    point = factories.make_cafe(shop, opens_at=time(8), closes_at=time(22))
    near = (point.place.lat, point.place.lng)

    response = Client().get(f"/api/shops/{shop.slug}", {"lat": near[0], "lng": near[1]})
    assert response.status_code == 200
    data = json.loads(response.content)
    assert "distance_m" in data["pickup_points"][0] and data["listings"][0]["options"]
    assert "distance_m" not in data["listings"][0]
    assert list(data) == list(json.loads(untyped_bytes(data)))
    assert response.content == untyped_bytes(data)
    assert data["listings"] == [listing_payload(listing)]

    polled = Client().get(f"/api/shops/{shop.slug}/stock")
    assert polled.status_code == 200
    assert json.loads(polled.content)["listings"] == [listing_payload(listing)]
    assert polled.content == untyped_bytes(json.loads(polled.content))


def test_reservation_and_stock_write_bytes_are_the_payloads(shop, api, clock):
    listing = factories.make_listing(shop)
    point = factories.make_cafe(shop, opens_at=time(8), closes_at=time(22))
    lunch = factories.make_window(point, "12:00", "14:00", capacity=3)
    body = {
        "listing_id": listing.pk,
        "quantity": 1,
        "pickup_point_id": point.pk,
        "pickup_window": lunch.pk,
        "name": "김동네",
        "phone": "010-1234-5678",
    }
    created = Client().post(
        f"/api/shops/{shop.slug}/reservations", json.dumps(body), content_type="application/json"
    )
    assert created.status_code == 201, created.content
    reservation = Reservation.objects.get()
    assert created.content == untyped_bytes({**reservation_payload(reservation), "replayed": False})

    fetched = Client().get(f"/api/reservations/{reservation.token}")
    assert fetched.content == untyped_bytes(reservation_payload(reservation))

    changed = api.post(
        f"/api/shops/{shop.slug}/listings/{listing.pk}/stock",
        json.dumps({"delta": -1}),
        content_type="application/json",
    )
    assert changed.status_code == 200
    data = json.loads(changed.content)
    assert list(data) == ["available", "version", "listing_id", "replayed"]
    assert changed.content == untyped_bytes(data)


def test_pickup_point_bytes_keep_distance_only_when_measured(shop, api):
    created = api.post(
        f"/api/shops/{shop.slug}/pickup-points",
        json.dumps({"name": "카페 새벽", "lat": shop.lat + 0.001, "lng": shop.lng}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    data = json.loads(created.content)
    assert list(data)[-2:] == ["distance_m", "distance_text"]
    assert created.content == untyped_bytes(data)

    listed = api.get(f"/api/shops/{shop.slug}/pickup-points")
    points = json.loads(listed.content)
    assert all("distance_m" not in p for p in points)
    expected = [
        pickup_selectors.pickup_point_payload(p) for p in pickup_selectors.owner_pickup_points(shop)
    ]
    assert listed.content == untyped_bytes(expected)
