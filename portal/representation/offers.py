"""A signed fullmakt offered to the agent: the principal's signature makes the offer, the agent accepts it
with their own BankID or declines it. Each completion is one atomic state change, safe to receive twice."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from portal.accounts.models import Person
from portal.actor import Actor
from portal.audit import services as audit
from portal.auth.models import BankIDOrder
from portal.db import get_session, utcnow
from portal.representation import notices
from portal.representation.models import Representation
from portal.representation.validity import OFFER_DAYS, STOCKHOLM, end_of_day

log = logging.getLogger(__name__)


def _change(rep: Representation, from_status: str, *conditions: Any, **values: Any) -> bool:
    """One atomic state change (UPDATE ... WHERE status = from_status): of two completions of the same
    signature sent at once, only the first finds the fullmakt still in from_status and changes it; the
    second changes nothing and is told so. On PostgreSQL the second waits for the first's row lock and
    then re-reads the status; SQLite serialises the writes (BEGIN IMMEDIATE)."""
    session = get_session()
    result = session.execute(
        sa.update(Representation)
        .where(Representation.id == rep.id, Representation.status == from_status, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    changed = bool(result.rowcount)  # type: ignore[attr-defined]
    if changed:
        session.refresh(rep)
    else:
        session.expire(rep)  # read afresh: the completion that came first changed it
    return changed


def _evidence(order: BankIDOrder) -> dict[str, str]:
    completion = order.completion or {}
    return {
        "signed_text": order.user_visible_data,
        "signature": completion.get("signature", ""),
        "ocsp_response": completion.get("ocsp_response", ""),
        "order_ref": order.order_ref,
    }


def finish_signing(rep: Representation, order: BankIDOrder, signer: Person, *, actor: Actor) -> str:
    """Store the principal's signature as the fullmakt's evidence and offer it to the agent. Returns
    "offered", "done" when a concurrent completion of the same signature got there first, or "failed"."""
    session = get_session()
    completion = order.completion or {}
    if completion.get("personal_number") != signer.personal_number or rep.principal_id != signer.id:
        log.error("fullmakt sign order %s completed by someone other than the principal", order.order_ref)
        return "failed"
    now = utcnow()
    answer_until = end_of_day(now.astimezone(STOCKHOLM).date() + dt.timedelta(days=OFFER_DAYS))
    if not _change(
        rep,
        "unsigned",
        **_evidence(order),
        signed_at=now,
        valid_from=now,
        offer_expires_at=min(answer_until, rep.valid_until),
        status="offered",
    ):
        return "done"
    order.status, order.completion = "used", None
    _record(session, rep, signer, "representation_granted", actor)
    notices.notify_agent_of_offer(session, rep)
    session.flush()
    return "offered"


def _offers(agent: Person, municipality_id: int) -> sa.Select[tuple[Representation]]:
    return sa.select(Representation).where(
        Representation.agent_number == agent.personal_number,
        Representation.principal_id != agent.id,
        Representation.municipality_id == municipality_id,
        Representation.basis == "fullmakt",
        Representation.status == "offered",
        Representation.revoked_at.is_(None),
        Representation.offer_expires_at > utcnow(),
    )


def offers_for(session: Session, agent: Person, municipality_id: int) -> list[Representation]:
    """Fullmakter offered to this person that wait for their answer."""
    return list(
        session.scalars(
            _offers(agent, municipality_id)
            .options(selectinload(Representation.principal))
            .order_by(Representation.created_at)
        )
    )


def offer(session: Session, rep_id: uuid.UUID, agent: Person, municipality_id: int) -> Representation | None:
    return session.scalar(_offers(agent, municipality_id).where(Representation.id == rep_id))


def _still_open(agent: Person) -> tuple[Any, ...]:
    return (
        Representation.agent_number == agent.personal_number,
        Representation.revoked_at.is_(None),
        Representation.offer_expires_at > utcnow(),
    )


def finish_accepting(rep: Representation, order: BankIDOrder, agent: Person, *, actor: Actor) -> str:
    """The agent's BankID signature accepts the offer and makes the fullmakt active; the principal is
    notified. Returns "accepted", "done" (a concurrent completion was first) or "failed"."""
    session = get_session()
    completion = order.completion or {}
    if completion.get("personal_number") != agent.personal_number:
        log.error("fullmakt accept order %s completed by someone other than the agent", order.order_ref)
        return "failed"
    now = utcnow()
    if not _change(
        rep,
        "offered",
        *_still_open(agent),
        agent_id=agent.id,
        acceptance=_evidence(order),
        answered_at=now,
        valid_from=now,
        status="active",
    ):
        return "done" if session.get(Representation, rep.id).agent_id == agent.id else "failed"  # type: ignore[union-attr]
    order.status, order.completion = "used", None
    _record(session, rep, agent, "representation_accepted", actor)
    notices.notify_principal(session, rep)
    session.flush()
    return "accepted"


def decline(rep: Representation, agent: Person, *, actor: Actor) -> bool:
    """The agent declines the offer: it ends, and the principal is told (without details)."""
    session = get_session()
    if not _change(rep, "offered", *_still_open(agent), answered_at=utcnow(), status="declined"):
        return False
    _record(session, rep, agent, "representation_declined", actor)
    notices.notify_principal_of_decline(session, rep)
    session.flush()
    return True


def _record(session: Session, rep: Representation, person: Person, action: str, actor: Actor) -> None:
    """The audit event of a step of a citizen's fullmakt, by the principal or the agent."""
    audit.record(
        session,
        action,
        actor=actor,
        actor_type="person",
        actor_id=person.id,
        subject_person_id=rep.principal_id,
        object_type="representation",
        object_id=str(rep.id),
        municipality_id=rep.municipality_id,
        basis="fullmakt",
    )
