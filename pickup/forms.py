"""Owner console forms. Fields stay text so the services give the one Korean message for
bad coordinates, radii and polygons, the same as the API and admin."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shops.validation import TextInputFormMixin

RADIUS_PRESETS = (1000, 3000, 5000)
CUSTOM = "custom"


class ServiceAreaForm(TextInputFormMixin, forms.Form):
    """The radius is picked from presets (1 / 3 / 5 km) or typed under "직접 입력"; the shape
    is drawn on the picture (area.js writes it into ``polygon``) or, for advanced users and
    without JavaScript, pasted as text."""

    radius_choice = forms.ChoiceField(
        label=_("서비스 반경"),
        required=False,
        choices=[
            ("1000", _("1 km · 걸어서 15분")),
            ("3000", _("3 km · 자전거로 15분")),
            ("5000", _("5 km · 동네 전체")),
            (CUSTOM, _("직접 입력")),
        ],
        widget=forms.RadioSelect(attrs={"class": "radius-choice"}),
    )
    radius_m = forms.CharField(
        label=_("직접 입력 반경 (m)"),
        required=False,
        max_length=12,
        help_text=_("300 m – 20 km, 예: 1500"),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    polygon = forms.CharField(
        label=_("구역 모양 좌표 붙여 넣기 (고급)"),
        required=False,
        max_length=200_000,
        help_text=_(
            "보통은 위 그림에서 점을 눌러 그리면 됩니다. 다른 지도 프로그램에서 만든 "
            "다각형 좌표 글을 붙여 넣을 수도 있습니다. 비워 두면 반경 원 전체가 구역입니다."
        ),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )

    @classmethod
    def for_shop(cls, radius_m: int, polygon_text: str) -> ServiceAreaForm:
        preset = radius_m in RADIUS_PRESETS
        return cls(
            initial={
                "radius_choice": str(radius_m) if preset else CUSTOM,
                "radius_m": "" if preset else radius_m,
                "polygon": polygon_text,
            }
        )

    def clean(self) -> dict:
        data = super().clean()
        choice = data.get("radius_choice") or ""
        typed = (data.get("radius_m") or "").strip()
        if choice and choice != CUSTOM:
            data["radius_m"] = choice
        elif not typed:
            # The services give the one message for bad numbers; an empty one is ours.
            self.add_error(
                "radius_m" if choice == CUSTOM else "radius_choice",
                _("반경을 고르거나 직접 입력해 주세요."),
            )
        return data


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
