"""The page scripts' words come from Django's JavaScript catalogue (/jsi18n/, domain djangojs),
not from string tables of their own."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db

JS_DIR = Path(settings.BASE_DIR) / "static" / "js"
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _code_without_comments(source: str) -> str:
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    return "\n".join(re.sub(r"(^|\s)//.*$", "", line) for line in source.splitlines())


@pytest.mark.parametrize("path", sorted(JS_DIR.glob("*.js")), ids=lambda p: p.name)
def test_no_page_script_keeps_its_own_language_table(path):
    code = _code_without_comments(path.read_text(encoding="utf-8"))
    assert not re.search(r"""(?<![\w$])["']?(ko|en)["']?\s*:\s*[{"'`]""", code), path.name
    assert 'startsWith("en")' not in code and "lang ===" not in code, path.name
    # Every Korean word shown to people is a msgid handed to gettext().
    outside_gettext = re.sub(r'gettext\("(?:[^"\\]|\\.)*"\)', "", code)
    assert not HANGUL.search(outside_gettext), (path.name, HANGUL.findall(outside_gettext)[:5])


def test_translated_page_scripts_read_their_words_from_the_catalogue():
    users = [p.name for p in JS_DIR.glob("*.js") if "gettext(" in p.read_text(encoding="utf-8")]
    assert {"live.js", "near_me.js", "owner.js", "reservation.js", "reserve.js"} <= set(users)


def test_catalogue_is_english_under_english():
    cache.clear()
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/jsi18n/?l=en")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert '"Available to reserve now: %(n)s%(unit)s"' in body
    assert json.dumps("지금 %(n)s%(unit)s 예약 가능") in body  # its msgid, as the view writes it


def test_catalogue_is_korean_under_korean_and_follows_the_language_cookie():
    cache.clear()
    korean = Client(HTTP_ACCEPT_LANGUAGE="ko").get("/jsi18n/?l=ko")
    assert korean.status_code == 200
    body = korean.content.decode()
    # Korean is the source language: no English replaces the msgids, gettext returns them.
    assert "Available to reserve now" not in body
    assert "django.gettext = function" in body

    client = Client(HTTP_ACCEPT_LANGUAGE="ko")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Available to reserve now" in client.get("/jsi18n/?l=en").content.decode()


def test_catalogue_is_cached_per_language():
    cache.clear()
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/jsi18n/?l=en")
    korean = Client(HTTP_ACCEPT_LANGUAGE="ko").get("/jsi18n/?l=ko")
    again = Client(HTTP_ACCEPT_LANGUAGE="en").get("/jsi18n/?l=en")
    assert "max-age=3600" in english["Cache-Control"]
    assert "Available to reserve now" in again.content.decode()
    assert "Available to reserve now" not in korean.content.decode()


def _scripts(html: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>", html)


@pytest.mark.parametrize("language", ["ko", "en"])
def test_pages_with_translated_scripts_load_the_catalogue_first(shop, language):
    factories.make_listing(shop)
    factories.shop_counter(shop)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    for url in (f"/s/{shop.slug}/", "/"):
        html = client.get(url).content.decode()
        scripts = _scripts(html)
        catalogue = [i for i, tag in enumerate(scripts) if f'src="/jsi18n/?l={language}"' in tag]
        assert len(catalogue) == 1, (url, scripts)
        assert "defer" in scripts[catalogue[0]]
        modules = [i for i, tag in enumerate(scripts) if 'type="module"' in tag]
        assert modules and catalogue[0] < min(modules), (url, scripts)
        # CSP: every script is an external file (a JSON-LD data block is not a script).
        code = [tag for tag in scripts if 'type="application/ld+json"' not in tag]
        assert all("src=" in tag for tag in code), scripts
        assert "</script>" in html
        assert not re.search(r"<script\b(?![^>]*application/ld\+json)[^>]*>[^<]+</script>", html)


def test_pages_without_translated_scripts_do_not_load_it():
    html = Client().get("/owner/login/").content.decode()
    assert "/jsi18n/" not in html
