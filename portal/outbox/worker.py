"""`portal worker`: delivers outbox items until stopped. Several may run against PostgreSQL.

One worker process keeps up to ``2 × PORTAL_OUTBOX_CONCURRENCY`` items in hand: it claims due items in
batches, delivers ``PORTAL_OUTBOX_CONCURRENCY`` of them at once in threads (the adapters are synchronous
httpx, smtplib and file writes, which release the GIL while they wait) and writes the outcomes in batches.
A thread renews the lease of everything in hand every third of the lease, so a slow receiver never lets an
item pass to a second worker, while the items of a killed worker are due again when its lease runs out.

SIGTERM (or SIGINT): the worker stops claiming, gives back the items it has not started, lets the
deliveries under way finish for up to ``STOP_GRACE`` seconds, writes their outcomes and gives back any
still running; then it exits. An orchestrator's usual 30 s grace period is enough.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait

from flask import Flask

from portal.db import all_municipalities, get_session
from portal.outbox.delivery import Claimed, Deliverer, Outcome, deliver_due

log = logging.getLogger(__name__)

# Seconds the deliveries under way get to finish after SIGTERM before their items are given back.
STOP_GRACE = 10.0
# Outcomes are written at the latest this long after the first of them came in.
FLUSH_SECONDS = 0.05
# A batch of outcomes that cannot be written this many times running is given back (delivered again).
RECORD_TRIES = 3


class InHand:
    """The items this worker holds, read by the lease-renewing thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: set[int] = set()

    def add(self, items: list[Claimed]) -> None:
        with self._lock:
            self._ids.update(i.id for i in items)

    def remove(self, items: list[Claimed]) -> None:
        with self._lock:
            self._ids.difference_update(i.id for i in items)

    def ids(self) -> list[int]:
        with self._lock:
            return list(self._ids)


def _renew_leases(app: Flask, deliverer: Deliverer, in_hand: InHand, done: threading.Event) -> None:
    engine = app.extensions["db_engine"]
    every = deliverer.config.outbox_lease_seconds / 3
    while not done.wait(every):
        ids = in_hand.ids()
        if not ids:
            continue
        try:
            with engine.begin() as connection:
                deliverer.renew(connection, ids)
        except Exception:
            log.exception("renewing the outbox leases failed; trying again in %.0f s", every)


class _StopFlag:
    """Set by the signal handler. A plain attribute, not a threading.Event: a handler runs in the main
    thread between two bytecodes, possibly while that thread holds the Event's lock, and Event.set()
    would then wait for it forever."""

    requested = False

    def sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.requested and (left := end - time.monotonic()) > 0:
            time.sleep(min(left, 0.1))


def run(app: Flask, *, interval: float = 1.0, once: bool = False) -> None:
    stopping = _StopFlag()

    def stop(*_args: object) -> None:
        stopping.requested = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if once:
        with app.app_context():
            deliver_due(app, get_session())
        return
    log.info("outbox worker started")
    deliverer = Deliverer(app)
    in_hand = InHand()
    renewer_done = threading.Event()
    renewer = threading.Thread(
        target=_renew_leases, args=(app, deliverer, in_hand, renewer_done), name="outbox-lease", daemon=True
    )
    renewer.start()
    # The outbox holds every municipality's items: an explicit opt-out of the one-municipality scope.
    with app.app_context(), all_municipalities():
        session = get_session()
        loop = _Loop(deliverer, session, in_hand)
        try:
            while not stopping.requested:
                try:
                    busy = loop.step()
                except Exception:
                    # A database hiccup must not end the worker; what it holds stays leased to it.
                    log.exception("outbox worker round failed")
                    session.rollback()
                    busy = False
                if not busy:
                    stopping.sleep(interval)
            lingering = loop.stop()
        finally:
            renewer_done.set()
    log.info("outbox worker stopped")
    if lingering:
        # A delivery thread that ignores its timeout cannot be joined; its item has been given back.
        logging.shutdown()
        os._exit(0)


class _Loop:
    def __init__(self, deliverer: Deliverer, session: object, in_hand: InHand) -> None:
        self.deliverer = deliverer
        self.session = session
        self.in_hand = in_hand
        self.in_flight: dict[Future[Outcome], Claimed] = {}
        self.outcomes: list[Outcome] = []
        self.first_outcome_at = 0.0
        self.record_failures = 0
        config = deliverer.config
        self.batch = config.outbox_batch_size
        self.max_in_flight = 2 * deliverer.concurrency

    def step(self) -> bool:
        """Claim, collect and write once; False when there was nothing to do."""
        claimed = self._claim()
        self._collect(timeout=0.02 if self.in_flight else 0)
        self._flush(force=not self.in_flight)
        return bool(claimed or self.in_flight or self.outcomes)

    def _claim(self) -> bool:
        room = self.max_in_flight - len(self.in_flight)
        # Claim when half the room is free, so deliveries never wait on the database and vice versa.
        if room < min(self.batch, self.max_in_flight // 2):
            return False
        items = self.deliverer.claim(self.session, min(room, self.batch))  # type: ignore[arg-type]
        if not items:
            return False
        self.in_hand.add(items)
        self.in_flight.update(self.deliverer.submit(self.session, items))  # type: ignore[arg-type]
        return True

    def _collect(self, timeout: float) -> None:
        if not self.in_flight:
            return
        done, _ = wait(list(self.in_flight), timeout=timeout, return_when=FIRST_COMPLETED)
        for future in done:
            del self.in_flight[future]
            if not self.outcomes:
                self.first_outcome_at = time.monotonic()
            self.outcomes.append(future.result())

    def _flush(self, *, force: bool = False) -> None:
        if not self.outcomes:
            return
        if not (
            force
            or len(self.outcomes) >= self.batch
            or time.monotonic() - self.first_outcome_at >= FLUSH_SECONDS
        ):
            return
        outcomes, self.outcomes = self.outcomes, []
        items = [o.item for o in outcomes]
        try:
            self.deliverer.record(self.session, outcomes)  # type: ignore[arg-type]
        except Exception:
            self.session.rollback()  # type: ignore[attr-defined]
            self.record_failures += 1
            if self.record_failures < RECORD_TRIES:
                self.outcomes = outcomes + self.outcomes
                raise
            log.exception("outbox outcomes could not be written; giving the items back")
            self.record_failures = 0
            self._release(items)
        else:
            self.record_failures = 0
        self.in_hand.remove(items)

    def _release(self, items: list[Claimed]) -> None:
        try:
            self.deliverer.release(self.session, items)  # type: ignore[arg-type]
        except Exception:
            # Their leases are no longer renewed: they are due again within the lease.
            log.exception("outbox items could not be given back; they are due again when their lease ends")
            self.session.rollback()  # type: ignore[attr-defined]
        self.in_hand.remove(items)

    def stop(self) -> bool:
        """Finish or give back everything in hand; True if a delivery thread is still running."""
        deadline = time.monotonic() + STOP_GRACE
        not_started = [item for future, item in self.in_flight.items() if future.cancel()]
        self.in_flight = {f: i for f, i in self.in_flight.items() if not f.cancelled()}
        self._release(not_started)
        while self.in_flight and time.monotonic() < deadline:
            self._collect(timeout=min(0.2, max(0.0, deadline - time.monotonic())))
            if len(self.outcomes) >= self.batch:
                self._flush_quietly()
        self._flush_quietly()
        lingering = list(self.in_flight.values())
        self._release(lingering)
        self.deliverer.close(wait=not lingering)
        return bool(lingering)

    def _flush_quietly(self) -> None:
        for _ in range(RECORD_TRIES):
            try:
                self._flush(force=True)
                return
            except Exception:
                log.exception("writing outbox outcomes failed while stopping")
