from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from livestock import media
from shops.validation import TextInputFormMixin


class ArrivalForm(TextInputFormMixin, forms.Form):
    name = forms.CharField(
        label=_("상품명"),
        max_length=120,
        widget=forms.TextInput(attrs={"placeholder": _("예: 단감")}),
    )
    available = forms.IntegerField(
        label=_("수량"),
        min_value=0,
        max_value=settings.MAX_STOCK_COUNT,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    unit = forms.CharField(label=_("단위"), max_length=20, initial="팩")
    price = forms.IntegerField(
        label=_("가격(원)"),
        min_value=0,
        max_value=100_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    pickup_price = forms.IntegerField(
        label=_("픽업 가격(원)"),
        min_value=0,
        max_value=100_000_000,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("비우면 가격과 같습니다."),
    )
    max_per_customer = forms.IntegerField(
        label=_("1인 최대 수량"),
        min_value=1,
        max_value=settings.MAX_STOCK_COUNT,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("한 사람이 한 번에 예약해 둘 수 있는 수량입니다. 비우면 기본값을 씁니다."),
    )
    staff_note = forms.CharField(
        label=_("직원 한마디"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("예: 직원이 직접 먹어 본 후기")}),
    )
    photo = forms.FileField(
        label=_("사진"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    video = forms.FileField(
        label=_("짧은 영상 (20초 이하)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "video/mp4,video/quicktime"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("price") is not None and data.get("pickup_price") is None:
            data["pickup_price"] = data["price"]
        return data


class OptionForm(TextInputFormMixin, forms.Form):
    label = forms.CharField(
        label=_("옵션"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("예: 반팩")}),
    )
    units = forms.IntegerField(
        label=_("수량 단위 몇 개분"), min_value=1, max_value=1000, required=False
    )
    price = forms.IntegerField(label=_("가격"), min_value=0, max_value=100_000_000, required=False)
    pickup_price = forms.IntegerField(
        label=_("픽업 가격"), min_value=0, max_value=100_000_000, required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("label"):
            if data.get("units") is None or data.get("price") is None:
                raise forms.ValidationError(
                    _("옵션이 수량 단위 몇 개분인지와 가격을 입력해 주세요.")
                )
            if data.get("pickup_price") is None:
                data["pickup_price"] = data["price"]
        return data


MAX_OPTIONS = 5

OptionFormSet = forms.formset_factory(OptionForm, extra=2, max_num=MAX_OPTIONS)


class OptionEditForm(OptionForm):
    """One option on the 고치기 page: a posted one (with its ``id``) or a blank row to add."""

    id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("id") and not data.get("label") and not data.get("DELETE"):
            raise forms.ValidationError(
                _("옵션 이름을 입력해 주세요. 이 옵션을 없애려면 '지우기'를 고르세요.")
            )
        return data


class BaseOptionEditFormSet(forms.BaseFormSet):
    default_error_messages = {
        **forms.BaseFormSet.default_error_messages,
        "too_many_forms": _("옵션은 %(num)d개까지 둘 수 있습니다."),
    }

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("지우기")


OptionEditFormSet = forms.formset_factory(
    OptionEditForm,
    formset=BaseOptionEditFormSet,
    extra=2,
    max_num=MAX_OPTIONS,
    validate_max=True,
    can_delete=True,
    can_delete_extra=False,
)


class StockForm(TextInputFormMixin, forms.Form):
    delta = forms.IntegerField(
        required=False, min_value=-settings.MAX_STOCK_COUNT, max_value=settings.MAX_STOCK_COUNT
    )
    set = forms.IntegerField(required=False, min_value=0, max_value=settings.MAX_STOCK_COUNT)
    action = forms.ChoiceField(required=False, choices=[("sold_out", "sold_out"), ("set", "set")])


class ListingEditForm(TextInputFormMixin, forms.Form):
    """The owner fixes what they posted; the count itself stays with the count buttons."""

    name = ArrivalForm.base_fields["name"]
    unit = ArrivalForm.base_fields["unit"]
    price = ArrivalForm.base_fields["price"]
    pickup_price = ArrivalForm.base_fields["pickup_price"]
    max_per_customer = ArrivalForm.base_fields["max_per_customer"]
    staff_note = ArrivalForm.base_fields["staff_note"]
    photo = forms.FileField(
        label=_("사진 바꾸기"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*"}),
        help_text=_("새 사진을 고르면 지금 사진 대신 보입니다. 비우면 그대로 둡니다."),
    )

    def clean_photo(self):
        return media.form_check(self.cleaned_data.get("photo"), media.check_photo)

    def clean(self):
        data = super().clean()
        if data.get("price") is not None and data.get("pickup_price") is None:
            data["pickup_price"] = data["price"]
        return data
