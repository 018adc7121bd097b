"""A missing service skips a test on a newcomer's machine and fails it in CI."""

import pytest

from tests.support import services


@pytest.mark.parametrize("ci", ["", "false", "0"])
def test_missing_service_skips_outside_ci_with_the_reason(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="Redis is not available: start it"):
        services.missing("Redis", "start it")


@pytest.mark.parametrize("ci", ["true", "1", "TRUE"])
def test_missing_service_fails_in_ci(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="CI=true requires it"):
        services.missing("Chromium", "apt-get install -y chromium")


def test_missing_browser_binary_is_reported_with_the_install_command(monkeypatch):
    monkeypatch.setenv("CI", "")
    monkeypatch.setattr(services, "CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        services.chromium_path()


def test_unreachable_postgres_is_missing(monkeypatch):
    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("TEST_PG_URL", "postgres://nobody@127.0.0.1:1/none")
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL"):
        services.postgres_server_url()
