"""The consent record and follows in the admin: shown, never added, edited or deleted."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from notify.models import Consent

pytestmark = pytest.mark.django_db


def test_the_consent_record_is_read_only(shop):
    Consent.objects.create(endpoint_hash="0" * 64, shop=shop, action="granted", topics=["arrivals"])
    admin = get_user_model().objects.create_superuser("root", password="pw-for-tests-1")
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/notify/consent/")
    assert page.status_code == 200 and shop.name in page.content.decode()
    assert client.get("/admin/notify/consent/add/").status_code == 403
    assert client.get("/admin/notify/follow/").status_code == 200
    assert client.get("/admin/notify/push/").status_code == 200
    row = Consent.objects.get()
    client.post(f"/admin/notify/consent/{row.pk}/delete/", {"post": "yes"})
    assert Consent.objects.filter(pk=row.pk).exists()
