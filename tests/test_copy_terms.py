"""One name for the pickup code on every page, message and script: "수령 코드"."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    *ROOT.glob("templates/**/*.html"),
    *ROOT.glob("static/js/**/*.js"),
    *(
        p
        for app in (
            "shops",
            "livestock",
            "pickup",
            "reviews",
            "notify",
            "integrations",
            "insights",
            "storefront",
            "realtime",
            "config",
        )
        for p in (ROOT / app).glob("**/*.py")
        if "migrations" not in p.parts
    ),
]
OTHER_NAMES = re.compile(r"(픽업|손님|예약|확인|주문)\s?(코드|번호)(?!\s*\()")


def test_the_pickup_code_has_one_name_everywhere():
    found = []
    for path in SOURCES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if OTHER_NAMES.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not found, "call it 수령 코드:\n" + "\n".join(found)
