"""Admin for shops. Owners see and edit only their own shops' rows."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from shops.auth import MANAGING_ROLES, shops_for_user
from shops.errors import DomainError
from shops.models import ApiToken, Membership, Shop, ShopClosure, ShopDetailChange
from shops.selectors import shops_left_without_owner
from shops.services import (
    SHOP_DETAIL_FIELDS,
    add_member,
    change_member_role,
    check_member_change,
    record_detail_change,
    remove_members,
    set_service_area,
    validate_service_area,
)
from shops.validation import guard_form_field, json_form_field_class

AREA_FIELDS = ("lat", "lng", "service_radius_m", "service_polygon")


class ReadOnlyAdminMixin:
    """A log or a record written only by the services: shown, never added, edited or deleted."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class TextGuardAdminMixin:
    """Every text field the admin shows refuses control characters (shops/validation.py)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return guard_form_field(super().formfield_for_dbfield(db_field, request, **kwargs))


class ShopScopedAdmin(TextGuardAdminMixin, admin.ModelAdmin):
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


class HttpsURLField(forms.URLField):
    """Links typed without a scheme ("pf.kakao.com/…") mean https."""

    def __init__(self, **kwargs) -> None:
        super().__init__(assume_scheme="https", **kwargs)


class ShopAdminForm(forms.ModelForm):
    """The area is checked by the same service as the console and the API."""

    class Meta:
        model = Shop
        fields = (
            "name",
            "slug",
            "is_active",
            "notice",
            "address",
            "lat",
            "lng",
            "service_radius_m",
            "service_polygon",
            "opening_hours",
            "response_hours",
            "return_policy",
            "phone",
            "kakao_channel_url",
            "naver_url",
        )
        field_classes = {
            "kakao_channel_url": HttpsURLField,
            "naver_url": HttpsURLField,
            "service_polygon": json_form_field_class(),
        }

    def clean(self):
        data = super().clean()
        if all(data.get(name) is not None for name in ("lat", "lng", "service_radius_m")):
            try:
                *_point, _radius, polygon = validate_service_area(
                    lat=data["lat"],
                    lng=data["lng"],
                    radius_m=data["service_radius_m"],
                    polygon=data.get("service_polygon"),
                )
            except DomainError as exc:
                raise forms.ValidationError(exc.detail, code=exc.code) from None
            data["service_polygon"] = polygon
        return data


@admin.register(Shop)
class ShopAdmin(ShopScopedAdmin):
    form = ShopAdminForm
    shop_path = "pk"
    list_display = ("name", "slug", "service_radius_m", "stock_version", "is_active")
    search_fields = ("name", "slug", "address")
    readonly_fields = ("stock_version", "created_at")
    fieldsets = (
        (None, {"fields": ("name", "slug", "is_active", "notice")}),
        (
            _("위치와 서비스 구역"),
            {"fields": ("address", "lat", "lng", "service_radius_m", "service_polygon")},
        ),
        (
            _("손님 안내"),
            {
                "fields": (
                    "opening_hours",
                    "response_hours",
                    "return_policy",
                    "phone",
                    "kakao_channel_url",
                    "naver_url",
                )
            },
        ),
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

    def save_model(self, request, obj, form, change) -> None:
        details = [name for name in SHOP_DETAIL_FIELDS if change and name in form.changed_data]
        before: dict[str, str] = {}
        if details:
            # Read under the lock the console's edit takes, so the history's "before" is what
            # this save replaces (the admin saves in the same transaction).
            before = (
                Shop.objects.select_for_update(of=("self",), no_key=True)
                .values(*details)
                .get(pk=obj.pk)
            )
        super().save_model(request, obj, form, change)
        record_detail_change(
            shop=obj,
            diff={
                name: {"before": before[name], "after": getattr(obj, name)}
                for name in details
                if before[name] != getattr(obj, name)
            },
            changed_by=request.user,
        )
        if change and any(name in form.changed_data for name in AREA_FIELDS):
            result = set_service_area(
                obj,
                radius_m=obj.service_radius_m,
                polygon=obj.service_polygon,
                lat=obj.lat,
                lng=obj.lng,
            )
            if result.paused:
                self.message_user(
                    request,
                    _("구역 밖이 된 픽업 지점을 일시 중지했습니다 (삭제하지 않았습니다): %(names)s")
                    % {"names": ", ".join(result.paused)},
                    messages.WARNING,
                )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.append("slug")
        return fields


class MembershipAdminForm(forms.ModelForm):
    """Checked by the same rules as the services (who may change which role, the last
    owner); saved through the services, under their locks."""

    request: HttpRequest | None = None

    class Meta:
        model = Membership
        fields = ("shop", "user", "role")

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role is None:
            return data
        if self.instance.pk is not None:
            candidate = Membership.objects.filter(pk=self.instance.pk).first()
            if candidate is None or candidate.role == role:
                return data
        elif data.get("shop") is None or data.get("user") is None:
            return data
        else:
            candidate = Membership(shop=data["shop"], user=data["user"], role=role)
        try:
            check_member_change(
                actor=self.request.user,
                membership=candidate,
                new_role=role,
                memberships=list(Membership.objects.filter(shop_id=candidate.shop_id)),
            )
        except DomainError as exc:
            raise forms.ValidationError(exc.detail, code=exc.code) from None
        return data


@admin.register(Membership)
class MembershipAdmin(ShopScopedAdmin):
    """Every change goes through shops.services: only owners touch owner and manager
    memberships, and a shop never loses its last owner (deleting included)."""

    form = MembershipAdminForm
    manage_roles = MANAGING_ROLES
    list_display = ("user", "shop", "role", "created_at")
    list_filter = ("role",)
    autocomplete_fields = ()
    raw_id_fields = ("user",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def get_readonly_fields(self, request, obj=None):
        # A membership is one person in one shop: to move it, remove it and add another.
        return ("shop", "user") if obj is not None else ()

    def save_model(self, request, obj, form, change) -> None:
        if change:
            saved = change_member_role(actor=request.user, membership_id=obj.pk, role=obj.role)
        else:
            saved = add_member(actor=request.user, shop=obj.shop, user=obj.user, role=obj.role)
        obj.pk, obj.created_at = saved.pk, saved.created_at

    def get_deleted_objects(self, objs, request):
        """Memberships the user may not remove are shown as protected, which stops the
        delete (the single delete page and the bulk action alike)."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        objs = list(objs)
        remaining = {
            shop_id: list(Membership.objects.filter(shop_id=shop_id))
            for shop_id in {m.shop_id for m in objs}
        }
        current = {shop_id: list(rows) for shop_id, rows in remaining.items()}
        for membership in sorted(objs, key=lambda m: (m.shop_id, m.pk)):
            try:
                check_member_change(
                    actor=request.user,
                    membership=membership,
                    new_role=None,
                    memberships=current[membership.shop_id],
                    remaining=remaining[membership.shop_id],
                )
            except DomainError as exc:
                protected = [*protected, f"{membership}: {exc.detail}"]
            else:
                remaining[membership.shop_id] = [
                    m for m in remaining[membership.shop_id] if m.pk != membership.pk
                ]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj) -> None:
        remove_members(actor=request.user, membership_ids=[obj.pk])

    def delete_queryset(self, request, queryset) -> None:
        remove_members(
            actor=request.user, membership_ids=list(queryset.values_list("pk", flat=True))
        )


@admin.register(ApiToken)
class ApiTokenAdmin(ShopScopedAdmin):
    manage_roles = MANAGING_ROLES
    list_display = ("name", "shop", "hint", "created_at", "last_used_at", "revoked_at")
    fields = ("shop", "name", "hint", "created_at", "last_used_at", "revoked_at")
    # A token speaks for the one shop it was issued for; it is never moved to another.
    readonly_fields = ("shop", "hint", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Tokens are issued with `manage.py shop_token <slug>`, which shows the secret once.
        return False


class UserAdmin(DjangoUserAdmin):
    """Deleting the last owner of a shop is refused here too (shown as protected), rather
    than failing in the database."""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        shops = shops_left_without_owner({user.pk for user in objs})
        protected = [
            *protected,
            *(
                _("%(shop)s의 마지막 사장님입니다. 다른 사장님을 먼저 지정해 주세요.")
                % {"shop": shop.name}
                for shop in shops
            ),
        ]
        return deleted, counts, perms_needed, protected


if admin.site.is_registered(get_user_model()):
    admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), UserAdmin)


@admin.register(ShopClosure)
class ShopClosureAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    """Read-only: closing a day cancels its reservations, so it goes through the console
    (`/owner/s/<slug>/hours/`) or the API."""

    list_display = ("shop", "date", "reason")
    list_filter = ("date",)
    list_select_related = ("shop",)


@admin.register(ShopDetailChange)
class ShopDetailChangeAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    """Read-only: written by shops.services.update_shop_details (the 가게 안내 page)."""

    list_display = ("changed_at", "shop", "changed_by_name", "changed_fields")
    list_filter = ("changed_at",)
    list_select_related = ("shop",)
    fields = ("shop", "changed_at", "changed_by", "changed_by_name", "changes_shown")
    readonly_fields = fields

    @admin.display(description=_("바뀐 항목"))
    def changed_fields(self, obj: ShopDetailChange) -> str:
        return ", ".join(obj.field_labels)

    @admin.display(description=_("바뀐 내용"))
    def changes_shown(self, obj: ShopDetailChange):
        return format_html_join(
            "",
            "<p><strong>{}</strong><br>{} → {}</p>",
            (
                (label, change.get("before") or "—", change.get("after") or "—")
                for label, change in zip(obj.field_labels, obj.changes.values(), strict=True)
            ),
        )
