from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Cast, Floor
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shops.geo import LAT_BAND_DEG, MAX_RADIUS_M, MIN_RADIUS_M, polygon_hash

# The radius limits are the service area's own (shops.geo validates every input against them).
MIN_SERVICE_RADIUS_M = MIN_RADIUS_M
MAX_SERVICE_RADIUS_M = MAX_RADIUS_M
DEFAULT_SERVICE_RADIUS_M = 5_000

RESERVED_SLUGS = {"nearby", "new", "admin", "api", "owner", "static", "media"}

slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    _("주소 이름은 영문 소문자, 숫자, 하이픈(-)으로 2~50자여야 합니다."),
)


class ShopQuerySet(models.QuerySet):
    """Keeps ``service_polygon_hash`` right on the bulk paths that skip ``Shop.save()``, so no
    shop's cached geometry goes stale (``lat_band`` needs nothing: the database computes it)."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.fill_polygon_hash()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs, fields = list(objs), set(fields)
        if "service_polygon" in fields:
            for obj in objs:
                obj.fill_polygon_hash()
            fields.add("service_polygon_hash")
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        if "service_polygon" in kwargs and "service_polygon_hash" not in kwargs:
            kwargs["service_polygon_hash"] = polygon_hash(kwargs["service_polygon"])
        return super().update(**kwargs)


class Shop(models.Model):
    slug = models.SlugField(_("주소 이름"), max_length=50, unique=True, validators=[slug_validator])
    name = models.CharField(_("가게 이름"), max_length=80)
    address = models.CharField(_("주소"), max_length=200, blank=True)
    lat = models.FloatField(
        _("위도"), validators=[MinValueValidator(-90), MaxValueValidator(90)], db_index=True
    )
    lng = models.FloatField(
        _("경도"), validators=[MinValueValidator(-180), MaxValueValidator(180)], db_index=True
    )
    service_radius_m = models.PositiveIntegerField(
        _("서비스 반경(m)"),
        default=DEFAULT_SERVICE_RADIUS_M,
        validators=[
            MinValueValidator(MIN_SERVICE_RADIUS_M),
            MaxValueValidator(MAX_SERVICE_RADIUS_M),
        ],
    )
    service_polygon = models.JSONField(
        _("서비스 구역 다각형(GeoJSON)"),
        null=True,
        blank=True,
        help_text=_("비워 두면 반경 원 전체가 서비스 구역입니다."),
    )
    # Fingerprint of service_polygon ('' for none): keys cached geometries in the nearby search
    # without loading every candidate's polygon.
    service_polygon_hash = models.CharField(max_length=16, blank=True, default="", editable=False)
    # shops.geo.lat_band(lat), computed by the database on every write (bulk paths and
    # update() included): leads the nearby search's index (see shops.selectors.nearby_shops).
    lat_band = models.GeneratedField(
        expression=Cast(Floor(F("lat") / Value(LAT_BAND_DEG)), models.SmallIntegerField()),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    notice = models.CharField(
        _("안내 배너"), max_length=200, blank=True, help_text=_("예: 동네 5km 픽업 할인")
    )
    return_policy = models.TextField(_("교환·환불 안내"), blank=True)
    response_hours = models.CharField(_("문의 응답 시간"), max_length=100, blank=True)
    opening_hours = models.CharField(_("영업시간"), max_length=200, blank=True)
    phone = models.CharField(_("가게 전화"), max_length=20, blank=True)
    kakao_channel_url = models.URLField(_("카카오톡 채널"), blank=True)
    naver_url = models.URLField(_("네이버 링크"), blank=True)
    stock_version = models.PositiveBigIntegerField(_("재고 버전"), default=0, editable=False)
    # Grows with every change to what the public pages show besides stock (details, pickup
    # points, calendar, reviews, reservations leaving a window); with stock_version it keys
    # the cached public answers (storefront/page_cache.py).
    page_version = models.PositiveBigIntegerField(_("공개 화면 버전"), default=0, editable=False)
    is_active = models.BooleanField(_("운영 중"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ShopQuerySet.as_manager()

    class Meta:
        verbose_name = _("가게")
        verbose_name_plural = _("가게")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["lat", "lng"], name="shop_lat_lng_idx"),
            # Covers the nearby search's first query, id included, so it is an index-only scan.
            models.Index(
                fields=["lat_band", "lng", "lat", "service_radius_m", "id"], name="shop_area_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(service_radius_m__gte=MIN_SERVICE_RADIUS_M)
                & Q(service_radius_m__lte=MAX_SERVICE_RADIUS_M),
                name="shop_service_radius_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    # Counters only ever moved by an UPDATE … SET n = n + 1; a save of an instance read
    # earlier must not write its stale copy back over a newer value.
    COUNTERS = frozenset({"stock_version", "page_version"})

    def save(self, *args, **kwargs) -> None:
        self.fill_polygon_hash()
        update_fields = kwargs.get("update_fields")
        if update_fields is None and not self._state.adding and not kwargs.get("force_insert"):
            deferred = self.get_deferred_fields()
            update_fields = kwargs["update_fields"] = [
                f.attname
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in self.COUNTERS and f.attname not in deferred
            ]
        if update_fields is not None and "service_polygon" in update_fields:
            kwargs["update_fields"] = {*update_fields, "service_polygon_hash"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("shops:shop_page", kwargs={"slug": self.slug})

    def fill_polygon_hash(self) -> None:
        # A SHA-1 of canonical JSON has no portable SQL form, so this one stays in Python.
        self.service_polygon_hash = polygon_hash(self.service_polygon)

    @property
    def group_name(self) -> str:
        return f"shop.{self.pk}"


class ServiceAreasVersion(models.Model):
    """One row whose ``value`` grows, in the same transaction, with every change to where
    shops serve: a shop added or removed, moved, its radius or polygon changed, opened or
    closed. Database triggers move it (migration 0011), so every write path does, the bulk
    and raw ones included. A nearby search found at one value finds the same shops while the
    value stays, which lets a repeat ask for the found shops' versions instead of searching
    (``storefront.page_cache.FoundNearby``); writers take the row's lock, so the values
    follow the order in which the changes commit."""

    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("서비스 구역 버전")
        verbose_name_plural = _("서비스 구역 버전")

    def __str__(self) -> str:
        return str(self.value)


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("사장님")
        MANAGER = "manager", _("매니저")
        STAFF = "staff", _("직원")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_memberships"
    )
    role = models.CharField(_("역할"), max_length=10, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("구성원")
        verbose_name_plural = _("구성원")
        constraints = [
            models.UniqueConstraint(fields=["shop", "user"], name="membership_unique_user_shop")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.shop} ({self.get_role_display()})"


TOKEN_PREFIX = "d5k_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class TokenScope(models.TextChoices):
    """What an API token may do. A token carries a list of them; the console and the
    ``shop_token`` command give new tokens every scope unless told otherwise."""

    STOCK_WRITE = "stock:write", _("재고·상품 쓰기")
    RESERVATIONS_READ = "reservations:read", _("예약 보기")
    RESERVATIONS_WRITE = "reservations:write", _("예약 처리")
    WEBHOOKS_MANAGE = "webhooks:manage", _("웹훅 관리")


ALL_SCOPES: tuple[str, ...] = tuple(TokenScope.values)


def all_scopes() -> list[str]:
    return list(ALL_SCOPES)


class ApiToken(models.Model):
    """A shop's integration credential. Only the SHA-256 of the token is stored.

    ``scopes`` lists what it may do (``TokenScope``); a call outside them is a 403
    ``missing_scope``. Calls that name no scope (the shop's settings: pickup points, the
    service area, hours) need a token holding every scope.
    """

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("이름"), max_length=80, default="integration")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("앞자리"), max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("폐기 시각"), null=True, blank=True)
    scopes = models.JSONField(_("권한"), default=all_scopes)

    class Meta:
        verbose_name = _("API 토큰")
        verbose_name_plural = _("API 토큰")

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def issue(
        cls, shop: Shop, name: str = "integration", scopes: tuple[str, ...] | list[str] = ALL_SCOPES
    ) -> tuple[ApiToken, str]:
        """A new token with ``scopes`` (each a ``TokenScope`` value); the raw token is
        returned once and never stored."""
        unknown = set(scopes) - set(ALL_SCOPES)
        if unknown:
            raise ValueError(f"unknown token scopes {sorted(unknown)}")
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            shop=shop,
            name=name,
            key_hash=hash_token(raw),
            hint=raw[:10],
            scopes=[scope for scope in ALL_SCOPES if scope in scopes],
        )
        return token, raw

    def allows(self, scope: str | None) -> bool:
        """Whether this token may make a call needing ``scope`` (None: every scope)."""
        held = set(self.scopes or ())
        if scope is None:
            return held >= set(ALL_SCOPES)
        return scope in held


class ShareChannel(models.TextChoices):
    """Where a shared link was passed on; the ``?ref=`` value of the link."""

    KAKAO = "kakao", _("카카오톡")
    NAVER = "naver", _("네이버")
    COPY = "copy", _("링크 복사")
    QR = "qr", _("QR 포스터")
    SHARE = "share", _("휴대폰 공유")
    OTHER = "other", _("기타")


class ShareStat(models.Model):
    """Per shop, day and channel: visits that came through a shared link, and the
    reservations those visitors made. Counters only; nothing about the visitor is kept."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="share_stats")
    day = models.DateField(_("날짜"))
    channel = models.CharField(_("공유 경로"), max_length=10, choices=ShareChannel.choices)
    visits = models.PositiveIntegerField(_("방문"), default=0)
    reservations = models.PositiveIntegerField(_("예약"), default=0)

    class Meta:
        verbose_name = _("공유 유입")
        verbose_name_plural = _("공유 유입")
        ordering = ["-day", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "day", "channel"], name="sharestat_unique_shop_day_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop} {self.day} {self.channel}"


class IdempotencyRecord(models.Model):
    """A write retried with the same ``Idempotency-Key`` (shops/idempotency.py): the key, a
    fingerprint of the request, and only what the replay needs (never personal data)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=60)
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    response = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "scope", "key"], name="idempotency_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class ShopCalendar(models.Model):
    """A shop's weekly opening hours (shops/calendar.py's shape, ``None`` until the owner
    sets them: then the shop takes pickups any day). Its row is also the shop calendar's
    lock: a reservation holds it shared while it checks the day is open, and closing a day
    holds it exclusively (see the lock order in pickup/services/__init__.py)."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="calendar")
    weekly = models.JSONField(_("주간 영업시간"), null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("영업시간")
        verbose_name_plural = _("영업시간")

    def __str__(self) -> str:
        return f"{self.shop} hours"


class ShopClosure(models.Model):
    """A one-off closed date of a shop (임시 휴무, 명절), with a reason shown to customers."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField(_("휴무일"))
    reason = models.CharField(_("휴무 사유"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("임시 휴무")
        verbose_name_plural = _("임시 휴무")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "date"], name="shopclosure_unique_date"),
        ]

    def __str__(self) -> str:
        return f"{self.shop} {self.date}"


class ShopDetailChange(models.Model):
    """Who changed what the shop page says about the shop (shops.services.update_shop_details),
    and when: each changed field's text before and after. Written only by that service."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="detail_changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("바꾼 사람"),
    )
    # The name at the time, kept when the account is gone.
    changed_by_name = models.CharField(_("바꾼 사람 이름"), max_length=150, blank=True)
    # {"notice": {"before": "...", "after": "..."}, ...}: only the fields that changed.
    changes = models.JSONField(_("바뀐 내용"))
    changed_at = models.DateTimeField(_("바꾼 시각"), default=timezone.now)

    class Meta:
        verbose_name = _("가게 안내 변경 기록")
        verbose_name_plural = _("가게 안내 변경 기록")
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["shop", "-changed_at"], name="shopdetailchange_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.shop} {self.changed_at:%Y-%m-%d %H:%M}"

    @property
    def field_labels(self) -> list[str]:
        """The changed fields as the console names them ("안내 배너")."""
        return [str(Shop._meta.get_field(name).verbose_name) for name in self.changes]
