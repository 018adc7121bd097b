from __future__ import annotations

import secrets
from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shops.models import Shop


def new_staff_token() -> str:
    return secrets.token_urlsafe(24)


class PickupPlace(models.Model):
    """A physical counter where orders are handed over: a partner café, or a shop's own.

    One place can partner with several shops, so neighbours collect orders from different
    shops at one counter. ``owner_shop`` is the shop that added it (for a counter, the shop
    itself): only that shop edits it, and another shop partners with it only once that shop
    accepts a ``PartnerInvitation``.
    """

    name = models.CharField(_("이름"), max_length=80)
    address = models.CharField(_("주소"), max_length=200, blank=True)
    lat = models.FloatField(_("위도"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    lng = models.FloatField(_("경도"), validators=[MinValueValidator(-180), MaxValueValidator(180)])
    opening_hours = models.CharField(_("영업시간 안내"), max_length=200, blank=True)
    opens_at = models.TimeField(_("여는 시각"), null=True, blank=True)
    closes_at = models.TimeField(_("닫는 시각"), null=True, blank=True)
    # Weekly hours in shops/calendar.py's shape; when unset, opens_at–closes_at every day.
    weekly_hours = models.JSONField(_("주간 영업시간"), null=True, blank=True)
    contact = models.CharField(_("연락처"), max_length=40, blank=True)
    handover_notes = models.CharField(_("수령 안내"), max_length=300, blank=True)
    photo = models.ImageField(_("사진"), upload_to="places/", blank=True)
    staff_token = models.CharField(
        max_length=64, unique=True, default=new_staff_token, editable=False
    )
    # The staff link /cafe/<staff_token>/ works only while this is on; the owning shop
    # renews it (a new token: the old link stops working) or turns it off from the console.
    staff_link_active = models.BooleanField(_("직원 링크 사용"), default=True, editable=False)
    owner_shop = models.ForeignKey(
        Shop,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_places",
        editable=False,
        verbose_name=_("관리하는 가게"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("픽업 장소")
        verbose_name_plural = _("픽업 장소")
        indexes = [models.Index(fields=["lat", "lng"], name="place_lat_lng_idx")]

    def __str__(self) -> str:
        return self.name


class PickupPoint(models.Model):
    """A shop's partnership with a place: where that shop's customers may pick up."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("운영 중")
        PAUSED = "paused", _("일시 중지")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="pickup_points")
    place = models.ForeignKey(PickupPlace, on_delete=models.PROTECT, related_name="partnerships")
    is_shop_counter = models.BooleanField(_("가게 매장"), default=False)
    status = models.CharField(
        _("상태"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    paused_reason = models.CharField(_("중지 사유"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("픽업 지점")
        verbose_name_plural = _("픽업 지점")
        ordering = ["-is_shop_counter", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "place"], name="pickuppoint_unique_shop_place"),
        ]

    def __str__(self) -> str:
        return f"{self.place.name} ({self.shop.name})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class PartnerInvitation(models.Model):
    """A shop asks to offer another shop's café as its pickup point too.

    Nothing is usable until the café's owning shop accepts: only then is the PickupPoint made.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("수락 대기")
        ACCEPTED = "accepted", _("수락됨")
        DECLINED = "declined", _("거절됨")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="partner_invitations")
    place = models.ForeignKey(PickupPlace, on_delete=models.CASCADE, related_name="invitations")
    status = models.CharField(
        _("상태"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("제휴 요청")
        verbose_name_plural = _("제휴 요청")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "place"],
                condition=models.Q(status="pending"),
                name="partnerinvitation_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop} → {self.place} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


ALL_WEEKDAYS = 0b1111111


class PickupWindow(models.Model):
    """A time slot at a pickup point in which orders can be collected ("12:00–14:00").

    Windows repeat on their weekdays; a reservation is for one window on one date.
    ``capacity`` caps how many reservations one window takes on one date (a café shelf holds
    only so much).
    """

    pickup_point = models.ForeignKey(PickupPoint, on_delete=models.CASCADE, related_name="windows")
    starts_at = models.TimeField(_("시작"))
    ends_at = models.TimeField(_("끝"))
    capacity = models.PositiveIntegerField(
        _("최대 예약 수"), null=True, blank=True, help_text=_("비워 두면 제한 없음")
    )
    # The weekdays the window is offered, one bit per day from Monday (bit 0) to Sunday.
    weekdays = models.PositiveSmallIntegerField(_("요일"), default=ALL_WEEKDAYS)
    is_active = models.BooleanField(_("사용"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("픽업 시간대")
        verbose_name_plural = _("픽업 시간대")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="pickupwindow_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["pickup_point", "starts_at", "ends_at"], name="pickupwindow_unique_slot"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    @property
    def label(self) -> str:
        return str(self)

    def offered_on(self, day) -> bool:
        return bool(self.weekdays & (1 << day.weekday()))

    @property
    def every_day(self) -> bool:
        return self.weekdays == ALL_WEEKDAYS

    def weekday_numbers(self) -> list[int]:
        return [d for d in range(7) if self.weekdays & (1 << d)]


class PlaceClosure(models.Model):
    """A one-off closed date of a pickup place (the café's own 임시 휴무)."""

    place = models.ForeignKey(PickupPlace, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField(_("휴무일"))
    reason = models.CharField(_("휴무 사유"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("픽업 장소 휴무")
        verbose_name_plural = _("픽업 장소 휴무")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["place", "date"], name="placeclosure_unique_date"),
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.date}"


def new_reservation_token() -> str:
    return secrets.token_urlsafe(24)


class ReservationQuerySet(models.QuerySet):
    def open(self) -> ReservationQuerySet:
        """Reservations still waiting for pickup: they hold their stock."""
        return self.filter(status__in=Reservation.OPEN_STATUSES)

    def taken(self) -> ReservationQuerySet:
        """Reservations that hold a place in their pickup window (collected ones included)."""
        return self.filter(status__in=Reservation.TAKEN_STATUSES)


class Reservation(models.Model):
    """A customer's pickup reservation. Its stock was taken through the stock service."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("예약 확정")
        READY = "ready", _("준비 완료")
        PICKED_UP = "picked_up", _("수령 완료")
        CANCELLED = "cancelled", _("취소됨")
        NO_SHOW = "no_show", _("미수령(노쇼)")

    # Waiting for pickup: these hold stock.
    OPEN_STATUSES = (Status.CONFIRMED, Status.READY)
    # These hold a place in their pickup window: the open ones and the collected ones.
    TAKEN_STATUSES = (*OPEN_STATUSES, Status.PICKED_UP)
    FINAL_STATUSES = (Status.PICKED_UP, Status.CANCELLED, Status.NO_SHOW)

    class CancelledBy(models.TextChoices):
        CUSTOMER = "customer", _("손님")
        SHOP = "shop", _("가게")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="reservations")
    listing = models.ForeignKey(
        "livestock.Listing", on_delete=models.PROTECT, related_name="reservations"
    )
    option = models.ForeignKey(
        "livestock.ListingOption",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reservations",
    )
    item_name = models.CharField(_("상품"), max_length=200)
    quantity = models.PositiveIntegerField(_("수량"))
    units = models.PositiveIntegerField(_("차감 수량"))
    unit_price = models.PositiveIntegerField(_("픽업가(원)"))
    total_price = models.PositiveIntegerField(_("결제 예정 금액(원)"))
    pickup_point = models.ForeignKey(
        PickupPoint, on_delete=models.PROTECT, related_name="reservations"
    )
    window = models.ForeignKey(
        PickupWindow, on_delete=models.SET_NULL, null=True, blank=True, related_name="reservations"
    )
    date = models.DateField(_("수령일"))
    pickup_starts_at = models.DateTimeField(_("수령 시작"))
    pickup_ends_at = models.DateTimeField(_("수령 마감"))
    name = models.CharField(_("이름"), max_length=40)
    phone = models.CharField(_("전화번호"), max_length=20, blank=True)
    phone_consent = models.BooleanField(_("전화번호 보관 동의"), default=False)
    phone_erased_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        _("상태"), max_length=12, choices=Status.choices, default=Status.CONFIRMED
    )
    token = models.CharField(
        max_length=64, unique=True, default=new_reservation_token, editable=False
    )
    code = models.CharField(_("수령 코드"), max_length=12)
    units_returned = models.PositiveIntegerField(_("재고 반환 수량"), default=0)
    cancel_reason = models.CharField(_("취소 사유"), max_length=200, blank=True)
    cancelled_by = models.CharField(max_length=10, choices=CancelledBy.choices, blank=True)
    created_at = models.DateTimeField(_("예약 시각"), default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(_("종료 시각"), null=True, blank=True)
    # The customer page's stream version: one more per committed change of this reservation.
    version = models.PositiveIntegerField(default=1)
    # Who holds how much of a listing (pickup/clients.py): keyed hashes of the device cookie
    # and of the network address, kept only while the reservation is open.
    client_device = models.CharField(max_length=64, blank=True, editable=False)
    client_network = models.CharField(max_length=64, blank=True, editable=False)
    # Repeat customers without keeping who they are (docs/privacy.md): a keyed hash of the
    # phone (pickup.clients.customer_key), erased together with the phone; and whether, when
    # this reservation was made, the same customer had already picked up an order here.
    customer_key = models.CharField(max_length=64, blank=True, editable=False)
    returning_customer = models.BooleanField(_("재구매 손님"), default=False, editable=False)

    objects = ReservationQuerySet.as_manager()

    class Meta:
        verbose_name = _("예약")
        verbose_name_plural = _("예약")
        ordering = ["pickup_starts_at", "id"]
        indexes = [
            models.Index(fields=["shop", "date"], name="reservation_shop_date_idx"),
            models.Index(fields=["status", "pickup_ends_at"], name="reservation_open_due_idx"),
            models.Index(fields=["phone", "shop"], name="reservation_phone_idx"),
            models.Index(fields=["shop", "customer_key"], name="reservation_customer_idx"),
            # The "1인 최대" limits count what a device or a network holds at the shop.
            models.Index(fields=["shop", "client_device"], name="reservation_device_idx"),
            models.Index(fields=["shop", "client_network"], name="reservation_network_idx"),
            # The daily rollups (insights) read one shop's day by when things happened.
            models.Index(fields=["shop", "created_at"], name="reservation_shop_created_idx"),
            models.Index(fields=["shop", "ended_at"], name="reservation_shop_ended_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["shop", "code"], name="reservation_unique_code"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="reservation_quantity_gte_1"
            ),
            models.CheckConstraint(
                condition=models.Q(units_returned__lte=models.F("units")),
                name="reservation_returned_lte_units",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.item_name} ×{self.quantity}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def owner_may_call(self, today: date) -> bool:
        """The owner sees the full number (and a call button) only while it is needed: an
        open reservation for today (Asia/Seoul) whose number has not been erased."""
        return self.is_open and self.date == today and bool(self.phone) and not self.phone_erased_at

    @property
    def group_name(self) -> str:
        return f"reservation.{self.pk}"


class ReservationFeed(models.Model):
    """The version of one live reservation feed: a shop's owner feed (``shop:<id>``) or a
    pickup place's café feed (``place:<id>``). It grows by exactly one per committed change
    of a reservation on that feed; its row is locked last in any transaction, after every
    domain row, so it never takes part in a lock cycle."""

    key = models.CharField(max_length=40, unique=True)
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"


class ReservationEvent(models.Model):
    """One committed change on a reservation feed, kept a short while so a page that missed
    it can catch up (like livestock's StockEvent). ``payload`` is the staff view."""

    feed = models.CharField(max_length=40)
    version = models.PositiveBigIntegerField()
    reservation = models.ForeignKey(Reservation, on_delete=models.CASCADE, related_name="+")
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["feed", "version"], name="reservation_event_version"),
        ]
        indexes = [models.Index(fields=["created_at"], name="reservation_event_created_idx")]

    def __str__(self) -> str:
        return f"{self.feed} v{self.version}"
