"""An application before and after it is sent: check answers, delete a draft, its attachments; the
medsökande's page, the receipt, a case document and an e-service's schema."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import (
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

import forms
from forms import engine
from forms.base import Answers
from portal.access import citizen_required, current_actor, public
from portal.applications import attachments, drafts
from portal.applications.models import Draft
from portal.applications.signing_views import _login_provider
from portal.applications.views import _draft_or_404, _eservice_or_404, bp
from portal.audit import services as audit
from portal.auth import bankid_flow
from portal.auth.forms import PostForm
from portal.cases.models import Case, Document
from portal.db import get_session
from portal.files.responses import audited_record, file_response
from portal.files.storage import storage
from portal.representation import access as representation


@bp.get("/ansokan/<uuid:draft_id>/granska")
@citizen_required
def check(draft_id: uuid.UUID) -> ResponseReturnValue:
    draft, eservice = _draft_or_404(draft_id)
    states = engine.states(eservice, draft.answers or {})
    sections = [(state, engine.summary_rows(state.step, state.form)) for state in states]
    calculation = None
    if attachments.ready_to_sign(eservice, draft):
        calculation = eservice.calculation(
            Answers(draft.answers or {}), engine.typed_answers(eservice, draft.answers)
        )
    changed_steps: set[str] = set()
    changes = getattr(eservice, "changes", None)
    if callable(changes):
        previous = drafts.previous_payload(g.person, g.municipality, subject_id=representation.subject_id())
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
        missing=attachments.missing_attachments(eservice, draft),
        ready=attachments.ready_to_sign(eservice, draft),
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
    drafts.delete_draft(draft, g.person, actor=current_actor("person"))
    flash(_("The draft application was deleted."), "info")
    return redirect(url_for("home.my_pages"))


@bp.get("/ansokan/<uuid:draft_id>/bilagor/<uuid:attachment_id>")
@citizen_required
def attachment(draft_id: uuid.UUID, attachment_id: uuid.UUID) -> ResponseReturnValue:
    draft = drafts.draft_for_owner(draft_id, g.person, g.municipality, subject_id=representation.subject_id())
    found = next((a for a in draft.attachments if a.id == attachment_id), None) if draft else None
    if found is None:
        audit.deny(audit.by_person, "draft_attachment", attachment_id)
    return file_response(storage.get(get_session(), found.stored_file_id), found.media_type, found.filename)


# --- co-applicant and receipt ------------------------------------------------------------------------------


@bp.get("/ansokan/<uuid:draft_id>/medsokande")
@citizen_required
def co_applicant(draft_id: uuid.UUID) -> ResponseReturnValue:
    draft = (
        drafts.draft_for_co_applicant(draft_id, g.person, g.municipality)
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
    draft = drafts.draft_for_owner(draft_id, g.person, g.municipality, subject_id=representation.subject_id())
    if draft is None and representation.current() is None:
        draft = drafts.draft_for_co_applicant(draft_id, g.person, g.municipality)
    if draft is None or draft.case_id is None:
        audit.deny(audit.by_person, "draft", draft_id)
    eservice = _eservice_or_404(draft.eservice_id)
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
    return (
        get_session().scalar(
            sa.select(Draft.id).where(Draft.case_id == case_id, Draft.co_applicant_id == g.person.id)
        )
        is not None
    )


@bp.get("/dokument/<uuid:document_id>")
@citizen_required
def document(document_id: uuid.UUID) -> ResponseReturnValue:
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
    return audited_record(
        audit.by_person,
        "document_read",
        doc,
        subject_person_id=case.subject_id,
        object_type="document",
        inline=request.args.get("ladda-ned") != "1",
    )


@bp.get("/e-tjanster/<eservice_id>/schema.json")
@public
def schema(eservice_id: str) -> ResponseReturnValue:
    """The JSON Schema of the e-service's payload, for case-system integrators."""
    forms.load()
    if eservice_id not in forms.registry:
        abort(404)
    return jsonify(engine.schema(forms.get(eservice_id)))
