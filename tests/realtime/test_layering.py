"""realtime/ is the transport under every domain app: it imports none of them, nor config,
and it alone touches daphne/autobahn/Twisted internals."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = {
    "config",
    "shops",
    "livestock",
    "pickup",
    "storefront",
    "reviews",
    "notify",
    "integrations",
    "insights",
}
SERVER_INTERNALS = {"daphne", "autobahn", "twisted"}


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_realtime_imports_no_app_and_not_config():
    for path in sorted((ROOT / "realtime").rglob("*.py")):
        assert not imported(path) & APPS, f"{path.relative_to(ROOT)} imports an app"


def test_only_realtime_wire_touches_the_servers_internals():
    sources = [
        p
        for app in ("realtime", "livestock", "pickup", "shops", "config")
        for p in (ROOT / app).rglob("*.py")
        if "migrations" not in p.parts
    ]
    touching = {str(p.relative_to(ROOT)) for p in sources if imported(p) & SERVER_INTERNALS}
    assert touching == {"realtime/wire.py"}
