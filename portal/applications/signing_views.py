"""Signing an application: with BankID (the applicant and a medsökande), or with the e-ID of an OpenID
login, and where each outcome lands."""

from __future__ import annotations

import secrets
import time
import uuid
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import (
    abort,
    flash,
    g,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from forms.base import EService
from portal.access import citizen_required, current_actor
from portal.applications import attachments, drafts, signing
from portal.applications.models import Draft
from portal.applications.views import _draft_or_404, _eservice_or_404, bp
from portal.audit import services as audit
from portal.auth import bankid_flow, oidc, protection
from portal.auth import services as auth_services
from portal.auth.bankid import user_message
from portal.auth.bankid_flow import FlowUrls
from portal.auth.forms import BankIDStartForm, PostForm
from portal.auth.oidc import loa_at_least
from portal.db import decides_on_get, get_session
from portal.representation import access as representation

# --- signing ----------------------------------------------------------------------------------------------


def _sign_key(draft: Draft, role: str) -> str:
    return f"sign:{draft.id}:{role}"


def _sign_urls(draft: Draft, role: str) -> FlowUrls:
    return FlowUrls(
        wait=url_for(".sign_wait", draft_id=draft.id, role=role),
        status=url_for(".sign_status", draft_id=draft.id, role=role),
        qr=url_for(".sign_qr", draft_id=draft.id, role=role),
        cancel=url_for(".sign_cancel", draft_id=draft.id, role=role),
        start=url_for(".sign_start", draft_id=draft.id, role=role),
        other_way=url_for(".check", draft_id=draft.id)
        if role == "applicant"
        else url_for(".co_applicant", draft_id=draft.id),
    )


def _draft_for_role(draft_id: uuid.UUID, role: str, *, signed: bool = False) -> tuple[Draft, EService]:
    """The draft ``role`` signs; with ``signed`` also one whose signing that role has done (its waiting
    page, reloaded or open in another tab, then leads on to where the signing led)."""
    if role == "applicant":
        draft, eservice = _draft_or_404(draft_id, editable=False)
        if draft.status == "in_progress" or (signed and draft.status in SIGNED["applicant"]):
            return draft, eservice
        abort(404)
    if role != "medsokande" or representation.current() is not None:
        abort(404)
    draft = drafts.draft_for_co_applicant(draft_id, g.person, g.municipality)
    allowed = ("awaiting_co_applicant", *SIGNED["co_applicant"]) if signed else ("awaiting_co_applicant",)
    if draft is None or draft.status not in allowed:
        abort(404)
    return draft, _eservice_or_404(draft.eservice_id)


# The draft statuses after a role's signature.
SIGNED = {"applicant": ("awaiting_co_applicant", "submitted"), "co_applicant": ("submitted",)}


def _role(role: str) -> str:
    return "applicant" if role == "applicant" else "co_applicant"


@bp.post("/ansokan/<uuid:draft_id>/skriv-under/<role>")
@citizen_required
def sign_start(draft_id: uuid.UUID, role: str) -> ResponseReturnValue:
    draft, eservice = _draft_for_role(draft_id, role)
    form = BankIDStartForm()
    if not form.validate_on_submit():
        abort(400)
    if role == "applicant" and not attachments.ready_to_sign(eservice, draft):
        flash(_("Some answers are missing. Complete them before you sign."), "error")
        return redirect(url_for(".check", draft_id=draft.id))
    same_device = form.device.data == "same"
    result = signing.start_signing(
        draft,
        eservice,
        g.person,
        _role(role),
        municipality=g.municipality,
        end_user_ip=request.remote_addr or "127.0.0.1",
        same_device=same_device,
        return_url=url_for(".sign_wait", draft_id=draft.id, role=role, _external=True),
    )
    if result.handle is None:
        flash(str(user_message(status=None, error_code=result.error_code, qr=not same_device).text), "error")
        return redirect(_sign_urls(draft, role).other_way)
    session[_sign_key(draft, role)] = result.handle
    return redirect(url_for(".sign_wait", draft_id=draft.id, role=role))


def _sign_order(draft: Draft, role: str) -> Any:
    order = auth_services.find_order(
        session.get(_sign_key(draft, role)), purpose="sign", purpose_ref=signing.sign_ref(draft, _role(role))
    )
    if order is None or order.municipality_id != g.municipality.id:
        return None
    return order


def _complete(draft: Draft, eservice: EService, order: Any, role: str) -> str:
    return _land(
        draft,
        role,
        signing.finish_signing(draft, eservice, order, g.person, _role(role), actor=current_actor("person")),
    )


def _finished(draft: Draft, eservice: EService, order: Any, role: str) -> str | None:
    """Where a waiting page goes when the signing is over: completed now, or already (by another tab or
    request, whose outcome this one shares); None while it is still going on."""
    if order is not None and order.status == "complete":
        return _complete(draft, eservice, order, role)
    if order is None or order.status == "used" or draft.status != "in_progress":
        outcome = signing.settled(draft, _role(role))
        if outcome is not None:
            return _land(draft, role, outcome)
    return None


def _land(draft: Draft, role: str, outcome: signing.SignOutcome) -> str:
    session.pop(_sign_key(draft, role), None)
    if outcome.status == "submitted":
        return url_for(".receipt", draft_id=draft.id)
    if outcome.status == "awaiting_co_applicant":
        flash(_("You have signed. The application is sent when your co-applicant has signed too."), "success")
        return url_for("home.my_pages")
    if outcome.status == "changed":
        flash(_("The application was changed after it was signed. It must be signed again."), "error")
        return url_for("home.my_pages")
    flash(_("The signature could not be used. Please try again."), "error")
    return _sign_urls(draft, role).other_way


@bp.get("/ansokan/<uuid:draft_id>/skriv-under/<role>")
@decides_on_get
@citizen_required
def sign_wait(draft_id: uuid.UUID, role: str) -> ResponseReturnValue:
    draft, eservice = _draft_for_role(draft_id, role, signed=True)
    order = _sign_order(draft, role)
    if order is not None:
        order = auth_services.poll_order(order)
    target = _finished(draft, eservice, order, role)
    if target is not None:
        return redirect(target)
    if order is None:
        return redirect(_sign_urls(draft, role).other_way)
    return bankid_flow.render_wait(
        order,
        _sign_urls(draft, role),
        heading=_("Sign with BankID"),
        intro=_("You are signing: %(title)s", title=eservice.title),
        other_way_label=_("Back to your answers"),
        continue_label=_("I have signed – continue"),
        title_context=eservice.title,
    )


@bp.get("/ansokan/<uuid:draft_id>/skriv-under/<role>/status")
@decides_on_get
@citizen_required
def sign_status(draft_id: uuid.UUID, role: str) -> ResponseReturnValue:
    draft, eservice = _draft_for_role(draft_id, role, signed=True)
    order = _sign_order(draft, role)
    if order is not None:
        order = auth_services.poll_order(order)
    target = _finished(draft, eservice, order, role)
    if target is not None:
        return jsonify(state="complete", redirect=target)
    if order is None:
        return jsonify(state="gone", redirect=_sign_urls(draft, role).other_way)
    return jsonify(bankid_flow.status_payload(order))


@bp.get("/ansokan/<uuid:draft_id>/skriv-under/<role>/qr.svg")
@citizen_required
def sign_qr(draft_id: uuid.UUID, role: str) -> ResponseReturnValue:
    draft, _eservice = _draft_for_role(draft_id, role)
    return bankid_flow.qr_image(_sign_order(draft, role))


@bp.post("/ansokan/<uuid:draft_id>/skriv-under/<role>/avbryt")
@citizen_required
def sign_cancel(draft_id: uuid.UUID, role: str) -> ResponseReturnValue:
    draft, _eservice = _draft_for_role(draft_id, role)
    order = _sign_order(draft, role)
    if PostForm().validate_on_submit() and order is not None:
        auth_services.cancel_order(order)
    session.pop(_sign_key(draft, role), None)
    flash(_("The signing was cancelled. Your answers are saved."), "info")
    return redirect(_sign_urls(draft, role).other_way)


# --- signing with the e-ID of an OpenID login ---------------------------------------------------------------
# Someone who logged in through an e-ID broker (Freja, Sweden Connect) may have no BankID. They sign by
# authenticating again at the same provider (prompt=login, max_age=0) with a nonce that carries the
# answers' digest: the provider's signed ID token then names the person, the time and what was signed.
SIGN_OIDC_KEY = "oidc_sign"
SIGN_OIDC_FAILURES = {
    "cancelled": _l("The signing was cancelled. Your answers are saved."),
    "wrong_person": _l("The e-ID used to sign was not yours. The application was not signed."),
    "stale": _l(
        "The e-ID service did not ask you to identify yourself again, so nothing was signed. Try again."
    ),
    "loa": _l("This e-service needs an e-ID of a higher security level to sign."),
    "failed": _l(
        "The signing could not be verified, so nothing was signed. Your answers are saved. Please try again."
    ),
}


def _login_provider() -> oidc.Provider | None:
    login = g.login
    if login is None or not login.method.startswith("oidc:"):
        return None
    return oidc.get_provider(login.method.removeprefix("oidc:"), "citizen", g.municipality.slug)


@bp.get("/ansokan/<uuid:draft_id>/skriv-under/<role>/e-legitimation")
@citizen_required
def sign_oidc(draft_id: uuid.UUID, role: str) -> ResponseReturnValue:
    draft, eservice = _draft_for_role(draft_id, role)
    provider = _login_provider()
    if provider is None:
        abort(404)
    back = _sign_urls(draft, role).other_way
    if role == "applicant" and not attachments.ready_to_sign(eservice, draft):
        flash(_("Some answers are missing. Complete them before you sign."), "error")
        return redirect(back)
    digest = signing.answers_digest(eservice, draft)
    try:
        response = oidc.start(
            provider,
            url_for(".sign_oidc_callback", provider_id=provider.id, _external=True),
            nonce=f"{secrets.token_urlsafe(16)}.{digest}",
            prompt="login",
            max_age=0,
        )
    except oidc.LoginFailed:
        flash(str(protection.OIDC_FAILURES["provider"]), "error")
        return redirect(back)
    state = parse_qs(urlsplit(response.location).query).get("state", [""])[0]
    session[SIGN_OIDC_KEY] = {
        "state": state,
        "draft": str(draft.id),
        "role": role,
        "digest": digest,
        "started": int(time.time()),
    }
    return response


@bp.get("/ansokan/skriv-under/e-legitimation/<provider_id>/callback")
@decides_on_get
@citizen_required
def sign_oidc_callback(provider_id: str) -> ResponseReturnValue:
    pending = session.pop(SIGN_OIDC_KEY, None)
    provider = _login_provider()
    if (
        not pending
        or provider is None
        or provider.id != provider_id
        or pending["state"] != request.args.get("state")
    ):
        flash(str(protection.OIDC_FAILURES["state"]), "error")
        return redirect(url_for("home.my_pages"))
    role = pending["role"]
    draft, eservice = _draft_for_role(uuid.UUID(pending["draft"]), role)
    back = _sign_urls(draft, role).other_way
    reason = ""
    try:
        identity = oidc.complete(provider, require_personal_number=True)
    except oidc.LoginFailed as failure:
        reason = "cancelled" if failure.reason == "cancelled" else "failed"
    else:
        auth_time = identity.claims.get("auth_time")
        if identity.personal_number is None or identity.personal_number.digits12 != g.person.personal_number:
            reason = "wrong_person"
        elif not isinstance(auth_time, int) or auth_time < pending["started"] - 5:
            reason = "stale"
        elif not loa_at_least(identity.loa, eservice.min_loa):
            reason = "loa"
    if reason:
        audit.by_person(
            get_session(), "signing_failed", object_type="draft", object_id=str(draft.id), reason=reason
        )
        flash(str(SIGN_OIDC_FAILURES[reason]), "info" if reason == "cancelled" else "error")
        return redirect(back)
    if signing.answers_digest(eservice, draft) != pending["digest"]:
        flash(_("The application was changed after it was signed. It must be signed again."), "error")
        return redirect(back)
    evidence = SimpleNamespace(
        completion={
            "personal_number": g.person.personal_number,
            "signature": identity.id_token,  # the provider's signature over the nonce, hence the digest
            "ocsp_response": "",
        },
        user_visible_data=signing.sign_text(eservice, draft, g.person, _role(role)),
        order_ref=f"oidc:{provider.id}:{secrets.token_hex(8)}",
        status="complete",
    )
    return redirect(_complete(draft, eservice, evidence, role))
