"""Fullmakter (grant, sign with BankID, revoke, see every use) and Personer jag företräder (act for someone).

While a person acts for someone, the choice lives in their login session (LoginSession.acting_for_id and
acting_representation_id) and is checked against the representation on every request: a revoked or
expired grant stops access on the very next request, also in an open session.
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
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

import forms as eforms
from portal.access import ACCESS_ATTR, citizen_required
from portal.accounts.personnummer import Personnummer
from portal.applications import services as applications
from portal.audit import services as audit
from portal.audit.labels import ACTION_LABELS
from portal.auth import bankid_flow
from portal.auth import services as auth_services
from portal.auth.bankid import user_message
from portal.auth.bankid_flow import FlowUrls
from portal.auth.forms import BankIDStartForm, PostForm
from portal.cases.models import Case
from portal.db import get_session, utcnow
from portal.representation import services
from portal.representation.forms import FullmaktForm, check_fullmakt, default_until, error_list
from portal.representation.models import Representation

bp = Blueprint("representation", __name__)

BASIS_LABELS = {
    "fullmakt": _l("Fullmakt"),
    "god_man": _l("God man"),
    "forvaltare": _l("Förvaltare"),
    "vardnadshavare": _l("Vårdnadshavare"),
    "dodsbodelagare": _l("Dödsbodelägare"),
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
ALLOWED_BLUEPRINTS_WHILE_ACTING = {"cases", "applications", "providers"}


def _sign_key(rep: Representation) -> str:
    return f"sign:representation:{rep.id}"


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
    return [(e.id, str(e.title)) for e in applications.enabled_eservices(g.municipality)]


def _own_or_404(rep_id: uuid.UUID, *, unsigned: bool = False) -> Representation:
    db = get_session()
    rep = db.get(Representation, rep_id)
    if (
        rep is None
        or rep.principal_id != g.person.id
        or rep.municipality_id != g.municipality.id
        or rep.basis != "fullmakt"
        or (rep.status == "unsigned") != unsigned
    ):
        audit.deny(audit.by_person, "representation", rep_id)
    return rep


def _view(rep: Representation) -> dict[str, Any]:
    return {
        "rep": rep,
        "lines": services.describe(rep, eforms.titles(), _case_labels(rep.principal_id)),
        "last_day": services.last_day(rep),
        "state": rep.state(utcnow()),
        "display_name_fn": services.display_name,
    }


# --- the list -----------------------------------------------------------------------------------------------


@bp.get("/fullmakter")
@citizen_required
def index() -> ResponseReturnValue:
    db = get_session()
    now = utcnow()
    return render_template(
        "representation/index.html",
        given=services.given_by(db, g.person.id, g.municipality.id),
        received=services.received_by(db, g.person.id, g.municipality.id),
        now=now,
        bases=BASIS_LABELS,
        states=STATE_LABELS,
        rights=RIGHT_LABELS,
        last_day=services.last_day,
        display_name=services.display_name,
    )


# --- granting a fullmakt ------------------------------------------------------------------------------------


def _fullmakt_form(rep: Representation | None) -> FullmaktForm:
    form = FullmaktForm()
    form.case_ids.choices = list(_case_labels(g.person.id).items())
    form.eservice_ids.choices = _eservice_choices()
    if request.method == "GET":
        if rep is None:
            form.valid_until.data = default_until().isoformat()
            form.rights.data = ["read"]
        else:
            form.personal_number.data = Personnummer(rep.agent.personal_number).formatted
            form.scope.data = rep.scope
            form.case_ids.data = list(rep.case_ids or [])
            form.eservice_ids.data = list(rep.eservice_ids or [])
            form.rights.data = rep.rights
            form.valid_until.data = services.last_day(rep).isoformat()
    return form


def _edit(rep: Representation | None) -> ResponseReturnValue:
    form = _fullmakt_form(rep)
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        form.validate()
        if "csrf_token" in form.errors:
            abort(400)
        check_fullmakt(form, g.person.personal_number)
        errors = error_list(form)
        if not errors:
            terms = services.FullmaktTerms(
                agent_number=form.personal_number.digits12 or "",
                scope=form.scope.data,
                case_ids=list(form.case_ids.data or []),
                eservice_ids=list(form.eservice_ids.data or []),
                rights=list(form.rights.data or []),
                valid_until=form.valid_until.date,  # type: ignore[arg-type]
            )
            saved = services.save_fullmakt_draft(g.person, g.municipality, terms, rep)
            return redirect(url_for(".review", rep_id=saved.id))
    return render_template("representation/form.html", form=form, errors=errors, rep=rep), (
        400 if errors else 200
    )


@bp.route("/fullmakter/ny", methods=["GET", "POST"])
@citizen_required
def new() -> ResponseReturnValue:
    return _edit(None)


@bp.route("/fullmakter/<uuid:rep_id>/andra", methods=["GET", "POST"])
@citizen_required
def edit(rep_id: uuid.UUID) -> ResponseReturnValue:
    return _edit(_own_or_404(rep_id, unsigned=True))


@bp.get("/fullmakter/<uuid:rep_id>/granska")
@citizen_required
def review(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _own_or_404(rep_id, unsigned=True)
    return render_template(
        "representation/review.html",
        mobile_first=bankid_flow.is_mobile(),
        agent_number=Personnummer(rep.agent.personal_number).formatted,
        **_view(rep),
    )


def _sign_urls(rep: Representation) -> FlowUrls:
    return FlowUrls(
        wait=url_for(".sign_wait", rep_id=rep.id),
        status=url_for(".sign_status", rep_id=rep.id),
        qr=url_for(".sign_qr", rep_id=rep.id),
        cancel=url_for(".sign_cancel", rep_id=rep.id),
        start=url_for(".sign_start", rep_id=rep.id),
        other_way=url_for(".review", rep_id=rep.id),
    )


@bp.post("/fullmakter/<uuid:rep_id>/skriv-under")
@citizen_required
def sign_start(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _own_or_404(rep_id, unsigned=True)
    form = BankIDStartForm()
    if not form.validate_on_submit():
        abort(400)
    same_device = form.device.data == "same"
    result = services.start_signing(
        rep,
        g.person,
        text=services.sign_text(rep, eforms.titles(), _case_labels(rep.principal_id)),
        municipality=g.municipality,
        end_user_ip=request.remote_addr or "127.0.0.1",
        same_device=same_device,
        return_url=url_for(".sign_wait", rep_id=rep.id, _external=True),
    )
    if result.handle is None:
        flash(str(user_message(status=None, error_code=result.error_code, qr=not same_device).text), "error")
        return redirect(url_for(".review", rep_id=rep.id))
    session[_sign_key(rep)] = result.handle
    return redirect(url_for(".sign_wait", rep_id=rep.id))


def _sign_order(rep: Representation) -> Any:
    order = auth_services.find_order(
        session.get(_sign_key(rep)), purpose="sign", purpose_ref=services.sign_ref(rep)
    )
    if order is None or order.municipality_id != g.municipality.id:
        return None
    return order


def _complete(rep: Representation, order: Any) -> str:
    session.pop(_sign_key(rep), None)
    if services.finish_signing(rep, order, g.person):
        return url_for(".receipt", rep_id=rep.id)
    flash(_("The signature could not be used. Please try again."), "error")
    return url_for(".review", rep_id=rep.id)


@bp.get("/fullmakter/<uuid:rep_id>/skriv-under")
@citizen_required
def sign_wait(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _own_or_404(rep_id, unsigned=True)
    order = _sign_order(rep)
    if order is None:
        return redirect(url_for(".review", rep_id=rep.id))
    order = auth_services.poll_order(order)
    if order.status == "complete":
        return redirect(_complete(rep, order))
    return bankid_flow.render_wait(
        order,
        _sign_urls(rep),
        heading=_("Sign the fullmakt with BankID"),
        intro=_("You are signing a fullmakt for %(name)s.", name=services.display_name(rep.agent)),
        other_way_label=_("Back to the fullmakt"),
    )


@bp.get("/fullmakter/<uuid:rep_id>/skriv-under/status")
@citizen_required
def sign_status(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _own_or_404(rep_id, unsigned=True)
    order = _sign_order(rep)
    if order is None:
        return jsonify(state="gone", redirect=url_for(".review", rep_id=rep.id))
    order = auth_services.poll_order(order)
    if order.status == "complete":
        return jsonify(state="complete", redirect=_complete(rep, order))
    return jsonify(bankid_flow.status_payload(order))


@bp.get("/fullmakter/<uuid:rep_id>/skriv-under/qr.svg")
@citizen_required
def sign_qr(rep_id: uuid.UUID) -> ResponseReturnValue:
    return bankid_flow.qr_image(_sign_order(_own_or_404(rep_id, unsigned=True)))


@bp.post("/fullmakter/<uuid:rep_id>/skriv-under/avbryt")
@citizen_required
def sign_cancel(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _own_or_404(rep_id, unsigned=True)
    order = _sign_order(rep)
    if PostForm().validate_on_submit() and order is not None:
        auth_services.cancel_order(order)
    session.pop(_sign_key(rep), None)
    flash(_("The signing was cancelled. The fullmakt is not valid until you sign it."), "info")
    return redirect(url_for(".review", rep_id=rep.id))


@bp.get("/fullmakter/<uuid:rep_id>/kvitto")
@citizen_required
def receipt(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _own_or_404(rep_id)
    return render_template("representation/receipt.html", **_view(rep))


# --- revoking ---------------------------------------------------------------------------------------------


@bp.get("/fullmakter/<uuid:rep_id>/aterkalla")
@citizen_required
def confirm_revoke(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _own_or_404(rep_id)
    if rep.revoked_at is not None:
        return redirect(url_for(".index"))
    return render_template("representation/revoke.html", **_view(rep))


@bp.post("/fullmakter/<uuid:rep_id>/aterkalla")
@citizen_required
def revoke(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _own_or_404(rep_id)
    if not PostForm().validate_on_submit():
        abort(400)
    services.revoke(rep, by_type="person", by_id=g.person.id)
    flash(
        _(
            "The fullmakt is revoked. %(name)s can no longer act for you.",
            name=services.display_name(rep.agent),
        ),
        "success",
    )
    return redirect(url_for(".index"))


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
    rows = services.uses(get_session(), g.person.id, g.municipality.id)
    return render_template("representation/uses.html", rows=rows, labels=USE_LABELS)


# --- acting for someone -----------------------------------------------------------------------------------


@bp.get("/foretradda")
@citizen_required
def represented() -> ResponseReturnValue:
    reps = services.active_for_agent(get_session(), g.person.id, g.municipality.id)
    return render_template(
        "representation/represented.html",
        reps=reps,
        bases=BASIS_LABELS,
        rights=RIGHT_LABELS,
        last_day=services.last_day,
        titles=eforms.titles(),
        display_name=services.display_name,
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
    if not services.start_acting(g.login, rep):
        flash(_("You can no longer act for %(name)s.", name=services.display_name(rep.principal)), "error")
        return redirect(url_for(".represented"))
    return redirect(url_for("home.my_pages"))


@bp.post("/foretradda/sluta")
@citizen_required
def stop_acting() -> ResponseReturnValue:
    if not PostForm().validate_on_submit():
        abort(400)
    services.stop_acting(g.login)
    flash(_("You no longer act for anyone. You see your own pages."), "info")
    return redirect(url_for("home.my_pages"))


# --- the check on every request -----------------------------------------------------------------------------


def _check_acting() -> ResponseReturnValue | None:
    g.acting_for = g.representation = None
    login = g.get("login")
    if login is None or g.get("person") is None:
        return None
    rep, reason = services.check_acting(login, g.municipality.id)
    if rep is None and not reason:
        return None
    if rep is None:
        from portal.accounts.models import Person

        principal = get_session().get(Person, login.acting_for_id) if login.acting_for_id else None
        name = services.display_name(principal) if principal else ""
        services.stop_acting(login, reason=reason)
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
                name=services.display_name(rep.principal),
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
            "acting_name": services.display_name(acting_for) if acting_for is not None else "",
        }
