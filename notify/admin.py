"""Read-only admin views, scoped to the owner's shops: who follows, the consent record
(정보통신망법 §50) and the pushes. Only a device itself opts in or out."""

from django.contrib import admin

from notify.models import Consent, Follow, Push
from shops.admin import ReadOnlyAdminMixin, ShopScopedAdmin


@admin.register(Follow)
class FollowAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ("shop", "arrivals", "restock", "night", "created_at")
    list_filter = ("arrivals", "restock", "night")
    fields = ("shop", "arrivals", "restock", "night", "created_at", "updated_at")
    list_select_related = ("shop",)


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ("at", "shop", "listing_id", "action", "topics", "night")
    list_filter = ("action", "night")
    date_hierarchy = "at"
    list_select_related = ("shop",)


@admin.register(Push)
class PushAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = ("created_at", "kind", "shop", "state", "due_at")
    list_filter = ("kind", "state")
    fields = ("kind", "state", "shop", "data", "due_at", "created_at")
    list_select_related = ("shop",)
