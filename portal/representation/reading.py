"""Reading representations: who a person has given one to, who may act for them, what agents did, and the
names the pages show."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from portal.accounts.models import Person
from portal.accounts.personnummer import InvalidPersonnummer, Personnummer
from portal.audit.models import AuditEvent
from portal.db import utcnow
from portal.representation.models import Representation


def given_by(session: Session, principal_id: int, municipality_id: int) -> list[Representation]:
    return list(
        session.scalars(
            sa.select(Representation)
            .options(selectinload(Representation.agent))
            .where(
                Representation.principal_id == principal_id,
                Representation.municipality_id == municipality_id,
                Representation.status.in_(("offered", "active", "declined")),
            )
            .order_by(Representation.created_at.desc())
        )
    )


def received_by(session: Session, agent_id: int, municipality_id: int) -> list[Representation]:
    return list(
        session.scalars(
            sa.select(Representation)
            .options(selectinload(Representation.principal))
            .where(
                Representation.agent_id == agent_id,
                Representation.municipality_id == municipality_id,
                Representation.status == "active",
            )
            .order_by(Representation.created_at.desc())
        )
    )


def active_for_agent(session: Session, agent_id: int, municipality_id: int) -> list[Representation]:
    now = utcnow()
    return [r for r in received_by(session, agent_id, municipality_id) if r.is_active(now)]


def display_name(person: Person | None) -> str:
    """A person's name, or their masked number when they have never logged in and staff gave no name."""
    if person is None:
        return "—"
    if person.name:
        return person.name
    try:
        return Personnummer(person.personal_number).masked
    except InvalidPersonnummer:
        return "—"


def agent_label(rep: Representation) -> str:
    """Whom a fullmakt is given to, as the principal may see it: the agent's name once they have
    accepted it, before that only the number the principal typed."""
    if rep.agent is not None and rep.status == "active":
        return display_name(rep.agent)
    try:
        return Personnummer(rep.agent_number).formatted
    except InvalidPersonnummer:
        return "—"


def uses(session: Session, principal_id: int, municipality_id: int, limit: int = 200) -> list[Any]:
    """Everything agents did acting for the principal, newest first, with the agent's person."""
    return list(
        session.execute(
            sa.select(AuditEvent, Person)
            .join(Person, Person.id == AuditEvent.actor_id)
            .where(
                AuditEvent.principal_id == principal_id,
                AuditEvent.actor_type == "person",
                AuditEvent.actor_id != principal_id,
                AuditEvent.municipality_id == municipality_id,
            )
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        ).all()
    )
