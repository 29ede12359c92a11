"""Outbox workers as real processes: several on PostgreSQL deliver each item exactly once, and a worker
killed in the middle of a delivery loses nothing."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
import sqlalchemy as sa

from portal.config import PROJECT_ROOT
from portal.db import all_municipalities, get_session
from portal.municipalities.models import Municipality
from portal.outbox.models import OutboxItem
from portal.outbox.services import enqueue
from tests.conftest import TEST_SECRET
from tests.integrations import WEBHOOK_SECRET, Receiver, running_receiver


def start_worker(
    database_url: str, stderr: int = subprocess.DEVNULL, **settings: object
) -> subprocess.Popen[bytes]:
    """``portal worker`` as a process; ``settings`` as PORTAL_* variables (lease_seconds=3: OUTBOX_…)."""
    env = {
        **os.environ,
        "PORTAL_ENV": "test",
        "PORTAL_SECRET_KEY": TEST_SECRET,
        "PORTAL_DATABASE_URL": database_url,
        **{f"PORTAL_OUTBOX_{name.upper()}": str(value) for name, value in settings.items()},
    }
    return subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "worker", "--interval", "0.05"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )


@pytest.fixture
def webhook_municipality(migrated_app):  # type: ignore[no-untyped-def]
    """Exempelstad delivering to a local receiver; everything this test commits is removed afterwards."""
    with running_receiver() as receiver:
        with migrated_app.app_context(), all_municipalities():
            session = get_session()
            municipality = session.scalar(sa.select(Municipality).where(Municipality.slug == "exempelstad"))
            municipality_id, saved = municipality.id, dict(municipality.adapter_settings or {})
            session.commit()  # no transaction (nor SQLite's write lock) held while the workers run
        yield receiver, municipality_id
        with migrated_app.app_context(), all_municipalities():
            session = get_session()
            session.execute(sa.delete(OutboxItem).where(OutboxItem.idempotency_key.like("worker-test:%")))
            session.get(Municipality, municipality_id).adapter_settings = saved
            session.commit()


def set_url(app, municipality_id: int, url: str, timeout: float = 5) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), all_municipalities():
        session = get_session()
        municipality = session.get(Municipality, municipality_id)
        municipality.adapter_settings = {
            "webhook": {"url": url, "secret": WEBHOOK_SECRET, "timeout": timeout}
        }
        session.commit()


def enqueue_items(app, municipality_id: int, count: int, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), all_municipalities():
        session = get_session()
        for i in range(start, start + count):
            enqueue(
                session,
                topic="application.submitted",
                adapter="webhook",
                municipality_id=municipality_id,
                payload={"case_number": f"TEST-{i:04d}"},
                idempotency_key=f"worker-test:{i}",
            )
        session.commit()


def wait_until_delivered(app, count: int, timeout: float) -> int:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    delivered = 0
    while True:
        with app.app_context(), all_municipalities():
            delivered = get_session().scalar(
                sa.select(sa.func.count())
                .select_from(OutboxItem)
                .where(OutboxItem.idempotency_key.like("worker-test:%"), OutboxItem.status == "delivered")
            )
        if delivered >= count or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    return delivered


def wait_for_requests(receiver: Receiver) -> None:
    deadline = time.monotonic() + 30
    while not receiver.requests and time.monotonic() < deadline:
        time.sleep(0.05)


def stop(*workers: subprocess.Popen[bytes]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(timeout=20)


@pytest.mark.postgres
def test_two_workers_on_postgresql_deliver_a_thousand_items_exactly_once(
    migrated_app, database_url, webhook_municipality
):
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL; this runs in make test's PostgreSQL pass")
    receiver, municipality_id = webhook_municipality
    set_url(migrated_app, municipality_id, receiver.url("/ok"))
    enqueue_items(migrated_app, municipality_id, 1000)
    workers = [start_worker(database_url), start_worker(database_url)]
    try:
        assert wait_until_delivered(migrated_app, 1000, timeout=240) == 1000
    finally:
        stop(*workers)
    keys = [r.headers.get("Idempotency-Key") for r in receiver.requests]
    assert len(keys) == 1000, "no item was sent twice"
    assert len(set(keys)) == 1000


def items(app) -> list[OutboxItem]:  # type: ignore[no-untyped-def]
    with app.app_context(), all_municipalities():
        return list(
            get_session().scalars(
                sa.select(OutboxItem).where(OutboxItem.idempotency_key.like("worker-test:%"))
            )
        )


def test_a_killed_workers_item_is_taken_over_when_its_short_lease_runs_out(
    migrated_app, database_url, webhook_municipality
):
    receiver, municipality_id = webhook_municipality
    set_url(migrated_app, municipality_id, receiver.url("/slow"))
    enqueue_items(migrated_app, municipality_id, 1)
    worker = start_worker(database_url, lease_seconds=3)
    wait_for_requests(receiver)
    assert receiver.requests, "the worker started the delivery"
    worker.send_signal(signal.SIGKILL)  # in the middle of the slow delivery
    worker.wait(timeout=10)
    killed_at = time.monotonic()
    [item] = items(migrated_app)
    assert item.status == "delivering"  # leased to the dead worker, not lost
    set_url(migrated_app, municipality_id, receiver.url("/ok"))
    worker = start_worker(database_url, lease_seconds=3)
    try:
        assert wait_until_delivered(migrated_app, 1, timeout=60) == 1
    finally:
        stop(worker)
    # Taken over once the dead worker's lease ran out (3 s here, 30 s by default), not after minutes; the
    # bound leaves room for a new worker's start on a busy machine.
    assert time.monotonic() - killed_at < 3 + 30
    assert receiver.accepted_keys() == {"worker-test:0"}
    assert {r.headers["Idempotency-Key"] for r in receiver.requests} == {"worker-test:0"}


def test_sigterm_with_a_hanging_receiver_stops_within_ten_seconds_and_one_timeout(
    migrated_app, database_url, webhook_municipality
):
    receiver, municipality_id = webhook_municipality
    timeout = 3
    set_url(migrated_app, municipality_id, receiver.url("/hang"), timeout=timeout)
    enqueue_items(migrated_app, municipality_id, 40)
    # Two deliveries at a time: the other items the worker has claimed are waiting in its hand.
    worker = start_worker(database_url, concurrency=2)
    wait_for_requests(receiver)
    assert receiver.requests, "the worker is delivering"
    signalled = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0
    assert time.monotonic() - signalled <= 10 + timeout
    # Nothing is left leased to the stopped worker: each item is due again, at once or after its backoff.
    left = items(migrated_app)
    assert len(left) == 40
    assert all(i.status in ("pending", "failed") and i.leased_by == "" for i in left)
    tried = [i for i in left if i.attempts]
    assert len(tried) == len(receiver.requests) <= 4
    assert all(i.status == "failed" and "no answer in time" in i.last_error for i in tried)


@pytest.mark.postgres
def test_random_kills_during_a_thousand_deliveries_lose_nothing(
    migrated_app, database_url, webhook_municipality
):
    """kill -9 of either of two workers now and then while 1 000 applications come in (50 a second):
    every item arrives, repeats carry the item's one key, and the other worker takes over the killed
    one's items so that none waits more than a minute."""
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL; this runs in make test's PostgreSQL pass")
    receiver, municipality_id = webhook_municipality
    set_url(migrated_app, municipality_id, receiver.url("/ok"))
    # A short lease keeps the test short (the default is 30 s); few items in hand, so a kill meets some.
    settings = {"lease_seconds": 5, "concurrency": 4, "batch_size": 8}

    class Worker:
        """A worker process, and when it said it has started (seconds on a busy machine)."""

        def __init__(self) -> None:
            self.process = start_worker(database_url, stderr=subprocess.PIPE, **settings)
            self.ready_at: float | None = None
            threading.Thread(target=self._watch, daemon=True).start()

        def _watch(self) -> None:
            for line in self.process.stderr:  # type: ignore[union-attr]
                if self.ready_at is None and b"outbox worker started" in line:
                    self.ready_at = time.monotonic()

        def delivering(self) -> bool:
            return self.ready_at is not None and time.monotonic() - self.ready_at > 0.5

    workers = [Worker(), Worker()]
    while not all(w.delivering() for w in workers):
        time.sleep(0.1)
    feeder = threading.Thread(
        target=lambda: [
            (enqueue_items(migrated_app, municipality_id, 50, start=n), time.sleep(1.0))
            for n in range(0, 1000, 50)
        ]
    )
    feeder.start()
    rng = random.Random(12)  # noqa: S311 - picks when and which worker to kill
    kills = 0
    deadline = time.monotonic() + 180
    try:
        while (feeder.is_alive() or wait_until_delivered(migrated_app, 1000, timeout=0) < 1000) and (
            time.monotonic() < deadline
        ):
            time.sleep(rng.uniform(1.5, 3.0))
            victim = rng.randrange(len(workers))
            if not all(w.delivering() for w in workers) or kills >= 8:
                # One still starting up (seconds on a busy machine): a kill now would interrupt nothing,
                # or leave no worker at all to take over, which is not what is being tried here.
                continue
            workers[victim].process.send_signal(signal.SIGKILL)
            workers[victim].process.wait(timeout=10)
            kills += 1
            workers[victim] = Worker()
        feeder.join()
        assert wait_until_delivered(migrated_app, 1000, timeout=120) == 1000, "nothing is lost"
    finally:
        stop(*(worker.process for worker in workers))
    assert kills >= 3, "the workers were killed while delivering"
    assert receiver.accepted_keys() == {f"worker-test:{i}" for i in range(1000)}
    for request in receiver.requests:  # a repeat is the same item: the same key in header and body
        if len(request.body) < int(request.headers["Content-Length"]):
            continue  # cut off by a kill while it was being sent; refused by the receiver
        assert request.signature_ok
        assert request.headers["Idempotency-Key"] == json.loads(request.body)["idempotency_key"]
    lags = [(i.delivered_at - i.created_at).total_seconds() for i in items(migrated_app)]
    print(
        f"{kills} kills, {len(receiver.requests) - 1000} repeats, lag p50 {sorted(lags)[500]:.1f} s, "
        f"longest {max(lags):.1f} s"
    )
    assert max(lags) <= 60
