"""Admin for pickup places and points, scoped to the owner's shops.

Saving goes through the same service-area check as the console and the API, so a café
outside the area is refused here with the same message and distance.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from livestock import media
from pickup.codes import mask_phone
from pickup.models import (
    ALL_WEEKDAYS,
    PickupPlace,
    PickupPoint,
    PickupWindow,
    PlaceClosure,
    Reservation,
)
from pickup.services import points
from pickup.services.windows import window_within_hours
from shops.admin import ReadOnlyAdminMixin, ShopScopedAdmin
from shops.auth import MANAGING_ROLES, shops_for_user
from shops.errors import DomainError
from shops.selectors import weekday_names
from shops.services import check_in_service_area


class PickupPointAdminForm(forms.ModelForm):
    """Only the partnership's own settings. Its shop and place are fixed once made: a point is
    never repointed at another place (least of all a counter at another shop's counter)."""

    class Meta:
        model = PickupPoint
        fields = ("status", "paused_reason", "position")

    def clean(self):
        data = super().clean()
        point = self.instance
        if point.pk is None:
            return data
        if point.is_shop_counter and data.get("status") != PickupPoint.Status.ACTIVE:
            raise forms.ValidationError(_("가게 매장 픽업은 중지할 수 없습니다."))
        if data.get("status") == PickupPoint.Status.ACTIVE and not point.is_shop_counter:
            try:
                check_in_service_area(point.shop, point.place.lat, point.place.lng)
            except DomainError as exc:
                raise forms.ValidationError(exc.detail, code=exc.code) from None
        return data


@admin.register(PickupPoint)
class PickupPointAdmin(ShopScopedAdmin):
    """Points are made in the console or the API (new café, or partnering one with its
    owner's consent); here an owner pauses, resumes and orders them, through the services."""

    form = PickupPointAdminForm
    list_display = ("place", "shop", "is_shop_counter", "status", "position")
    list_filter = ("status", "is_shop_counter")
    search_fields = ("place__name", "place__address", "shop__name")
    fields = (
        "shop",
        "place",
        "is_shop_counter",
        "status",
        "paused_reason",
        "position",
        "created_at",
    )
    readonly_fields = ("shop", "place", "is_shop_counter", "created_at")
    list_select_related = ("place", "shop")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Points are paused, not deleted: reservations may point at them.
        return request.user.is_superuser

    def save_model(self, request: HttpRequest, obj: PickupPoint, form, change: bool) -> None:
        try:
            if "status" in form.changed_data or "paused_reason" in form.changed_data:
                if obj.status == PickupPoint.Status.PAUSED:
                    points.pause_pickup_point(
                        shop=obj.shop, point_id=obj.pk, reason=obj.paused_reason
                    )
                else:
                    points.resume_pickup_point(shop=obj.shop, point_id=obj.pk)
            if "position" in form.changed_data:
                obj.save(update_fields=["position"])
        except DomainError as exc:
            self.message_user(request, exc.detail, messages.ERROR)


class PickupPlaceAdminForm(forms.ModelForm):
    class Meta:
        model = PickupPlace
        fields = (
            "name",
            "address",
            "lat",
            "lng",
            "opening_hours",
            "opens_at",
            "closes_at",
            "contact",
            "handover_notes",
            "photo",
        )

    def clean_photo(self):
        return media.form_check(self.cleaned_data.get("photo"), media.check_photo)

    def clean(self):
        data = super().clean()
        if self.instance.pk and not self.errors:
            changes = {name: data.get(name) for name in self.changed_data}
            try:
                points.check_place_changes(place=self.instance, changes=changes)
            except DomainError as exc:
                raise forms.ValidationError(exc.detail, code=exc.code) from None
        return data


@admin.register(PickupPlace)
class PickupPlaceAdmin(ShopScopedAdmin):
    """A place is visible to an owner when one of their shops partners with it; it is edited
    only by the shop that owns it (a partner shop sees it read-only)."""

    form = PickupPlaceAdminForm
    shop_path = "partnerships__shop"
    list_display = ("name", "address", "lat", "lng", "opening_hours", "owner_shop")
    search_fields = ("name", "address")
    readonly_fields = ("owner_shop",)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).distinct()

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser:
            return True
        return points.place_editable_by(
            place=obj,
            shop_ids=shops_for_user(request.user, MANAGING_ROLES).values_list("pk", flat=True),
        )

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.partnerships.filter(is_shop_counter=True).exists():
            fields += points.COUNTER_FIELDS  # they follow the shop's own details
        return fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Owners add cafés from the console (or the API), which places them in their area.
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def save_model(self, request: HttpRequest, obj: PickupPlace, form, change: bool) -> None:
        if not change:
            upload = form.cleaned_data.get("photo")
            if isinstance(upload, UploadedFile):
                obj.photo = media.prepared_photo(upload, name="place.jpg")  # no EXIF/GPS kept
            super().save_model(request, obj, form, change)
            return
        changes = {name: form.cleaned_data.get(name) for name in form.changed_data}
        if changes.get("photo") is False:  # "clear" ticked
            changes["photo"] = ""
        try:
            points.edit_pickup_place(place_id=obj.pk, user=request.user, changes=changes)
        except DomainError as exc:
            self.message_user(request, exc.detail, messages.ERROR)


class PickupWindowAdminForm(forms.ModelForm):
    days = forms.TypedMultipleChoiceField(
        label=_("요일"),
        coerce=int,
        choices=[],
        required=False,
        help_text=_("요일 (고르지 않으면 매일)"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = PickupWindow
        fields = ("pickup_point", "starts_at", "ends_at", "capacity", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = list(enumerate(weekday_names()))
        self.fields["days"].initial = (
            self.instance.weekday_numbers() if self.instance.pk else list(range(7))
        )

    def clean(self):
        data = super().clean()
        self.instance.weekdays = sum(1 << d for d in set(data.get("days") or ())) or ALL_WEEKDAYS
        point, starts, ends = data.get("pickup_point"), data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            raise forms.ValidationError(_("끝나는 시각은 시작 시각보다 늦어야 합니다."))
        if (
            point
            and starts
            and ends
            and not window_within_hours(
                window=PickupWindow(starts_at=starts, ends_at=ends), place=point.place
            )
        ):
            raise forms.ValidationError(_("시간대는 픽업 장소의 영업시간 안이어야 합니다."))
        return data


@admin.register(PickupWindow)
class PickupWindowAdmin(ShopScopedAdmin):
    shop_path = "pickup_point__shop"
    form = PickupWindowAdminForm
    list_display = ("pickup_point", "starts_at", "ends_at", "capacity", "weekdays", "is_active")
    list_filter = ("is_active",)
    list_select_related = ("pickup_point__place", "pickup_point__shop")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "pickup_point" and not request.user.is_superuser:
            kwargs["queryset"] = PickupPoint.objects.filter(shop__in=self.user_shops(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    """Read-only: every change of a reservation moves stock, so it goes through the console
    (`/owner/s/<slug>/reservations/`) and the services, never a bare form save."""

    list_display = (
        "code",
        "item_name",
        "quantity",
        "status",
        "pickup_point",
        "window",
        "date",
        "masked_phone",
        "created_at",
    )
    list_filter = ("status", "date")
    search_fields = ("code", "item_name", "name")
    list_select_related = ("pickup_point__place", "window", "shop")
    exclude = ("phone", "token")
    readonly_fields = ("masked_phone",)

    @admin.display(description=_("전화번호"))
    def masked_phone(self, obj: Reservation) -> str:
        return mask_phone(obj.phone)


@admin.register(PlaceClosure)
class PlaceClosureAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    """Read-only: closing a day cancels its reservations, so it goes through the console
    (`/owner/s/<slug>/hours/`) or the API."""

    shop_path = "place__partnerships__shop"
    list_display = ("place", "date", "reason")
    list_filter = ("date",)
    list_select_related = ("place",)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).distinct()  # a place shared by two of the shops
