"""A shop's webhook endpoints: one function per thing the owner (or a token with
``webhooks:manage``) means to do. Each owns its transaction; sending is the worker's
(``integrations/delivery.py``), asked after the commit.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integrations import addresses
from integrations.models import Delivery, WebhookEndpoint
from integrations.outbox import wake
from shops.errors import Conflict, InvalidInput, NotFound
from shops.events import EVENT_TYPES
from shops.models import Shop

MAX_ENDPOINTS_PER_SHOP = 10
MAX_RESEND = 1000
MAX_OVERLAP_HOURS = 7 * 24

URL_MESSAGES = {
    "url_required": gettext_lazy("받을 주소(URL)를 입력해 주세요."),
    "invalid_url": gettext_lazy(
        "올바른 URL이 아닙니다. 예: https://pos.example.com/hooks/dongne5km"
    ),
    "https_required": gettext_lazy("웹훅 주소는 https://로 시작해야 합니다."),
    "address_not_allowed": gettext_lazy(
        "사설·내부 주소로는 보낼 수 없습니다. 인터넷에서 접속할 수 있는 주소를 입력해 주세요."
    ),
}


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def check_url(url: Any) -> str:
    try:
        addresses.parse(url, allow_insecure=settings.WEBHOOK_ALLOW_INSECURE)
    except addresses.Refused as refused:
        code = refused.code if refused.code in URL_MESSAGES else "invalid_url"
        raise InvalidInput(str(URL_MESSAGES[code]), code=code) from None
    return url.strip()


def check_events(events: Any) -> list[str]:
    if not isinstance(events, list | tuple) or not events:
        raise InvalidInput(_("받을 이벤트를 하나 이상 골라 주세요."), code="events_required")
    unknown = [e for e in events if e not in EVENT_TYPES]
    if unknown:
        raise InvalidInput(
            _("알 수 없는 이벤트입니다: %(events)s. 가능한 이벤트: %(known)s")
            % {"events": ", ".join(map(str, unknown))[:200], "known": ", ".join(EVENT_TYPES)},
            code="unknown_event",
        )
    return [e for e in EVENT_TYPES if e in events]


def _endpoint(shop: Shop, endpoint_id: int, *, lock: bool = False) -> WebhookEndpoint:
    rows = WebhookEndpoint.objects.filter(pk=endpoint_id, shop_id=shop.pk)
    if lock:
        rows = rows.select_for_update(of=("self",))
    endpoint = rows.first()
    if endpoint is None:
        raise NotFound(_("웹훅 주소를 찾을 수 없습니다."), code="webhook_not_found")
    return endpoint


def create_endpoint(*, shop: Shop, url: Any, events: Any) -> WebhookEndpoint:
    """A new endpoint; its ``secret`` is shown to the caller once (only here)."""
    url = check_url(url)
    events = check_events(events)
    with transaction.atomic():
        Shop.objects.select_for_update(of=("self",), no_key=True).filter(pk=shop.pk).first()
        if WebhookEndpoint.objects.filter(shop_id=shop.pk).count() >= MAX_ENDPOINTS_PER_SHOP:
            raise Conflict(
                _("웹훅 주소는 가게마다 %(max)d개까지 등록할 수 있습니다.")
                % {"max": MAX_ENDPOINTS_PER_SHOP},
                code="too_many_webhooks",
            )
        return WebhookEndpoint.objects.create(
            shop=shop, url=url, events=events, secret=new_secret()
        )


def delete_endpoint(*, shop: Shop, endpoint_id: int) -> None:
    """Nothing more is sent to it; its queue and log go with it."""
    with transaction.atomic():
        _endpoint(shop, endpoint_id, lock=True).delete()


def rotate_secret(
    *, shop: Shop, endpoint_id: int, overlap_hours: Any = None, now: datetime | None = None
) -> WebhookEndpoint:
    """A new secret (shown once); the old one keeps signing for ``overlap_hours`` so the
    receiver can switch without dropping a delivery (both ``v1,`` signatures are sent)."""
    if overlap_hours is None:
        overlap_hours = settings.WEBHOOK_SECRET_OVERLAP_HOURS
    if (
        isinstance(overlap_hours, bool)
        or not isinstance(overlap_hours, int)
        or not 0 <= overlap_hours <= MAX_OVERLAP_HOURS
    ):
        raise InvalidInput(
            _("겹쳐 쓰는 시간은 0~%(max)d시간 사이의 정수로 입력해 주세요.")
            % {"max": MAX_OVERLAP_HOURS},
            code="invalid_overlap",
        )
    now = now or timezone.now()
    with transaction.atomic():
        endpoint = _endpoint(shop, endpoint_id, lock=True)
        endpoint.previous_secret = endpoint.secret if overlap_hours else ""
        endpoint.previous_secret_until = (
            now + timedelta(hours=overlap_hours) if overlap_hours else None
        )
        endpoint.secret = new_secret()
        endpoint.save(
            update_fields=["secret", "previous_secret", "previous_secret_until", "updated_at"]
        )
    return endpoint


def pause_endpoint(*, shop: Shop, endpoint_id: int) -> WebhookEndpoint:
    """Stop sending for now; events keep queueing and go out, in order, on resume."""
    with transaction.atomic():
        endpoint = _endpoint(shop, endpoint_id, lock=True)
        if endpoint.status == WebhookEndpoint.Status.ACTIVE:
            endpoint.status = WebhookEndpoint.Status.PAUSED
            endpoint.save(update_fields=["status", "updated_at"])
    return endpoint


def resume_endpoint(*, shop: Shop, endpoint_id: int) -> WebhookEndpoint:
    """Send again (also after the endpoint was disabled for failing): what queued meanwhile
    goes out at once, in order."""
    now = timezone.now()
    with transaction.atomic():
        endpoint = _endpoint(shop, endpoint_id, lock=True)
        if endpoint.status != WebhookEndpoint.Status.ACTIVE:
            endpoint.status = WebhookEndpoint.Status.ACTIVE
            endpoint.disabled_at = None
            endpoint.disabled_reason = ""
            endpoint.save(update_fields=["status", "disabled_at", "disabled_reason", "updated_at"])
            Delivery.objects.filter(
                endpoint_id=endpoint.pk, status=Delivery.Status.PENDING, next_attempt_at__gt=now
            ).update(next_attempt_at=now)
        transaction.on_commit(partial(wake, (endpoint.pk,)), robust=True)
    return endpoint


def _copy(delivery: Delivery, now: datetime) -> Delivery:
    return Delivery(
        endpoint_id=delivery.endpoint_id,
        shop_id=delivery.shop_id,
        message_id=delivery.message_id,
        event_type=delivery.event_type,
        version=delivery.version,
        body=delivery.body,
        occurred_at=delivery.occurred_at,
        created_at=now,
        next_attempt_at=now,
        resend_of=delivery,
    )


def resend_delivery(*, shop: Shop, endpoint_id: int, delivery_id: int) -> Delivery:
    """ "다시 보내기": the same event (same ``webhook-id``, same body) queued again at the end."""
    now = timezone.now()
    with transaction.atomic():
        endpoint = _endpoint(shop, endpoint_id, lock=True)
        original = Delivery.objects.filter(pk=delivery_id, endpoint_id=endpoint.pk).first()
        if original is None:
            raise NotFound(_("전송 기록을 찾을 수 없습니다."), code="delivery_not_found")
        if original.status == Delivery.Status.PENDING:
            raise Conflict(
                _("아직 보내는 중인 이벤트입니다. 끝난 뒤에 다시 보낼 수 있습니다."),
                code="delivery_pending",
            )
        copy = _copy(original, now)
        copy.save()
        transaction.on_commit(partial(wake, (endpoint.pk,)), robust=True)
    return copy


def resend_since(*, shop: Shop, endpoint_id: int, since: Any) -> int:
    """ "다시 보내기" for every event sent (or given up) since ``since``, oldest first; how
    many were queued. Events still queued are not doubled."""
    if not isinstance(since, datetime):
        raise InvalidInput(_("언제부터 다시 보낼지 시각을 입력해 주세요."), code="invalid_since")
    if timezone.is_naive(since):
        since = timezone.make_aware(since)
    now = timezone.now()
    if since > now:
        raise InvalidInput(_("미래 시각부터는 다시 보낼 수 없습니다."), code="invalid_since")
    with transaction.atomic():
        endpoint = _endpoint(shop, endpoint_id, lock=True)
        originals = list(
            Delivery.objects.filter(
                endpoint_id=endpoint.pk, created_at__gte=since, resend_of__isnull=True
            )
            .exclude(status=Delivery.Status.PENDING)
            .order_by("id")[: MAX_RESEND + 1]
        )
        if len(originals) > MAX_RESEND:
            raise InvalidInput(
                _("한 번에 %(max)d건까지 다시 보낼 수 있습니다. 더 늦은 시각을 골라 주세요.")
                % {"max": MAX_RESEND},
                code="too_many_to_resend",
            )
        Delivery.objects.bulk_create([_copy(d, now) for d in originals])
        if originals:
            transaction.on_commit(partial(wake, (endpoint.pk,)), robust=True)
    return len(originals)
