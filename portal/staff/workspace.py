"""The staff case workspace's common parts: the cases a handläggare may open, and the case page that every
action on a case shows again when its form did not go through."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

import forms
from forms import engine
from portal.accounts.models import Person
from portal.audit import services as audit
from portal.cases import services as cases
from portal.cases.labels import EVENT_LABELS, OUTCOME_LABELS, STATUS_LABELS
from portal.cases.models import Case, CaseEvent, Decision, Document, StaffNote, SupplementRequest
from portal.db import get_session
from portal.messaging import services as messaging
from portal.staff.forms import DecisionForm, NoteForm, StatusForm, SupplementForm
from portal.staff.models import StaffUser


def unit_cases() -> sa.Select[tuple[Case]]:
    """Cases a handläggare may open: their municipality and their unit (the routes declare the role)."""
    staff: StaffUser = g.staff
    return sa.select(Case).where(Case.municipality_id == staff.municipality_id, Case.unit_id == staff.unit_id)


def case_or_404(case_id: uuid.UUID) -> Case:
    case = get_session().scalar(unit_cases().where(Case.id == case_id))
    if case is None:
        audit.deny(audit.by_staff, "case", case_id)
    return case


def render_case(
    current: Case,
    *,
    errors: list[tuple[str, str]] | None = None,
    message_error: str = "",
    unsent: str = "",
    **forms_given: Any,
) -> ResponseReturnValue:
    """The case page; a form that did not go through is shown again (400) with what was typed, its
    messages in the error summary at the top and next to its fields."""
    db = get_session()
    subject = db.get(Person, current.subject_id)
    documents = db.scalars(
        sa.select(Document).where(Document.case_id == current.id).order_by(Document.created_at)
    ).all()
    events = db.scalars(
        sa.select(CaseEvent).where(CaseEvent.case_id == current.id).order_by(CaseEvent.at.desc())
    ).all()
    notes = db.scalars(
        sa.select(StaffNote).where(StaffNote.case_id == current.id).order_by(StaffNote.created_at)
    ).all()
    requests = db.scalars(
        sa.select(SupplementRequest)
        .where(SupplementRequest.case_id == current.id)
        .order_by(SupplementRequest.created_at)
    ).all()
    decisions = db.scalars(
        sa.select(Decision).where(Decision.case_id == current.id).order_by(Decision.published_at)
    ).all()
    staff_names = dict(
        db.execute(
            sa.select(StaffUser.id, StaffUser.name).where(
                StaffUser.municipality_id == g.staff.municipality_id
            )
        ).all()
    )
    answers = answer_sections(current)
    case_threads = messaging.threads(db, current)
    conversation, utforare_thread = case_threads.get("handlaggare"), case_threads.get("utforare")
    messaging.mark_read(db, current, by="staff", audience="handlaggare")
    delivery = cases.waiting_delivery(db, current)
    audit.by_staff(
        db,
        "case_read",
        subject_person_id=current.subject_id,
        object_type="case",
        object_id=str(current.id),
    )
    return render_template(
        "staff/case.html",
        case=current,
        subject=subject,
        documents=documents,
        events=events,
        notes=notes,
        requests=requests,
        decisions=decisions,
        staff_names=staff_names,
        answers=answers,
        title=forms.titles().get(current.eservice_id, current.eservice_id),
        outcomes=OUTCOME_LABELS,
        event_labels=EVENT_LABELS,
        statuses=STATUS_LABELS,
        status_form=StatusForm(status=current.status),
        note_form=forms_given.get("note_form") or NoteForm(formdata=None),
        supplement_form=forms_given.get("supplement_form") or SupplementForm(formdata=None),
        decision_form=forms_given.get("decision_form") or DecisionForm(formdata=None),
        errors=errors or [],
        message_error=message_error,
        unsent=unsent,
        conversation=conversation,
        utforare_thread=utforare_thread,
        delivery=delivery,
    ), (400 if errors else 200)


def answer_sections(current: Case) -> list[tuple[str, list[tuple[str, str]]]]:
    """The submitted answers with the e-service's own questions, read from its schema."""
    forms.load()
    if current.eservice_id not in forms.registry:
        return []
    schema = engine.schema(forms.get(current.eservice_id))["properties"]["answers"]["properties"]
    sections = []
    for step_id, value in (current.payload.get("answers") or {}).items():
        step_schema = schema.get(step_id, {})
        props = (step_schema.get("items") or step_schema).get("properties", {})
        items = value if isinstance(value, list) else [value]
        rows = []
        for number, item in enumerate(items, start=1):
            for key, answer in (item or {}).items():
                if answer in (None, "", []):
                    continue
                label = props.get(key, {}).get("title", key)
                if isinstance(value, list):
                    label = f"{number}. {label}"
                rows.append((label, ", ".join(map(str, answer)) if isinstance(answer, list) else str(answer)))
        sections.append((step_schema.get("title", step_id), rows))
    return sections


def back(case_id: uuid.UUID) -> ResponseReturnValue:
    return redirect(url_for(".case", case_id=case_id))
