"""Owner console forms. Fields stay text so the services give the one Korean message for
bad coordinates, radii and polygons, the same as the API and admin."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shops.validation import TextInputFormMixin


class ServiceAreaForm(TextInputFormMixin, forms.Form):
    radius_m = forms.CharField(
        label=_("서비스 반경 (m)"),
        max_length=12,
        help_text=_("300 m – 20 km"),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    polygon = forms.CharField(
        label=_("구역 모양 직접 정하기 (선택, 전문가용)"),
        required=False,
        max_length=200_000,
        help_text=_(
            "강 건너편이나 큰길 너머를 빼려면 GeoJSON Polygon을 붙여 넣으세요. "
            "비워 두면 반경 원 전체가 구역입니다."
        ),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )


class PickupPointForm(TextInputFormMixin, forms.Form):
    name = forms.CharField(label=_("카페 이름"), max_length=80, required=False)
    address = forms.CharField(label=_("주소"), max_length=200, required=False)
    lat = forms.CharField(
        label=_("위도"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    lng = forms.CharField(
        label=_("경도"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    opening_hours = forms.CharField(label=_("영업시간 안내"), max_length=200, required=False)
    contact = forms.CharField(label=_("연락처"), max_length=40, required=False)
    handover_notes = forms.CharField(label=_("수령 안내"), max_length=300, required=False)


class MoveForm(TextInputFormMixin, forms.Form):
    lat = forms.CharField(max_length=40)
    lng = forms.CharField(max_length=40)
