"""What an agent acting for a principal may see and do. Every check reads the representation loaded (and
re-checked) for this request; nothing is cached across requests."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from flask import g

from portal.cases.models import Case
from portal.representation.models import Representation


def current() -> Representation | None:
    """The representation the logged-in person acts under on this request, or None."""
    return g.get("representation")


def subject_id() -> int:
    """Whose matters this request is about: the principal while acting, else the person themself."""
    rep = current()
    return rep.principal_id if rep is not None else g.person.id


def has_right(rep: Representation, right: str) -> bool:
    return {"read": rep.can_read, "message": rep.can_message, "apply": rep.can_apply}.get(right, False)


def allows_case(rep: Representation, case: Case, right: str) -> bool:
    if case.subject_id != rep.principal_id or case.municipality_id != rep.municipality_id:
        return False
    if not has_right(rep, right):
        return False
    if rep.scope == "cases":
        return str(case.id) in (rep.case_ids or [])
    if rep.scope == "eservices":
        return case.eservice_id in (rep.eservice_ids or [])
    return rep.scope == "all"


def case_conditions(rep: Representation, right: str) -> list[Any]:
    """The same rule as allows_case, as SQL conditions on Case."""
    conditions: list[Any] = [Case.subject_id == rep.principal_id, Case.municipality_id == rep.municipality_id]
    if not has_right(rep, right):
        conditions.append(sa.false())
    elif rep.scope == "cases":
        ids = [_uuid(i) for i in rep.case_ids or []]
        conditions.append(Case.id.in_([i for i in ids if i is not None]))
    elif rep.scope == "eservices":
        conditions.append(Case.eservice_id.in_(list(rep.eservice_ids or [])))
    elif rep.scope != "all":
        conditions.append(sa.false())
    return conditions


def visible_cases(right: str = "read") -> sa.Select[tuple[Case]]:
    """The cases the logged-in person may see here: their own, in this municipality; while acting for
    someone, the principal's cases within the representation's scope, if it gives ``right``."""
    rep = current()
    if rep is not None:
        return sa.select(Case).where(*case_conditions(rep, right))
    return sa.select(Case).where(Case.subject_id == g.person.id, Case.municipality_id == g.municipality.id)


def allows_eservice(rep: Representation, eservice_id: str) -> bool:
    """Applying for the principal: the apply right, and an e-service within the scope."""
    if not rep.can_apply:
        return False
    if rep.scope == "eservices":
        return eservice_id in (rep.eservice_ids or [])
    return rep.scope == "all"


def _uuid(value: str):  # type: ignore[no-untyped-def]
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
