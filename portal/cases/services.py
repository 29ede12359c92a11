"""Case state changes: numbering, receipt by the case system, timeline events."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from integrations.base import DeliveryResult
from portal.actor import Actor
from portal.audit import services as audit
from portal.cases.models import Case, CaseEvent, Decision, Document
from portal.db import locked, utcnow
from portal.outbox import services as outbox
from portal.outbox import topics
from portal.outbox.models import OutboxItem

# No look-alikes: no 0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, U/V. Read aloud over the phone without doubt.
CASE_NUMBER_ALPHABET = "ACEFHJKMNPRTWXY34679"


def new_case_number(session: Session) -> str:
    """Short and unambiguous, like "K7MR-4TXA": 20^8 ≈ 2.6·10^10 numbers, checked for collisions."""
    while True:
        raw = "".join(secrets.choice(CASE_NUMBER_ALPHABET) for _ in range(8))
        number = f"{raw[:4]}-{raw[4:]}"
        if session.scalar(sa.select(Case.id).where(Case.case_number == number)) is None:
            return number


def normalise_case_number(text: str) -> str:
    """What a citizen reads out or types ("k7mr 4txa") in the stored form."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"{cleaned[:4]}-{cleaned[4:]}" if len(cleaned) == 8 else text.strip().upper()


def add_event(
    session: Session, case: Case, kind: str, *, visible_to_citizen: bool = True, **detail: object
) -> None:
    session.add(CaseEvent(case=case, kind=kind, visible_to_citizen=visible_to_citizen, detail=detail))


def mark_received_many(session: Session, delivered: list[tuple[Any, DeliveryResult]], actor: Actor) -> None:
    """The case system has the applications of these delivered outbox items (anything with ``payload``
    and ``adapter``): their cases are received, with the case system's reference. One query for all.
    ``actor``: who delivered (the worker, SYSTEM) or acknowledged them (an API client); the events are the
    system's, with the actor's address."""
    results = {item.payload.get("case_number"): (item, result) for item, result in delivered}
    cases = session.scalars(
        sa.select(Case).where(Case.case_number.in_([n for n in results if n]), Case.received_at.is_(None))
    ).all()
    for case in cases:
        item, result = results[case.case_number]
        # The hand-over can come after a handläggare has already acted on the case: never step back.
        if case.status == "submitted":
            case.status = "received"
        case.received_at = utcnow()
        case.external_ref = result.external_ref
        add_event(session, case, "received", reference=result.external_ref)
        audit.record(
            session,
            "case_received",
            actor=actor,
            actor_type="system",
            subject_person_id=case.subject_id,
            object_type="case",
            object_id=str(case.id),
            municipality_id=case.municipality_id,
            adapter=item.adapter,
        )


# An application handed to the case system: once delivered (or acknowledged over the API), its case is
# received.
APPLICATION_SUBMITTED = topics.declare(
    topics.Topic("application.submitted", "An application for the case system", mark_received_many)
)

# An application the case system has not taken after this long counts as waiting, even before a failure.
DELIVERY_WAIT = dt.timedelta(minutes=2)


def waiting_delivery(session: Session, case: Case) -> OutboxItem | None:
    """The outbox item handing ``case`` to the case system while it is waiting there: it failed at least
    once (the case system is down, say) or has not gone through within DELIVERY_WAIT. None once the case
    system has it (or it was registered there by hand)."""
    if case.received_at is not None:
        return None
    item = session.scalar(
        # The key submit() gives the application's item (portal/applications/services.py).
        sa.select(OutboxItem).where(OutboxItem.idempotency_key == f"application:{case.id}")
    )
    if item is None or item.status in ("delivered", "handled"):
        return None
    if item.last_error or item.status == "dead" or utcnow() - item.created_at >= DELIVERY_WAIT:
        return item
    return None


def delivery_waiting(session: Session, case: Case) -> bool:
    """Whether the citizen is told that their sent application waits here for the case system (and needs
    nothing from them): while the case is still "submitted" and its delivery waits (``waiting_delivery``)."""
    return case.status == "submitted" and waiting_delivery(session, case) is not None


# --- handling a case (staff) and answering it (citizen) ------------------------------------------------

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
    from portal.cases.models import STATUSES

    if status not in STATUSES or status == case.status:
        return
    previous, case.status = case.status, status
    add_event(session, case, "status_changed", old=previous, new=status)
    if staff is not None:
        _staff_audit(session, "case_status_changed", case, staff, old=previous, new=status)
    session.flush()


def add_note(session: Session, case: Case, staff: Actor, body: str) -> None:
    from portal.cases.models import StaffNote

    session.add(StaffNote(case_id=case.id, author_id=staff.id, body=body))
    add_event(session, case, "note_added", visible_to_citizen=False)
    _staff_audit(session, "case_note_added", case, staff)
    session.flush()


def request_supplement(session: Session, case: Case, staff: Actor, text: str, due_date: dt.date) -> None:
    from portal.cases.models import SupplementRequest

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
    from flask import current_app

    from portal.cases.models import SupplementRequest
    from portal.files import quota, validation
    from portal.files.storage import storage

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
    from portal.files import quota, validation
    from portal.files.storage import storage

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
    from portal.cases.models import Decision

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
    from portal.cases.models import Decision

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


def notify_citizen(session: Session, case: Case, what: str) -> None:
    """Tell the citizen that something new waits on Mina sidor, by e-mail and/or SMS as they chose. The
    notice never says what it is: neither e-mail nor SMS is a secure channel."""
    from flask_babel import gettext as _

    def texts(municipality: str, url: str) -> tuple[str, str, str]:
        return (
            _("News in your case"),
            _(
                "There is news in your case at %(municipality)s. Log in to My pages to read it: %(url)s",
                municipality=municipality,
                url=url,
            ),
            _(
                "%(municipality)s: there is news in your case. Log in to My pages: %(url)s",
                municipality=municipality,
                url=url,
            ),
        )

    notify_person(
        session,
        case.subject_id,
        case.municipality_id,
        path="/mina-arenden",
        stamp=f"{case.id}:{what}:{utcnow().timestamp()}",
        texts=texts,
    )


def notify_person(
    session: Session,
    person_id: int,
    municipality_id: int,
    *,
    path: str,
    stamp: str,
    texts: Callable[[str, str], tuple[str, str, str]],
    extra_paragraphs: tuple[object, ...] = (),
) -> None:
    """A notice that something waits on Mina sidor, by e-mail and/or SMS as the person chose, through the
    outbox. ``texts(municipality name, url)`` gives the e-mail's subject and sentence and the SMS; they
    must say only that something waits, never what (neither channel is secure)."""
    from flask import current_app
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from portal.accounts.models import Person
    from portal.municipalities.models import Municipality

    person = session.get(Person, person_id)
    by_email = person is not None and person.notify_by_email and bool(person.email)
    by_sms = person is not None and person.notify_by_sms and bool(person.phone)
    if person is None or not (by_email or by_sms):
        return
    municipality = session.get(Municipality, municipality_id)
    config = current_app.config["PORTAL"]
    url = config.base_url.rstrip("/") + path
    # In the person's language, not that of whoever caused the notice (a handläggare, a case system).
    locale = person.preferred_locale if person.preferred_locale in config.locales else config.default_locale
    with force_locale(locale):
        subject, sentence, sms = texts(municipality.name if municipality else "", url)
        extra = [str(text) for text in extra_paragraphs]  # lazy strings, translated here
        paragraphs = [_("Hello,"), sentence, *extra, _("This message cannot be answered.")]
    if by_email:
        body = "\n\n".join(paragraphs)
        outbox.enqueue(
            session,
            topic="notification.email",
            adapter="mail",
            municipality_id=municipality_id,
            idempotency_key=f"notify-mail:{stamp}",
            payload={"to": person.email, "subject": subject, "body": body},
        )
    if by_sms:
        outbox.enqueue(
            session,
            topic="notification.sms",
            adapter="sms",
            municipality_id=municipality_id,
            idempotency_key=f"notify-sms:{stamp}",
            payload={"to": person.phone, "body": sms},
        )
