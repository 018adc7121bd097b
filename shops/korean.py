"""Korean particles after a name (plain Python, no Django).

Messages are written with both forms, "'%(name)s'을(를)", because the name is filled in later;
``particles()`` then picks the one that fits the sound before it: "'카페 한강뷰'를",
"'골목 카페'를", "'망원 과일가게'를", "'정육점'을". Quotes and brackets between the name and
the particle are looked through. After a letter that is not Hangul or a digit (a Latin name)
both forms stay, which is still correct Korean. English text never contains the patterns, so
a translated message passes through unchanged.
"""

from __future__ import annotations

import re

# Which final consonant a digit's Korean reading ends with: 0 영, 1 일, 3 삼, 6 육, 7 칠, 8 팔
# end in one (1, 7, 8 in ㄹ); 2 이, 4 사, 5 오, 9 구 do not.
_DIGIT_FINAL = {"0": "ㅇ", "1": "ㄹ", "3": "ㅁ", "6": "ㄱ", "7": "ㄹ", "8": "ㄹ"}
_RIEUL = 8  # index of ㄹ among Hangul final consonants
_SEE_THROUGH = "'\"‘’“”」』)]》〉 "

# pattern → (after a final consonant, after a vowel)
_PAIRS = {
    "을(를)": ("을", "를"),
    "이(가)": ("이", "가"),
    "은(는)": ("은", "는"),
    "과(와)": ("과", "와"),
    "와(과)": ("과", "와"),
    "이에요(예요)": ("이에요", "예요"),
}
_PATTERN = re.compile(r"을\(를\)|이\(가\)|은\(는\)|과\(와\)|와\(과\)|\(으\)로|이에요\(예요\)")


def final_consonant(char: str) -> str | None:
    """ "" when ``char`` ends in a vowel, "ㄹ" / "other" for a final consonant, None unknown."""
    if "가" <= char <= "힣":
        final = (ord(char) - 0xAC00) % 28
        if final == 0:
            return ""
        return "ㄹ" if final == _RIEUL else "other"
    if char.isdigit() and char.isascii():
        final = _DIGIT_FINAL.get(char, "")
        return "ㄹ" if final == "ㄹ" else ("other" if final else "")
    return None


def _before(text: str, end: int) -> str:
    index = end - 1
    while index >= 0 and text[index] in _SEE_THROUGH:
        index -= 1
    return text[index] if index >= 0 else ""


def particles(text: str) -> str:
    """Every "을(를)", "이(가)", "은(는)", "(으)로" … in ``text`` resolved by the sound before it."""

    def pick(match: re.Match[str]) -> str:
        final = final_consonant(_before(text, match.start()))
        if final is None:
            return match.group(0)
        if match.group(0) == "(으)로":
            return "으로" if final == "other" else "로"
        with_final, after_vowel = _PAIRS[match.group(0)]
        return with_final if final else after_vowel

    return _PATTERN.sub(pick, text)
