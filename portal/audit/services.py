"""Writing audit events.

Callers add the event to their own transaction, so the change and its trace commit together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from flask import g, has_request_context, request
from sqlalchemy.orm import Session

from portal.audit.models import AuditEvent


def record(
    session: Session,
    action: str,
    *,
    actor_type: str,
    actor_id: int | None = None,
    subject_person_id: int | None = None,
    principal_id: int | None = None,
    object_type: str = "",
    object_id: str = "",
    municipality_id: int | None = None,
    **detail: object,
) -> AuditEvent:
    ip = ""
    if has_request_context():
        ip = request.remote_addr or ""
        # While a person acts for someone, everything they do is also recorded as done for that principal.
        acting_for = g.get("acting_for")
        person = g.get("person")
        if (
            principal_id is None
            and acting_for is not None
            and person is not None
            and actor_type == "person"
            and actor_id == person.id
        ):
            principal_id = acting_for.id
        if municipality_id is None and getattr(g, "municipality", None) is not None:
            municipality_id = g.municipality.id
    event = AuditEvent(
        action=action,
        actor_type=actor_type,
        actor_id=actor_id,
        subject_person_id=subject_person_id,
        principal_id=principal_id,
        object_type=object_type,
        object_id=object_id,
        municipality_id=municipality_id,
        ip_address=ip,
        detail=detail,
    )
    session.add(event)
    return event


def by_staff(session: Session, action: str, **fields: object) -> AuditEvent:
    """An event whose actor is the staff member of the current request."""
    return record(session, action, actor_type="staff", actor_id=g.staff.id, **fields)  # type: ignore[arg-type]


def by_person(session: Session, action: str, **fields: object) -> AuditEvent:
    """An event whose actor is the person logged in on the current request."""
    return record(session, action, actor_type="person", actor_id=g.person.id, **fields)  # type: ignore[arg-type]


def deny(by: Callable[..., AuditEvent], object_type: str, object_id: object) -> NoReturn:
    """Someone asked for an object they may not see: an ``access_denied`` event by ``by`` (by_person or
    by_staff), committed, then 404 — never 403, which would tell that the object exists."""
    from flask import abort

    from portal.db import get_session

    session = get_session()
    by(session, "access_denied", object_type=object_type, object_id=str(object_id))
    session.commit()
    abort(404)
