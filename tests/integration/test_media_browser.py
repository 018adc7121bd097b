"""The security review's reproduction in a real Chromium against a real daphne with
SERVE_MEDIA=1: a page and a script planted in MEDIA_ROOT (as an older release let an admin
upload do) never run on the site's origin.

(pytest-django's ``live_server`` serves MEDIA_URL itself, past the app's view, so it cannot
show this.)"""

from __future__ import annotations

import pytest

from tests.support.media import png
from tests.support.services import CHROMIUM_ARGS, chromium_path

pytestmark = [
    pytest.mark.browser,
    pytest.mark.multiprocess,
    pytest.mark.django_db(transaction=True),
]

PAGE = (
    b"<!doctype html><title>ok</title><script>document.title = 'inline ran'</script>"
    b'<script src="evil.js"></script>\n'
)
SCRIPT = b"document.title = 'script ran'; navigator.sendBeacon('/ran');\n"


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True)
        page = context.new_page()
        page.requested = []
        page.on("request", lambda request: page.requested.append(request.url))
        yield page
        context.close()
        browser.close()


@pytest.fixture
def server(start_daphne, tmp_path):
    folder = tmp_path / "listings" / "1"
    folder.mkdir(parents=True)
    (folder / "evil.html").write_bytes(PAGE)
    (folder / "evil.js").write_bytes(SCRIPT)
    (folder / "evil.svg").write_bytes(
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>document.title="svg ran"</script></svg>'
    )
    (folder / "photo.png").write_bytes(png())
    daphne = start_daphne(name="daphne-media", SERVE_MEDIA="1", MEDIA_ROOT=str(tmp_path))
    return daphne.url, f"{daphne.url}/media/listings/1"


@pytest.mark.parametrize("name", ["evil.html", "evil.svg", "evil.js"])
def test_a_planted_page_or_script_is_a_download_and_never_runs(server, page, name):
    base, media = server
    page.goto(f"{base}/owner/login/")
    with page.expect_download() as download:
        page.evaluate("url => { location.href = url; }", f"{media}/{name}")
    assert download.value.suggested_filename == name
    assert page.url == f"{base}/owner/login/"
    assert "ran" not in page.title()
    assert not any(url.endswith("/ran") for url in page.requested)


def test_a_stored_photo_still_opens_in_the_browser(server, page):
    _base, media = server
    response = page.goto(f"{media}/photo.png")
    assert response.status == 200
    assert response.headers["content-type"] == "image/png"
    assert page.evaluate("document.images.length === 1 && document.images[0].naturalWidth") == 40
