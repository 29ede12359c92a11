"""Writing outbox items (in the caller's transaction), and what administrators do with one that failed.
Delivering them is ``portal.outbox.delivery`` (the worker's)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from portal.actor import Actor
from portal.audit import services as audit
from portal.db import utcnow
from portal.outbox.models import OutboxItem


def enqueue(
    session: Session,
    *,
    topic: str,
    adapter: str,
    payload: dict[str, Any],
    idempotency_key: str,
    municipality_id: int | None,
) -> OutboxItem:
    now = utcnow()
    item = OutboxItem(
        topic=topic,
        adapter=adapter,
        payload=payload,
        idempotency_key=idempotency_key,
        municipality_id=municipality_id,
        next_attempt_at=now,
        series_started_at=now,
    )
    session.add(item)
    return item


def retry_now(session: Session, item: OutboxItem, staff: Actor) -> None:
    """An administrator sends a failed or dead-lettered item again, at once."""
    # A fresh series: as many attempts, over as long, as a new item gets.
    now = utcnow()
    item.status, item.next_attempt_at, item.attempts, item.series_started_at = "pending", now, 0, now
    item.leased_by = ""
    audit.record(
        session,
        "delivery_retried",
        actor=staff,
        object_type="outbox_item",
        object_id=str(item.id),
        municipality_id=item.municipality_id,
    )
    session.flush()


def mark_handled(session: Session, item: OutboxItem, staff: Actor) -> None:
    """The item was handled outside the portal (e.g. registered by hand in the case system)."""
    item.status = "handled"
    audit.record(
        session,
        "delivery_handled_manually",
        actor=staff,
        object_type="outbox_item",
        object_id=str(item.id),
        municipality_id=item.municipality_id,
    )
    session.flush()
