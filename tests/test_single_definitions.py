"""Facts written once: each is defined in one place and used from there, so two copies can
never drift apart. The source of every app module is parsed (migrations left out); no Django,
no database."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("shops", "livestock", "pickup", "storefront", "realtime", "config")


def app_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(encoding="utf-8"))


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


def test_a_service_area_is_built_from_a_shop_in_one_place():
    built = [
        where(path, node)
        for path, tree in app_modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute | ast.Name)
        and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
        == "ServiceArea"
    ]
    assert len(built) == 1 and built[0].startswith("shops/selectors.py:"), (
        f"use shops.selectors.service_area(shop) instead of building ServiceArea: {built}"
    )


def test_the_radius_limits_have_one_definition():
    numbers = [
        where(path, node)
        for path, tree in app_modules()
        if path.relative_to(ROOT).as_posix() != "shops/geo.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(
            isinstance(t, ast.Name) and "RADIUS" in t.id and t.id.startswith(("MIN", "MAX"))
            for t in node.targets
        )
        and isinstance(node.value, ast.Constant)
    ]
    assert numbers == [], f"radius limits live in shops.geo (MIN_RADIUS_M/MAX_RADIUS_M): {numbers}"


def test_the_reservation_status_sets_are_defined_on_the_model():
    def status_names(node):
        return {e.attr for e in node.elts if isinstance(e, ast.Attribute)}

    copies = [
        where(path, node)
        for path, tree in app_modules()
        if path.relative_to(ROOT).as_posix() != "pickup/models.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.Tuple | ast.List | ast.Set)
        and {"CONFIRMED", "READY"} <= status_names(node)
    ]
    assert copies == [], (
        f"use Reservation.OPEN_STATUSES / TAKEN_STATUSES (or .open() / .taken()): {copies}"
    )


def test_the_console_looks_up_its_shop_in_one_place():
    def turns_denial_into_404(node: ast.Try) -> bool:
        caught = ast.dump(ast.Tuple([h.type for h in node.handlers if h.type], ast.Load()))
        raised = [n for h in node.handlers for n in ast.walk(h) if isinstance(n, ast.Raise)]
        return "PermissionDenied" in caught and any("Http404" in ast.dump(r) for r in raised)

    copies = [
        where(path, node)
        for path, tree in app_modules()
        if path.relative_to(ROOT).as_posix() != "shops/auth.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.Try) and turns_denial_into_404(node)
    ]
    assert copies == [], f"use shops.auth.console_shop(request, slug, roles): {copies}"


def test_the_geometry_module_draws_nothing():
    source = (ROOT / "shops" / "geo.py").read_text(encoding="utf-8")
    assert "<svg" not in source and "import escape" not in source, (
        "shops/geo.py is numbers in, numbers out: drawing lives in shops/area_map.py"
    )
