"""Browser tests: Debian's Chromium through Playwright, against a live daphne."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.browser import Phone
from tests.support.fixtures import *  # noqa: F401,F403
from tests.support.services import CHROMIUM_ARGS, chromium_path, shared_redis_url


# Package scope, not session: Playwright's sync API keeps an event loop running in this
# thread, and the async tests collected after tests/e2e need it gone.
@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make
    # between browser steps are still plain synchronous code, so Django may allow them.
    patch = pytest.MonkeyPatch()
    patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    patch.undo()


@pytest.fixture
def live_url(start_daphne) -> str:
    """A production-like server (DEBUG off, plain HTTP) on the test database."""
    return start_daphne(shared_redis_url(), name="daphne-e2e").url


@pytest.fixture
def owner_login(owner) -> tuple[str, str]:
    """The owner's username and a password the live server (real hashers) can check."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    password = "live-owner-pw-1"
    owner.password = PBKDF2PasswordHasher().encode(password, "e2esalt12345", iterations=1000)
    owner.save(update_fields=["password"])
    return owner.username, password


@pytest.fixture
def new_phone(browser, live_url, request) -> Iterator[Callable[..., Phone]]:
    """``new_phone("customer")``, ``new_phone("owner", javascript=False)``; ``base_url``
    points a phone at another server (a balancer in front of several processes)."""
    phones: list[Phone] = []

    def make(label: str, javascript: bool = True, base_url: str | None = None) -> Phone:
        phone = Phone(
            browser, base_url or live_url, label, request.node.name, javascript=javascript
        )
        phones.append(phone)
        return phone

    yield make
    for phone in phones:
        phone.close()
