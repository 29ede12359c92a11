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
    import sqlalchemy as sa

    from portal.applications import services as applications
    from portal.cases.labels import STATUS_LABELS
    from portal.cases.models import Case, SupplementRequest
    from portal.db import get_session

    eservices = {e.id: e.title for e in applications.enabled_eservices(g.municipality)}
    supplements = (
        get_session()
        .execute(
            sa.select(SupplementRequest, Case.case_number, Case.id)
            .join(Case, Case.id == SupplementRequest.case_id)
            .where(
                Case.subject_id == g.person.id,
                Case.municipality_id == g.municipality.id,
                SupplementRequest.status == "open",
            )
            .order_by(SupplementRequest.due_date)
        )
        .all()
    )
    return render_template(
        "home/my_pages.html",
        previous_login=previous_login_at(g.login),
        drafts=applications.open_drafts(g.person, g.municipality),
        to_sign=applications.awaiting_my_signature(g.person, g.municipality),
        cases=applications.cases_for(g.person, g.municipality),
        titles=eservices,
        case_statuses=STATUS_LABELS,
        supplements=supplements,
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
