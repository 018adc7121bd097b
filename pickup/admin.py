"""Admin for pickup places and points, scoped to the owner's shops.

Saving goes through the same service-area check as the console and the API, so a café
outside the area is refused here with the same message and distance.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from livestock import media
from pickup import services
from pickup.codes import mask_phone
from pickup.models import PickupPlace, PickupPoint, PickupWindow, Reservation
from shops.admin import ReadOnlyAdminMixin, ShopScopedAdmin
from shops.errors import DomainError


class PickupPointAdminForm(forms.ModelForm):
    class Meta:
        model = PickupPoint
        fields = ("shop", "place", "status", "paused_reason", "position")

    def clean(self):
        data = super().clean()
        shop, place = data.get("shop"), data.get("place")
        counter = bool(self.instance.pk and self.instance.is_shop_counter)
        if counter and data.get("status") != PickupPoint.Status.ACTIVE:
            raise forms.ValidationError(_("가게 매장 픽업은 중지할 수 없습니다."))
        if shop and place and not counter:
            if (PickupPoint.objects.filter(place=place, is_shop_counter=True)
                    .exclude(shop=shop).exists()):
                raise forms.ValidationError(_("다른 가게의 매장은 픽업 지점으로 함께 쓸 수 없습니다."))
            if data.get("status") == PickupPoint.Status.ACTIVE:
                try:
                    services.check_in_service_area(shop, place.lat, place.lng)
                except DomainError as exc:
                    raise forms.ValidationError(exc.detail, code=exc.code) from None
        return data


@admin.register(PickupPoint)
class PickupPointAdmin(ShopScopedAdmin):
    form = PickupPointAdminForm
    list_display = ("place", "shop", "is_shop_counter", "status", "position")
    list_filter = ("status", "is_shop_counter")
    search_fields = ("place__name", "place__address", "shop__name")
    readonly_fields = ("is_shop_counter", "created_at")
    list_select_related = ("place", "shop")
    raw_id_fields = ("place",)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Points are paused, not deleted: reservations may point at them.
        return request.user.is_superuser


class PickupPlaceAdminForm(forms.ModelForm):
    class Meta:
        model = PickupPlace
        fields = ("name", "address", "lat", "lng", "opening_hours", "opens_at", "closes_at",
                  "contact", "handover_notes", "photo")

    def clean_photo(self):
        return media.form_check(self.cleaned_data.get("photo"), media.check_photo)

    def clean(self):
        data = super().clean()
        if self.instance.pk and data.get("lat") is not None and data.get("lng") is not None:
            try:
                services.check_place_for_shops(self.instance, data["lat"], data["lng"])
            except DomainError as exc:
                raise forms.ValidationError(exc.detail, code=exc.code) from None
        return data


@admin.register(PickupPlace)
class PickupPlaceAdmin(ShopScopedAdmin):
    """A place is visible to an owner when one of their shops partners with it."""

    form = PickupPlaceAdminForm
    shop_path = "partnerships__shop"
    list_display = ("name", "address", "lat", "lng", "opening_hours")
    search_fields = ("name", "address")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).distinct()

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Owners add cafés from the console (or the API), which places them in their area.
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser


class PickupWindowAdminForm(forms.ModelForm):
    class Meta:
        model = PickupWindow
        fields = ("pickup_point", "starts_at", "ends_at", "capacity", "is_active")

    def clean(self):
        data = super().clean()
        point, starts, ends = data.get("pickup_point"), data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            raise forms.ValidationError(_("끝나는 시각은 시작 시각보다 늦어야 합니다."))
        if point and starts and ends and not services.window_within_hours(
                PickupWindow(starts_at=starts, ends_at=ends), point.place):
            raise forms.ValidationError(_("시간대는 픽업 장소의 영업시간 안이어야 합니다."))
        return data


@admin.register(PickupWindow)
class PickupWindowAdmin(ShopScopedAdmin):
    shop_path = "pickup_point__shop"
    form = PickupWindowAdminForm
    list_display = ("pickup_point", "starts_at", "ends_at", "capacity", "is_active")
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

    list_display = ("code", "item_name", "quantity", "status", "pickup_point", "window", "date",
                    "masked_phone", "created_at")
    list_filter = ("status", "date")
    search_fields = ("code", "item_name", "name")
    list_select_related = ("pickup_point__place", "window", "shop")
    exclude = ("phone", "token")
    readonly_fields = ("masked_phone",)

    @admin.display(description=_("전화번호"))
    def masked_phone(self, obj: Reservation) -> str:
        return mask_phone(obj.phone)
