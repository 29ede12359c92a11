"""Delivering outbox items (the worker's work): claiming due items under a lease, delivering them through
pooled adapters, writing the outcomes, with backoff and dead-lettering. Items are written by
``portal.outbox.services.enqueue``."""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import secrets
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

import integrations
from integrations.base import Adapter, Delivery, DeliveryResult, PermanentError
from portal.actor import SYSTEM
from portal.config import Config
from portal.db import all_municipalities, unit_of_work, utcnow
from portal.municipalities.models import Municipality
from portal.outbox import topics
from portal.outbox.models import OutboxItem

log = logging.getLogger(__name__)


# The first retry comes after about BACKOFF_BASE seconds; each later one waits twice as long, up to
# PORTAL_OUTBOX_BACKOFF_MAX_SECONDS.
BACKOFF_BASE = 2.0
DUE_STATUSES = ("pending", "failed", "delivering")  # delivering: due again when its lease has run out


def next_attempt(
    config: Config,
    *,
    attempts: int,
    series_started_at: dt.datetime,
    now: dt.datetime,
    rng: random.Random | None = None,
) -> dt.datetime | None:
    """When to try again after the ``attempts``-th attempt of a series failed at ``now``; None: give up.

    Exponential backoff with jitter (a random wait between half and all of 2, 4, 8 … seconds, at most
    ``outbox_backoff_max_seconds``), so that workers do not all knock at once when a receiver comes back.
    The series ends ``outbox_retry_hours`` after it began: the last retry is made at that moment, and a
    failure after it dead-letters the item. Attempts are counted but not limited.
    """
    deadline = series_started_at + dt.timedelta(hours=config.outbox_retry_hours)
    if now >= deadline:
        return None
    ceiling = min(config.outbox_backoff_max_seconds, BACKOFF_BASE * 2.0 ** min(max(attempts, 1) - 1, 40))
    wait = (rng or random).uniform(ceiling / 2, ceiling)
    return min(now + dt.timedelta(seconds=wait), deadline)


class AdapterPool:
    """The adapters one worker delivers through, each built once and reused (an adapter holds a pooled
    HTTP client); a municipality's changed settings give a new adapter at once. ``close()`` ends them."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._adapters: dict[tuple[str, int | None, str], Adapter] = {}

    def get(self, adapter_id: str, municipality_id: int | None, settings: dict[str, Any]) -> Adapter:
        cls = integrations.adapter_class(adapter_id)
        # An adapter configured per municipality (a case system) is built per municipality and settings;
        # one configured for the installation (mail, SMS) once.
        if cls.per_municipality:
            key = (adapter_id, municipality_id, json.dumps(settings, sort_keys=True, default=str))
        else:
            key, settings = (adapter_id, None, ""), {}
        adapter = self._adapters.get(key)
        if adapter is None:
            adapter = self._adapters[key] = cls.from_settings(dict(settings), self.app.config["PORTAL"])
        return adapter

    def close(self) -> None:
        for adapter in self._adapters.values():
            try:
                adapter.close()
            except Exception:
                log.exception("closing adapter %s failed", adapter.id)
        self._adapters.clear()


@dataclass
class Claimed:
    """An item a worker holds the lease of, with what delivering it needs."""

    id: int
    topic: str
    adapter: str
    payload: dict[str, Any]
    idempotency_key: str
    municipality_id: int | None
    attempts: int
    series_started_at: dt.datetime
    last_error: str = ""


@dataclass
class Outcome:
    item: Claimed
    status: str  # delivered, retry, dead
    error: str = ""
    result: DeliveryResult | None = None


_table = OutboxItem.__table__


class Deliverer:
    """Delivers outbox items for one worker process: claims due items in batches under a short lease
    (renewed while it delivers them), delivers up to ``concurrency`` at once through pooled adapters, and
    writes the outcomes in batches. ``clock`` gives the time (tests advance it instead of sleeping)."""

    def __init__(
        self,
        app: Flask,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        concurrency: int | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.app = app
        self.config: Config = app.config["PORTAL"]
        self.clock = clock
        self.rng = rng
        # Only this worker renews, finishes or releases the items it holds.
        self.token = secrets.token_hex(12)
        self.adapters = AdapterPool(app)
        self.concurrency = concurrency or self.config.outbox_concurrency
        self._executor: ThreadPoolExecutor | None = None

    @property
    def lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.config.outbox_lease_seconds)

    @property
    def executor(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.concurrency, thread_name_prefix="outbox-delivery")
        return self._executor

    # --- the database side: short transactions, never open across a delivery ---------------------------

    def claim(self, session: Session, limit: int) -> list[Claimed]:
        """Lease up to ``limit`` due items (oldest due first) to this worker, in one statement and one unit
        of work.

        On PostgreSQL the rows are locked with SKIP LOCKED, so workers on several hosts never take the
        same item; on SQLite the transaction begins IMMEDIATE and so holds the only write lock.
        """
        with unit_of_work(session):
            now = self.clock()
            due = (
                sa.select(_table.c.id)
                .where(_table.c.status.in_(DUE_STATUSES), _table.c.next_attempt_at <= now)
                .order_by(_table.c.next_attempt_at, _table.c.id)
                .limit(limit)
            )
            if session.get_bind().dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            stmt = (
                sa.update(_table)
                .where(_table.c.id.in_(due.scalar_subquery()))
                .values(
                    status="delivering",
                    leased_by=self.token,
                    next_attempt_at=now + self.lease,
                    attempts=_table.c.attempts + 1,
                )
                .returning(
                    _table.c.id,
                    _table.c.topic,
                    _table.c.adapter,
                    _table.c.payload,
                    _table.c.idempotency_key,
                    _table.c.municipality_id,
                    _table.c.attempts,
                    _table.c.series_started_at,
                    _table.c.last_error,
                )
            )
            rows = session.execute(stmt).all()
        return sorted((Claimed(*row) for row in rows), key=lambda c: c.id)

    def renew(self, connection: sa.Connection, ids: list[int]) -> int:
        """Extend the lease of the items in hand (``ids``) that this worker still holds; the worker does
        this every third of the lease."""
        result = connection.execute(
            sa.update(_table)
            .where(_table.c.id.in_(ids), _table.c.leased_by == self.token, _table.c.status == "delivering")
            .values(next_attempt_at=self.clock() + self.lease)
        )
        return result.rowcount

    def release(self, session: Session, items: list[Claimed]) -> None:
        """Give back items this worker took but will not deliver (it is stopping): due again at once, and
        the attempt it never made is not counted."""
        if not items:
            return
        with unit_of_work(session):
            session.execute(
                sa.update(_table)
                .where(
                    _table.c.id.in_([i.id for i in items]),
                    _table.c.leased_by == self.token,
                    _table.c.status == "delivering",
                )
                .values(
                    status=sa.case((_table.c.last_error == "", "pending"), else_="failed"),
                    attempts=_table.c.attempts - 1,
                    next_attempt_at=self.clock(),
                    leased_by="",
                )
            )

    def record(self, session: Session, outcomes: list[Outcome]) -> int:
        """Write a batch of outcomes in one transaction; returns how many were delivered.

        An item whose lease this worker no longer holds (an administrator acted on it, or another worker
        took it over) is left as it is.
        """
        if not outcomes:
            return 0
        with unit_of_work(session):
            now = self.clock()
            mine = (
                _table.c.leased_by == self.token,
                _table.c.status == "delivering",
            )
            delivered = [o for o in outcomes if o.status == "delivered"]
            taken: set[int] = set()
            if delivered:
                taken = set(
                    session.scalars(
                        sa.update(_table)
                        .where(_table.c.id.in_([o.item.id for o in delivered]), *mine)
                        .values(status="delivered", delivered_at=now, last_error="", leased_by="")
                        .returning(_table.c.id)
                    )
                )
            by_topic: dict[str, list[tuple[Any, DeliveryResult]]] = {}
            for outcome in delivered:
                if outcome.item.id in taken:
                    by_topic.setdefault(outcome.item.topic, []).append(
                        (outcome.item, outcome.result or DeliveryResult())
                    )
            for topic, batch in by_topic.items():
                topics.delivered(session, topic, batch, SYSTEM)
            rows = []
            for outcome in outcomes:
                if outcome.status == "delivered":
                    continue
                claimed = outcome.item
                status, retry_at = "dead", now
                if outcome.status == "retry":
                    retry_at = next_attempt(
                        self.config,
                        attempts=claimed.attempts,
                        series_started_at=claimed.series_started_at,
                        now=now,
                        rng=self.rng,
                    )
                    if retry_at is None:
                        retry_at = now
                        log.warning(
                            "outbox item %s dead after %s attempts: %s",
                            claimed.id,
                            claimed.attempts,
                            outcome.error,
                        )
                    else:
                        status = "failed"
                        log.warning(
                            "outbox item %s failed (attempt %s): %s",
                            claimed.id,
                            claimed.attempts,
                            outcome.error,
                        )
                else:
                    log.warning("outbox item %s dead: %s", claimed.id, outcome.error)
                rows.append(
                    {"b_id": claimed.id, "b_status": status, "b_error": outcome.error, "b_next": retry_at}
                )
            if rows:
                session.execute(
                    sa.update(_table)
                    .where(_table.c.id == sa.bindparam("b_id"), *mine)
                    .values(
                        status=sa.bindparam("b_status"),
                        last_error=sa.bindparam("b_error"),
                        next_attempt_at=sa.bindparam("b_next"),
                        leased_by="",
                    ),
                    rows,
                )
        return len(taken)

    # --- the delivery side ----------------------------------------------------------------------------

    def adapters_for(self, session: Session, items: list[Claimed]) -> dict[int, Any]:
        """The adapter for each item (by item id), or the exception building it raised."""
        ids = {i.municipality_id for i in items if i.municipality_id is not None}
        settings = (
            dict(
                session.execute(
                    sa.select(Municipality.id, Municipality.adapter_settings).where(Municipality.id.in_(ids))
                ).all()
            )
            if ids
            else {}
        )
        session.rollback()  # end the read: no transaction (nor SQLite lock) open while delivering
        built: dict[tuple[str, int | None], Any] = {}
        for adapter_id, municipality_id in {(i.adapter, i.municipality_id) for i in items}:
            own = (settings.get(municipality_id) or {}).get(adapter_id, {})
            try:
                built[adapter_id, municipality_id] = self.adapters.get(adapter_id, municipality_id, own)
            except Exception as exc:
                built[adapter_id, municipality_id] = exc
        return {i.id: built[i.adapter, i.municipality_id] for i in items}

    @staticmethod
    def deliver(item: Claimed, adapter: Any) -> Outcome:
        """One delivery (in a worker thread); every failure becomes an outcome, nothing is raised."""
        if isinstance(adapter, PermanentError):
            return Outcome(item, "dead", f"permanent: {adapter}")
        if isinstance(adapter, Exception):
            return Outcome(item, "retry", f"{adapter.__class__.__name__}: {adapter}"[:2000])
        delivery = Delivery(item.topic, dict(item.payload), item.idempotency_key, item.municipality_id)
        try:
            result = adapter.deliver(delivery)
        except PermanentError as exc:
            return Outcome(item, "dead", f"permanent: {exc}"[:2000])
        except Exception as exc:
            return Outcome(item, "retry", f"{exc.__class__.__name__}: {exc}"[:2000])
        return Outcome(item, "delivered", result=result)

    def submit(self, session: Session, items: list[Claimed]) -> dict[Future[Outcome], Claimed]:
        adapters = self.adapters_for(session, items)
        return {self.executor.submit(self.deliver, item, adapters[item.id]): item for item in items}

    def close(self, *, wait: bool = True) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=True)
            self._executor = None
        self.adapters.close()


def deliver_due(
    app: Flask, session: Session, *, limit: int = 100, clock: Callable[[], dt.datetime] = utcnow
) -> int:
    """Deliver what is due now, up to ``limit`` items, and return how many were delivered (the worker's
    work in one call: for ``portal worker --once`` and tests)."""
    deliverer = Deliverer(app, clock=clock)
    delivered = 0
    # The outbox holds every municipality's items: an explicit opt-out of the one-municipality scope.
    try:
        while limit > 0:
            with all_municipalities():
                items = deliverer.claim(session, min(limit, app.config["PORTAL"].outbox_batch_size))
                if not items:
                    break
                limit -= len(items)
                futures = deliverer.submit(session, items)
                delivered += deliverer.record(session, [f.result() for f in futures])
    finally:
        deliverer.close()
    return delivered
