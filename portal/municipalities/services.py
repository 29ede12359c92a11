"""Choosing the municipality of a request: path prefix /k/<slug>/, then host name, then the default."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Flask, abort, g, request
from werkzeug.wrappers import Request

from portal.db import get_session, reset_scope, set_scope
from portal.municipalities.models import Municipality

PREFIX_RE = re.compile(r"^/k/([a-z0-9][a-z0-9-]{0,39})(?=/|$)")


class PathPrefixMiddleware:
    """Moves ``/k/<slug>`` from PATH_INFO to SCRIPT_NAME, so every ``url_for`` keeps the prefix."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        match = PREFIX_RE.match(path)
        if match:
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + match.group(0)
            environ["PATH_INFO"] = path[match.end() :] or "/"
            environ["portal.municipality_slug"] = match.group(1)
        return self.wsgi_app(environ, start_response)


def resolve(req: Request) -> Municipality | None:
    session = get_session()
    slug = req.environ.get("portal.municipality_slug")
    if slug:
        return session.scalar(sa.select(Municipality).where(Municipality.slug == slug))
    host = req.host.lower()
    bare = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    # An installation serves a handful of municipalities: one small query, matched here.
    candidates = session.scalars(sa.select(Municipality).order_by(Municipality.id)).all()
    default = None
    for municipality in candidates:
        names = {name.lower() for name in municipality.host_names or []}
        if host in names or bare in names:
            return municipality
        if municipality.is_default:
            default = municipality
    return default


def init_app(app: Flask) -> None:
    if app.config["PORTAL"].municipality_path_prefix:
        app.wsgi_app = PathPrefixMiddleware(app.wsgi_app)  # type: ignore[method-assign]

    @app.before_request
    def _choose_municipality() -> None:
        if request.endpoint in {"static", "health.health"}:
            return
        municipality = resolve(request)
        if municipality is None:
            # An unknown slug or host, or an installation without municipalities: nothing to show.
            g.municipality = None
            abort(404)
        g.municipality = municipality
        # Tenancy (portal.db): from here on, every query on a municipal model sees only this municipality.
        g.municipality_scope_token = set_scope(municipality.id)

    @app.teardown_request
    def _end_municipality_scope(_exc: BaseException | None) -> None:
        token = g.pop("municipality_scope_token", None)
        if token is not None:
            reset_scope(token)
