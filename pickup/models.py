from __future__ import annotations

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from shops.models import Shop


def new_staff_token() -> str:
    return secrets.token_urlsafe(24)


class PickupPlace(models.Model):
    """A physical counter where orders are handed over: a partner café, or a shop's own.

    One place can partner with several shops, so neighbours collect orders from different
    shops at one counter.
    """

    name = models.CharField(_("이름"), max_length=80)
    address = models.CharField(_("주소"), max_length=200, blank=True)
    lat = models.FloatField(_("위도"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    lng = models.FloatField(_("경도"), validators=[MinValueValidator(-180), MaxValueValidator(180)])
    opening_hours = models.CharField(_("영업시간 안내"), max_length=200, blank=True)
    opens_at = models.TimeField(_("여는 시각"), null=True, blank=True)
    closes_at = models.TimeField(_("닫는 시각"), null=True, blank=True)
    contact = models.CharField(_("연락처"), max_length=40, blank=True)
    handover_notes = models.CharField(_("수령 안내"), max_length=300, blank=True)
    photo = models.ImageField(_("사진"), upload_to="places/", blank=True)
    staff_token = models.CharField(max_length=64, unique=True, default=new_staff_token,
                                   editable=False)
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
    status = models.CharField(_("상태"), max_length=10, choices=Status.choices,
                              default=Status.ACTIVE)
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
