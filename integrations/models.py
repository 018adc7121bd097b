"""Webhook endpoints of a shop, the outbox of deliveries to them, and every attempt made.

A ``Delivery`` is one event for one endpoint. It is written by the outbox receiver
(``integrations/outbox.py``) inside the transaction of the change it describes, so a change
that rolls back leaves none and a committed change always has one for every endpoint that
listens. The worker (``integrations/delivery.py``) sends an endpoint's deliveries one at a
time in ``id`` order; a Delivery carries its last attempt (status, time, response code, latency) and
``DeliveryAttempt`` keeps every failed one: the log the console and the API show.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shops.models import Shop


class WebhookEndpoint(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("사용 중")
        PAUSED = "paused", _("일시 중지")
        DISABLED = "disabled", _("실패로 꺼짐")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.CharField(_("받을 주소"), max_length=2000)
    events = models.JSONField(_("이벤트"), default=list)
    # Signing keys ("whsec_" + base64). Kept readable: the worker signs with them.
    secret = models.CharField(max_length=100, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # A worker sending to this endpoint holds it until then (renewed per delivery); a worker
    # killed mid-send leaves it to expire, and the sweep picks the endpoint up again.
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    lease_holder = models.CharField(max_length=40, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("웹훅 주소")
        verbose_name_plural = _("웹훅 주소")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url

    def listens_to(self, event_type: str) -> bool:
        return event_type in (self.events or ())


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("보내는 중")
        SUCCEEDED = "succeeded", _("성공")
        FAILED = "failed", _("실패 (포기)")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    # The ``webhook-id``: the same on every attempt (and on a manual resend) of one event.
    message_id = models.CharField(max_length=40, db_index=True)
    event_type = models.CharField(max_length=40)
    version = models.BigIntegerField(null=True, blank=True)
    # The exact body signed and sent on every attempt.
    body = models.TextField()
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    resend_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("웹훅 전송")
        verbose_name_plural = _("웹훅 전송")
        indexes = [
            models.Index(fields=["endpoint", "status", "id"], name="delivery_queue_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id} ({self.status})"


class DeliveryAttempt(models.Model):
    """A failed attempt (a success is recorded on its Delivery: status, time, code, latency),
    so the log shows every try of an event that had trouble."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="attempt_log"
    )
    attempted_at = models.DateTimeField()
    succeeded = models.BooleanField(default=False)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("웹훅 전송 시도")
        verbose_name_plural = _("웹훅 전송 시도")
        indexes = [
            models.Index(fields=["endpoint", "-attempted_at"], name="attempt_endpoint_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.attempted_at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"
