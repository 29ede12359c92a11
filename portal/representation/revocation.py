"""Ending a representation before its time: by the principal or by the social services."""

from __future__ import annotations

from portal.actor import Actor
from portal.audit import services as audit
from portal.db import get_session, utcnow
from portal.representation.models import Representation


def revoke(rep: Representation, *, by: Actor) -> None:
    """Revoked by ``by``: the principal (a person) or a staff member."""
    session = get_session()
    if rep.revoked_at is None:
        rep.revoked_at = utcnow()
        rep.revoked_by_type, rep.revoked_by_id = by.kind, by.id
        audit.record(
            session,
            "representation_revoked",
            actor=by,
            subject_person_id=rep.principal_id,
            object_type="representation",
            object_id=str(rep.id),
            municipality_id=rep.municipality_id,
            basis=rep.basis,
        )
    session.flush()
