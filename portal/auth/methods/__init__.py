"""Login methods: one module per method, registered by id in the one registry shape (``portal.registry``).

``add_login_routes`` generates an audience's login routes from what is registered; ``init_app`` builds
each method from the settings (``from_settings``) at start-up; ``settings_problems`` is the check
``Config.validate`` runs for them, so the configuration needs no import of any method.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask, current_app, redirect

from portal.access import public
from portal.auth.methods.base import Audience, LoginMethod
from portal.config import Config
from portal.registry import Registry

if TYPE_CHECKING:
    from portal.municipalities.models import Municipality

registry: Registry[type[LoginMethod]] = Registry("login method")

MODULES = (
    "portal.auth.methods.bankid",
    "portal.auth.methods.oidc",
)


def load() -> None:
    for module in MODULES:
        importlib.import_module(module)


def build(config: Config) -> dict[str, LoginMethod]:
    """Every registered method, built from the settings (``ConfigError`` for malformed ones)."""
    load()
    return {method_id: cls.from_settings(config) for method_id, cls in registry.items()}


def settings_problems(config: Config) -> list[str]:
    """For ``Config.validate``: the methods' own production problems; malformed settings raise."""
    return [problem for method in build(config).values() for problem in method.production_problems(config)]


def init_app(app: Flask) -> None:
    methods = build(app.config["PORTAL"])
    for method in methods.values():
        method.init_app(app)
    app.extensions["login_methods"] = methods


def get(method_id: str) -> LoginMethod:
    """The built method ``method_id``; an unknown id is a KeyError naming the registered ones."""
    methods: dict[str, LoginMethod] = current_app.extensions["login_methods"]
    if method_id not in methods:
        raise KeyError(f"no login method {method_id!r}; registered: {sorted(methods)}")
    return methods[method_id]


def page_context(audience: Audience, municipality: Municipality) -> dict[str, Any]:
    """What the audience's login page offers: each built method's part."""
    context: dict[str, Any] = {}
    for method in current_app.extensions["login_methods"].values():
        context.update(method.page_context(audience, municipality))
    return context


def add_login_routes(bp: Blueprint, audience: Audience) -> None:
    """The audience's login page (``<bp>.login``, /logga-in) and every registered method's routes."""
    load()

    @public
    def login() -> Any:
        target = audience.already_logged_in()
        if target is not None:
            return redirect(target)
        return audience.login_page()

    bp.add_url_rule("/logga-in", "login", login, methods=["GET"])
    for cls in registry.values():
        cls.add_routes(bp, audience)


__all__ = ["Audience", "LoginMethod", "add_login_routes", "get", "init_app", "page_context", "registry"]
