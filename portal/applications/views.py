"""The citizen's application flow (GOV.UK patterns): start page, task list, one topic per page with
autosave, check answers, BankID signing, receipt. A medsökande approves and signs from their own login."""

from __future__ import annotations

import secrets
import time
import uuid
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from forms import engine
from forms.base import Answers, EService, Step
from portal.access import citizen_required, current_actor, public
from portal.accounts.models import Person
from portal.applications import services
from portal.applications.models import Draft
from portal.audit import services as audit
from portal.auth import bankid_flow, oidc, protection
from portal.auth import services as auth_services
from portal.auth.bankid import user_message
from portal.auth.bankid_flow import FlowUrls
from portal.auth.forms import BankIDStartForm, PostForm
from portal.auth.oidc import loa_at_least
from portal.cases.models import Document
from portal.db import decides_on_get, get_session
from portal.files import messages as files_messages
from portal.files.responses import audited_file, file_response
from portal.files.storage import storage
from portal.representation import access as representation

bp = Blueprint("applications", __name__)

UPLOAD_MESSAGES = {
    **files_messages.UPLOAD_MESSAGES,
    "too_large": _l("The file is too large. A file can be at most %(mb)s MB."),
    "total_too_large": _l(
        "The attachments together are too large. Remove an attachment or choose smaller files."
    ),
    "slot": _l("Choose which document you are attaching."),
    "missing": _l("Choose a file to upload."),
}
STATUS_LABELS = {
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
}


def _eservice_or_404(eservice_id: str) -> EService:
    eservice = services.eservice_for(g.municipality, eservice_id)
    if eservice is None:
        abort(404)
    return eservice


def _draft_or_404(draft_id: uuid.UUID, *, editable: bool = True) -> tuple[Draft, EService]:
    draft = services.draft_for_owner(
        draft_id, g.person, g.municipality, subject_id=representation.subject_id()
    )
    rep = representation.current()
    if draft is not None and rep is not None and not representation.allows_eservice(rep, draft.eservice_id):
        draft = None
    if draft is None:
        audit.deny(audit.by_person, "draft", draft_id)
    eservice = _eservice_or_404(draft.eservice_id)
    if editable and draft.status != "in_progress":
        abort(404)
    _require_loa(eservice)
    return draft, eservice


def _loa_too_low(eservice: EService) -> bool:
    return g.login is not None and not loa_at_least(g.login.loa, eservice.min_loa)


def _require_loa(eservice: EService) -> None:
    """An e-service that asks for a stronger e-ID than this login's: a page that says how to get in."""
    if _loa_too_low(eservice):
        audit.by_person(get_session(), "loa_too_low", object_type="eservice", object_id=eservice.id)
        abort(make_response(render_template("applications/stronger_eid.html", eservice=eservice), 403))


# --- e-services and start pages ----------------------------------------------------------------------------


@bp.get("/e-tjanster")
@public
def index() -> ResponseReturnValue:
    return render_template("applications/index.html", eservices=services.enabled_eservices(g.municipality))


@bp.get("/e-tjanster/<eservice_id>")
@public
def start_page(eservice_id: str) -> ResponseReturnValue:
    eservice = _eservice_or_404(eservice_id)
    existing = None
    if g.person is not None:
        existing = next(
            (
                d
                for d in services.open_drafts(
                    g.person, g.municipality, subject_id=representation.subject_id()
                )
                if d.eservice_id == eservice.id and d.status == "in_progress"
            ),
            None,
        )
    return render_template(
        "applications/start.html",
        eservice=eservice,
        existing=existing,
        loa_too_low=g.person is not None and _loa_too_low(eservice),
    )


@bp.post("/e-tjanster/<eservice_id>/starta")
@citizen_required
def start(eservice_id: str) -> ResponseReturnValue:
    eservice = _eservice_or_404(eservice_id)
    if not PostForm().validate_on_submit():
        abort(400)
    _require_loa(eservice)
    rep = representation.current()
    if rep is not None and not representation.allows_eservice(rep, eservice.id):
        audit.deny(audit.by_person, "eservice", eservice.id)
    draft = services.start_draft(
        g.person,
        g.municipality,
        eservice,
        subject_id=representation.subject_id(),
        actor=current_actor("person"),
    )
    return redirect(url_for(".tasks", draft_id=draft.id))


# --- task list, steps, check answers --------------------------------------------------------------------


@bp.get("/ansokan/<uuid:draft_id>")
@citizen_required
def tasks(draft_id: uuid.UUID) -> ResponseReturnValue:
    draft, eservice = _draft_or_404(draft_id)
    states = engine.states(eservice, draft.answers or {})
    done = sum(1 for s in states if s.status == "completed")
    return render_template(
        "applications/tasks.html",
        draft=draft,
        eservice=eservice,
        states=states,
        done=done,
        status_labels=STATUS_LABELS,
        ready=services.ready_to_sign(eservice, draft),
    )


def _next_step(eservice: EService, draft: Draft, current: Step) -> str:
    visible = eservice.visible_steps(Answers(draft.answers or {}))
    ids = [s.id for s in visible]
    if current.id in ids and ids.index(current.id) + 1 < len(ids):
        return url_for(".step", draft_id=draft.id, step_id=ids[ids.index(current.id) + 1])
    return url_for(".check", draft_id=draft.id)


def _render_step(
    draft: Draft,
    eservice: EService,
    step: Step,
    form: Any,
    errors: list[tuple[str, str]],
    upload_error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    visible = eservice.visible_steps(Answers(draft.answers or {}))
    position = next((i for i, s in enumerate(visible, start=1) if s.id == step.id), None)
    attachments = [a for a in draft.attachments if a.step_id == step.id]
    if upload_error:
        max_mb = current_app.config["PORTAL"].upload_max_bytes // (1024 * 1024)
        errors = [*errors, ("file", str(UPLOAD_MESSAGES[upload_error]) % {"mb": max_mb})]
    return (
        render_template(
            "applications/step.html",
            draft=draft,
            eservice=eservice,
            step=step,
            form=form,
            errors=errors,
            position=position,
            total=len(visible),
            attachments=attachments,
            upload_error=upload_error,
            item_forms=engine.step_forms(step, form),
            from_check=request.values.get("granska") == "1",
        ),
        status,
    )


@bp.get("/ansokan/<uuid:draft_id>/steg/<step_id>")
@citizen_required
def step(draft_id: uuid.UUID, step_id: str) -> ResponseReturnValue:
    draft, eservice = _draft_or_404(draft_id)
    current = eservice.step(step_id)
    if current is None or not current.applies(Answers(draft.answers or {})):
        abort(404)
    raw = (draft.answers or {}).get(current.id)
    form = engine.bind(current, raw)
    errors: list[tuple[str, str]] = []
    if raw is not None and request.args.get("visa-fel") == "1":
        form.validate()
        errors = engine.render_field_errors(form)
    return _render_step(draft, eservice, current, form, errors)


def _posts_step_fields(step: Step) -> bool:
    if step.repeat is not None:
        return any(key.startswith("items-") for key in request.form)
    return any(name in request.form for name in step.form()._fields)


@bp.post("/ansokan/<uuid:draft_id>/steg/<step_id>")
@citizen_required
def save_step(draft_id: uuid.UUID, step_id: str) -> ResponseReturnValue:
    draft, eservice = _draft_or_404(draft_id)
    current = eservice.step(step_id)
    if current is None or not current.applies(Answers(draft.answers or {})):
        abort(404)
    if not PostForm().validate_on_submit():
        abort(400)
    action = request.form.get("action", "continue")
    raw = engine.raw_from_request(current, request.form)
    if current.repeat is not None:
        if action == "add" and len(raw) < current.repeat.max_items:
            raw.append({})
        elif action.startswith("remove-") and action[7:].isdigit() and int(action[7:]) < len(raw):
            raw.pop(int(action[7:]))
    # Autosave: whatever happens next, what was typed is kept. A post that carries none of the step's
    # fields (an upload from a client that sends only the file) leaves the saved answers alone.
    if _posts_step_fields(current) or action == "add" or action.startswith("remove-"):
        services.save_step(draft, current, raw)
    else:
        raw = (draft.answers or {}).get(current.id, raw)

    upload_error = None
    if action == "upload":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            upload_error = "missing"
        else:
            upload_error = services.add_attachment(
                draft, current, request.form.get("slot", ""), upload.filename, upload.read()
            )
        if upload_error is None:
            flash(_("The file %(name)s was attached.", name=draft.attachments[-1].filename), "success")
        return _render_step(
            draft,
            eservice,
            current,
            engine.bind(current, raw),
            [],
            upload_error,
            status=400 if upload_error else 200,
        )
    if action.startswith("delete-attachment-"):
        services.remove_attachment(draft, action.removeprefix("delete-attachment-"))
        flash(_("The attachment was removed."), "info")
        return _render_step(draft, eservice, current, engine.bind(current, raw), [])
    if action == "later":
        flash(_("Your application is saved. You can continue where you left off from My pages."), "success")
        return redirect(url_for("home.my_pages"))
    if action == "autosave":
        # The page saves what is typed just before the login would run out (static/js/session.js).
        saved = make_response("", 204)
        saved.headers.remove("Content-Type")
        return saved
    if action == "add" or action.startswith("remove-"):
        return _render_step(draft, eservice, current, engine.bind(current, raw), [])
    ok, form = engine.validate(current, raw)
    if not ok:
        errors = engine.render_field_errors(form)
        if current.repeat is not None and len(raw) < current.repeat.min_items:
            errors.insert(0, ("add-item", str(_("Add at least one"))))
        return _render_step(draft, eservice, current, form, errors, status=400)
    if request.form.get("granska") == "1":
        return redirect(url_for(".check", draft_id=draft.id))
    return redirect(_next_step(eservice, draft, current))


def _save_after_expiry(person: Person, draft_id: uuid.UUID, step_id: str) -> bool:
    """Keep the answers a step's form posted after the idle limit ended its login (see citizen_required)."""
    draft = services.draft_for_owner(draft_id, person, g.municipality)
    if draft is None or draft.status != "in_progress" or not PostForm().validate_on_submit():
        return False
    eservice = services.eservice_for(g.municipality, draft.eservice_id)
    current = eservice.step(step_id) if eservice is not None else None
    if current is None or not _posts_step_fields(current):
        return False
    services.save_step(draft, current, engine.raw_from_request(current, request.form))
    audit.record(
        get_session(),
        "draft_saved_after_logout",
        actor=current_actor("person"),
        actor_type="person",
        actor_id=person.id,
        subject_person_id=person.id,
        object_type="draft",
        object_id=str(draft.id),
    )
    flash(_("What you wrote on the page is saved. Log in again to continue."), "success")
    return True


save_step.save_after_expiry = _save_after_expiry  # type: ignore[attr-defined]


@bp.get("/ansokan/<uuid:draft_id>/granska")
@citizen_required
def check(draft_id: uuid.UUID) -> ResponseReturnValue:
    draft, eservice = _draft_or_404(draft_id)
    states = engine.states(eservice, draft.answers or {})
    sections = [(state, engine.summary_rows(state.step, state.form)) for state in states]
    calculation = None
    if services.ready_to_sign(eservice, draft):
        calculation = eservice.calculation(
            Answers(draft.answers or {}), engine.typed_answers(eservice, draft.answers)
        )
    changed_steps: set[str] = set()
    changes = getattr(eservice, "changes", None)
    if callable(changes):
        previous = services.previous_payload(g.person, g.municipality, subject_id=representation.subject_id())
        if previous:
            typed = engine.typed_answers(eservice, draft.answers or {})
            changed_steps = {step_id for step_id, *_rest in changes(previous, typed)}
    return render_template(
        "applications/check.html",
        sign_provider=_login_provider(),
        changed_steps=changed_steps,
        draft=draft,
        eservice=eservice,
        sections=sections,
        missing=services.missing_attachments(eservice, draft),
        ready=services.ready_to_sign(eservice, draft),
        calculation=calculation,
        mobile_first=bankid_flow.is_mobile(),
    )


@bp.get("/ansokan/<uuid:draft_id>/ta-bort")
@citizen_required
def confirm_delete(draft_id: uuid.UUID) -> ResponseReturnValue:
    draft, eservice = _draft_or_404(draft_id)
    return render_template("applications/delete.html", draft=draft, eservice=eservice)


@bp.post("/ansokan/<uuid:draft_id>/ta-bort")
@citizen_required
def delete(draft_id: uuid.UUID) -> ResponseReturnValue:
    draft, _eservice = _draft_or_404(draft_id)
    if not PostForm().validate_on_submit():
        abort(400)
    services.delete_draft(draft, g.person, actor=current_actor("person"))
    flash(_("The draft application was deleted."), "info")
    return redirect(url_for("home.my_pages"))


@bp.get("/ansokan/<uuid:draft_id>/bilagor/<uuid:attachment_id>")
@citizen_required
def attachment(draft_id: uuid.UUID, attachment_id: uuid.UUID) -> ResponseReturnValue:
    draft = services.draft_for_owner(
        draft_id, g.person, g.municipality, subject_id=representation.subject_id()
    )
    found = next((a for a in draft.attachments if a.id == attachment_id), None) if draft else None
    if found is None:
        audit.deny(audit.by_person, "draft_attachment", attachment_id)
    return file_response(storage.get(get_session(), found.stored_file_id), found.media_type, found.filename)


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
    draft = services.draft_for_co_applicant(draft_id, g.person, g.municipality)
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
    if role == "applicant" and not services.ready_to_sign(eservice, draft):
        flash(_("Some answers are missing. Complete them before you sign."), "error")
        return redirect(url_for(".check", draft_id=draft.id))
    same_device = form.device.data == "same"
    result = services.start_signing(
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
        session.get(_sign_key(draft, role)), purpose="sign", purpose_ref=services.sign_ref(draft, _role(role))
    )
    if order is None or order.municipality_id != g.municipality.id:
        return None
    return order


def _complete(draft: Draft, eservice: EService, order: Any, role: str) -> str:
    return _land(
        draft,
        role,
        services.finish_signing(draft, eservice, order, g.person, _role(role), actor=current_actor("person")),
    )


def _finished(draft: Draft, eservice: EService, order: Any, role: str) -> str | None:
    """Where a waiting page goes when the signing is over: completed now, or already (by another tab or
    request, whose outcome this one shares); None while it is still going on."""
    if order is not None and order.status == "complete":
        return _complete(draft, eservice, order, role)
    if order is None or order.status == "used" or draft.status != "in_progress":
        outcome = services.settled(draft, _role(role))
        if outcome is not None:
            return _land(draft, role, outcome)
    return None


def _land(draft: Draft, role: str, outcome: services.SignOutcome) -> str:
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
    if role == "applicant" and not services.ready_to_sign(eservice, draft):
        flash(_("Some answers are missing. Complete them before you sign."), "error")
        return redirect(back)
    digest = services.answers_digest(eservice, draft)
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
    if services.answers_digest(eservice, draft) != pending["digest"]:
        flash(_("The application was changed after it was signed. It must be signed again."), "error")
        return redirect(back)
    evidence = SimpleNamespace(
        completion={
            "personal_number": g.person.personal_number,
            "signature": identity.id_token,  # the provider's signature over the nonce, hence the digest
            "ocsp_response": "",
        },
        user_visible_data=services.sign_text(eservice, draft, g.person, _role(role)),
        order_ref=f"oidc:{provider.id}:{secrets.token_hex(8)}",
        status="complete",
    )
    return redirect(_complete(draft, eservice, evidence, role))


# --- co-applicant and receipt ------------------------------------------------------------------------------


@bp.get("/ansokan/<uuid:draft_id>/medsokande")
@citizen_required
def co_applicant(draft_id: uuid.UUID) -> ResponseReturnValue:
    draft = (
        services.draft_for_co_applicant(draft_id, g.person, g.municipality)
        if representation.current() is None
        else None
    )
    if draft is None:
        audit.deny(audit.by_person, "draft", draft_id)
    eservice = _eservice_or_404(draft.eservice_id)
    if draft.status == "submitted":
        return redirect(url_for(".receipt", draft_id=draft.id))
    states = engine.states(eservice, draft.answers or {})
    sections = [(state, engine.summary_rows(state.step, state.form)) for state in states]
    audit.by_person(
        get_session(),
        "application_read",
        subject_person_id=draft.subject_id,
        object_type="draft",
        object_id=str(draft.id),
    )
    return render_template(
        "applications/co_applicant.html",
        sign_provider=_login_provider(),
        draft=draft,
        eservice=eservice,
        sections=sections,
        mobile_first=bankid_flow.is_mobile(),
    )


@bp.get("/ansokan/<uuid:draft_id>/kvitto")
@citizen_required
def receipt(draft_id: uuid.UUID) -> ResponseReturnValue:
    draft = services.draft_for_owner(
        draft_id, g.person, g.municipality, subject_id=representation.subject_id()
    )
    if draft is None and representation.current() is None:
        draft = services.draft_for_co_applicant(draft_id, g.person, g.municipality)
    if draft is None or draft.case_id is None:
        audit.deny(audit.by_person, "draft", draft_id)
    eservice = _eservice_or_404(draft.eservice_id)
    from portal.cases.models import Case

    case = get_session().scalar(
        sa.select(Case).where(Case.id == draft.case_id).options(selectinload(Case.documents))
    )
    receipt_doc = next((d for d in case.documents if d.kind == "kvitto"), None) if case else None
    if case is not None:
        audit.by_person(
            get_session(),
            "case_read",
            subject_person_id=case.subject_id,
            object_type="case",
            object_id=str(case.id),
            page="receipt",
        )
    return render_template(
        "applications/receipt.html", draft=draft, eservice=eservice, case=case, receipt_doc=receipt_doc
    )


def _is_co_applicant(case_id: uuid.UUID) -> bool:
    """A medsökande signed the application, so may read its documents too."""
    import sqlalchemy as sa

    return (
        get_session().scalar(
            sa.select(Draft.id).where(Draft.case_id == case_id, Draft.co_applicant_id == g.person.id)
        )
        is not None
    )


@bp.get("/dokument/<uuid:document_id>")
@citizen_required
def document(document_id: uuid.UUID) -> ResponseReturnValue:
    from portal.cases.models import Case

    doc = get_session().get(Document, document_id)
    case = get_session().get(Case, doc.case_id) if doc else None
    rep = representation.current()
    if case is None or case.municipality_id != g.municipality.id:
        allowed = False
    elif rep is not None:
        # Acting for someone: only the principal's documents within the representation's read right.
        allowed = representation.allows_case(rep, case, "read")
    else:
        # Someone who applied as an ombud reads the case's documents only while acting under a valid grant.
        allowed = g.person.id == case.subject_id or _is_co_applicant(case.id)
    if not allowed:
        audit.deny(audit.by_person, "document", document_id)
    return audited_file(
        audit.by_person,
        "document_read",
        subject_person_id=case.subject_id,
        object_type="document",
        object_id=doc.id,
        stored_file_id=doc.stored_file_id,
        media_type=doc.media_type,
        filename=doc.filename,
        inline=request.args.get("ladda-ned") != "1",
    )


@bp.get("/e-tjanster/<eservice_id>/schema.json")
@public
def schema(eservice_id: str) -> ResponseReturnValue:
    """The JSON Schema of the e-service's payload, for case-system integrators."""
    import forms

    forms.load()
    if eservice_id not in forms.registry:
        abort(404)
    return jsonify(engine.schema(forms.get(eservice_id)))


__all__ = ["bp"]
