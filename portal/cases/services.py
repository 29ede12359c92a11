"""Case state changes: numbering, receipt by the case system, timeline events."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from integrations.base import DeliveryResult
from portal.audit import services as audit
from portal.cases.models import Case, CaseEvent
from portal.db import utcnow
from portal.outbox import services as outbox
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


def mark_received(session: Session, item: OutboxItem, result: DeliveryResult) -> None:
    case = session.scalar(sa.select(Case).where(Case.case_number == item.payload.get("case_number")))
    if case is None or case.received_at is not None:
        return
    case.status = "received"
    case.received_at = utcnow()
    case.external_ref = result.external_ref
    add_event(session, case, "received", reference=result.external_ref)
    audit.record(
        session,
        "case_received",
        actor_type="system",
        subject_person_id=case.subject_id,
        object_type="case",
        object_id=str(case.id),
        municipality_id=case.municipality_id,
        adapter=item.adapter,
    )


outbox.on_delivered["application.submitted"] = mark_received
