"""axe-core (bundled by axe-playwright-python, no download) run against a Playwright page."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()


def assert_no_violations(page, label: str = "") -> None:
    """Run axe-core on the page as it is now; fail listing every violation."""
    results = _axe.run(page)
    violations = results.response.get("violations", [])
    assert not violations, f"{label or page.url}: " + "; ".join(
        f"{v['id']} ({v['impact']}): " + ", ".join(n["target"][0] for n in v["nodes"][:3])
        for v in violations
    )
