"""Mina ärenden: the citizen's cases, each with its status, what happens next, timeline and documents."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

import forms
from portal import paging
from portal.access import citizen_required, current_actor
from portal.accounts.models import Person
from portal.audit import services as audit
from portal.cases import handling as case_handling
from portal.cases import services as cases_services
from portal.cases.labels import EVENT_LABELS, NEXT_STEPS, OUTCOME_LABELS, STATUS_LABELS, processing_time
from portal.cases.models import Case, CaseEvent, Decision, SupplementRequest
from portal.db import get_session
from portal.files.messages import UPLOAD_MESSAGES
from portal.messaging import services as messaging
from portal.providers import services as providers
from portal.representation import access as representation
from portal.representation.access import visible_cases
from portal.staff.forms import AnswerSupplementForm

bp = Blueprint("cases", __name__)

PAGE_SIZE = 20
ANSWER_ERRORS = {**UPLOAD_MESSAGES, "empty_answer": _l("Write an answer or attach a document.")}


def _can_message() -> bool:
    rep = representation.current()
    return rep is None or rep.can_message


@bp.get("/mina-arenden")
@citizen_required
def index() -> ResponseReturnValue:
    session = get_session()
    total = session.scalar(sa.select(sa.func.count()).select_from(visible_cases().subquery())) or 0
    page = paging.page_of(total, PAGE_SIZE)
    cases = session.scalars(
        visible_cases().order_by(Case.created_at.desc()).offset(page.offset).limit(PAGE_SIZE)
    ).all()
    audit.by_person(
        session,
        "case_list_read",
        subject_person_id=representation.subject_id(),
        count=len(cases),
    )
    return render_template(
        "cases/index.html",
        cases=cases,
        titles=forms.titles(),
        statuses=STATUS_LABELS,
        next_steps=NEXT_STEPS,
        page=page.number,
        pages=page.pages,
        total=total,
    )


@bp.get("/arenden/<uuid:case_id>")
@citizen_required
def show(case_id: uuid.UUID) -> ResponseReturnValue:
    return render_case(case_id)


def render_case(
    case_id: uuid.UUID,
    *,
    unsent: str = "",
    message_error: str = "",
    audience: str = "handlaggare",
    status: int = 200,
) -> ResponseReturnValue:
    session = get_session()
    case = session.scalar(visible_cases().where(Case.id == case_id).options(selectinload(Case.documents)))
    if case is None:
        audit.deny(audit.by_person, "case", case_id)
    events = session.scalars(
        sa.select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.visible_to_citizen.is_(True))
        .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())
    ).all()
    decisions = session.scalars(
        sa.select(Decision).where(Decision.case_id == case.id).order_by(Decision.published_at.desc())
    ).all()
    requests = session.scalars(
        sa.select(SupplementRequest)
        .where(SupplementRequest.case_id == case.id, SupplementRequest.status == "open")
        .order_by(SupplementRequest.due_date)
    ).all()
    # Showing the decision on this page is opening it: the read receipt staff see.
    case_handling.mark_decisions_read(session, case, current_actor("person"))
    case_threads = messaging.threads(session, case)
    conversation = case_threads.get("handlaggare")
    # Kundval: the utförare serving the case (its own thread), and whether this insats can be chosen for.
    serving = providers.current_choice(session, case.id)
    pending = providers.pending_choice(session, case.id)
    rep = representation.current()
    can_choose = providers.granted_case(
        session, case.subject_id, g.municipality.id, case.id
    ) is not None and (rep is None or representation.allows_case(rep, case, "apply"))
    utforare_thread = case_threads.get("utforare") if serving is not None else None
    utforare_authors = providers.author_providers(session, utforare_thread)
    unread_ids = {
        m.id
        for thread in (conversation, utforare_thread)
        if thread
        for m in thread.messages
        if m.author_type == "staff" and m.read_at is None
    }
    messaging.mark_read(session, case, by="person")
    author_ids = {
        m.author_person_id
        for thread in (conversation, utforare_thread)
        if thread
        for m in thread.messages
        if m.author_person_id
    }
    author_names = (
        {p.id: p.name for p in session.scalars(sa.select(Person).where(Person.id.in_(author_ids)))}
        if author_ids
        else {}
    )
    audit.by_person(
        session,
        "case_read",
        subject_person_id=case.subject_id,
        object_type="case",
        object_id=str(case.id),
    )
    return render_template(
        "cases/show.html",
        case=case,
        delivery_waiting=cases_services.delivery_waiting(session, case),
        events=events,
        title=forms.titles().get(case.eservice_id, case.eservice_id),
        statuses=STATUS_LABELS,
        next_steps=NEXT_STEPS,
        processing_time=processing_time(case),
        event_labels=EVENT_LABELS,
        decisions=decisions,
        requests=requests,
        outcomes=OUTCOME_LABELS,
        answer_form=AnswerSupplementForm(),
        conversation=conversation,
        unread_ids=unread_ids,
        unsent=unsent if audience == "handlaggare" else "",
        message_error=message_error if audience == "handlaggare" else "",
        serving=serving,
        pending=pending,
        can_choose=can_choose,
        utforare_thread=utforare_thread,
        utforare_authors=utforare_authors,
        utforare_unsent=unsent if audience == "utforare" else "",
        utforare_error=message_error if audience == "utforare" else "",
        can_message=_can_message(),
        author_names=author_names,
    ), status


@bp.post("/arenden/<uuid:case_id>/komplettering/<uuid:request_id>")
@citizen_required
def answer_supplement(case_id: uuid.UUID, request_id: uuid.UUID) -> ResponseReturnValue:
    session = get_session()
    case = session.scalar(visible_cases("message").where(Case.id == case_id))
    if case is None:
        audit.deny(audit.by_person, "case", case_id)
    form = AnswerSupplementForm()
    if not form.validate_on_submit():
        abort(400)
    upload = request.files.get("document")
    content = (upload.filename or "", upload.read()) if upload is not None and upload.filename else None
    error = case_handling.answer_supplement(
        session, case, request_id, current_actor("person"), form.text.data or "", content
    )
    if error == "gone":
        abort(404)
    if error == "answered":
        flash(_("This request was already answered. Write a message if you want to add something."), "info")
    elif error:
        flash(str(ANSWER_ERRORS.get(error, ANSWER_ERRORS["type"])), "error")
    else:
        flash(_("Thank you. Your answer is sent to the case officer."), "success")
    return redirect(url_for(".show", case_id=case.id))
