"""The public start page, Mina sidor, the accessibility statement and the municipality's theme stylesheet."""

from __future__ import annotations

from flask import Blueprint, Response, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from portal.access import citizen_required, public
from portal.auth.services import previous_login_at

bp = Blueprint("home", __name__)


@bp.get("/")
@public
def start() -> ResponseReturnValue:
    if g.get("person") is not None:
        return redirect(url_for(".my_pages"))
    return render_template("home/start.html")


@bp.get("/mina-sidor")
@citizen_required
def my_pages() -> ResponseReturnValue:
    from portal.applications import services as applications
    from portal.cases.labels import STATUS_LABELS

    eservices = {e.id: e.title for e in applications.enabled_eservices(g.municipality)}
    return render_template(
        "home/my_pages.html",
        previous_login=previous_login_at(g.login),
        drafts=applications.open_drafts(g.person, g.municipality),
        to_sign=applications.awaiting_my_signature(g.person, g.municipality),
        cases=applications.cases_for(g.person, g.municipality),
        titles=eservices,
        case_statuses=STATUS_LABELS,
    )


@bp.get("/tillganglighet")
@public
def accessibility() -> ResponseReturnValue:
    return render_template("home/accessibility.html")


@bp.get("/tema.css")
@public
def theme() -> ResponseReturnValue:
    # Colours come from the municipality's settings; a stylesheet (not inline style) keeps the CSP strict.
    css = render_template("home/theme.css", municipality=g.municipality)
    response = Response(css, mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
