"""The house has one direction: an app imports only the floors below it.

    shops (1) ← livestock (2) ← pickup (3) ← reviews, notify, integrations, insights (4)
    ← storefront (5)

``realtime`` is the transport: any domain app may import it, and it imports none of them.
``config`` (settings, urls, ASGI routing) may import anything, and no app imports it.

Every ``.py`` file of every app is parsed with ``ast`` (migrations left out), so imports
inside functions and ``if TYPE_CHECKING:`` blocks count like the ones at the top, and so do
``importlib.import_module("…")`` calls with a literal name. No Django, no database.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FLOORS: dict[str, int] = {
    "shops": 1,
    "livestock": 2,
    "pickup": 3,
    "reviews": 4,
    "notify": 4,
    "integrations": 4,
    "insights": 4,
    "storefront": 5,
}
TRANSPORT = "realtime"
CONFIG = "config"
# Top-level directories that are not apps of the house.
NOT_APPS = {
    CONFIG,
    "tests",
    "bench",
    "deploy",
    "docs",
    "locale",
    "static",
    "templates",
    "media",
    "staticfiles",
    "node_modules",
}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    imported: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} imports {self.imported}: {self.reason}"


def _module_of(path: Path, root: Path) -> list[str]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return parts


def _absolute(node: ast.ImportFrom, path: Path, root: Path) -> list[str]:
    """The modules an ``from … import …`` names, relative imports resolved."""
    if node.level == 0:
        base = node.module or ""
    else:
        package = _module_of(path, root)
        if path.name != "__init__.py":
            package = package[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, *([node.module] if node.module else [])])
    if node.module:
        return [base]
    return [f"{base}.{alias.name}" if base else alias.name for alias in node.names]


def imported_modules(path: Path, root: Path) -> list[tuple[int, str]]:
    """``(line, module)`` for every import in the file, wherever it is written."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found += [(node.lineno, name) for name in _absolute(node, path, root)]
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if (
                name in ("import_module", "__import__")
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                found.append((node.lineno, first.value))
    return found


def app_dirs(root: Path) -> list[Path]:
    """The apps present: every known floor and ``realtime`` that exists, plus any other
    top-level Django app (``apps.py``), which must then be given a floor here."""
    found = []
    for child in sorted(root.iterdir()):
        if not child.is_dir() or child.name.startswith((".", "_")) or child.name in NOT_APPS:
            continue
        if child.name in FLOORS or child.name == TRANSPORT or (child / "apps.py").exists():
            found.append(child)
    return found


def _rule(source: str, target: str) -> str | None:
    """Why ``source`` may not import ``target`` (both top-level names), or None."""
    if target == source:
        return None
    if target == CONFIG:
        return "no app imports config (settings, urls, routing sit on top of the house)"
    if source == TRANSPORT:
        if target in FLOORS:
            return "realtime is the transport and imports no domain app"
        return None
    if target == TRANSPORT:
        return None
    if target in FLOORS and FLOORS[target] > FLOORS[source]:
        return (
            f"{target} is floor {FLOORS[target]}, above {source} (floor {FLOORS[source]}); "
            "an app imports only the floors below it"
        )
    return None


def violations(root: Path) -> tuple[list[Violation], int]:
    """Every upward import under ``root``, and how many files were read."""
    found: list[Violation] = []
    files = 0
    for app in app_dirs(root):
        source = app.name
        if source not in FLOORS and source != TRANSPORT:
            found.append(
                Violation(
                    f"{source}/",
                    0,
                    "-",
                    "an app without a floor: add it to "
                    "FLOORS in tests/test_architecture.py (and DESIGN.md)",
                )
            )
            continue
        for path in sorted(app.rglob("*.py")):
            if "migrations" in path.relative_to(root).parts:
                continue
            files += 1
            for line, module in imported_modules(path, root):
                reason = _rule(source, module.split(".")[0])
                if reason:
                    found.append(Violation(str(path.relative_to(root)), line, module, reason))
    return found, files


def test_no_app_imports_a_floor_above_it_or_config():
    found, files = violations(ROOT)
    assert files > 50, "the apps were not found: is ROOT the project root?"
    assert not found, "imports against the direction of the house:\n" + "\n".join(
        str(v) for v in found
    )


# --- the checker itself ---------------------------------------------------------------------


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "text", "bad"),
    [
        ("shops/views.py", "from livestock import selectors\n", "livestock"),
        ("shops/views.py", "def f():\n    import pickup.models\n", "pickup.models"),
        (
            "shops/views.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from storefront.views import x\n",
            "storefront.views",
        ),
        (
            "livestock/hub.py",
            "from config.middleware import UNAVAILABLE_ERRORS\n",
            "config.middleware",
        ),
        (
            "pickup/x.py",
            "import importlib\nimportlib.import_module('reviews.models')\n",
            "reviews.models",
        ),
        ("realtime/hub.py", "from shops.models import Shop\n", "shops.models"),
        ("realtime/hub.py", "import config.settings\n", "config.settings"),
        ("livestock/sub/mod.py", "from ...pickup import models\n", "pickup"),
    ],
)
def test_checker_names_the_file_and_the_upward_import(tmp_path, name, text, bad):
    _write(tmp_path, {"shops/__init__.py": "", name: text})
    found, _files = violations(tmp_path)
    assert [(v.path, v.imported) for v in found] == [(name, bad)]
    assert name in str(found[0]) and bad in str(found[0])


def test_checker_allows_the_floors_below_realtime_and_migrations(tmp_path):
    _write(
        tmp_path,
        {
            "shops/models.py": "from django.db import models\nfrom shops import geo\n",
            "shops/migrations/0001_initial.py": "import pickup.models\n",
            "livestock/services.py": "from shops.models import Shop\nfrom realtime import hub\n",
            "pickup/services.py": "from livestock import services\nfrom . import models\n",
            "reviews/services.py": "from pickup.models import Reservation\nfrom notify import x\n",
            "storefront/views.py": "from pickup import selectors\nfrom reviews import selectors\n",
            "realtime/hub.py": "from channels.layers import get_channel_layer\n",
            "config/urls.py": "from storefront import views\n",
        },
    )
    assert violations(tmp_path)[0] == []


def test_an_app_without_a_floor_is_reported(tmp_path):
    _write(tmp_path, {"coupons/apps.py": "", "coupons/models.py": "import shops.models\n"})
    found, _files = violations(tmp_path)
    assert [v.path for v in found] == ["coupons/"]
