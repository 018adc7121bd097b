from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from shops.validation import TextInputFormMixin


class ShopDetailsForm(TextInputFormMixin, forms.Form):
    """What the shop page says about the shop; shops.services.update_shop_details checks it
    again, so the console, the admin and any other caller get the same answer."""

    notice = forms.CharField(
        label=_("안내 배너"),
        max_length=200,
        required=False,
        help_text=_("가게 페이지 맨 위에 보입니다. 예: 동네 5km 픽업 할인"),
    )
    opening_hours = forms.CharField(
        label=_("영업시간 안내"),
        max_length=200,
        required=False,
        help_text=_("예: 매일 9시~20시, 일요일 휴무"),
    )
    response_hours = forms.CharField(
        label=_("문의 응답 시간"),
        max_length=100,
        required=False,
        help_text=_("예: 평일 10시~18시에 답해 드려요"),
    )
    return_policy = forms.CharField(
        label=_("교환·환불 안내"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    kakao_channel_url = forms.CharField(
        label=_("카카오톡 채널 주소"),
        max_length=200,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://pf.kakao.com/…"}),
    )
    naver_url = forms.CharField(
        label=_("네이버 주소"),
        max_length=200,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://naver.me/…"}),
    )
