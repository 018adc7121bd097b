"""The worker's side: send an endpoint's deliveries, one at a time, in order.

Ordering: an endpoint's deliveries go out in ``id`` order and a failed one blocks those after
it until it succeeds or is given up (head-of-line), so a receiver sees one shop's
``stock.changed`` events in version order. Stock and listing events are written while the
change holds the shop's row lock (the version bump), so their ids follow the shop's version.

One worker at a time per endpoint: it takes a lease (a conditional UPDATE of the endpoint
row, no transaction held across HTTP), renews it when a third of it has passed and gives it
back at the end; a worker killed mid-send leaves the lease to expire after ``LEASE_SECONDS`` and the sweep
sends the same delivery again (same ``webhook-id``: receivers de-duplicate by it).

Each attempt is signed with the Standard Webhooks reference library (``standardwebhooks``):
``webhook-id``, ``webhook-timestamp`` (the attempt's time, so a retry days later still
verifies within the receivers' tolerance) and ``webhook-signature: v1,<sig>`` — two
signatures while a rotated secret's overlap lasts.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from integrations import addresses, backoff
from integrations.models import Delivery, DeliveryAttempt, WebhookEndpoint
from shops.models import Shop
from shops.signals import owner_alert

logger = logging.getLogger(__name__)

RESPONSE_CAP_BYTES = 4096
USER_AGENT = "dongne5km-webhooks/1"
BATCH = 500  # deliveries one task sends before handing the endpoint to a fresh task


def lease_seconds() -> int:
    return 2 * settings.WEBHOOK_TIMEOUT_SECONDS + 30


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    latency_ms: int
    error: str = ""
    excerpt: str = ""


# --- signing and sending ----------------------------------------------------------------


def signature_header(
    endpoint: WebhookEndpoint, message_id: str, moment: datetime, body: str
) -> str:
    secrets = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_until
        and endpoint.previous_secret_until > moment
    ):
        secrets.append(endpoint.previous_secret)
    at = datetime.fromtimestamp(int(moment.timestamp()), tz=UTC)
    return " ".join(Webhook(s).sign(msg_id=message_id, timestamp=at, data=body) for s in secrets)


def signed_headers(
    endpoint: WebhookEndpoint, message_id: str, moment: datetime, body: str
) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature_header(endpoint, message_id, moment, body),
    }


_clients: dict[float, httpx.Client] = {}


def http_client() -> httpx.Client:
    """One pooled client per process (and timeout setting): no redirects followed, no
    proxies from the environment, a timeout for every phase."""
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    client = _clients.get(timeout)
    if client is None:
        client = _clients[timeout] = httpx.Client(
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5)),
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
        )
    return client


def post(url: str, body: str, headers: dict[str, str]) -> Outcome:
    """POST ``body`` to ``url`` from the outside world's point of view: the host is resolved
    and checked here, and the connection goes to that checked address (TLS still verifies
    the host name). Reads at most RESPONSE_CAP_BYTES of the answer, within the timeout."""
    allow_insecure = settings.WEBHOOK_ALLOW_INSECURE
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = addresses.parse(url, allow_insecure=allow_insecure)
        address = addresses.pick_address(target, allow_insecure=allow_insecure)
    except addresses.Refused as refused:
        return Outcome(False, None, took(), f"{refused.code}: {refused}"[:300])
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    deadline = started + settings.WEBHOOK_TIMEOUT_SECONDS
    try:
        with http_client().stream(
            "POST",
            target.url_for(address),
            content=body.encode(),
            headers={**headers, "host": target.host_header},
            extensions=extensions,
        ) as response:
            excerpt = bytearray()
            for chunk in response.iter_raw():
                excerpt.extend(chunk)
                if len(excerpt) >= RESPONSE_CAP_BYTES or time.monotonic() > deadline:
                    break
            ok = 200 <= response.status_code < 300
            return Outcome(
                ok,
                response.status_code,
                took(),
                "" if ok else f"HTTP {response.status_code}",
                bytes(excerpt[:500]).decode("utf-8", "replace"),
            )
    except httpx.TimeoutException:
        return Outcome(False, None, took(), "timeout")
    except httpx.HTTPError as error:
        return Outcome(False, None, took(), f"{type(error).__name__}: {error}"[:300])


# --- the lease --------------------------------------------------------------------------
#
# These run for every delivery, so they are single plain statements (the ORM's query
# building cost about as much CPU as signing and sending the webhook; bench/webhooks.py).

ENDPOINTS = WebhookEndpoint._meta.db_table
DELIVERIES = Delivery._meta.db_table
ACTIVE = WebhookEndpoint.Status.ACTIVE.value
PENDING = Delivery.Status.PENDING.value
SUCCEEDED = Delivery.Status.SUCCEEDED.value


def _when(moment: datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def _execute(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _acquire(endpoint_id: int) -> str | None:
    now = timezone.now()
    holder = uuid.uuid4().hex
    taken = _execute(
        f"UPDATE {ENDPOINTS} SET lease_until = %s, lease_holder = %s "
        "WHERE id = %s AND status = %s AND (lease_until IS NULL OR lease_until < %s)",
        [_when(now + timedelta(seconds=lease_seconds())), holder, endpoint_id, ACTIVE, _when(now)],
    )
    return holder if taken else None


def _renew(endpoint_id: int, holder: str) -> bool:
    until = timezone.now() + timedelta(seconds=lease_seconds())
    return bool(
        _execute(
            f"UPDATE {ENDPOINTS} SET lease_until = %s WHERE id = %s AND lease_holder = %s",
            [_when(until), endpoint_id, holder],
        )
    )


def _release(endpoint_id: int, holder: str) -> None:
    _execute(
        f"UPDATE {ENDPOINTS} SET lease_until = NULL, lease_holder = '' "
        "WHERE id = %s AND lease_holder = %s",
        [endpoint_id, holder],
    )


def has_due(endpoint_id: int, now: datetime | None = None) -> bool:
    """Whether the endpoint's first pending delivery is due (the ones behind it wait)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {DELIVERIES} WHERE id = (SELECT MIN(id) FROM {DELIVERIES} "
            "WHERE endpoint_id = %s AND status = %s) AND next_attempt_at <= %s",
            [endpoint_id, PENDING, _when(now or timezone.now())],
        )
        return cursor.fetchone() is not None


# --- one attempt ------------------------------------------------------------------------


def _record_successes(endpoint: WebhookEndpoint, sent: list[tuple[Delivery, datetime, Outcome]]):
    """Mark a run of successful attempts delivered, one UPDATE per row (a success needs no
    attempt row of its own: the Delivery keeps its time, code and latency)."""
    for d, at, outcome in sent:
        _execute(
            f"UPDATE {DELIVERIES} SET status = %s, attempts = %s, first_attempt_at = %s, "
            "last_attempt_at = %s, delivered_at = %s, last_status_code = %s, "
            "last_latency_ms = %s, last_error = '' WHERE id = %s AND status = %s",
            [
                SUCCEEDED,
                d.attempts + 1,
                _when(d.first_attempt_at or at),
                _when(at),
                _when(at),
                outcome.status_code,
                outcome.latency_ms,
                d.pk,
                PENDING,
            ],
        )
    sent.clear()


def _tell_the_owner_it_was_disabled(endpoint: WebhookEndpoint, at: datetime) -> None:
    shop = Shop.objects.only("slug").get(pk=endpoint.shop_id)
    owner_alert.send(
        sender=WebhookEndpoint,
        shop_id=endpoint.shop_id,
        key=f"webhook-disabled:{endpoint.pk}:{at.isoformat()}",
        title="연동 웹훅이 꺼졌어요",
        body=f"{endpoint.url[:80]} 주소가 3일 동안 응답하지 않아 보내기를 멈췄어요. "
        "콘솔의 연동 화면에서 확인하고 다시 보내 주세요.",
        path=reverse("owner:integrations", kwargs={"slug": shop.slug}),
    )


def _record_failure(endpoint: WebhookEndpoint, delivery: Delivery, at: datetime, outcome: Outcome):
    """Log the failed attempt and set when to try again; after the retry period, give the
    event up and disable the endpoint. Returns when to try again (None: given up)."""
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            endpoint=endpoint,
            attempted_at=at,
            succeeded=False,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            error=outcome.error[:300],
            response_excerpt=outcome.excerpt[:500],
        )
        first = delivery.first_attempt_at or at
        fields = {
            "attempts": delivery.attempts + 1,
            "first_attempt_at": first,
            "last_attempt_at": at,
            "last_status_code": outcome.status_code,
            "last_latency_ms": outcome.latency_ms,
            "last_error": outcome.error[:300],
        }
        retry_at = backoff.next_attempt(
            failures=delivery.attempts + 1,
            now=at,
            first_attempt=first,
            base_seconds=settings.WEBHOOK_RETRY_BASE_SECONDS,
            max_delay_seconds=settings.WEBHOOK_RETRY_MAX_DELAY_SECONDS,
            retry_for_seconds=settings.WEBHOOK_RETRY_FOR_SECONDS,
        )
        if retry_at is None:
            fields["status"] = Delivery.Status.FAILED
            disabled = (
                WebhookEndpoint.objects.filter(pk=endpoint.pk)
                .exclude(status=WebhookEndpoint.Status.DISABLED)
                .update(
                    status=WebhookEndpoint.Status.DISABLED,
                    disabled_at=at,
                    disabled_reason=f"{delivery.attempts + 1} attempts over "
                    f"{settings.WEBHOOK_RETRY_FOR_SECONDS // 3600} h; last: {outcome.error}"[:300],
                )
            )
            if disabled:
                _tell_the_owner_it_was_disabled(endpoint, at)
        else:
            fields["next_attempt_at"] = retry_at
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING).update(**fields)
    return retry_at


@dataclass
class Run:
    sent: int = 0
    succeeded: int = 0
    retry_at: datetime | None = None
    more: bool = False  # stopped at the limit with deliveries still due


PAGE = 50  # pending deliveries read at once


def deliver_endpoint(*, endpoint_id: int, limit: int = BATCH) -> Run:
    """Send this endpoint's due deliveries in order until one fails (it is retried later and
    the rest wait behind it) or none is due. Does nothing when another worker holds it.

    Pending deliveries are read a page at a time with their endpoint (a pause or a new
    secret takes effect at the next page); successes are logged per page. A worker killed
    mid-page sends that page's unlogged successes again (same ``webhook-id``)."""
    run = Run()
    while True:
        holder = _acquire(endpoint_id)
        if holder is None:
            return run
        renewed = time.monotonic()
        try:
            while run.sent < limit:
                page = list(
                    Delivery.objects.select_related("endpoint")
                    .filter(endpoint_id=endpoint_id, status=Delivery.Status.PENDING)
                    .order_by("id")[: min(PAGE, limit - run.sent)]
                )
                if not page or page[0].endpoint.status != WebhookEndpoint.Status.ACTIVE:
                    break
                endpoint = page[0].endpoint
                succeeded: list[tuple[Delivery, datetime, Outcome]] = []
                stopped = False
                try:
                    for head in page:
                        at = timezone.now()
                        if head.next_attempt_at > at:
                            run.retry_at = head.next_attempt_at
                            stopped = True
                            break
                        if time.monotonic() - renewed > lease_seconds() / 3:
                            if not _renew(endpoint_id, holder):
                                return run  # too slow: the new holder goes on from here
                            renewed = time.monotonic()
                        outcome = post(
                            endpoint.url,
                            head.body,
                            signed_headers(endpoint, head.message_id, at, head.body),
                        )
                        run.sent += 1
                        if outcome.ok:
                            run.succeeded += 1
                            succeeded.append((head, at, outcome))
                            continue
                        _record_successes(endpoint, succeeded)
                        run.retry_at = _record_failure(endpoint, head, at, outcome)
                        stopped = True
                        break
                finally:
                    _record_successes(endpoint, succeeded)
                if stopped or len(page) < PAGE:
                    break
        finally:
            _release(endpoint_id, holder)
        if run.sent >= limit:
            run.more = has_due(endpoint_id)
            return run
        # A delivery committed while we held the lease found it taken and left: look again.
        if not has_due(endpoint_id):
            return run


def due_endpoints(*, now: datetime | None = None, limit: int = 1000) -> list[int]:
    """Active endpoints with a due delivery and no live lease: what the sweep wakes up."""
    now = now or timezone.now()
    due = (
        Delivery.objects.filter(
            status=Delivery.Status.PENDING,
            next_attempt_at__lte=now,
            endpoint__status=WebhookEndpoint.Status.ACTIVE,
        )
        .filter(Q(endpoint__lease_until__isnull=True) | Q(endpoint__lease_until__lt=now))
        .values_list("endpoint_id", flat=True)
        .distinct()
    )
    return sorted(set(due[:limit]))


def prune_log(*, now: datetime | None = None) -> int:
    """Delete delivered and given-up deliveries (and their attempts) past WEBHOOK_LOG_DAYS."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_LOG_DAYS)
    return (
        Delivery.objects.exclude(status=Delivery.Status.PENDING)
        .filter(created_at__lt=cutoff)
        .delete()[0]
    )
