"""Case state changes: numbering, timeline events, receipt by the case system, notices to the citizen.

Handling a case (staff) and answering it (citizen) is ``portal.cases.handling``."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from integrations.base import DeliveryResult
from portal.accounts.models import Person
from portal.actor import Actor
from portal.audit import services as audit
from portal.cases.models import Case, CaseEvent
from portal.db import utcnow
from portal.municipalities.models import Municipality
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


# --- notices to the citizen ------------------------------------------------------------------------


def notify_citizen(session: Session, case: Case, what: str) -> None:
    """Tell the citizen that something new waits on Mina sidor, by e-mail and/or SMS as they chose. The
    notice never says what it is: neither e-mail nor SMS is a secure channel."""

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
