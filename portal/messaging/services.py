"""Secure messages per case: the citizen and the handläggare write in the portal; notices say only that
a message is waiting."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from portal.actor import Actor
from portal.audit import services as audit
from portal.cases import services as cases
from portal.cases.models import Case
from portal.db import utcnow
from portal.files import quota, validation
from portal.files.storage import storage
from portal.messaging.models import Message, MessageAttachment, MessageThread

MAX_BODY = 8000


def thread(session: Session, case: Case, audience: str = "handlaggare") -> MessageThread | None:
    return threads(session, case, (audience,)).get(audience)


def threads(
    session: Session, case: Case, audiences: tuple[str, ...] = ("handlaggare", "utforare")
) -> dict[str, MessageThread]:
    """The case's threads by audience, with their messages and attachments, in three statements however
    many threads."""
    found = session.scalars(
        sa.select(MessageThread)
        .options(selectinload(MessageThread.messages).selectinload(Message.attachments))
        .where(MessageThread.case_id == case.id, MessageThread.audience.in_(audiences))
    )
    return {t.audience: t for t in found}


def open_thread(session: Session, case: Case, audience: str) -> MessageThread:
    """The case's first conversation with the audience. The citizen and the handläggare may write the first
    message in the same moment: the second to insert waits for the first and then writes in its thread."""
    try:
        with session.begin_nested():
            opened = MessageThread(case_id=case.id, audience=audience)
            session.add(opened)
            session.flush()
        return opened
    except IntegrityError:
        found = session.scalar(
            sa.select(MessageThread).where(
                MessageThread.case_id == case.id, MessageThread.audience == audience
            )
        )
        if found is None:  # the constraint failed for another reason: not ours to hide
            raise
        return found


def post(
    session: Session,
    case: Case,
    *,
    body: str,
    upload: tuple[str, bytes] | None,
    author: Actor,
    audience: str = "handlaggare",
) -> str | None:
    """Write a message by ``author`` (a person or a staff member); returns an error reason ("empty",
    "too_long" or an upload reason), or None."""
    person_id = author.id if author.kind == "person" else None
    staff_id = author.id if author.kind == "staff" else None
    body = body.strip()
    if not body and upload is None:
        return "empty_message"
    if len(body) > MAX_BODY:
        return "too_long"
    checked = None
    if upload is not None:
        try:
            checked = validation.validate_upload(
                upload[0], upload[1], max_bytes=current_app.config["PORTAL"].upload_max_bytes
            )
            uploader = quota.Uploader(case.municipality_id, person_id=person_id, staff_id=staff_id)
            quota.admit(session, uploader, [checked.size], case_id=case.id)
        except validation.UploadRejected as exc:
            return exc.reason
    current = thread(session, case, audience) or open_thread(session, case, audience)
    message = Message(
        thread_id=current.id,
        author_type="staff" if staff_id else "person",
        author_person_id=person_id,
        author_staff_id=staff_id,
        body=body,
    )
    session.add(message)
    session.flush()
    if checked is not None and upload is not None:
        stored = storage.put(session, upload[1], checked.media_type)
        session.add(
            MessageAttachment(
                message_id=message.id,
                filename=checked.safe_filename,
                media_type=checked.media_type,
                size=checked.size,
                sha256=checked.sha256,
                stored_file=stored,
            )
        )
    if staff_id:
        audit.record(
            session,
            "message_sent",
            actor=author,
            subject_person_id=case.subject_id,
            object_type="message",
            object_id=str(message.id),
        )
        cases.notify_citizen(session, case, "message")
    else:
        audit.record(
            session,
            "message_sent",
            actor=author,
            subject_person_id=case.subject_id,
            object_type="message",
            object_id=str(message.id),
        )
    cases.add_event(
        session, case, "message", visible_to_citizen=False, author="staff" if staff_id else "person"
    )
    session.flush()
    return None


def mark_read(session: Session, case: Case, *, by: str, audience: str | None = None) -> None:
    """Mark the other side's messages read: ``by`` is "person" or "staff"; staff read only their own
    audience's thread (a handläggare opening the case has not read what the utförare was sent)."""
    other = "staff" if by == "person" else "person"
    thread_ids = sa.select(MessageThread.id).where(MessageThread.case_id == case.id)
    if audience is not None:
        thread_ids = thread_ids.where(MessageThread.audience == audience)
    result = session.execute(
        sa.update(Message)
        .where(Message.thread_id.in_(thread_ids), Message.author_type == other, Message.read_at.is_(None))
        .values(read_at=utcnow())
    )
    if result.rowcount:
        session.flush()


def unread_for_person(session: Session, person_id: int, municipality_id: int) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count(Message.id))
            .join(MessageThread, MessageThread.id == Message.thread_id)
            .join(Case, Case.id == MessageThread.case_id)
            .where(
                Case.subject_id == person_id,
                Case.municipality_id == municipality_id,
                Message.author_type == "staff",
                Message.read_at.is_(None),
            )
        )
        or 0
    )


def unread_by_case(
    session: Session, case_ids: list[uuid.UUID], audience: str = "handlaggare"
) -> dict[uuid.UUID, int]:
    """Unread citizen messages per case in one audience's threads, for a staff list, in one query."""
    if not case_ids:
        return {}
    rows = session.execute(
        sa.select(MessageThread.case_id, sa.func.count(Message.id))
        .join(Message, Message.thread_id == MessageThread.id)
        .where(
            MessageThread.case_id.in_(case_ids),
            MessageThread.audience == audience,
            Message.author_type == "person",
            Message.read_at.is_(None),
        )
        .group_by(MessageThread.case_id)
    ).all()
    return dict(rows)


def attachment_with_case(session: Session, attachment_id: uuid.UUID) -> tuple[MessageAttachment, Case] | None:
    row = session.execute(
        sa.select(MessageAttachment, Case)
        .join(Message, Message.id == MessageAttachment.message_id)
        .join(MessageThread, MessageThread.id == Message.thread_id)
        .join(Case, Case.id == MessageThread.case_id)
        .where(MessageAttachment.id == attachment_id)
    ).first()
    return (row[0], row[1]) if row else None
