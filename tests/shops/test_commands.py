from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from livestock.models import Listing
from shops.models import ApiToken, hash_token
from tests import factories

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_shop_token_prints_a_working_token_last():
    factories.make_listing(factories.make_shop(slug="mangwon-fruit"))
    output = run("shop_token", "mangwon-fruit")
    token = output.strip().splitlines()[-1]
    assert ApiToken.objects.filter(key_hash=hash_token(token)).exists()
    listing = Listing.objects.filter(shop__slug="mangwon-fruit").first()
    response = Client().post(
        f"/api/shops/mangwon-fruit/listings/{listing.pk}/stock",
        {"delta": 1},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200


def test_shop_token_for_unknown_shop_fails_clearly():
    with pytest.raises(CommandError, match="No shop"):
        run("shop_token", "nope")
