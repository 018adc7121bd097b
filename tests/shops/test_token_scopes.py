"""API tokens carry scopes: a call outside them is a 403 ``missing_scope``, nothing changes."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.test import Client

from shops import services
from shops.errors import InvalidInput, NotFound
from shops.models import ALL_SCOPES, ApiToken, TokenScope, hash_token

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def post_stock(shop, listing, raw, body=None):
    return Client().post(
        f"/api/shops/{shop.slug}/listings/{listing.pk}/stock",
        json.dumps(body or {"delta": -1}),
        content_type="application/json",
        headers=bearer(raw),
    )


def test_a_token_without_stock_write_cannot_change_a_count(shop, listing):
    _token, raw = services.issue_api_token(
        shop=shop, name="POS", scopes=[TokenScope.RESERVATIONS_READ]
    )
    response = post_stock(shop, listing, raw)
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "missing_scope" and body["scope"] == "stock:write"
    assert "stock:write" in body["detail"]
    listing.refresh_from_db()
    assert listing.available == 200


def test_a_token_with_stock_write_changes_a_count(shop, listing):
    _token, raw = services.issue_api_token(shop=shop, name="POS", scopes=["stock:write"])
    response = post_stock(shop, listing, raw)
    assert response.status_code == 200, response.content
    assert response.json()["available"] == 199


def test_a_call_naming_no_scope_needs_every_scope(shop):
    _token, raw = services.issue_api_token(shop=shop, name="POS", scopes=["stock:write"])
    response = Client().get(f"/api/shops/{shop.slug}/pickup-points", headers=bearer(raw))
    assert response.status_code == 403
    assert response.json() == {**response.json(), "code": "missing_scope", "scope": "*"}
    _token, full = services.issue_api_token(shop=shop, name="all", scopes=list(ALL_SCOPES))
    response = Client().get(f"/api/shops/{shop.slug}/pickup-points", headers=bearer(full))
    assert response.status_code == 200


def test_a_revoked_token_is_refused_at_once(shop, listing):
    token, raw = services.issue_api_token(shop=shop, name="POS", scopes=list(ALL_SCOPES))
    services.revoke_api_token(shop=shop, token_id=token.pk)
    assert post_stock(shop, listing, raw).status_code == 401
    again = services.revoke_api_token(shop=shop, token_id=token.pk)
    assert again.revoked_at == ApiToken.objects.get(pk=token.pk).revoked_at


def test_another_shops_token_cannot_be_revoked_from_here(shop, other_shop):
    token, _raw = services.issue_api_token(shop=other_shop, name="x", scopes=["stock:write"])
    with pytest.raises(NotFound):
        services.revoke_api_token(shop=shop, token_id=token.pk)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


@pytest.mark.parametrize(
    "scopes, code",
    [([], "scopes_required"), (None, "scopes_required"), (["stock:delete"], "unknown_scope")],
)
def test_bad_scopes_are_refused_and_nothing_is_stored(shop, scopes, code):
    with pytest.raises(InvalidInput) as refused:
        services.issue_api_token(shop=shop, name="POS", scopes=scopes)
    assert refused.value.code == code
    assert not ApiToken.objects.exists()


def test_a_token_name_goes_through_the_text_check(shop):
    with pytest.raises(InvalidInput):
        services.issue_api_token(shop=shop, name="x\x00y", scopes=["stock:write"])
    with pytest.raises(InvalidInput):
        services.issue_api_token(shop=shop, name="x" * 81, scopes=["stock:write"])


def test_scopes_are_kept_in_a_fixed_order(shop):
    token, _raw = services.issue_api_token(
        shop=shop, name="POS", scopes=["webhooks:manage", "stock:write"]
    )
    assert token.scopes == ["stock:write", "webhooks:manage"]


def test_shop_token_command_still_creates_a_full_scope_token(shop, capsys):
    call_command("shop_token", shop.slug)
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    assert token.scopes == list(ALL_SCOPES)
