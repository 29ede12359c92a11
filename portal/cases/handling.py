"""Handling a case (staff: assigning, status, notes, supplement requests, decisions) and answering it
(the citizen: supplements, reading the decision). Each step flushes with its timeline and audit events."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.audit import services as audit
from portal.cases.models import STATUSES, Case, Decision, Document, StaffNote, SupplementRequest
from portal.cases.services import add_event, notify_citizen
from portal.db import locked, utcnow
from portal.files import quota, validation
from portal.files.storage import storage

APPEAL_WEEKS = 3


def _staff_audit(session: Session, action: str, case: Case, staff: Actor, **detail: object) -> None:
    audit.record(
        session,
        action,
        actor=staff,
        subject_person_id=case.subject_id,
        object_type="case",
        object_id=str(case.id),
        municipality_id=case.municipality_id,
        **detail,
    )


def assign(session: Session, case: Case, staff: Actor) -> None:
    case.assigned_to_id = staff.id
    _staff_audit(session, "case_assigned", case, staff)
    session.flush()


def set_status(session: Session, case: Case, status: str, staff: Actor | None) -> None:
    if status not in STATUSES or status == case.status:
        return
    previous, case.status = case.status, status
    add_event(session, case, "status_changed", old=previous, new=status)
    if staff is not None:
        _staff_audit(session, "case_status_changed", case, staff, old=previous, new=status)
    session.flush()


def add_note(session: Session, case: Case, staff: Actor, body: str) -> None:
    session.add(StaffNote(case_id=case.id, author_id=staff.id, body=body))
    add_event(session, case, "note_added", visible_to_citizen=False)
    _staff_audit(session, "case_note_added", case, staff)
    session.flush()


def request_supplement(session: Session, case: Case, staff: Actor, text: str, due_date: dt.date) -> None:
    session.add(SupplementRequest(case_id=case.id, requested_by_id=staff.id, text=text, due_date=due_date))
    previous, case.status = case.status, "supplement_requested"
    add_event(session, case, "supplement_requested", due_date=due_date.isoformat(), old=previous)
    _staff_audit(session, "supplement_requested", case, staff)
    notify_citizen(session, case, "supplement")
    session.flush()


def answer_supplement(
    session: Session,
    case: Case,
    request_id: uuid.UUID,
    person: Actor,
    text: str,
    upload: tuple[str, bytes] | None,
) -> str | None:
    """The citizen's answer: text and/or a document. Returns an upload error reason, "answered" when the
    request was answered already with other words, or None.

    One atomic step under the case's row lock: the same answer sent twice at once (a double click) is
    stored once, and the second sending is told it went through; the case leaves "komplettering begärd"
    once, when its last open request is answered."""

    locked(session, Case, case.id)
    request = locked(session, SupplementRequest, request_id)
    if request is None or request.case_id != case.id:
        return "gone"
    if request.status != "open":
        return None if request.answer_text == text.strip() else "answered"
    if upload is not None:
        try:
            checked = validation.validate_upload(
                upload[0], upload[1], max_bytes=current_app.config["PORTAL"].upload_max_bytes
            )
            uploader = quota.Uploader(case.municipality_id, person_id=person.id)
            quota.admit(session, uploader, [checked.size], case_id=case.id)
        except validation.UploadRejected as exc:
            return exc.reason
        stored = storage.put(session, upload[1], checked.media_type)
        session.add(
            Document(
                case_id=case.id,
                kind="bilaga",
                title=checked.safe_filename,
                filename=checked.safe_filename,
                media_type=checked.media_type,
                size=checked.size,
                sha256=checked.sha256,
                stored_file=stored,
            )
        )
    elif not text.strip():
        return "empty_answer"
    request.status, request.answered_at, request.answer_text = "answered", utcnow(), text.strip()
    open_left = session.scalar(
        sa.select(sa.func.count())
        .select_from(SupplementRequest)
        .where(SupplementRequest.case_id == case.id, SupplementRequest.status == "open")
    )
    add_event(session, case, "supplement_answered")
    if not open_left:
        previous, case.status = case.status, "investigating"
        add_event(session, case, "status_changed", old=previous, new="investigating")
    audit.record(
        session,
        "supplement_answered",
        actor=person,
        subject_person_id=case.subject_id,
        object_type="case",
        object_id=str(case.id),
    )
    session.flush()
    return None


def add_pdf_document(
    session: Session, case: Case, staff_id: int, pdf: tuple[str, bytes], *, kind: str, title: str
) -> Document | str:
    """A PDF staff add to a case (a beslut, a genomförandeplan), checked by its content and stored; the
    new document, or the reason it was refused."""
    try:
        checked = validation.validate_upload(pdf[0], pdf[1], max_bytes=20 * 1024 * 1024)
        if checked.media_type != "application/pdf":
            return "not_pdf"
        uploader = quota.Uploader(case.municipality_id, staff_id=staff_id)
        quota.admit(session, uploader, [checked.size], case_id=case.id)
    except validation.UploadRejected as exc:
        return exc.reason
    document = Document(
        case_id=case.id,
        kind=kind,
        title=title,
        filename=checked.safe_filename,
        media_type=checked.media_type,
        size=checked.size,
        sha256=checked.sha256,
        stored_file=storage.put(session, pdf[1], checked.media_type),
        uploaded_by_id=staff_id,
    )
    session.add(document)
    session.flush()
    return document


def publish_decision(
    session: Session,
    case: Case,
    staff: Actor,
    *,
    outcome: str,
    motivation: str,
    decided_at: dt.date,
    pdf: tuple[str, bytes],
) -> str | None:
    """Publish a decision with its PDF. One atomic step under the case's row lock: the same decision sent
    twice (a double click, a resent form) is published once."""
    locked(session, Case, case.id)
    same = published_already(
        session, case, outcome=outcome, motivation=motivation, decided_at=decided_at, content=pdf[1]
    )
    if same is not None:
        return None
    document = add_pdf_document(
        session, case, staff.id, pdf, kind="beslut", title=f"Beslut {decided_at.isoformat()}"
    )
    if isinstance(document, str):
        return document
    published = utcnow()
    session.add(
        Decision(
            case_id=case.id,
            outcome=outcome,
            motivation=motivation,
            decided_at=decided_at,
            appeal_deadline=published.date() + dt.timedelta(weeks=APPEAL_WEEKS),
            document_id=document.id,
            decided_by_id=staff.id,
            published_at=published,
        )
    )
    previous, case.status = case.status, "decided"
    add_event(session, case, "decision", outcome=outcome)
    add_event(session, case, "status_changed", old=previous, new="decided")
    _staff_audit(session, "decision_published", case, staff, outcome=outcome)
    notify_citizen(session, case, "decision")
    session.flush()
    return None


def published_already(
    session: Session, case: Case, *, outcome: str, motivation: str, decided_at: dt.date, content: bytes
) -> Decision | None:
    """The decision of ``case`` with this outcome, motivation, date and PDF, if it is published: the same
    decision sent again (by staff or a case system) is the one already there, not a second one."""
    return session.scalar(
        sa.select(Decision)
        .join(Document, Document.id == Decision.document_id)
        .where(
            Decision.case_id == case.id,
            Decision.outcome == outcome,
            Decision.motivation == motivation,
            Decision.decided_at == decided_at,
            Document.sha256 == hashlib.sha256(content).hexdigest(),
        )
        .limit(1)
    )


def mark_decisions_read(session: Session, case: Case, person: Actor) -> None:
    """The read receipt staff see: the first time the citizen opens the decision."""
    unread = session.scalars(
        sa.select(Decision.id).where(Decision.case_id == case.id, Decision.read_at.is_(None))
    ).all()
    changed = False
    for decision_id in unread:
        # Conditional, in the write transaction: of two pages opened at once, one records the receipt (the
        # case page reads in a transaction of its own, without the write lock; see portal.db).
        marked = session.execute(
            sa.update(Decision)
            .where(Decision.id == decision_id, Decision.read_at.is_(None))
            .values(read_at=utcnow())
        )
        if not marked.rowcount:
            continue
        add_event(session, case, "decision_read", visible_to_citizen=False)
        audit.record(
            session,
            "decision_read",
            actor=person,
            subject_person_id=case.subject_id,
            object_type="decision",
            object_id=str(decision_id),
        )
        changed = True
    if changed:
        session.flush()
