"""English via gettext: pages and API errors follow the chosen language, Korean by default,
and the committed catalogue (locale/en) is complete and compiled."""

from __future__ import annotations

import ast
import gettext
import re
from datetime import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests import factories

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"
# The page scripts' words (static/js), served by /jsi18n/.
JS_PO_FILE = LOCALE_DIR / "djangojs.po"
JS_MO_FILE = LOCALE_DIR / "djangojs.mo"
JS_DIR = Path(settings.BASE_DIR) / "static" / "js"
HANGUL = re.compile("[\uac00-\ud7a3]")


@pytest.fixture
def reservation(clock, shop):
    listing = factories.make_listing(shop)
    point = factories.make_cafe(shop, opens_at=time(8), closes_at=time(22))
    window = factories.make_window(point, "12:00", "14:00")
    return factories.make_reservation(shop, listing, point, window)


def english() -> Client:
    return Client(headers={"Accept-Language": "en"})


def english_by_cookie() -> Client:
    """Chosen with the footer's language form (POST /i18n/setlang/), which sets the cookie."""
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    return client


@pytest.fixture(params=["accept-language", "cookie"])
def en_client(request) -> Client:
    return english() if request.param == "accept-language" else english_by_cookie()


# --- Pages -------------------------------------------------------------------------------


def test_shop_page_is_korean_by_default(shop):
    factories.make_listing(shop)
    html = Client().get(f"/s/{shop.slug}/").content.decode()
    assert 'lang="ko"' in html
    assert "오늘 입고" in html and "픽업가" in html and "예약하기" in html


def test_shop_page_in_english(shop, en_client):
    factories.make_listing(shop)
    html = en_client.get(f"/s/{shop.slug}/").content.decode()
    assert 'lang="en"' in html
    assert "Today's arrivals" in html and "Pickup price" in html and "Reserve" in html
    assert "₩" in html  # the |won filter
    # The link preview (og: tags, the share sheet's title and text) stays Korean on purpose:
    # storefront.previews renders what neighbours see in KakaoTalk and Naver in the site language.
    # What the page itself shows is English.
    shown = re.sub(r"<[^>]*>", " ", html.split("<body", 1)[1])
    for korean in ("오늘 입고", "픽업가", "예약하기", "본문으로 건너뛰기"):
        assert korean not in shown


def test_reservation_page_is_korean_by_default(reservation):
    html = Client().get(f"/r/{reservation.token}/").content.decode()
    assert 'lang="ko"' in html
    assert "수령 코드" in html and "예약 확정" in html and "11월 20일" in html


def test_reservation_page_in_english(reservation, en_client):
    html = en_client.get(f"/r/{reservation.token}/").content.decode()
    assert 'lang="en"' in html
    assert "Pickup code" in html and "Confirmed" in html
    assert "The shop is getting your order ready." in html
    assert "Fri, Nov 20" in html  # the date format is translated too
    for korean in ("수령 코드", "예약 확정", "가게에서 준비하고 있습니다", "11월"):
        assert korean not in html


def test_owner_console_is_korean_by_default(owner_client, shop):
    factories.make_listing(shop)
    html = owner_client.get(f"/owner/s/{shop.slug}/").content.decode()
    assert "사장님 콘솔" in html and "+ 입고 올리기" in html


def test_owner_console_in_english(owner, shop):
    factories.make_listing(shop)
    for client in (english(), english_by_cookie()):
        client.force_login(owner)
        html = client.get(f"/owner/s/{shop.slug}/").content.decode()
        assert 'lang="en"' in html
        assert "Owner console" in html and "+ Post an arrival" in html
        assert "Today's reservations" in html and "Log out" in html
        for korean in ("사장님 콘솔", "입고 올리기", "로그아웃", "수량 맞추기"):
            assert korean not in html


def test_owner_messages_follow_the_language(owner, shop):
    listing = factories.make_listing(shop)
    client = english()
    client.force_login(owner)
    response = client.post(f"/owner/s/{shop.slug}/listings/{listing.pk}/end/", follow=True)
    assert "Sales have ended." in response.content.decode()


def test_404_page_in_english(db, en_client):
    html = en_client.get("/s/no-such-shop/").content.decode()
    assert "Page not found" in html and "페이지를 찾을 수 없습니다" not in html


# --- API errors ----------------------------------------------------------------------------


def test_api_error_detail_is_korean_by_default(db):
    body = Client().get("/api/shops/no-such-shop").json()
    assert body == {"code": "shop_not_found", "detail": "가게를 찾을 수 없습니다."}


def test_api_error_detail_in_english_code_unchanged(db, en_client):
    response = en_client.get("/api/shops/no-such-shop")
    assert response.status_code == 404
    assert response.json() == {"code": "shop_not_found", "detail": "Shop not found."}

    response = en_client.get("/api/shops/nearby")
    assert response.status_code == 422
    assert response.json()["code"] == "location_required"
    assert response.json()["detail"] == "Please send a location (lat, lng)."


def test_api_validation_error_in_english(api, shop):
    response = api.put(
        f"/api/shops/{shop.slug}/service-area",
        {"radius_m": 5},
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail and not HANGUL.search(detail)


def test_unknown_api_path_in_english(db):
    response = english().get("/api/no/such/thing")
    assert response.status_code == 404
    assert response.json()["detail"] and not HANGUL.search(response.json()["detail"])


# --- The catalogue -----------------------------------------------------------------------


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgid, msgid_plural, msgstr {index: text}, flags."""
    entries: list[dict] = []
    entry: dict | None = None
    field: tuple = ()
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry = None
            continue
        if entry is None:
            entry = {
                "msgid": "",
                "msgid_plural": None,
                "msgstr": {},
                "flags": set(),
                "obsolete": False,
            }
        if line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            field = ("msgctxt",)
            entry["msgctxt"] = ast.literal_eval(line[8:])
        elif line.startswith("msgid_plural "):
            field = ("msgid_plural",)
            entry["msgid_plural"] = ast.literal_eval(line[13:])
        elif line.startswith("msgid "):
            field = ("msgid",)
            entry["msgid"] = ast.literal_eval(line[6:])
        elif line.startswith("msgstr["):
            index = int(line[7 : line.index("]")])
            field = ("msgstr", index)
            entry["msgstr"][index] = ast.literal_eval(line[line.index("]") + 2 :])
        elif line.startswith("msgstr "):
            field = ("msgstr", 0)
            entry["msgstr"][0] = ast.literal_eval(line[7:])
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += text
            else:
                entry[field[0]] += text
    return entries


PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdfr]|\{\w*\}")


def translations(po_file: Path = PO_FILE) -> list[dict]:
    return [e for e in parse_po(po_file) if e["msgid"] and not e["obsolete"]]


CATALOGUES = pytest.mark.parametrize(
    ("po_file", "mo_file", "at_least"),
    [(PO_FILE, MO_FILE, 400), (JS_PO_FILE, JS_MO_FILE, 20)],
    ids=["django", "djangojs"],
)


@CATALOGUES
def test_every_catalogue_entry_is_translated(po_file, mo_file, at_least):
    entries = translations(po_file)
    assert len(entries) > at_least
    header = parse_po(po_file)[0]
    assert header["msgid"] == "" and "fuzzy" not in header["flags"]
    assert "Language: en" in header["msgstr"][0]
    for entry in entries:
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        forms = entry["msgstr"]
        assert sorted(forms) == ([0, 1] if entry["msgid_plural"] else [0]), entry["msgid"]
        for text in forms.values():
            assert text.strip(), entry["msgid"]
            assert not HANGUL.search(text), (entry["msgid"], text)
            assert sorted(PLACEHOLDER.findall(text)) == sorted(
                PLACEHOLDER.findall(entry["msgid"])
            ), (entry["msgid"], text)


@CATALOGUES
def test_compiled_catalogue_matches_the_po(po_file, mo_file, at_least):
    """The committed .mo is what the .po says (a newcomer may have no msgfmt to rebuild it)."""
    assert mo_file.exists()
    with mo_file.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    for entry in translations(po_file):
        if entry["msgid_plural"]:
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1) == entry["msgstr"][0]
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 5) == entry["msgstr"][1]
        elif entry.get("msgctxt"):  # pgettext: the same word in another sense (e.g. a weekday)
            got = compiled.pgettext(entry["msgctxt"], entry["msgid"])
            assert got == entry["msgstr"][0], entry["msgid"]
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"][0], entry["msgid"]


# --- Text left outside gettext -------------------------------------------------------------

TRANSLATED_IN_TEMPLATE = [
    re.compile(r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}", re.S),
    re.compile(r"{%\s*translate\s+(\"[^\"]*\"|'[^']*').*?%}"),
    re.compile(r"_\((\"[^\"]*\"|'[^']*')\)"),
    re.compile(r"{#.*?#}"),
]


def test_templates_have_no_korean_outside_translate_tags():
    untranslated = []
    for template in sorted((Path(settings.BASE_DIR) / "templates").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for pattern in TRANSLATED_IN_TEMPLATE:
            text = pattern.sub("", text)
        untranslated += [
            f"{template.name}: {line.strip()}" for line in text.splitlines() if HANGUL.search(line)
        ]
    assert untranslated == []


JS_MSGIDS = re.compile(r'gettext\(("(?:[^"\\]|\\.)*")\)')


def test_every_string_a_page_script_translates_is_in_the_script_catalogue():
    """Static JS asks Django's JavaScript catalogue (djangojs) for its words: each
    ``gettext("…")`` has an English entry (makemessages -d djangojs re-run and translated)."""
    msgids = {
        ast.literal_eval(match)
        for script in JS_DIR.glob("*.js")
        for match in JS_MSGIDS.findall(script.read_text(encoding="utf-8"))
    }
    assert len(msgids) > 20
    with JS_MO_FILE.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    assert sorted(m for m in msgids if compiled.gettext(m) == m) == []


def test_language_switcher_names_each_language_in_itself(db, en_client):
    for client in (Client(), en_client):
        html = client.get("/").content.decode()
        assert '<option value="ko" lang="ko"' in html and ">한국어</option>" in html
        assert '<option value="en" lang="en"' in html and ">English</option>" in html


GETTEXT_CALLS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}
TEMPLATE_MSGIDS = re.compile(r"{%\s*translate\s+(\"[^\"]*\"|'[^']*')|_\((\"[^\"]*\"|'[^']*')\)")


def source_msgids() -> set[str]:
    """What the code asks gettext for, read without xgettext: ``_("…")`` literals in the apps'
    Python, ``{% translate "…" %}`` and ``_("…")`` in templates (blocktranslate is left to
    makemessages)."""
    base = Path(settings.BASE_DIR)
    found: set[str] = set()
    for app in ("config", "shops", "pickup", "livestock"):
        for module in (base / app).rglob("*.py"):
            if "migrations" in module.parts:
                continue
            for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in GETTEXT_CALLS
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    found.add(node.args[0].value)
    for template in (base / "templates").rglob("*.html"):
        for match in TEMPLATE_MSGIDS.finditer(template.read_text(encoding="utf-8")):
            found.add(ast.literal_eval(match.group(1) or match.group(2)))
    return found


def test_every_string_the_code_translates_is_in_the_catalogue():
    """New text that arrives without makemessages + a translation fails here, not in front of
    an English-speaking customer."""
    msgids = source_msgids()
    assert len(msgids) > 300
    with MO_FILE.open("rb") as fp:
        compiled = gettext.GNUTranslations(fp)
    missing = sorted(m for m in msgids if compiled.gettext(m) == m and HANGUL.search(m))
    assert missing == []
