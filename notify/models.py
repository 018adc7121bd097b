"""Web Push: the server's VAPID key, the browsers' subscriptions, what each one asked for
(follows, restock alerts, reservation and new-order pushes), the consent record, and the
pushes with one delivery row per (push, subscription) — the marker that keeps a restarted
worker from sending anything twice."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from livestock.models import Listing
from pickup.models import Reservation
from shops.models import Shop


def new_token() -> str:
    return secrets.token_urlsafe(24)


class VapidKey(models.Model):
    """The key pair generated once when ``WEB_PUSH_VAPID_PRIVATE_KEY`` is unset (one row)."""

    private_key = models.TextField(help_text="base64url raw P-256 private key")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"VAPID key {self.pk}"


class Subscription(models.Model):
    """One browser's push subscription (``PushSubscription.toJSON()``)."""

    endpoint = models.CharField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=40)
    # The site origin the browser subscribed on: push URLs are made absolute with it.
    origin = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("알림 구독")
        verbose_name_plural = _("알림 구독")

    def __str__(self) -> str:
        return self.endpoint[:60]

    def as_info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class Follow(models.Model):
    """단골: a device follows a shop's arrivals and/or restocks (advertising, opt-in)."""

    token = models.CharField(max_length=40, unique=True, default=new_token)
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="follows")
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="followers")
    arrivals = models.BooleanField(default=True)
    restock = models.BooleanField(default=True)
    # Separately agreed: advertising pushes between 21:00 and 08:00 too.
    night = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("단골 알림")
        verbose_name_plural = _("단골 알림")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "shop"], name="follow_one_per_shop")
        ]
        indexes = [
            models.Index(fields=["shop", "arrivals"]),
            models.Index(fields=["shop", "restock"]),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id} ← {self.token[:6]}"


class RestockAlert(models.Model):
    """ "다시 들어오면 알림": one push when the listing goes from 0 back above 0, then gone."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="restock_alerts"
    )
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="restock_alerts")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "listing"], name="restock_alert_one_per_listing"
            )
        ]

    def __str__(self) -> str:
        return f"restock {self.listing_id} → {self.subscription_id}"


class ReservationWatch(models.Model):
    """A customer's device hears of its reservation: ready, the reminder, cancelled by the shop."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="reservation_watches"
    )
    reservation = models.ForeignKey(Reservation, on_delete=models.CASCADE, related_name="+")
    reminded = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "reservation"], name="reservation_watch_once"
            )
        ]

    def __str__(self) -> str:
        return f"reservation {self.reservation_id} → {self.subscription_id}"


class StaffAlert(models.Model):
    """An owner's or staff member's phone opted in to "새 예약" for a shop."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="staff_alerts"
    )
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "shop"], name="staff_alert_once")
        ]

    def __str__(self) -> str:
        return f"new reservations of {self.shop_id} → {self.subscription_id}"


class Consent(models.Model):
    """The record of each advertising consent and its withdrawal (정보통신망법 §50): when,
    for which shop or listing, what was agreed. Kept after the follow itself is gone."""

    class Action(models.TextChoices):
        GRANTED = "granted", _("동의")
        CHANGED = "changed", _("변경")
        WITHDRAWN = "withdrawn", _("철회")

    endpoint_hash = models.CharField(max_length=64, db_index=True)
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    listing_id = models.IntegerField(null=True, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    topics = models.JSONField(default=list)
    night = models.BooleanField(default=False)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.action} {self.shop_id} {self.at:%Y-%m-%d %H:%M}"


class Push(models.Model):
    """One message to many devices."""

    class Kind(models.TextChoices):
        ARRIVAL = "arrival", _("오늘 입고")
        RESTOCK = "restock", _("재입고")
        READY = "ready", _("준비 완료")
        REMINDER = "reminder", _("수령 마감 알림")
        CANCELLED = "cancelled", _("가게 취소")
        NEW_RESERVATION = "new_reservation", _("새 예약")
        # A new review, an integration that gave up: to the phones that asked for owner alerts.
        OWNER_ALERT = "owner_alert", _("가게 알림")

    class State(models.TextChoices):
        # Not fanned out yet (an arrival waits here for more posts of the same minute).
        WAITING = "waiting", _("발송 전")
        FANNED_OUT = "fanned_out", _("발송 중")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    state = models.CharField(max_length=12, choices=State.choices, default=State.WAITING)
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    listing = models.ForeignKey(
        Listing, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reservation = models.ForeignKey(
        Reservation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the message says (see notify/messages.py); ``path`` is joined to each device's origin.
    data = models.JSONField(default=dict)
    due_at = models.DateTimeField(default=timezone.now)
    # One push per fact: "ready:<reservation id>", "restock:<listing>:<stock version>", …
    dedupe_key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["state", "due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "kind"],
                condition=models.Q(state="waiting", kind="arrival"),
                name="push_one_waiting_arrival_per_shop",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class Delivery(models.Model):
    """One push to one subscription. Its row is written before anything is sent and marked
    ``sent`` right after the push service accepts it, so nothing is sent twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("대기")
        SENT = "sent", _("보냄")
        FAILED = "failed", _("실패")
        # A night-held advertising push replaced by a newer one of the same shop.
        SUPERSEDED = "superseded", _("대체됨")

    push = models.ForeignKey(Push, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    not_before = models.DateTimeField(default=timezone.now)
    # A worker's claim: nobody else sends it until the lease ends (a crashed worker's does).
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["push", "subscription"], name="delivery_once")
        ]
        indexes = [models.Index(fields=["status", "not_before"])]

    def __str__(self) -> str:
        return f"{self.push_id} → {self.subscription_id}: {self.status}"
