from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from livestock import media, services
from livestock.models import Listing, ListingOption, StockEvent
from shops.admin import ReadOnlyAdminMixin, ShopScopedAdmin, TextGuardAdminMixin
from shops.errors import DomainError


class ListingOptionFormSet(forms.BaseInlineFormSet):
    """The console's rule here too: an option open reservations hold keeps its size and stays.

    The check runs under the listing's row lock, as the console's edit does: the admin
    validates and saves in one transaction, so a reservation of the option waits for the
    save, and none slips in between the check and the change."""

    def clean(self) -> None:
        super().clean()
        if self.instance.pk is None:
            return
        if transaction.get_connection().in_atomic_block:
            Listing.objects.select_for_update(of=("self",)).filter(pk=self.instance.pk).first()
        kept = [form for form in self.forms if form.instance.pk is not None]
        removed = [form.instance for form in kept if self._should_delete_form(form)]
        resized = [
            ListingOption.objects.get(pk=form.instance.pk)
            for form in kept
            if not self._should_delete_form(form) and "units" in form.changed_data
        ]
        try:
            services.check_options_free(listing=self.instance, removed=removed, resized=resized)
        except DomainError as exc:
            raise forms.ValidationError(exc.detail) from None


class ListingOptionInline(TextGuardAdminMixin, admin.TabularInline):
    model = ListingOption
    formset = ListingOptionFormSet
    extra = 0
    fields = ("label", "units", "price", "pickup_price", "position")


class ListingAdminForm(forms.ModelForm):
    initial_available = forms.IntegerField(
        label=_("입고 수량"),
        min_value=0,
        max_value=settings.MAX_STOCK_COUNT,
        required=False,
        help_text=_("새 상품의 처음 수량입니다. 이후 수량은 사장님 콘솔이나 API로 바꿉니다."),
    )

    class Meta:
        model = Listing
        fields = (
            "shop",
            "name",
            "unit",
            "price",
            "pickup_price",
            "max_per_customer",
            "staff_note",
            "photo",
            "video",
            "is_active",
        )

    # The same checks as the owner console's: type from the content, size and length limits.
    def clean_photo(self):
        return media.form_check(self.cleaned_data.get("photo"), media.check_photo)

    def clean_video(self):
        return media.form_check(self.cleaned_data.get("video"), media.check_video)

    def clean(self):
        data = super().clean()
        price, pickup = data.get("price"), data.get("pickup_price")
        if price is not None and pickup is not None and pickup > price:
            self.add_error("pickup_price", _("픽업 가격은 정가보다 높을 수 없습니다."))
        return data


@admin.register(Listing)
class ListingAdmin(ShopScopedAdmin):
    form = ListingAdminForm
    inlines = [ListingOptionInline]
    list_display = (
        "name",
        "shop",
        "available",
        "unit",
        "price",
        "pickup_price",
        "is_active",
        "arrived_at",
    )
    list_filter = ("is_active",)
    search_fields = ("name",)
    readonly_fields = ("available", "arrived_at")

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # A listing stays with its shop: its stock events, versions and reservations are there.
        fields = list(super().get_readonly_fields(request, obj))
        return fields if obj is None else [*fields, "shop"]

    def get_fields(self, request, obj=None):
        fields = list(ListingAdminForm.Meta.fields)
        return (
            [*fields, "initial_available"] if obj is None else [*fields, "available", "arrived_at"]
        )

    def save_model(self, request: HttpRequest, obj: Listing, form, change: bool) -> None:
        upload = form.cleaned_data.get("photo")
        if "photo" in form.changed_data and isinstance(upload, UploadedFile):
            # Stored as its resized copies without EXIF, like a photo from the console.
            services.attach_photo(listing=obj, photo=upload)
            form.changed_data.append("photo_variants")
        elif "photo" in form.changed_data:
            obj.photo_variants = []  # cleared
            form.changed_data.append("photo_variants")
        if change:
            # ``available`` belongs to the stock service; never write back the form's copy.
            fields = [f for f in form.changed_data if f != "initial_available"]
            obj.save(update_fields=[*fields, "updated_at"])
        else:
            obj.available = 0
            obj.save()

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        listing = form.instance
        services.announce_admin_save(
            shop=listing.shop,
            listing=listing,
            initial_available=None if change else (form.cleaned_data.get("initial_available") or 0),
            actor=services.Actor(user=request.user, label="admin"),
        )


@admin.register(StockEvent)
class StockEventAdmin(ReadOnlyAdminMixin, ShopScopedAdmin):
    list_display = (
        "version",
        "shop",
        "listing",
        "delta",
        "available_after",
        "reason",
        "actor",
        "actor_label",
        "created_at",
    )
    list_filter = ("reason",)
    list_select_related = ("shop", "listing", "actor")
    search_fields = ("listing__name",)
