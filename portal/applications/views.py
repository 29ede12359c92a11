"""The citizen's application flow (GOV.UK patterns): start page, task list, one topic per page with
autosave, check answers, BankID signing, receipt. A medsökande approves and signs from their own login.

This module: the blueprint, e-services and start pages, the task list and the steps. Signing is
``signing_views``; check answers, the medsökande's page and the receipt are ``review_views``."""

from __future__ import annotations

import uuid
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from forms import engine
from forms.base import Answers, EService, Step
from portal.access import citizen_required, current_actor, public
from portal.accounts.models import Person
from portal.applications import attachments, drafts
from portal.applications.models import Draft
from portal.audit import services as audit
from portal.auth.forms import PostForm
from portal.auth.oidc import loa_at_least
from portal.db import get_session
from portal.files import messages as files_messages
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
    eservice = drafts.eservice_for(g.municipality, eservice_id)
    if eservice is None:
        abort(404)
    return eservice


def _draft_or_404(draft_id: uuid.UUID, *, editable: bool = True) -> tuple[Draft, EService]:
    draft = drafts.draft_for_owner(draft_id, g.person, g.municipality, subject_id=representation.subject_id())
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
    return render_template("applications/index.html", eservices=drafts.enabled_eservices(g.municipality))


@bp.get("/e-tjanster/<eservice_id>")
@public
def start_page(eservice_id: str) -> ResponseReturnValue:
    eservice = _eservice_or_404(eservice_id)
    existing = None
    if g.person is not None:
        existing = next(
            (
                d
                for d in drafts.open_drafts(g.person, g.municipality, subject_id=representation.subject_id())
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
    draft = drafts.start_draft(
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
        ready=attachments.ready_to_sign(eservice, draft),
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
    step_attachments = [a for a in draft.attachments if a.step_id == step.id]
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
            attachments=step_attachments,
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
        drafts.save_step(draft, current, raw)
    else:
        raw = (draft.answers or {}).get(current.id, raw)

    upload_error = None
    if action == "upload":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            upload_error = "missing"
        else:
            upload_error = attachments.add_attachment(
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
        attachments.remove_attachment(draft, action.removeprefix("delete-attachment-"))
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
    draft = drafts.draft_for_owner(draft_id, person, g.municipality)
    if draft is None or draft.status != "in_progress" or not PostForm().validate_on_submit():
        return False
    eservice = drafts.eservice_for(g.municipality, draft.eservice_id)
    current = eservice.step(step_id) if eservice is not None else None
    if current is None or not _posts_step_fields(current):
        return False
    drafts.save_step(draft, current, engine.raw_from_request(current, request.form))
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


__all__ = ["bp"]
