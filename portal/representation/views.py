"""Fullmakter (grant, sign with BankID, revoke, see every use) and Personer jag företräder (act for someone).

While a person acts for someone, the choice lives in their login session (LoginSession.acting_for_id and
acting_representation_id) and is checked against the representation on every request: a revoked or
expired grant stops access on the very next request, also in an open session.

This module: the blueprint, the list, every use, acting for someone and the check. Granting and revoking
are ``fullmakt_views``; signing and accepting are ``signing_views``.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

import forms as eforms
from portal.access import ACCESS_ATTR, citizen_required, current_actor
from portal.accounts.models import Person
from portal.applications import drafts
from portal.audit import services as audit
from portal.audit.labels import ACTION_LABELS
from portal.auth.forms import PostForm
from portal.cases.models import Case
from portal.db import get_session, utcnow
from portal.representation import acting, fullmakt, reading, validity
from portal.representation.models import Representation

bp = Blueprint("representation", __name__)

BASIS_LABELS = {
    "fullmakt": _l("Power of attorney (fullmakt)"),
    "god_man": _l("Trustee (god man)"),
    "forvaltare": _l("Administrator (förvaltare)"),
    "vardnadshavare": _l("Guardian (vårdnadshavare)"),
    "dodsbodelagare": _l("Party to the estate (dödsbodelägare)"),
}
RIGHT_LABELS = {
    "read": _l("Read the status and documents"),
    "message": _l("Send and read messages"),
    "apply": _l("Make applications"),
}
STATE_LABELS = {
    "active": _l("Valid"),
    "revoked": _l("Revoked"),
    "expired": _l("Expired"),
    "future": _l("Not valid yet"),
    "unsigned": _l("Not signed"),
    "offered": _l("Waiting for the person to accept"),
    "declined": _l("Declined"),
    "not_accepted": _l("Not accepted in time"),
}
ENDED_MESSAGES = {
    "revoked": _l("You can no longer act for %(name)s: the right to do so has been revoked."),
    "expired": _l("You can no longer act for %(name)s: the right to do so has expired."),
    "invalid": _l("You can no longer act for %(name)s."),
}
# While acting for someone only these pages open, and every page of Mina ärenden, e-services and kundval;
# the person's own pages wait until they stop acting.
ALLOWED_WHILE_ACTING = {
    "home.my_pages",
    "auth.logout",
    "representation.represented",
    "representation.act",
    "representation.stop_acting",
}
ALLOWED_BLUEPRINTS_WHILE_ACTING = {"cases", "citizen_messages", "applications", "providers"}


def _case_labels(principal_id: int) -> dict[str, str]:
    titles = eforms.titles()
    cases = get_session().scalars(
        sa.select(Case)
        .where(Case.subject_id == principal_id, Case.municipality_id == g.municipality.id)
        .order_by(Case.created_at.desc())
    )
    return {
        str(c.id): _(
            "%(title)s, case number %(number)s",
            title=titles.get(c.eservice_id, c.eservice_id),
            number=c.case_number,
        )
        for c in cases
    }


def _eservice_choices() -> list[tuple[str, str]]:
    return [(e.id, str(e.title)) for e in drafts.enabled_eservices(g.municipality)]


def _own_or_404(rep_id: uuid.UUID, *, unsigned: bool | None = False) -> Representation:
    """The principal's own fullmakt: unsigned (True), signed (False) or either (None)."""
    db = get_session()
    rep = db.get(Representation, rep_id)
    if (
        rep is None
        or rep.principal_id != g.person.id
        or rep.municipality_id != g.municipality.id
        or rep.basis != "fullmakt"
        or (unsigned is not None and (rep.status == "unsigned") != unsigned)
    ):
        audit.deny(audit.by_person, "representation", rep_id)
    return rep


def _view(rep: Representation) -> dict[str, Any]:
    return {
        "rep": rep,
        "lines": fullmakt.describe(rep, eforms.titles(), _case_labels(rep.principal_id)),
        "last_day": validity.last_day(rep),
        "state": rep.state(utcnow()),
        "signed": rep.signed_for_agent(utcnow()),
        "states": STATE_LABELS,
        "answer_by": validity.last_answer_day(rep),
        "agent_label": reading.agent_label,
    }


# --- the list -----------------------------------------------------------------------------------------------


@bp.get("/fullmakter")
@citizen_required
def index() -> ResponseReturnValue:
    db = get_session()
    now = utcnow()
    return render_template(
        "representation/index.html",
        given=reading.given_by(db, g.person.id, g.municipality.id),
        received=reading.received_by(db, g.person.id, g.municipality.id),
        now=now,
        bases=BASIS_LABELS,
        states=STATE_LABELS,
        rights=RIGHT_LABELS,
        last_day=validity.last_day,
        answer_by=validity.last_answer_day,
        display_name=reading.display_name,
        agent_label=reading.agent_label,
    )


# --- every use ----------------------------------------------------------------------------------------------


USE_LABELS = {
    **ACTION_LABELS,
    "case_list_read": _l("Looked at the list of your cases"),
    "acting_started": _l("Started acting for you"),
    "acting_ended": _l("Stopped acting for you"),
    "acting_refused": _l("Was stopped: the right to act for you had ended"),
    "draft_deleted": _l("Deleted an application that was not sent"),
}


@bp.get("/fullmakter/anvandning")
@citizen_required
def uses() -> ResponseReturnValue:
    rows = reading.uses(get_session(), g.person.id, g.municipality.id)
    return render_template("representation/uses.html", rows=rows, labels=USE_LABELS)


# --- acting for someone -----------------------------------------------------------------------------------


@bp.get("/foretradda")
@citizen_required
def represented() -> ResponseReturnValue:
    reps = reading.active_for_agent(get_session(), g.person.id, g.municipality.id)
    return render_template(
        "representation/represented.html",
        reps=reps,
        bases=BASIS_LABELS,
        rights=RIGHT_LABELS,
        last_day=validity.last_day,
        titles=eforms.titles(),
        display_name=reading.display_name,
    )


@bp.post("/foretradda/<uuid:rep_id>/agera")
@citizen_required
def act(rep_id: uuid.UUID) -> ResponseReturnValue:
    if not PostForm().validate_on_submit():
        abort(400)
    db = get_session()
    rep = db.get(Representation, rep_id)
    if rep is None or rep.agent_id != g.person.id or rep.municipality_id != g.municipality.id:
        audit.deny(audit.by_person, "representation", rep_id)
    if not acting.start_acting(g.login, rep, actor=current_actor("person")):
        flash(_("You can no longer act for %(name)s.", name=reading.display_name(rep.principal)), "error")
        return redirect(url_for(".represented"))
    return redirect(url_for("home.my_pages"))


@bp.post("/foretradda/sluta")
@citizen_required
def stop_acting() -> ResponseReturnValue:
    if not PostForm().validate_on_submit():
        abort(400)
    acting.stop_acting(g.login, actor=current_actor("person"))
    flash(_("You no longer act for anyone. You see your own pages."), "info")
    return redirect(url_for("home.my_pages"))


# --- the check on every request -----------------------------------------------------------------------------


def _check_acting() -> ResponseReturnValue | None:
    g.acting_for = g.representation = None
    login = g.get("login")
    if login is None or g.get("person") is None:
        return None
    rep, reason = acting.check_acting(login, g.municipality.id)
    if rep is None and not reason:
        return None
    if rep is None:
        principal = get_session().get(Person, login.acting_for_id) if login.acting_for_id else None
        name = reading.display_name(principal) if principal else ""
        acting.stop_acting(login, reason=reason, actor=current_actor("person"))
        flash(str(ENDED_MESSAGES[reason]) % {"name": name}, "error")
        view = current_app.view_functions.get(request.endpoint or "")
        if getattr(view, ACCESS_ATTR, None) == "citizen" and request.endpoint != "home.my_pages":
            return redirect(url_for("home.my_pages"))
        return None
    g.representation, g.acting_for = rep, rep.principal
    endpoint = request.endpoint or ""
    view = current_app.view_functions.get(endpoint)
    if (
        getattr(view, ACCESS_ATTR, None) == "citizen"
        and endpoint not in ALLOWED_WHILE_ACTING
        and endpoint.partition(".")[0] not in ALLOWED_BLUEPRINTS_WHILE_ACTING
    ):
        flash(
            _(
                "You are acting for %(name)s. Stop acting for them to see your own pages.",
                name=reading.display_name(rep.principal),
            ),
            "info",
        )
        return redirect(url_for("home.my_pages"))
    return None


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_check_acting)

    @app.template_filter("labels")
    def _labels(keys: list[str], table: dict[str, Any]) -> str:
        """Keys in words, comma-separated: rights, e-service titles."""
        return ", ".join(str(table.get(key, key)) for key in keys)

    @app.context_processor
    def _acting_context() -> dict[str, object]:
        acting_for = g.get("acting_for")
        return {
            "acting_for": acting_for,
            "acting_name": reading.display_name(acting_for) if acting_for is not None else "",
        }
