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
from portal.db import decides_on_get, get_session, utcnow
from portal.representation import services
from portal.representation.forms import FullmaktForm, check_fullmakt, default_until, error_list
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
        "lines": services.describe(rep, eforms.titles(), _case_labels(rep.principal_id)),
        "last_day": services.last_day(rep),
        "state": rep.state(utcnow()),
        "signed": rep.signed_for_agent(utcnow()),
        "states": STATE_LABELS,
        "answer_by": services.last_answer_day(rep),
        "agent_label": services.agent_label,
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
        answer_by=services.last_answer_day,
        display_name=services.display_name,
        agent_label=services.agent_label,
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
            form.personal_number.data = Personnummer(rep.agent_number).formatted
            form.scope.data = rep.scope
            form.case_ids.data = list(rep.case_ids or [])
            form.eservice_ids.data = list(rep.eservice_ids or [])
            form.rights.data = rep.rights
            form.valid_until.data = services.last_day(rep).isoformat()
    return form


TOO_MANY_TRIES = _l(
    "You have written powers of attorney for many different people today. To protect everyone's personal "
    "data, "
    "you can give more tomorrow. Contact the social services if you need help now."
)


def _edit(rep: Representation | None) -> ResponseReturnValue:
    form = _fullmakt_form(rep)
    errors: list[tuple[str, str]] = []
    status, headers = 200, {}
    if request.method == "POST":
        form.validate()
        if "csrf_token" in form.errors:
            abort(400)
        check_fullmakt(form, g.person.personal_number)
        errors = error_list(form)
        if not errors:
            verdict = services.count_try(g.person, form.personal_number.digits12 or "")
            if not verdict.allowed:
                form.personal_number.errors.append(TOO_MANY_TRIES)
                errors = error_list(form)
                status, headers = 429, {"Retry-After": str(verdict.retry_after)}
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
        status = status if status != 200 else 400
    page = render_template("representation/form.html", form=form, errors=errors, rep=rep)
    return page, status, headers


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
    return render_template("representation/review.html", mobile_first=bankid_flow.is_mobile(), **_view(rep))


# --- signing: the principal's signature, and the agent's acceptance -----------------------------------------
# Both are BankID signatures over the same terms (services.start_signing), through the same waiting page as
# every other signature; side is "principal" or "agent".


def _sign_key(rep: Representation, side: str) -> str:
    return f"sign:{services.sign_ref(rep, side)}"


def _endpoint(side: str, step: str) -> str:
    return (".sign_" if side == "principal" else ".accept_") + step


def _sign_urls(rep: Representation, side: str) -> FlowUrls:
    def url(step: str) -> str:
        return url_for(_endpoint(side, step), rep_id=rep.id)

    return FlowUrls(
        wait=url("wait"),
        status=url("status"),
        qr=url("qr"),
        cancel=url("cancel"),
        start=url("start"),
        other_way=url_for(".review" if side == "principal" else ".offer", rep_id=rep.id),
    )


def _start(rep: Representation, side: str, text: str) -> ResponseReturnValue:
    form = BankIDStartForm()
    if not form.validate_on_submit():
        abort(400)
    same_device = form.device.data == "same"
    urls = _sign_urls(rep, side)
    result = services.start_signing(
        rep,
        g.person,
        text=text,
        municipality=g.municipality,
        end_user_ip=request.remote_addr or "127.0.0.1",
        same_device=same_device,
        return_url=url_for(_endpoint(side, "wait"), rep_id=rep.id, _external=True),
        side=side,
    )
    if result.handle is None:
        flash(str(user_message(status=None, error_code=result.error_code, qr=not same_device).text), "error")
        return redirect(urls.other_way)
    session[_sign_key(rep, side)] = result.handle
    return redirect(urls.wait)


def _sign_order(rep: Representation, side: str) -> Any:
    order = auth_services.find_order(
        session.get(_sign_key(rep, side)), purpose="sign", purpose_ref=services.sign_ref(rep, side)
    )
    if order is None or order.municipality_id != g.municipality.id:
        return None
    return order


def _done_url(rep: Representation, side: str) -> str:
    if side == "principal":
        return url_for(".receipt", rep_id=rep.id)
    flash(
        _(
            "You have accepted the power of attorney. You can now act for %(name)s.",
            name=services.display_name(rep.principal),
        ),
        "success",
    )
    return url_for(".represented")


def _complete(rep: Representation, order: Any, side: str) -> str:
    session.pop(_sign_key(rep, side), None)
    if side == "principal":
        outcome = services.finish_signing(rep, order, g.person)
    else:
        outcome = services.finish_accepting(rep, order, g.person)
    if outcome != "failed":  # "done": a concurrent completion of the same signature came first
        return _done_url(rep, side)
    flash(_("The signature could not be used. Please try again."), "error")
    return _sign_urls(rep, side).other_way


def _wait(rep: Representation, side: str, **texts: Any) -> ResponseReturnValue:
    order = _sign_order(rep, side)
    if order is None:
        return redirect(_sign_urls(rep, side).other_way)
    order = auth_services.poll_order(order)
    if order.status == "complete":
        return redirect(_complete(rep, order, side))
    return bankid_flow.render_wait(
        order, _sign_urls(rep, side), continue_label=_("I have signed – continue"), **texts
    )


def _status(rep: Representation, side: str) -> ResponseReturnValue:
    order = _sign_order(rep, side)
    if order is None:
        return jsonify(state="gone", redirect=_sign_urls(rep, side).other_way)
    order = auth_services.poll_order(order)
    if order.status == "complete":
        return jsonify(state="complete", redirect=_complete(rep, order, side))
    return jsonify(bankid_flow.status_payload(order))


def _cancel(rep: Representation, side: str, text: Any) -> ResponseReturnValue:
    order = _sign_order(rep, side)
    if PostForm().validate_on_submit() and order is not None:
        auth_services.cancel_order(order)
    session.pop(_sign_key(rep, side), None)
    flash(str(text), "info")
    return redirect(_sign_urls(rep, side).other_way)


def _signing(rep_id: uuid.UUID) -> Representation:
    """The principal's fullmakt while it waits for the signature; once signed (also by a concurrent
    request of the same signature) the waiting page and its status lead to the receipt."""
    rep = _own_or_404(rep_id, unsigned=None)
    if rep.status != "unsigned":
        abort(redirect(url_for(".receipt", rep_id=rep.id)))
    return rep


@bp.post("/fullmakter/<uuid:rep_id>/skriv-under")
@citizen_required
def sign_start(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _own_or_404(rep_id, unsigned=True)
    return _start(rep, "principal", services.sign_text(rep, eforms.titles(), _case_labels(rep.principal_id)))


@bp.get("/fullmakter/<uuid:rep_id>/skriv-under")
@decides_on_get
@citizen_required
def sign_wait(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _signing(rep_id)
    return _wait(
        rep,
        "principal",
        heading=_("Sign the power of attorney with BankID"),
        intro=_(
            "You are signing a power of attorney for the person with personal identity number %(number)s.",
            number=services.agent_label(rep),
        ),
        other_way_label=_("Back to the power of attorney"),
    )


@bp.get("/fullmakter/<uuid:rep_id>/skriv-under/status")
@decides_on_get
@citizen_required
def sign_status(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _own_or_404(rep_id, unsigned=None)
    if rep.status != "unsigned":
        return jsonify(state="complete", redirect=url_for(".receipt", rep_id=rep.id))
    return _status(rep, "principal")


@bp.get("/fullmakter/<uuid:rep_id>/skriv-under/qr.svg")
@citizen_required
def sign_qr(rep_id: uuid.UUID) -> ResponseReturnValue:
    return bankid_flow.qr_image(_sign_order(_own_or_404(rep_id, unsigned=True), "principal"))


@bp.post("/fullmakter/<uuid:rep_id>/skriv-under/avbryt")
@citizen_required
def sign_cancel(rep_id: uuid.UUID) -> ResponseReturnValue:
    return _cancel(
        _own_or_404(rep_id, unsigned=True),
        "principal",
        _("The signing was cancelled. The power of attorney is not valid until you sign it."),
    )


@bp.get("/fullmakter/<uuid:rep_id>/kvitto")
@citizen_required
def receipt(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _own_or_404(rep_id)
    return render_template("representation/receipt.html", **_view(rep))


# --- the agent answers an offered fullmakt ------------------------------------------------------------------


def _offer_or_404(rep_id: uuid.UUID) -> Representation:
    rep = services.offer(get_session(), rep_id, g.person, g.municipality.id)
    if rep is None:
        audit.deny(audit.by_person, "representation", rep_id)
    return rep


def _accepting(rep_id: uuid.UUID) -> Representation:
    """The offer while the agent signs; once accepted (also by a concurrent request of the same
    signature) the waiting page and its status lead on to People I represent."""
    rep = get_session().get(Representation, rep_id)
    if rep is not None and rep.status == "active" and rep.agent_id == g.person.id:
        abort(redirect(url_for(".represented")))
    return _offer_or_404(rep_id)


@bp.get("/fullmakter/erbjudanden/<uuid:rep_id>")
@citizen_required
def offer(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _offer_or_404(rep_id)
    return render_template(
        "representation/offer.html",
        rep=rep,
        lines=services.describe(rep, eforms.titles(), _case_labels(rep.principal_id), voice="agent"),
        last_day=services.last_day(rep),
        answer_by=services.last_answer_day(rep),
        principal_name=services.display_name(rep.principal),
        mobile_first=bankid_flow.is_mobile(),
    )


@bp.post("/fullmakter/erbjudanden/<uuid:rep_id>/godta")
@citizen_required
def accept_start(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _offer_or_404(rep_id)
    text = services.accept_text(rep, g.person, eforms.titles(), _case_labels(rep.principal_id))
    return _start(rep, "agent", text)


@bp.get("/fullmakter/erbjudanden/<uuid:rep_id>/godta")
@decides_on_get
@citizen_required
def accept_wait(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _accepting(rep_id)
    return _wait(
        rep,
        "agent",
        heading=_("Accept the power of attorney with BankID"),
        intro=_(
            "You are accepting a power of attorney from %(name)s.", name=services.display_name(rep.principal)
        ),
        other_way_label=_("Back to the power of attorney"),
    )


@bp.get("/fullmakter/erbjudanden/<uuid:rep_id>/godta/status")
@decides_on_get
@citizen_required
def accept_status(rep_id: uuid.UUID) -> ResponseReturnValue:
    return _status(_accepting(rep_id), "agent")


@bp.get("/fullmakter/erbjudanden/<uuid:rep_id>/godta/qr.svg")
@citizen_required
def accept_qr(rep_id: uuid.UUID) -> ResponseReturnValue:
    return bankid_flow.qr_image(_sign_order(_offer_or_404(rep_id), "agent"))


@bp.post("/fullmakter/erbjudanden/<uuid:rep_id>/godta/avbryt")
@citizen_required
def accept_cancel(rep_id: uuid.UUID) -> ResponseReturnValue:
    return _cancel(
        _offer_or_404(rep_id),
        "agent",
        _("The signing was cancelled. You have not answered the power of attorney yet."),
    )


@bp.post("/fullmakter/erbjudanden/<uuid:rep_id>/avboj")
@citizen_required
def decline(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _offer_or_404(rep_id)
    if not PostForm().validate_on_submit():
        abort(400)
    if services.decline(rep, g.person):
        flash(
            _(
                "You have declined the power of attorney. %(name)s is told that you said no.",
                name=services.display_name(rep.principal),
            ),
            "info",
        )
    return redirect(url_for("home.my_pages"))


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
            "The power of attorney is revoked. %(name)s can no longer act for you.",
            name=services.agent_label(rep),
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
