"""Admin for shops. Owners see and edit only their own shops' rows."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shops.auth import MANAGING_ROLES, shops_for_user
from shops.models import ApiToken, Membership, Shop


class ShopScopedAdmin(admin.ModelAdmin):
    """Rows reachable through ``shop_path`` must belong to one of the user's shops."""

    shop_path = "shop"
    manage_roles: tuple[str, ...] | None = None

    def user_shops(self, request: HttpRequest) -> QuerySet[Shop]:
        return shops_for_user(request.user, self.manage_roles)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.shop_path}__in": self.user_shops(request)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "shop" and not request.user.is_superuser:
            kwargs["queryset"] = self.user_shops(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) and (
            request.user.is_superuser or self.user_shops(request).exists()
        )


@admin.register(Shop)
class ShopAdmin(ShopScopedAdmin):
    shop_path = "pk"
    list_display = ("name", "slug", "service_radius_m", "stock_version", "is_active")
    search_fields = ("name", "slug", "address")
    readonly_fields = ("stock_version", "created_at")
    fieldsets = (
        (None, {"fields": ("name", "slug", "is_active", "notice")}),
        (_("위치와 서비스 구역"), {"fields": ("address", "lat", "lng", "service_radius_m",
                                        "service_polygon")}),
        (_("손님 안내"), {"fields": ("opening_hours", "response_hours", "return_policy", "phone",
                                   "kakao_channel_url", "naver_url")}),
        (_("기록"), {"fields": ("stock_version", "created_at")}),
    )

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=self.user_shops(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("slug")
        return fields


@admin.register(Membership)
class MembershipAdmin(ShopScopedAdmin):
    manage_roles = MANAGING_ROLES
    list_display = ("user", "shop", "role", "created_at")
    list_filter = ("role",)
    autocomplete_fields = ()
    raw_id_fields = ("user",)


@admin.register(ApiToken)
class ApiTokenAdmin(ShopScopedAdmin):
    manage_roles = MANAGING_ROLES
    list_display = ("name", "shop", "hint", "created_at", "last_used_at", "revoked_at")
    fields = ("shop", "name", "hint", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("hint", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Tokens are issued with `manage.py shop_token <slug>`, which shows the secret once.
        return False
