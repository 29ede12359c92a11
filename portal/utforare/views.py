"""The utförare's own cases with only the utförare thread and the genomförandeplan."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

import forms
from portal.access import current_actor, staff_required
from portal.accounts.models import Person
from portal.audit import services as audit
from portal.cases.models import Case, Document
from portal.db import get_session
from portal.files.messages import pdf_upload_message
from portal.files.responses import audited_record
from portal.messaging import services as messaging
from portal.providers import services
from portal.providers.models import Provider, ProviderChoice
from portal.staff.models import StaffUser
from portal.utforare.forms import ImplementationPlanForm

bp = Blueprint("utforare", __name__, url_prefix="/handlaggare/utforare")


def served_case_or_404(case_id: uuid.UUID) -> Case:
    staff: StaffUser = g.staff
    session = get_session()
    case = session.scalar(
        services.cases_served_by(staff.provider_id, staff.municipality_id).where(Case.id == case_id)  # type: ignore[arg-type]
    )
    if case is None:
        audit.deny(audit.by_staff, "case", case_id)
    return case


@bp.get("/")
@staff_required("utforare")
def cases() -> ResponseReturnValue:
    staff: StaffUser = g.staff
    session = get_session()
    rows = session.execute(
        services.cases_served_by(staff.provider_id, staff.municipality_id)  # type: ignore[arg-type]
        .add_columns(ProviderChoice.effective_date, Person.given_name, Person.surname)
        .join(Person, Person.id == Case.subject_id)
        .order_by(ProviderChoice.effective_date.desc(), Case.case_number)
    ).all()
    unread = messaging.unread_by_case(session, [row[0].id for row in rows], audience="utforare")
    provider = session.get(Provider, staff.provider_id)
    audit.by_staff(session, "utforare_case_list_read", count=len(rows))
    return render_template(
        "providers/utforare_cases.html",
        rows=rows,
        unread=unread,
        provider=provider,
        titles=forms.service_names(),
    )


@bp.get("/arenden/<uuid:case_id>")
@staff_required("utforare")
def case(case_id: uuid.UUID) -> ResponseReturnValue:
    current = served_case_or_404(case_id)
    return render_case(current)


def render_case(current: Case, *, unsent: str = "", message_error: str = "", status: int = 200):  # type: ignore[no-untyped-def]
    session = get_session()
    subject = session.get(Person, current.subject_id)
    plans = session.scalars(
        sa.select(Document)
        .where(Document.case_id == current.id, Document.kind == "genomforandeplan")
        .order_by(Document.created_at)
    ).all()
    choice = services.current_choice(session, current.id)
    thread = messaging.thread(session, current, "utforare")
    since = services.serving_since(choice) if choice is not None else None
    conversation = SimpleNamespace(
        messages=[m for m in (thread.messages if thread else []) if since is None or m.created_at >= since]
    )
    names = _author_names(conversation)
    messaging.mark_read(session, current, by="staff", audience="utforare")
    audit.by_staff(
        session,
        "case_read",
        subject_person_id=current.subject_id,
        object_type="case",
        object_id=str(current.id),
        audience="utforare",
    )
    return render_template(
        "providers/utforare_case.html",
        case=current,
        subject=subject,
        plans=plans,
        conversation=conversation,
        author_names=names,
        choice=choice,
        title=forms.service_names().get(current.eservice_id, current.eservice_id),
        plan_form=ImplementationPlanForm(),
        unsent=unsent,
        message_error=message_error,
    ), status


def _author_names(conversation) -> dict[int, str]:  # type: ignore[no-untyped-def]
    ids = {m.author_staff_id for m in (conversation.messages if conversation else []) if m.author_staff_id}
    if not ids:
        return {}
    return dict(
        get_session().execute(sa.select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids))).all()
    )


@bp.post("/arenden/<uuid:case_id>/genomforandeplan")
@staff_required("utforare")
def upload_plan(case_id: uuid.UUID) -> ResponseReturnValue:
    current = served_case_or_404(case_id)
    if not ImplementationPlanForm().validate_on_submit():
        abort(400)
    upload = request.files.get("document")
    if upload is None or not upload.filename:
        flash(_("Attach the implementation plan (genomförandeplan) as a PDF"), "error")
        return redirect(url_for(".case", case_id=case_id))
    error = services.add_implementation_plan(
        get_session(), current, current_actor("staff"), (upload.filename, upload.read())
    )
    if error:
        flash(pdf_upload_message(error, _("The implementation plan must be a readable PDF.")), "error")
    else:
        flash(_("The implementation plan is published to the person."), "success")
    return redirect(url_for(".case", case_id=case_id))


@bp.get("/dokument/<uuid:document_id>")
@staff_required("utforare")
def document(document_id: uuid.UUID) -> ResponseReturnValue:
    session = get_session()
    doc = session.get(Document, document_id)
    if doc is None or doc.kind != "genomforandeplan":
        audit.deny(audit.by_staff, "document", document_id)
    current = served_case_or_404(doc.case_id)
    return audited_record(
        audit.by_staff,
        "document_read",
        doc,
        subject_person_id=current.subject_id,
        object_type="document",
    )
