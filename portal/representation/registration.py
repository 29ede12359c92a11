"""Representations registered by staff: a god man, förvaltare or vårdnadshavare with the decision or
förordnande as a PDF, pending until a second staff member approves it (four eyes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from portal.accounts.personnummer import parse
from portal.accounts.services import person_by_number
from portal.actor import Actor
from portal.audit import services as audit
from portal.db import get_session, utcnow
from portal.files import quota, validation
from portal.files.storage import storage
from portal.representation import notices
from portal.representation.models import Representation
from portal.representation.validity import STOCKHOLM, end_of_day, minor_until, start_of_day
from portal.staff.models import StaffUser


@dataclass
class StaffTerms:
    principal_number: str
    agent_number: str
    agent_given_name: str
    agent_surname: str
    basis: str
    scope: str
    eservice_ids: list[str]
    rights: list[str]
    valid_from: dt.date
    valid_until: dt.date | None


def agent_is_staff(session: Session, agent_number: str, municipality_id: int) -> bool:
    """Whether the agent is a staff account of the municipality (active or not), matched by personnummer:
    staff never register a representation that lets staff act for a citizen."""
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(StaffUser)
            .where(StaffUser.municipality_id == municipality_id, StaffUser.personal_number == agent_number)
        )
        or 0
    ) > 0


def register_by_staff(
    terms: StaffTerms, *, staff: Actor, municipality_id: int, document: tuple[str, bytes]
) -> Representation | str:
    """Register a god man, förvaltare or vårdnadshavare with the decision or förordnande as a PDF. It waits
    ("pending", no access) until a second staff member approves it; the principal is told at once.
    Returns the representation, or an error reason (an upload reason, "adult", "not_pdf" or
    "agent_is_staff")."""
    session = get_session()
    if agent_is_staff(session, terms.agent_number, municipality_id):
        audit.record(
            session,
            "representation_registration_refused",
            actor=staff,
            municipality_id=municipality_id,
            object_type="representation",
            reason="agent_is_staff",
            basis=terms.basis,
        )
        session.flush()
        return "agent_is_staff"
    until_day = terms.valid_until
    if terms.basis == "vardnadshavare":
        birthday = minor_until(terms.principal_number, terms.valid_from)
        if birthday is None:
            return "adult"
        until_day = birthday - dt.timedelta(days=1)
    assert until_day is not None  # noqa: S101 - the form requires it for other bases
    try:
        checked = validation.validate_upload(
            document[0], document[1], max_bytes=current_app.config["PORTAL"].upload_max_bytes
        )
        if checked.media_type == "application/pdf":
            quota.admit(session, quota.Uploader(municipality_id, staff_id=staff.id), [checked.size])
    except validation.UploadRejected as exc:
        return exc.reason
    if checked.media_type != "application/pdf":
        return "not_pdf"
    principal = person_by_number(parse(terms.principal_number))
    agent = person_by_number(
        parse(terms.agent_number), given_name=terms.agent_given_name, surname=terms.agent_surname
    )
    stored = storage.put(session, document[1], checked.media_type)
    rep = Representation(
        principal_id=principal.id,
        agent_id=agent.id,
        municipality_id=municipality_id,
        basis=terms.basis,
        scope=terms.scope,
        case_ids=[],
        eservice_ids=list(terms.eservice_ids) if terms.scope == "eservices" else [],
        can_read="read" in terms.rights,
        can_message="message" in terms.rights,
        can_apply="apply" in terms.rights,
        status="pending",
        valid_from=max(start_of_day(terms.valid_from), utcnow())
        if terms.valid_from <= utcnow().astimezone(STOCKHOLM).date()
        else start_of_day(terms.valid_from),
        valid_until=end_of_day(until_day),
        registered_by_id=staff.id,
        document_file_id=stored.id,
        document_filename=checked.safe_filename,
        document_sha256=checked.sha256,
    )
    session.add(rep)
    session.flush()
    audit.record(
        session,
        "representation_registered",
        actor=staff,
        subject_person_id=principal.id,
        object_type="representation",
        object_id=str(rep.id),
        municipality_id=municipality_id,
        basis=terms.basis,
        status="pending",
    )
    notices.notify_principal_of_registration(session, rep)
    session.flush()
    return rep


def review_registration(rep: Representation, *, staff: Actor, approve: bool, reason: str = "") -> bool:
    """A second staff member approves (the representation becomes active) or refuses (with the reason) a
    pending staff registration. One atomic change: only a pending registration, never by its registrant;
    twice at once gives one effect. False when it was no longer pending or is the reviewer's own."""
    session = get_session()
    now = utcnow()
    done = session.execute(
        sa.update(Representation)
        .where(
            Representation.id == rep.id,
            Representation.status == "pending",
            Representation.registered_by_id != staff.id,
        )
        .values(
            status="active" if approve else "refused",
            reviewed_by_id=staff.id,
            reviewed_at=now,
            refusal_reason="" if approve else reason,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        return False
    session.refresh(rep)
    audit.record(
        session,
        "representation_approved" if approve else "representation_refused",
        actor=staff,
        subject_person_id=rep.principal_id,
        object_type="representation",
        object_id=str(rep.id),
        municipality_id=rep.municipality_id,
        basis=rep.basis,
        registered_by=rep.registered_by_id,
    )
    if approve:
        notices.notify_principal(session, rep)
    session.flush()
    return True
