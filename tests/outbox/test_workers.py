"""Outbox workers as real processes: several on PostgreSQL deliver each item exactly once, and a worker
killed in the middle of a delivery loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from portal.config import PROJECT_ROOT
from portal.db import get_session
from portal.municipalities.models import Municipality
from portal.outbox.models import OutboxItem
from portal.outbox.services import enqueue
from tests.conftest import TEST_SECRET
from tests.integrations import WEBHOOK_SECRET, running_receiver


def start_worker(database_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PORTAL_ENV": "test",
        "PORTAL_SECRET_KEY": TEST_SECRET,
        "PORTAL_DATABASE_URL": database_url,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "worker", "--interval", "0.05"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def webhook_municipality(migrated_app):  # type: ignore[no-untyped-def]
    """Exempelstad delivering to a local receiver; everything this test commits is removed afterwards."""
    with running_receiver() as receiver:
        with migrated_app.app_context():
            session = get_session()
            municipality = session.scalar(sa.select(Municipality).where(Municipality.slug == "exempelstad"))
            municipality_id, saved = municipality.id, dict(municipality.adapter_settings or {})
            session.commit()  # no transaction (nor SQLite's write lock) held while the workers run
        yield receiver, municipality_id
        with migrated_app.app_context():
            session = get_session()
            session.execute(sa.delete(OutboxItem).where(OutboxItem.idempotency_key.like("worker-test:%")))
            session.get(Municipality, municipality_id).adapter_settings = saved
            session.commit()


def set_url(app, municipality_id: int, url: str) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = get_session()
        municipality = session.get(Municipality, municipality_id)
        municipality.adapter_settings = {"webhook": {"url": url, "secret": WEBHOOK_SECRET, "timeout": 5}}
        session.commit()


def enqueue_items(app, municipality_id: int, count: int) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = get_session()
        for i in range(count):
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
    while time.monotonic() < deadline:
        with app.app_context():
            delivered = get_session().scalar(
                sa.select(sa.func.count())
                .select_from(OutboxItem)
                .where(OutboxItem.idempotency_key.like("worker-test:%"), OutboxItem.status == "delivered")
            )
        if delivered >= count:
            break
        time.sleep(0.2)
    return delivered


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


def test_a_worker_killed_mid_delivery_loses_nothing(migrated_app, database_url, webhook_municipality):
    receiver, municipality_id = webhook_municipality
    set_url(migrated_app, municipality_id, receiver.url("/slow"))
    enqueue_items(migrated_app, municipality_id, 1)
    worker = start_worker(database_url)
    deadline = time.monotonic() + 30
    while not receiver.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    assert receiver.requests, "the worker started the delivery"
    worker.send_signal(signal.SIGKILL)  # in the middle of the slow delivery
    worker.wait(timeout=10)
    with migrated_app.app_context():
        session = get_session()
        item = session.scalar(sa.select(OutboxItem).where(OutboxItem.idempotency_key == "worker-test:0"))
        assert item.status == "delivering"  # leased to the dead worker, not lost
        item.next_attempt_at = item.created_at  # the lease would run out in 5 minutes; end it now
        session.commit()
    set_url(migrated_app, municipality_id, receiver.url("/ok"))
    worker = start_worker(database_url)
    try:
        assert wait_until_delivered(migrated_app, 1, timeout=60) == 1
    finally:
        stop(worker)
    assert receiver.accepted_keys() == {"worker-test:0"}
