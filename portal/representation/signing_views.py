"""Signing a fullmakt with BankID: the principal's signature, and the agent's acceptance of an offered
fullmakt (or declining it)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import (
    abort,
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

import forms as eforms
from portal.access import citizen_required, current_actor
from portal.audit import services as audit
from portal.auth import bankid_flow
from portal.auth import services as auth_services
from portal.auth.bankid import user_message
from portal.auth.bankid_flow import FlowUrls
from portal.auth.forms import BankIDStartForm, PostForm
from portal.db import decides_on_get, get_session
from portal.representation import fullmakt, offers, reading, validity
from portal.representation.models import Representation
from portal.representation.views import _case_labels, _own_or_404, _view, bp

# --- signing: the principal's signature, and the agent's acceptance -----------------------------------------
# Both are BankID signatures over the same terms (fullmakt.start_signing), through the same waiting page as
# every other signature; side is "principal" or "agent".


def _sign_key(rep: Representation, side: str) -> str:
    return f"sign:{fullmakt.sign_ref(rep, side)}"


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
    result = fullmakt.start_signing(
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
        session.get(_sign_key(rep, side)), purpose="sign", purpose_ref=fullmakt.sign_ref(rep, side)
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
            name=reading.display_name(rep.principal),
        ),
        "success",
    )
    return url_for(".represented")


def _complete(rep: Representation, order: Any, side: str) -> str:
    session.pop(_sign_key(rep, side), None)
    if side == "principal":
        outcome = offers.finish_signing(rep, order, g.person, actor=current_actor("person"))
    else:
        outcome = offers.finish_accepting(rep, order, g.person, actor=current_actor("person"))
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
    return _start(rep, "principal", fullmakt.sign_text(rep, eforms.titles(), _case_labels(rep.principal_id)))


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
            number=reading.agent_label(rep),
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
    rep = offers.offer(get_session(), rep_id, g.person, g.municipality.id)
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
        lines=fullmakt.describe(rep, eforms.titles(), _case_labels(rep.principal_id), voice="agent"),
        last_day=validity.last_day(rep),
        answer_by=validity.last_answer_day(rep),
        principal_name=reading.display_name(rep.principal),
        mobile_first=bankid_flow.is_mobile(),
    )


@bp.post("/fullmakter/erbjudanden/<uuid:rep_id>/godta")
@citizen_required
def accept_start(rep_id: uuid.UUID) -> ResponseReturnValue:
    rep = _offer_or_404(rep_id)
    text = fullmakt.accept_text(rep, g.person, eforms.titles(), _case_labels(rep.principal_id))
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
            "You are accepting a power of attorney from %(name)s.", name=reading.display_name(rep.principal)
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
    if offers.decline(rep, g.person, actor=current_actor("person")):
        flash(
            _(
                "You have declined the power of attorney. %(name)s is told that you said no.",
                name=reading.display_name(rep.principal),
            ),
            "info",
        )
    return redirect(url_for("home.my_pages"))
