"""A method a path of the API does not take is answered in the API's error shape, and HEAD is
answered as GET without the body (config.middleware.ApiMethodsMiddleware)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_method_the_path_does_not_take_is_a_json_405_that_names_the_ones_it_does(shop):
    response = Client().post(f"/api/shops/{shop.slug}", "{}", content_type="application/json")
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert body["code"] == "method_not_allowed"
    assert "POST" in body["detail"] and "GET" in body["detail"]
    assert body["allowed"] == ["GET", "HEAD"]
    assert response["Allow"] == "GET, HEAD"
    got = Client().get(f"/api/shops/{shop.slug}")
    for header in ("Content-Security-Policy", "X-Frame-Options", "Content-Language"):
        assert response[header] == got[header], header  # the headers every answer carries

    only_post = Client().get(f"/api/shops/{shop.slug}/follow")
    assert only_post.status_code == 405
    assert json.loads(only_post.content)["allowed"] == ["POST"]
    assert only_post["Allow"] == "POST"

    nearby = Client().delete("/api/shops/nearby?lat=37.5&lng=126.9")
    assert nearby.status_code == 405 and json.loads(nearby.content)["code"] == "method_not_allowed"


def test_the_405_follows_the_language(shop):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").put(f"/api/shops/{shop.slug}")
    assert response.status_code == 405
    assert json.loads(response.content)["detail"] == (
        "PUT requests are not accepted here. Accepted: GET, HEAD"
    )


def test_head_is_answered_as_get_without_the_body(shop, listing):
    client = Client()
    for path in (
        f"/api/shops/{shop.slug}",
        f"/api/shops/{shop.slug}/stock?since=0",
        f"/api/shops/nearby?lat={shop.lat}&lng={shop.lng}",
        "/api/shops/no-such-shop",
    ):
        got = client.get(path)
        head = client.head(path)
        assert head.status_code == got.status_code, path
        assert head.content == b""
        assert head["Content-Type"] == got["Content-Type"]
        assert int(head["Content-Length"]) == len(got.content) > 0, path
