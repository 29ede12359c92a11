"""Writing outbox items (in the caller's transaction) and delivering them (in the worker)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

import integrations
from integrations.base import Delivery, DeliveryResult, PermanentError
from portal.db import only_municipality, utcnow
from portal.outbox.models import OutboxItem

log = logging.getLogger(__name__)

# What the portal does once an item of a topic is delivered (e.g. mark the case received).
on_delivered: dict[str, Callable[[Session, OutboxItem, DeliveryResult], None]] = {}


def enqueue(
    session: Session,
    *,
    topic: str,
    adapter: str,
    payload: dict[str, Any],
    idempotency_key: str,
    municipality_id: int | None,
) -> OutboxItem:
    item = OutboxItem(
        topic=topic,
        adapter=adapter,
        payload=payload,
        idempotency_key=idempotency_key,
        municipality_id=municipality_id,
        next_attempt_at=utcnow(),
    )
    session.add(item)
    return item


def backoff(attempts: int) -> dt.timedelta:
    """Exponential backoff with full jitter: about 2, 4, 8 … seconds, at most an hour."""
    ceiling = min(3600.0, 2.0**attempts)
    return dt.timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311 - jitter, not security


_adapters: dict[tuple[str, int | None, str], Any] = {}


def make_adapter(app: Flask, adapter_id: str, municipality_id: int | None = None) -> Any:
    integrations.load()
    cls = integrations.registry[adapter_id]
    config = app.config["PORTAL"]
    if hasattr(cls, "from_settings"):
        # Case-system adapters are configured per municipality (Municipality.adapter_settings).
        from portal.db import get_session
        from portal.municipalities.models import Municipality

        municipality = get_session().get(Municipality, municipality_id) if municipality_id else None
        settings = (municipality.adapter_settings or {}).get(adapter_id, {}) if municipality else {}
        # Building an adapter loads certificates and opens a connection pool: reuse it while its
        # settings stay the same (a changed setting gives a new key, so it takes effect at once).
        key = (adapter_id, municipality_id, json.dumps(settings, sort_keys=True, default=str))
        adapter = _adapters.get(key)
        if adapter is None:
            adapter = _adapters[key] = cls.from_settings(dict(settings))
        return adapter
    if adapter_id == "mail":
        return cls(
            host=config.smtp_host,
            port=config.smtp_port,
            sender=config.smtp_from,
            username=config.smtp_username,
            password=config.smtp_password,
            maildir=None if config.is_production else Path(config.outgoing_mail_dir),
        )
    if adapter_id == "sms":
        return cls(
            url=config.sms_gateway_url,
            token=config.sms_gateway_token,
            sender=config.sms_sender,
            outdir=None if config.is_production else Path(config.outgoing_sms_dir),
        )
    return cls()


# A claimed item is leased to its worker for this long; if the worker dies, the item is due again after it.
# Far longer than any adapter's timeout, so a slow delivery is never handed to a second worker.
LEASE = dt.timedelta(minutes=5)
DUE_STATUSES = ("pending", "failed", "delivering")


def claim_one(session: Session) -> OutboxItem | None:
    """Take the next due item and lease it, in a short transaction of its own.

    On PostgreSQL the row is locked with SKIP LOCKED, so workers on several hosts never take the same
    item; on SQLite the transaction holds the write lock for the moment it takes. The delivery itself
    happens after the commit: no transaction stays open across a call to another system.
    """
    now = utcnow()
    stmt = (
        sa.select(OutboxItem)
        .where(OutboxItem.status.in_(DUE_STATUSES), OutboxItem.next_attempt_at <= now)
        .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    item = session.scalar(stmt)
    if item is None:
        session.rollback()
        return None
    item.status, item.next_attempt_at = "delivering", now + LEASE
    item.attempts += 1
    session.commit()
    return item


def deliver_due(app: Flask, session: Session, *, limit: int = 20) -> int:
    """Deliver up to ``limit`` due items; returns how many were delivered."""
    delivered = 0
    max_attempts = app.config["PORTAL"].outbox_max_attempts
    for _ in range(limit):
        item = claim_one(session)
        if item is None:
            break
        # Each item is handled in its own municipality (tenancy, portal.db), whatever the worker spans.
        with only_municipality(item.municipality_id) if item.municipality_id else contextlib.nullcontext():
            delivery = Delivery(item.topic, dict(item.payload), item.idempotency_key, item.municipality_id)
            try:
                result = make_adapter(app, item.adapter, item.municipality_id).deliver(delivery)
            except PermanentError as exc:
                outcome, error = "dead", f"permanent: {exc}"
            except Exception as exc:
                outcome, error = "retry", f"{exc.__class__.__name__}: {exc}"[:2000]
            else:
                outcome, error = "delivered", ""
            session.rollback()
            item = session.get(OutboxItem, item.id)
            if item is None or item.status != "delivering":
                continue  # an administrator acted on it meanwhile
            item.last_error = error
            if outcome == "delivered":
                item.status, item.delivered_at = "delivered", utcnow()
                handler = on_delivered.get(item.topic)
                if handler is not None:
                    handler(session, item, result)
                delivered += 1
            elif outcome == "dead" or item.attempts >= max_attempts:
                item.status = "dead"
                log.warning("outbox item %s dead: %s", item.id, error)
            else:
                item.status, item.next_attempt_at = "failed", utcnow() + backoff(item.attempts)
                log.warning("outbox item %s failed (attempt %s): %s", item.id, item.attempts, error)
            session.commit()
    return delivered


def retry_now(session: Session, item: OutboxItem, staff_id: int) -> None:
    """An administrator sends a failed or dead-lettered item again, at once."""
    from portal.audit import services as audit

    item.status, item.next_attempt_at = "pending", utcnow()
    audit.record(
        session,
        "delivery_retried",
        actor_type="staff",
        actor_id=staff_id,
        object_type="outbox_item",
        object_id=str(item.id),
        municipality_id=item.municipality_id,
    )
    session.commit()


def mark_handled(session: Session, item: OutboxItem, staff_id: int) -> None:
    """The item was handled outside the portal (e.g. registered by hand in the case system)."""
    from portal.audit import services as audit

    item.status = "handled"
    audit.record(
        session,
        "delivery_handled_manually",
        actor_type="staff",
        actor_id=staff_id,
        object_type="outbox_item",
        object_id=str(item.id),
        municipality_id=item.municipality_id,
    )
    session.commit()
