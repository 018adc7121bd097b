"""Every form a shopper, an owner or café staff fills in says what is wrong in Korean, next to
what was typed, announced (role=alert), on a 390×844 phone, and the page with the error has no
axe violation. The reservation form, the listing edit form, the arrival form's options and
the area's address search are walked in their own tests (test_reserve_errors.py,
test_listing_edit.py, test_owner_journey.py, test_area_setup.py); these are the others.
Console forms that post and come back to a list page leave their sentence next to the form
through a form-bound message (shops/feedback.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, expect

from tests import factories
from tests.support.axe import assert_no_violations
from tests.support.browser import Phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass
class Refused:
    near: Locator  # the field (or its row) the sentence belongs to
    field: Locator | None  # the input the sentence describes, when there is one
    says: str


def owner_login(phone: Phone, shop, login) -> Refused:
    page = phone.page
    page.goto("/owner/login/")
    page.get_by_label("아이디").fill(login[0])
    page.get_by_label("비밀번호").fill("not-the-password")
    page.get_by_role("button", name="로그인").tap()
    return Refused(page.locator("form.stack"), None, "비밀번호")


def find_reservation(phone: Phone, shop, login) -> Refused:
    page = phone.page
    page.goto("/my/")
    page.get_by_label("수령 코드").fill("ZZZ999")
    page.get_by_label("휴대폰 번호 또는 끝 4자리").fill("5678")
    page.get_by_role("button", name="찾기").tap()
    code = page.get_by_label("수령 코드")
    return Refused(page.locator("form.stack"), code, "찾지 못했습니다")


def cafe_code(phone: Phone, shop, login) -> Refused:
    cafe = factories.make_cafe(shop, "카페 한강뷰")
    page = phone.page
    page.goto(f"/cafe/{cafe.place.staff_token}/")
    code = page.get_by_role("textbox", name="수령 코드")
    code.fill("ZZZ999")
    page.get_by_role("button", name="찾기").tap()
    section = page.get_by_role("region", name="수령 코드로 찾기")
    return Refused(section, code, "수령 코드를 다시 확인해 주세요")


def near_me(phone: Phone, shop, login) -> Refused:
    page = phone.page
    page.goto("/")
    page.get_by_text("좌표로 입력하기").tap()
    page.get_by_label("위도").fill("북위 37도")
    page.get_by_label("경도").fill("126.9")
    page.get_by_role("button", name="이 위치로 찾기").tap()
    return Refused(page.locator("form.location-form"), page.get_by_label("위도"), "위도")


def shop_details(phone: Phone, shop, login) -> Refused:
    phone.log_in(*login, f"/owner/s/{shop.slug}/details/")
    page = phone.page
    link = page.get_by_label("카카오톡 채널 주소")
    link.fill("javascript:alert(1)")
    page.get_by_role("button", name="저장").tap()
    row = page.locator(".field", has=page.get_by_label("카카오톡 채널 주소"))
    return Refused(row, page.get_by_label("카카오톡 채널 주소"), "https://로 시작하는 주소")


def arrival_field(phone: Phone, shop, login) -> Refused:
    phone.log_in(*login, f"/owner/s/{shop.slug}/listings/new/")
    page = phone.page
    # Only spaces get past the browser's own check; the server says the name is missing.
    page.get_by_label("상품명").fill("   ")
    page.get_by_label("수량", exact=True).fill("10")
    page.get_by_label("가격(원)", exact=True).fill("9000")
    page.get_by_role("button", name="올리기").tap()
    row = page.locator(".field", has=page.get_by_label("상품명"))
    return Refused(row, page.get_by_label("상품명"), "필수 항목")


def pickup_code(phone: Phone, shop, login) -> Refused:
    phone.log_in(*login, f"/owner/s/{shop.slug}/reservations/")
    page = phone.page
    code = page.get_by_label("수령 코드")
    code.fill("ZZZ999")
    page.get_by_role("button", name="수령 완료", exact=True).tap()
    section = page.get_by_role("region", name="수령 처리")
    return Refused(section, page.get_by_label("수령 코드"), "수령 코드")


def pickup_window(phone: Phone, shop, login) -> Refused:
    counter = factories.shop_counter(shop)
    phone.log_in(*login, f"/owner/s/{shop.slug}/reservations/")
    page = phone.page
    form = page.locator("form.window-form", has=page.locator(f"input[value='{counter.pk}']"))
    form.get_by_label("시작").fill("14:00")
    form.get_by_label("끝").fill("12:00")
    form.get_by_role("button", name="추가").tap()
    form = page.locator("form.window-form", has=page.locator(f"input[value='{counter.pk}']"))
    return Refused(form, form.get_by_label("끝"), "끝나는 시각은 시작 시각보다 늦어야 합니다")


def webhook_url(phone: Phone, shop, login) -> Refused:
    phone.log_in(*login, f"/owner/s/{shop.slug}/integrations/")
    page = phone.page
    page.get_by_label("받을 주소 (https)").fill("https://127.0.0.1/hooks")
    page.get_by_role("button", name="웹훅 추가").tap()
    form = page.locator("form", has=page.get_by_label("받을 주소 (https)"))
    return Refused(form, page.get_by_label("받을 주소 (https)"), "주소")


def token_scopes(phone: Phone, shop, login) -> Refused:
    phone.log_in(*login, f"/owner/s/{shop.slug}/integrations/")
    page = phone.page
    form = page.locator("form", has=page.get_by_label("이름", exact=True))
    for box in form.get_by_role("checkbox").all():
        box.uncheck()
    form.get_by_role("button", name="토큰 만들기").tap()
    form = page.locator("form", has=page.get_by_label("이름", exact=True))
    return Refused(form, None, "권한을 하나 이상 골라 주세요")


def weekly_hours(phone: Phone, shop, login) -> Refused:
    phone.log_in(*login, f"/owner/s/{shop.slug}/hours/")
    page = phone.page
    for day in ("mon", "wed", "thu", "fri"):
        page.locator(f"#hours-{day}").fill("09:00-19:00")
    page.locator("#hours-tue").fill("19:00-09:00")
    page.get_by_role("button", name="영업시간 저장").tap()
    # What was typed stays: a week of hours is a lot to type twice.
    expect(page.locator("#hours-wed")).to_have_value("09:00-19:00")
    row = page.locator(".field", has=page.locator("#hours-tue"))
    return Refused(row, page.locator("#hours-tue"), "닫는 시각(09:00)은 여는 시각(19:00)보다")


def closure_day(phone: Phone, shop, login) -> Refused:
    from datetime import timedelta

    from django.utils import timezone

    from pickup.services import calendar as pickup_calendar

    day = timezone.localdate() + timedelta(days=3)
    pickup_calendar.close_day(shop=shop, day=day, reason="가족 행사")
    phone.log_in(*login, f"/owner/s/{shop.slug}/hours/")
    page = phone.page
    page.locator("#closure-date").fill(day.isoformat())
    page.locator("#closure-reason").fill("다시 쉬는 날")
    page.get_by_role("button", name="휴무일 추가").tap()
    expect(page.locator("#closure-reason")).to_have_value("다시 쉬는 날")
    row = page.locator(".field", has=page.locator("#closure-date"))
    return Refused(row, page.locator("#closure-date"), "이미 휴무일로 정한 날입니다")


def stock_count(phone: Phone, shop, login) -> Refused:
    listing = factories.make_listing(shop, "단감", 40)
    phone.log_in(*login, f"/owner/s/{shop.slug}/")
    row = phone.page.locator(f'[data-listing-id="{listing.pk}"]')
    row.get_by_label("정확한 수량").fill("5000000")
    row.get_by_role("button", name="수량 맞추기").tap()
    expect(phone.count_of(listing.pk)).to_have_text("40")
    return Refused(row, None, "수량")


def review_photo(phone: Phone, shop, login) -> Refused:
    from pickup.services import reservations

    listing = factories.make_listing(shop, "단감", 20)
    reservation = factories.make_reservation(shop, listing, factories.shop_counter(shop))
    reservations.mark_picked_up(shop=shop, code=reservation.code)
    page = phone.page
    page.goto(f"/r/{reservation.token}/")
    form = page.locator("form.review-form")
    form.get_by_text("★ 5점").tap()
    form.get_by_label("사진 한 장 (선택, JPG·PNG·WebP)").set_input_files(
        {"name": "dangam.jpg", "mimeType": "image/jpeg", "buffer": b"not a picture"}
    )
    form.get_by_role("button", name="리뷰 올리기").tap()
    return Refused(page.locator("form.review-form"), None, "사진")


def _reviewed(shop):
    from pickup.services import reservations
    from reviews import services as reviews

    listing = factories.make_listing(shop, "단감", 20)
    reservation = factories.make_reservation(shop, listing, factories.shop_counter(shop))
    reservations.mark_picked_up(shop=shop, code=reservation.code)
    return reviews.write_review(reservation=reservation, rating=2, text="물렀어요")


def review_reply(phone: Phone, shop, login) -> Refused:
    review = _reviewed(shop)
    phone.log_in(*login, f"/owner/s/{shop.slug}/reviews/")
    page = phone.page
    reply = page.get_by_label("답글 쓰기")
    # A control character gets past the browser; the server refuses it.
    reply.fill("죄송합니다.\x07 다음엔 더 단단한 걸로 드릴게요")
    page.get_by_role("button", name="답글 올리기").tap()
    expect(page.get_by_label("답글 쓰기")).to_have_value(
        "죄송합니다.\x07 다음엔 더 단단한 걸로 드릴게요"
    )
    form = page.locator(f"#review-{review.pk} form", has=page.get_by_label("답글 쓰기"))
    return Refused(form, page.get_by_label("답글 쓰기"), "제어 문자")


def review_report(phone: Phone, shop, login) -> Refused:
    review = _reviewed(shop)
    phone.log_in(*login, f"/owner/s/{shop.slug}/reviews/")
    page = phone.page
    page.get_by_text("신고하기").tap()
    page.get_by_label("신고 사유").fill("광고\x07입니다")
    page.get_by_role("button", name="운영자에게 신고").tap()
    # The report form comes back open, with what was typed.
    expect(page.get_by_label("신고 사유")).to_be_visible()
    expect(page.get_by_label("신고 사유")).to_have_value("광고\x07입니다")
    form = page.locator(f"#review-{review.pk} details form")
    return Refused(form, page.get_by_label("신고 사유"), "제어 문자")


def cafe_move(phone: Phone, shop, login) -> Refused:
    from shops import geo

    cafe = factories.make_cafe(shop, "카페 한강뷰")
    phone.log_in(*login, f"/owner/s/{shop.slug}/area/")
    page = phone.page
    far_lat, far_lng = geo.destination(shop.lat, shop.lng, 0, 6000)
    row = page.locator(f"#point-{cafe.pk}")
    row.locator(f"#move-lat-{cafe.pk}").fill(f"{far_lat:.6f}")
    row.locator(f"#move-lng-{cafe.pk}").fill(f"{far_lng:.6f}")
    row.get_by_role("button", name="옮기기").tap()
    row = page.locator(f"#point-{cafe.pk}")
    expect(page).to_have_url(re.compile(rf"/area/#point-{cafe.pk}$"))
    return Refused(row, row.locator(f"#move-lat-{cafe.pk}"), "서비스 구역 밖")


FORMS: dict[str, Callable[..., Refused]] = {
    "owner-login": owner_login,
    "find-reservation": find_reservation,
    "cafe-code": cafe_code,
    "near-me": near_me,
    "shop-details": shop_details,
    "arrival-field": arrival_field,
    "pickup-code": pickup_code,
    "pickup-window": pickup_window,
    "webhook-url": webhook_url,
    "token-scopes": token_scopes,
    "weekly-hours": weekly_hours,
    "closure-day": closure_day,
    "stock-count": stock_count,
    "review-photo": review_photo,
    "review-reply": review_reply,
    "review-report": review_report,
    "cafe-move": cafe_move,
}


@pytest.mark.parametrize("form", list(FORMS))
def test_a_refused_form_says_why_next_to_the_field(new_phone, shop, owner_login, form):
    phone = new_phone(form)
    refused = FORMS[form](phone, shop, owner_login)
    alert = refused.near.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(refused.says)
    if refused.field is not None:
        expect(refused.field).to_have_attribute("aria-invalid", "true")
    phone.screenshot("error")
    assert_no_violations(phone.page, form)
    # The refused post answers 4xx, which Chromium logs; nothing else may.
    phone.errors = [e for e in phone.errors if "status of 4" not in e]
    phone.assert_healthy()
