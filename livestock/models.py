from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from livestock.media import CONTENT_TYPES
from shops.models import Shop


def listing_media_path(instance: Listing, filename: str) -> str:
    """``listings/<shop>/<stamp>.<ext>``; the extension is the one the upload checks (and the
    storage, ``livestock.media.UploadStorage``) set from the file's content."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    return f"listings/{instance.shop_id}/{stamp}" + (f".{ext}" if ext in CONTENT_TYPES else "")


class Listing(models.Model):
    """One of today's arrivals: "단감 200팩". ``available`` is written only by the stock service."""

    class Status(models.TextChoices):
        ON_SALE = "on_sale", _("판매 중")
        SOLD_OUT = "sold_out", _("품절")
        ENDED = "ended", _("판매 종료")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="listings")
    name = models.CharField(_("상품명"), max_length=120)
    unit = models.CharField(_("단위"), max_length=20, default="개")
    available = models.PositiveIntegerField(_("남은 수량"), default=0, editable=False)
    price = models.PositiveIntegerField(_("가격(원)"))
    pickup_price = models.PositiveIntegerField(_("픽업 가격(원)"))
    photo = models.ImageField(_("사진"), upload_to=listing_media_path, blank=True)
    video = models.FileField(_("짧은 영상"), upload_to=listing_media_path, blank=True)
    # The resized copies of ``photo`` (livestock.images.variants), smallest first:
    # [{"name": <storage name>, "width": w, "height": h, "ext": "webp" | "jpg"}, ...].
    # Empty for a photo stored before they existed: pages then show ``photo`` itself.
    photo_variants = models.JSONField(default=list, blank=True, editable=False)
    staff_note = models.CharField(_("직원 한마디"), max_length=300, blank=True)
    is_active = models.BooleanField(_("판매 중"), default=True)
    max_per_customer = models.PositiveIntegerField(
        _("1인 최대 수량"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("한 사람이 한 번에 예약해 둘 수 있는 수량입니다. 비우면 기본값을 씁니다."),
    )
    arrived_at = models.DateTimeField(_("입고 시각"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("오늘 입고 상품")
        verbose_name_plural = _("오늘 입고 상품")
        ordering = ["-is_active", "-arrived_at", "id"]
        indexes = [models.Index(fields=["shop", "is_active"], name="listing_shop_active_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(available__gte=0), name="listing_available_gte_0"),
            models.CheckConstraint(
                condition=Q(pickup_price__lte=models.F("price")),
                name="listing_pickup_price_lte_price",
            ),
            models.CheckConstraint(
                condition=Q(max_per_customer__gte=1), name="listing_max_per_customer_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.available}{self.unit})"

    @property
    def status(self) -> str:
        if not self.is_active:
            return self.Status.ENDED
        if self.available <= 0:
            return self.Status.SOLD_OUT
        return self.Status.ON_SALE

    def _photo_srcset(self, ext: str) -> str:
        return ", ".join(
            f"{default_storage.url(v['name'])} {v['width']}w"
            for v in self.photo_variants
            if v.get("ext") == ext
        )

    @property
    def photo_srcset_webp(self) -> str:
        """``srcset`` of the WebP copies ("" when there are none)."""
        return self._photo_srcset("webp")

    @property
    def photo_srcset_jpg(self) -> str:
        """``srcset`` of the JPEG copies, the fallback for browsers without WebP."""
        return self._photo_srcset("jpg")

    @property
    def photo_card(self) -> dict | None:
        """The JPEG copy a card's ``src`` names (the smallest), with its width and height;
        None when the photo has no copies (then ``photo.url`` is the only file)."""
        jpgs = [v for v in self.photo_variants if v.get("ext") == "jpg"]
        if not jpgs:
            return None
        return {**jpgs[0], "url": default_storage.url(jpgs[0]["name"])}

    @property
    def per_customer_limit(self) -> int:
        """Units one customer may hold in open reservations: the owner's, or the default."""
        return self.max_per_customer or settings.PICKUP_MAX_UNITS_PER_CLIENT

    @property
    def discount(self) -> int:
        return self.price - self.pickup_price


class ListingOption(models.Model):
    """A way to buy a listing (소분): "반팩" takes 1 base unit, "1팩" takes 2."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("옵션 이름"), max_length=40)
    units = models.PositiveIntegerField(
        _("수량 단위 몇 개분"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("이 옵션 1개가 상품 수량 단위 몇 개인지 (예: 단위가 반팩이면 1팩은 2)"),
    )
    price = models.PositiveIntegerField(_("가격(원)"))
    pickup_price = models.PositiveIntegerField(_("픽업 가격(원)"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("옵션")
        verbose_name_plural = _("옵션")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(units__gte=1), name="option_units_gte_1"),
        ]

    def __str__(self) -> str:
        return self.label


class StockEvent(models.Model):
    """Append-only log of committed stock changes; ``version`` is per shop and gap-free.

    ``payload`` is the listing as customers saw it after the change, so a client that
    missed messages can be replayed exactly what it missed (``resync``).
    """

    class Reason(models.TextChoices):
        ARRIVAL = "arrival", _("입고 등록")
        RESTOCK = "restock", _("추가 입고")
        COUNTER_SALE = "counter_sale", _("매장 판매")
        SET = "set", _("수량 직접 입력")
        SOLD_OUT = "sold_out", _("품절 처리")
        ADJUST = "adjust", _("수량 조정")
        EDIT = "edit", _("상품 정보 수정")
        ENDED = "ended", _("판매 종료")
        RESERVED = "reserved", _("픽업 예약")
        RESERVATION_CANCELLED = "reservation_cancelled", _("예약 취소")
        NO_SHOW = "no_show", _("노쇼 반환")
        INTEGRATION = "integration", _("연동(POS 등)")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="stock_events")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="stock_events")
    version = models.PositiveBigIntegerField(_("버전"))
    delta = models.IntegerField(_("변동"))
    available_after = models.PositiveIntegerField(_("변경 후 수량"))
    reason = models.CharField(_("사유"), max_length=30, choices=Reason.choices)
    note = models.CharField(_("메모"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("처리자"),
    )
    actor_label = models.CharField(_("처리 경로"), max_length=80, blank=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(_("시각"), default=timezone.now)

    class Meta:
        verbose_name = _("재고 기록")
        verbose_name_plural = _("재고 기록")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "version"], name="stockevent_unique_version"),
        ]
        # The daily rollups (insights) read one shop's day of events.
        indexes = [models.Index(fields=["shop", "created_at"], name="stockevent_shop_created_idx")]

    def __str__(self) -> str:
        return f"v{self.version} {self.listing_id} {self.delta:+d}"
