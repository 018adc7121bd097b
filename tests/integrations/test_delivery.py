"""The outbox and the worker against a real loopback receiver that fails on demand."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from integrations import addresses, delivery, services, tasks
from integrations.models import Delivery, DeliveryAttempt, WebhookEndpoint
from livestock import services as stock
from shops.signals import owner_alert
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(clock, monkeypatch):
    """The app's clock, also for the reference library's timestamp tolerance check."""
    import standardwebhooks.webhooks as reference

    class ClockDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return clock.now.astimezone(tz)

    monkeypatch.setattr(reference, "datetime", ClockDatetime)
    return clock


def change(shop, listing, delta, commit):
    """A stock change, committed: its on-commit callbacks (the worker's wake-up) run."""
    with commit(execute=True):
        stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=delta, reason="counter_sale")


def verified(endpoint, item) -> dict:
    return Webhook(endpoint.secret).verify(item.body, item.headers)


def test_every_event_arrives_signed_in_version_order(
    shop, endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        listing = factories.make_listing(shop, "단감", available=100)
    for _ in range(5):
        change(shop, listing, -1, django_capture_on_commit_callbacks)
    kinds = [json.loads(r.body)["type"] for r in receiver.received]
    assert kinds == ["stock.changed", "listing.created"] + ["stock.changed"] * 5
    stock_events = [verified(endpoint, r) for r in receiver.received if b"stock.changed" in r.body]
    assert [e["data"]["version"] for e in stock_events] == [1, 2, 3, 4, 5, 6]
    assert [e["data"]["available"] for e in stock_events] == [100, 99, 98, 97, 96, 95]
    first = stock_events[0]
    assert set(first) == {"type", "timestamp", "data"}
    assert first["data"]["shop"] == shop.slug and first["data"]["listing_id"] == listing.pk
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(set(ids)) == len(ids) and all(i.startswith("msg_") for i in ids)
    assert all(r.headers["webhook-signature"].startswith("v1,") for r in receiver.received)
    assert Delivery.objects.filter(status="succeeded").count() == 7
    assert set(Delivery.objects.values_list("last_status_code", flat=True)) == {200}
    assert not DeliveryAttempt.objects.exists()  # only failures get attempt rows


def test_a_tampered_body_or_a_wrong_secret_does_not_verify(shop, listing, endpoint, receiver):
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)  # nothing due: the listing came first
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    [item] = receiver.received
    assert verified(endpoint, item)["type"] == "stock.changed"
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(item.body.replace(b"199", b"999"), item.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(services.new_secret()).verify(item.body, item.headers)


def test_a_rolled_back_change_sends_nothing(shop, listing, endpoint, receiver):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")
        1 / 0  # noqa: B018
    assert not Delivery.objects.exists()
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    assert receiver.received == []


def test_503_is_retried_with_the_same_id_and_later_events_wait_behind_it(
    shop, listing, endpoint, receiver, clock, django_capture_on_commit_callbacks
):
    receiver.fail_next("503", "503")
    change(shop, listing, -1, django_capture_on_commit_callbacks)  # version 2: fails
    change(shop, listing, -1, django_capture_on_commit_callbacks)  # version 3: waits
    assert len(receiver.received) == 1  # the second never went ahead of the first
    head, behind = Delivery.objects.order_by("id")
    assert head.status == "pending" and head.attempts == 1 and head.last_status_code == 503
    wait = (head.next_attempt_at - clock.now).total_seconds()
    assert 30 * 0.75 <= wait < 30 * 1.25
    assert behind.attempts == 0
    clock.now = head.next_attempt_at
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)  # 503 again
    head.refresh_from_db()
    assert head.attempts == 2
    assert 60 * 0.75 <= (head.next_attempt_at - clock.now).total_seconds() < 60 * 1.25
    clock.now = head.next_attempt_at
    run = delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    assert run.succeeded == 2
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert ids[0] == ids[1] == ids[2] != ids[3]
    versions = [json.loads(b)["data"]["version"] for b in receiver.accepted_bodies()]
    assert versions == [2, 3]  # each id accepted once, in version order


@pytest.mark.parametrize("mode, error", [("slow_headers", "timeout"), ("close", "Error")])
def test_timeouts_and_dropped_connections_are_failures_that_retry(
    shop, listing, endpoint, receiver, clock, mode, error
):
    receiver.fail_next(mode)
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    head = Delivery.objects.get()
    assert head.status == "pending" and head.attempts == 1
    assert error in head.last_error and head.last_status_code is None
    clock.now = head.next_attempt_at
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    head.refresh_from_db()
    assert head.status == "succeeded"
    assert len(set(receiver.accepted_ids)) == 1


def test_a_closed_port_is_a_failure_that_retries(shop, listing, clock, closed_port):
    endpoint = services.create_endpoint(
        shop=shop, url=f"http://127.0.0.1:{closed_port}/x", events=["stock.changed"]
    )
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    head = Delivery.objects.get()
    assert head.status == "pending" and "ConnectError" in head.last_error


def test_a_slow_body_is_cut_short_and_a_2xx_counts(shop, listing, endpoint, receiver):
    receiver.fail_next("slow_body")
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    sent = Delivery.objects.get()
    assert sent.status == "succeeded" and sent.last_status_code == 200
    assert sent.last_latency_ms < 5000  # read within the timeout, not to the end


def test_a_redirect_is_not_followed(shop, listing, endpoint, receiver):
    receiver.fail_next("302")
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    head = Delivery.objects.get()
    assert head.status == "pending" and head.last_status_code == 302
    assert len(receiver.received) == 1


def test_a_task_that_crashes_mid_send_loses_nothing(shop, listing, endpoint, receiver, monkeypatch):
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")

    def crash(*args, **kwargs):
        raise RuntimeError("worker died")

    monkeypatch.setattr(delivery, "post", crash)
    with pytest.raises(RuntimeError):
        tasks.deliver_webhooks.call_local(endpoint.pk)
    head = Delivery.objects.get()
    assert head.status == "pending" and head.attempts == 0
    monkeypatch.undo()
    assert tasks.sweep_webhooks.call_local() == 1
    head.refresh_from_db()
    assert head.status == "succeeded"
    assert len(receiver.received) == 1


def test_a_worker_killed_while_holding_the_endpoint_is_taken_over_after_its_lease(
    shop, listing, endpoint, receiver, clock
):
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")
    # A worker took the endpoint and was killed before it sent or let go.
    assert delivery._acquire(endpoint.pk) is not None
    assert delivery.deliver_endpoint(endpoint_id=endpoint.pk).sent == 0
    assert delivery.due_endpoints() == []
    clock.now += timedelta(seconds=delivery.lease_seconds() + 1)
    assert delivery.due_endpoints() == [endpoint.pk]
    assert tasks.sweep_webhooks.call_local() == 1
    assert Delivery.objects.get().status == "succeeded"
    assert len(receiver.received) == 1


def test_loopback_is_refused_unless_insecure_is_allowed(shop, receiver, listing, settings):
    endpoint = services.create_endpoint(shop=shop, url=receiver.url, events=["stock.changed"])
    settings.WEBHOOK_ALLOW_INSECURE = False
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    head = Delivery.objects.get()
    assert head.status == "pending" and "https_required" in head.last_error
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        url=f"https://127.0.0.1:{receiver.port}/hooks"
    )
    head.next_attempt_at = timezone.now()
    head.save()
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    head.refresh_from_db()
    assert "address_not_allowed" in head.last_error
    assert receiver.received == []


def test_a_name_resolving_to_a_private_address_at_delivery_time_is_refused(
    shop, listing, settings, monkeypatch
):
    settings.WEBHOOK_ALLOW_INSECURE = False
    endpoint = services.create_endpoint(
        shop=shop, url="https://pos.example.com/hooks", events=["stock.changed"]
    )
    asked: list[str] = []

    def rebinding(host, port):
        asked.append(host)
        return ["93.184.215.14", "10.0.0.7"]  # one public answer, one inside

    monkeypatch.setattr(addresses, "resolve", rebinding)
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    head = Delivery.objects.get()
    assert asked == ["pos.example.com"]
    assert head.status == "pending" and "address_not_allowed" in head.last_error
    assert DeliveryAttempt.objects.get().status_code is None


def test_the_connection_goes_to_the_checked_address_with_the_name_as_host(
    shop, receiver, listing, monkeypatch
):
    endpoint = services.create_endpoint(
        shop=shop, url=f"http://pos.test:{receiver.port}/hooks?shop=1", events=["stock.changed"]
    )
    monkeypatch.setattr(addresses, "resolve", lambda host, port: ["127.0.0.1"])
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    [item] = receiver.received
    assert item.headers["host"] == f"pos.test:{receiver.port}"
    assert item.path == "/hooks?shop=1"


def test_three_days_of_failure_gives_up_and_disables_the_endpoint(
    shop, listing, endpoint, receiver, clock
):
    alerts: list[dict] = []

    def heard(sender, **kwargs):
        alerts.append(kwargs)

    owner_alert.connect(heard, dispatch_uid="test-owner-alert")
    try:
        _give_up_after_three_days(shop, listing, endpoint, receiver, clock, alerts)
    finally:
        owner_alert.disconnect(dispatch_uid="test-owner-alert")


def _give_up_after_three_days(shop, listing, endpoint, receiver, clock, alerts):
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")
    started = clock.now
    receiver.fail_next(*["503"] * 100)
    for _ in range(100):
        delivery.deliver_endpoint(endpoint_id=endpoint.pk)
        head = Delivery.objects.order_by("id").first()
        if head.status != "pending":
            break
        assert head.next_attempt_at <= started + timedelta(days=3)
        clock.now = head.next_attempt_at
    endpoint.refresh_from_db()
    assert head.status == "failed"
    assert endpoint.status == "disabled" and endpoint.disabled_reason
    # The owner is told once, with the console page that shows it.
    assert [(a["shop_id"], a["path"]) for a in alerts] == [
        (shop.pk, f"/owner/s/{shop.slug}/integrations/")
    ]
    assert clock.now == started + timedelta(days=3)
    assert 10 <= head.attempts <= 25
    assert Delivery.objects.order_by("id").last().status == "pending"  # kept for later
    # The owner turns it back on once the receiver works: the rest goes out.
    receiver.plan.clear()
    services.resume_endpoint(shop=shop, endpoint_id=endpoint.pk)
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    assert Delivery.objects.order_by("id").last().status == "succeeded"


def test_a_paused_endpoint_queues_and_sends_in_order_on_resume(
    shop, listing, endpoint, receiver, django_capture_on_commit_callbacks
):
    services.pause_endpoint(shop=shop, endpoint_id=endpoint.pk)
    for _ in range(3):
        change(shop, listing, -1, django_capture_on_commit_callbacks)
    assert receiver.received == [] and Delivery.objects.filter(status="pending").count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        services.resume_endpoint(shop=shop, endpoint_id=endpoint.pk)
    versions = [json.loads(r.body)["data"]["version"] for r in receiver.received]
    assert versions == [2, 3, 4]


def test_a_rotated_secret_signs_alongside_the_old_one_during_the_overlap(
    shop, listing, endpoint, receiver, clock
):
    old = endpoint.secret
    rotated = services.rotate_secret(shop=shop, endpoint_id=endpoint.pk, overlap_hours=2)
    assert rotated.secret != old and rotated.secret.startswith("whsec_")
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    item = receiver.received[-1]
    assert item.headers["webhook-signature"].count("v1,") == 2
    assert Webhook(old).verify(item.body, item.headers)
    assert Webhook(rotated.secret).verify(item.body, item.headers)
    clock.now += timedelta(hours=2, seconds=1)
    stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    item = receiver.received[-1]
    assert item.headers["webhook-signature"].count("v1,") == 1
    Webhook(rotated.secret).verify(item.body, item.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(item.body, item.headers)


def test_resend_one_and_everything_since_keep_the_webhook_id(
    shop, listing, endpoint, receiver, clock
):
    first_at = clock.now
    for _ in range(3):
        stock.adjust_stock(shop=shop, listing_id=listing.pk, delta=-1, reason="counter_sale")
        clock.now += timedelta(minutes=10)
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    originals = list(Delivery.objects.order_by("id"))
    services.resend_delivery(shop=shop, endpoint_id=endpoint.pk, delivery_id=originals[0].pk)
    assert (
        services.resend_since(
            shop=shop, endpoint_id=endpoint.pk, since=first_at + timedelta(minutes=5)
        )
        == 2
    )
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    ids = [r.headers["webhook-id"] for r in receiver.received]
    o = [d.message_id for d in originals]
    assert ids == [o[0], o[1], o[2], o[0], o[1], o[2]]
    assert receiver.received[3].body == receiver.received[0].body


def test_events_not_subscribed_and_other_shops_are_not_sent(
    shop, other_shop, listing, endpoint, receiver, clock
):
    other_listing = factories.make_listing(other_shop, "사과")
    stock.adjust_stock(
        shop=other_shop, listing_id=other_listing.pk, delta=-1, reason="counter_sale"
    )
    stock.end_listing(shop=shop, listing_id=listing.pk)  # listing.ended: not subscribed
    kinds = list(Delivery.objects.values_list("event_type", flat=True))
    assert kinds == ["stock.changed"]


def test_reservation_events_carry_the_point_of_sale_view(shop, listing, endpoint, receiver, clock):
    point = factories.make_cafe(shop, "골목 카페")
    r = factories.make_reservation(shop, listing, point, phone="010-1234-5678")
    from pickup.services import reservations

    reservations.mark_ready(shop=shop, reservation_id=r.pk)
    delivery.deliver_endpoint(endpoint_id=endpoint.pk)
    events = [verified(endpoint, item) for item in receiver.received]
    assert [e["type"] for e in events] == [
        "stock.changed",
        "reservation.created",
        "reservation.ready",
    ]
    ready = events[-1]["data"]
    assert ready["id"] == r.pk and ready["status"] == "ready"
    assert ready["phone"] == "010-****-5678" and "token" not in ready


def test_a_reservation_reads_the_shops_endpoints_once_for_its_two_events(
    shop, listing, endpoint, receiver, clock
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    point = factories.make_cafe(shop, "골목 카페")
    with CaptureQueriesContext(connection) as queries:
        factories.make_reservation(shop, listing, point)
    endpoint_reads = [q for q in queries if "integrations_webhookendpoint" in q["sql"]]
    assert len(endpoint_reads) == 1
    assert list(Delivery.objects.order_by("pk").values_list("event_type", flat=True)) == [
        "stock.changed",
        "reservation.created",
    ]
