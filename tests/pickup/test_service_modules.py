"""pickup's services are a package of modules with keyword-only, typed functions, and the
services return domain objects, never HTTP answers."""

from __future__ import annotations

import importlib
import inspect

import pytest

MODULES = [
    "pickup.services.points",
    "pickup.services.windows",
    "pickup.services.reservations",
    "pickup.limits",
    "shops.idempotency",
    "livestock.services",
]


def public_functions(module_name: str):
    module = importlib.import_module(module_name)
    for name, value in vars(module).items():
        if (
            inspect.isfunction(value)
            and not name.startswith("_")
            and value.__module__ == module_name
        ):
            yield name, value


@pytest.mark.parametrize("module_name", MODULES)
def test_every_service_takes_keyword_arguments_only(module_name):
    positional = [
        f"{name}({parameter.name})"
        for name, function in public_functions(module_name)
        for parameter in inspect.signature(function).parameters.values()
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)
    ]
    assert positional == []


@pytest.mark.parametrize("module_name", MODULES)
def test_no_service_speaks_http(module_name):
    """No status codes, no URLs, no response dicts: the faces build those."""
    source = inspect.getsource(importlib.import_module(module_name))
    for http in ("reverse(", "status_code", "HttpResponse", "from django.urls"):
        assert http not in source, http


def test_the_package_reexports_nothing():
    import pickup.services

    public = [
        name
        for name, value in vars(pickup.services).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    ]
    assert public == []
    assert (
        "idempotency key → shop calendar → pickup window → reservation" in pickup.services.__doc__
    )
