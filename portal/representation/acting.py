"""Acting for someone: an agent's login starts and stops acting under a representation, and the
representation is checked again on every request."""

from __future__ import annotations

from portal.actor import Actor
from portal.audit import services as audit
from portal.auth.models import LoginSession
from portal.db import get_session, utcnow
from portal.representation.models import Representation


def start_acting(login: LoginSession, rep: Representation, *, actor: Actor) -> bool:
    session = get_session()
    if not rep.is_active(utcnow()) or rep.agent_id != login.person_id:
        return False
    login.acting_for_id = rep.principal_id
    login.acting_representation_id = rep.id
    audit.record(
        session,
        "acting_started",
        actor=actor,
        actor_type="person",
        actor_id=login.person_id,
        principal_id=rep.principal_id,
        subject_person_id=rep.principal_id,
        object_type="representation",
        object_id=str(rep.id),
    )
    session.flush()
    return True


def stop_acting(login: LoginSession, *, reason: str = "chosen", actor: Actor) -> None:
    session = get_session()
    if login.acting_for_id is None and login.acting_representation_id is None:
        return
    audit.record(
        session,
        "acting_ended" if reason == "chosen" else "acting_refused",
        actor=actor,
        actor_type="person",
        actor_id=login.person_id,
        principal_id=login.acting_for_id,
        subject_person_id=login.acting_for_id,
        object_type="representation",
        object_id=str(login.acting_representation_id or ""),
        reason=reason,
    )
    login.acting_for_id = None
    login.acting_representation_id = None
    session.flush()


def check_acting(login: LoginSession, municipality_id: int) -> tuple[Representation | None, str]:
    """The representation the login acts under, checked now: (rep, "") when it still holds, else
    (None, reason) with reason "revoked", "expired" or "invalid" (and "" when not acting)."""
    if login.acting_representation_id is None:
        return None, ""
    session = get_session()
    rep = session.get(Representation, login.acting_representation_id)
    now = utcnow()
    if (
        rep is None
        or rep.agent_id != login.person_id
        or rep.principal_id != login.acting_for_id
        or rep.municipality_id != municipality_id
        or rep.status != "active"
    ):
        return None, "invalid"
    if rep.revoked_at is not None:
        return None, "revoked"
    if not rep.is_active(now):
        return None, "expired"
    return rep, ""
