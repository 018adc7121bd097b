"""The reservation page says what is true now and what the customer can do next, in every
status: a code and QR only while they still work, "결제 예정" only before pickup, a way back
to the shop once it is over; English without the label repeated in the sentence."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from pickup.models import Reservation
from tests import factories

pytestmark = pytest.mark.django_db

VOID = {"meta", "link", "input", "br", "img", "hr", "source", "circle", "line", "rect", "path"}


class VisibleText(HTMLParser):
    """The text a person sees: nothing inside a ``hidden`` element, a script or a template."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        hidden = (self.stack and self.stack[-1]) or "hidden" in dict(attrs)
        self.stack.append(bool(hidden) or tag in ("script", "template", "title", "svg"))

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]) and data.strip():
            self.parts.append(data.strip())


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html.split("<main", 1)[1])
    return " ".join(parser.parts)


@pytest.fixture
def reservation(shop, listing, cafe_point, lunch, clock):
    return factories.make_reservation(shop, listing, cafe_point, lunch, quantity=2)


def page_in(reservation, status: str, language: str = "ko") -> str:
    Reservation.objects.filter(pk=reservation.pk).update(status=status)
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get(f"/r/{reservation.token}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("status", ["confirmed", "ready"])
def test_open_reservation_shows_code_qr_amount_due_and_cancel(reservation, status):
    html = page_in(reservation, status)
    text = visible(html)
    assert "받을 때 이 코드나 QR을 보여 주세요" in text
    assert "결제 예정" in text and "결제 금액" not in text
    assert "예약 취소" in text
    assert "오늘 입고 모두 보기" not in text


def test_picked_up_reservation_thanks_and_points_back_to_the_shop(reservation, shop):
    html = page_in(reservation, "picked_up")
    text = visible(html)
    assert "수령 완료" in text and "이용해 주셔서 고맙습니다" in text
    assert "코드나 QR을 보여 주세요" not in text and "결제 예정" not in text
    assert "결제 금액" in text and "예약 취소" not in text
    assert f"{shop.name}의 오늘 입고 모두 보기" in text
    assert f'href="/s/{shop.slug}/"' in html


@pytest.mark.parametrize(
    ("status", "sentence"),
    [
        ("cancelled", "취소되어 수령 코드를 더 쓸 수 없습니다"),
        ("no_show", "코드를 더 쓸 수 없습니다"),
    ],
)
def test_ended_reservation_says_the_code_is_void_and_how_to_reserve_again(
    reservation, shop, status, sentence
):
    text = visible(page_in(reservation, status))
    assert sentence in text and "다시 예약해 주세요" in text
    assert "코드나 QR을 보여 주세요" not in text
    assert "결제 예정" not in text and "결제 금액" not in text and "예약 취소" not in text
    assert f"{shop.name}의 오늘 입고 모두 보기" in text


@pytest.mark.parametrize("status", ["confirmed", "ready", "picked_up", "cancelled", "no_show"])
def test_english_status_sentence_does_not_repeat_the_label(reservation, status):
    html = page_in(reservation, status, "en")
    text = visible(html)
    labels = {
        "confirmed": "Confirmed",
        "ready": "Ready",
        "picked_up": "Picked up",
        "cancelled": "Cancelled",
        "no_show": "Not picked up (no-show)",
    }
    assert labels[status] in text
    assert f"{labels[status]} {labels[status]}" not in text
    assert "Picked up. Thank you" not in text
    if status in ("confirmed", "ready"):
        assert "To pay" in text and "Cancel reservation" in text
    else:
        assert "To pay" not in text and "Cancel reservation" not in text
