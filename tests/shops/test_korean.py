"""Korean particles after names: picked from the last syllable, quotes looked through."""

from __future__ import annotations

import pytest

from shops.errors import InvalidInput
from shops.korean import final_consonant, particles


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'카페 한강뷰'을(를) 추가했습니다.", "'카페 한강뷰'를 추가했습니다."),
        ("'망원 정육점'을(를) 추가했습니다.", "'망원 정육점'을 추가했습니다."),
        ("상품명은(는) 필수", "상품명은 필수"),
        ("가격은(는) 필수", "가격은 필수"),
        ("옵션 이름 '반팩'이(가) 겹칩니다.", "옵션 이름 '반팩'이 겹칩니다."),
        ("옵션 이름 '1kg 박스'이(가) 겹칩니다.", "옵션 이름 '1kg 박스'가 겹칩니다."),
        ("이미 2팩을(를) 예약", "이미 2팩을 예약"),
        ("이미 3개을(를) 예약", "이미 3개를 예약"),
        ("이미 10을(를)", "이미 10을"),
        ("이미 5을(를)", "이미 5를"),
        ("서울(으)로", "서울로"),
        ("부산(으)로", "부산으로"),
        ("카페(으)로", "카페로"),
        ("7(으)로", "7로"),
        ("3(으)로", "3으로"),
        ("「빵」과(와) 우유", "「빵」과 우유"),
        ("'Bakery'을(를) 추가", "'Bakery'을(를) 추가"),  # not Hangul: both forms stay
        ("'Cafe A'을(를)", "'Cafe A'을(를)"),
        ("Added 'Cafe'.", "Added 'Cafe'."),
        ("을(를)", "을(를)"),
        ("", ""),
    ],
)
def test_particles_follow_the_last_syllable(text, expected):
    assert particles(text) == expected


def test_final_consonant():
    assert final_consonant("뷰") == "" and final_consonant("점") == "other"
    assert final_consonant("울") == "ㄹ" and final_consonant("A") is None
    assert final_consonant("") is None


def test_domain_errors_carry_the_fitting_particle():
    error = InvalidInput("가격은(는) 숫자로 입력해 주세요.")
    assert error.detail == "가격은 숫자로 입력해 주세요."
    assert error.as_dict()["detail"] == "가격은 숫자로 입력해 주세요."
    assert str(InvalidInput("상품 이름은(는) 필수")) == "상품 이름은 필수"
