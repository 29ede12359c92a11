"""Choosing the municipality of a request: by host name, then the path prefix /k/<slug>/ on a known host.

A Host that maps to no municipality is refused (400): a portal reached under a name it was not set up for
must not show one municipality's pages as if they were that address's. Outside production, 127.0.0.1 and
localhost reach the default municipality, so a developer's `make run` and the test client work without
host names.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Flask, abort, g, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.sansio.utils import host_is_trusted
from werkzeug.wrappers import Request

from portal.db import get_session, reset_scope, set_scope
from portal.municipalities.models import Municipality

PREFIX_RE = re.compile(r"^/k/([a-z0-9][a-z0-9-]{0,39})(?=/|$)")
# The names a developer's browser and the test client use; the default municipality answers to them
# outside production.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})


class UnknownHost(BadRequest):
    """The Host header names none of the installation's municipalities."""

    page = (
        _l("This address is not in use"),
        _l(
            "The e-services cannot be reached at this address. Check the address, or use the link on "
            "your municipality's website."
        ),
    )


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


def resolve(req: Request, *, local_hosts_reach_default: bool) -> Municipality | None:
    """The request's municipality, or None for an unknown /k/<slug>/; UnknownHost when the Host maps to
    no municipality (an installation serving several from one host name lists it under one of them)."""
    session = get_session()
    host = req.host.lower()
    bare = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    # An installation serves a handful of municipalities: one small query, matched here.
    candidates = session.scalars(sa.select(Municipality).order_by(Municipality.id)).all()
    by_host = next(
        (m for m in candidates if {host, bare} & {name.lower() for name in m.host_names or []}),
        None,
    )
    if by_host is None and local_hosts_reach_default and bare in LOCAL_HOSTS:
        by_host = next((m for m in candidates if m.is_default), None)
    if by_host is None:
        raise UnknownHost()
    slug = req.environ.get("portal.municipality_slug")
    if slug:
        return next((m for m in candidates if m.slug == slug), None)
    return by_host


def init_app(app: Flask) -> None:
    if app.config["PORTAL"].municipality_path_prefix:
        app.wsgi_app = PathPrefixMiddleware(app.wsgi_app)  # type: ignore[method-assign]

    @app.before_request
    def _choose_municipality() -> None:
        if request.endpoint in {"static", "health.health"}:
            return
        g.municipality = None  # for the error page, if there is none
        settings = app.config["PORTAL"]
        if settings.trusted_hosts and not host_is_trusted(request.host, settings.trusted_hosts):
            raise UnknownHost()
        municipality = resolve(request, local_hosts_reach_default=not settings.is_production)
        if municipality is None:
            abort(404)
        g.municipality = municipality
        # Tenancy (portal.db): from here on, every query on a municipal model sees only this municipality.
        g.municipality_scope_token = set_scope(municipality.id)

    @app.teardown_request
    def _end_municipality_scope(_exc: BaseException | None) -> None:
        token = g.pop("municipality_scope_token", None)
        if token is not None:
            reset_scope(token)
