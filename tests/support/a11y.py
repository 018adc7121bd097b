"""axe-core in the browser tests: every page a Phone checks must have no violation of any
impact (WCAG 2.x A/AA, axe's best practices, and label-content-name-mismatch, which axe keeps
experimental but Lighthouse reports), in whatever language it is shown.

axe-core is the copy bundled by the axe-playwright-python dev dependency (installed with the
rest by `make install`, nothing downloaded at test time). It is evaluated through the DevTools
protocol, which the page's strict CSP does not apply to, so the page under test keeps its real
CSP.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import axe_playwright_python

AXE = Path(axe_playwright_python.__file__).resolve().parent / "axe.min.js"


@cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def violations(page) -> list[str]:
    """axe's violations on the page as it is now, one readable line per failing node."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate(axe_source())
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, { resultTypes: ["violations"],
            rules: { "label-content-name-mismatch": { enabled: true } } });
          return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => n.target.join(" ") + " :: " + (n.failureSummary || "").split("\\n").slice(0, 2).join(" ")) }));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {node}" for v in result for node in v["nodes"]
    ]
