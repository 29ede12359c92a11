"""Writing audit events.

Callers add the event to their own transaction, so the change and its trace commit together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from sqlalchemy.orm import Session

from portal.access import current_actor
from portal.actor import Actor
from portal.audit.models import AuditEvent
from portal.domain_errors import AccessDenied


def record(
    session: Session,
    action: str,
    *,
    actor: Actor,
    actor_type: str | None = None,
    actor_id: int | None = None,
    subject_person_id: int | None = None,
    principal_id: int | None = None,
    object_type: str = "",
    object_id: str = "",
    municipality_id: int | None = None,
    **detail: object,
) -> AuditEvent:
    """One audit event in the caller's transaction. ``actor`` says who did it, for whom, in which
    municipality and from which address; ``actor_type``/``actor_id`` name another actor than the one of the
    request (a login that failed is anonymous, say) and ``municipality_id`` another municipality."""
    if actor_type is None:
        actor_type, actor_id = actor.kind, actor.id if actor_id is None else actor_id
    # While a person acts for someone, everything they do is also recorded as done for that principal.
    if principal_id is None and actor.kind == "person" and actor_type == "person" and actor_id == actor.id:
        principal_id = actor.acting_for_id
    if municipality_id is None:
        municipality_id = actor.municipality_id
    event = AuditEvent(
        action=action,
        actor_type=actor_type,
        actor_id=actor_id,
        subject_person_id=subject_person_id,
        principal_id=principal_id,
        object_type=object_type,
        object_id=object_id,
        municipality_id=municipality_id,
        ip_address=actor.ip,
        detail=detail,
    )
    session.add(event)
    return event


def by_staff(session: Session, action: str, **fields: object) -> AuditEvent:
    """An event whose actor is the staff member of the current request (for views)."""
    return record(session, action, actor=current_actor("staff"), **fields)  # type: ignore[arg-type]


def by_person(session: Session, action: str, **fields: object) -> AuditEvent:
    """An event whose actor is the person logged in on the current request (for views)."""
    return record(session, action, actor=current_actor("person"), **fields)  # type: ignore[arg-type]


def deny(by: Callable[..., AuditEvent], object_type: str, object_id: object) -> NoReturn:
    """Someone asked for an object they may not see: raises ``AccessDenied``, whose handler rolls the request
    back, records one ``access_denied`` event by ``by``'s actor (by_person or by_staff) and answers 404 —
    never 403, which would tell that the object exists."""
    raise AccessDenied(object_type, object_id, actor_kind="staff" if by is by_staff else "person")
