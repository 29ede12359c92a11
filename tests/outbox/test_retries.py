"""The retry schedule, the dead letter, an administrator's re-send and the lease, on a clock the tests
advance instead of sleeping: a case system that is down for a night still gets every application."""

from __future__ import annotations

import datetime as dt
import itertools

import sqlalchemy as sa

from portal.db import all_municipalities, get_session, utcnow
from portal.outbox.delivery import Deliverer, deliver_due
from portal.outbox.models import OutboxItem
from portal.outbox.services import enqueue
from tests.auth.login_helpers import log_in
from tests.cases.test_my_cases import case_path, submit_hemtjanst
from tests.helpers import csrf_from
from tests.integrations import running_receiver
from tests.integrations.test_outbox_with_webhook import configure
from tests.staff.test_deliveries import ADA
from tests.staff.test_workspace import OMAR, staff_log_in

WAITING = "Din ansökan är skickad och sparad hos oss"


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> dt.datetime:
        return self.now


def application_item(app) -> OutboxItem:  # type: ignore[no-untyped-def]
    with app.app_context(), all_municipalities():
        return get_session().scalar(sa.select(OutboxItem).where(OutboxItem.adapter == "webhook"))


def enqueue_application(app, adapter: str) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), all_municipalities():
        session = get_session()
        enqueue(
            session,
            topic="application.submitted",
            adapter=adapter,
            payload={"case_number": "ACEF-HJKM"},
            idempotency_key="retry-test:1",
            municipality_id=1,
        )
        session.commit()


def retry_until_settled(app, clock: Clock, *, until: dt.datetime | None = None) -> list[dt.datetime]:  # type: ignore[no-untyped-def]
    """Deliver whenever the item is due (moving the clock there) until it is delivered or dead, or the
    clock would pass ``until``; the times of the attempts."""
    attempts = []
    while True:
        with app.app_context(), all_municipalities():
            deliver_due(app, get_session(), clock=clock)
        attempts.append(clock.now)
        item = application_item(app)
        if item.status in ("delivered", "dead"):
            return attempts
        assert item.status == "failed"
        if until is not None and item.next_attempt_at > until:
            return attempts
        clock.now = item.next_attempt_at


def test_an_outage_of_an_hour_is_waited_out_and_the_citizen_is_told_calmly(app, client, bankid_simulator):
    clock = Clock()
    with running_receiver() as receiver:
        configure(app, receiver.url("/status/503"))  # the case system is down for its maintenance
        log_in(client, bankid_simulator)
        number = submit_hemtjanst(client, bankid_simulator)
        clock.now = started = utcnow()
        attempts = retry_until_settled(app, clock, until=started + dt.timedelta(hours=1))
        item = application_item(app)
        assert item.status == "failed", "an hour's outage does not dead-letter the application"
        # Exponential backoff: 1–2 s first, doubling, never more than an hour apart.
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(attempts)]
        assert 1 <= gaps[0] <= 2 and 2 <= gaps[1] <= 4
        assert max(gaps) <= 3600
        assert 8 <= len(attempts) <= 14

        page = client.get(case_path(app, number)).text
        assert WAITING in page and "Du behöver inte göra något" in page
        staff = app.test_client()
        staff_log_in(staff, bankid_simulator, OMAR)
        staff_page = staff.get(case_path(app, number).replace("/arenden", "/handlaggare/arenden")).text
        assert "Inte än: har väntat i" in staff_page

        configure(app, receiver.url("/ok"))  # the case system is back
        clock.now = item.next_attempt_at
        retry_until_settled(app, clock)
    item = application_item(app)
    assert item.status == "delivered" and item.delivered_at == clock.now
    assert receiver.accepted_keys() == {item.idempotency_key}
    page = client.get(case_path(app, number)).text
    assert "Mottagen av kommunen" in page and WAITING not in page


def test_retries_go_on_for_72_hours_then_the_item_is_dead_lettered(app):
    clock = Clock()
    with running_receiver() as receiver:
        configure(app, receiver.url("/status/503"))
        enqueue_application(app, "webhook")
        started = application_item(app).series_started_at
        clock.now = started
        attempts = retry_until_settled(app, clock)
    item = application_item(app)
    assert item.status == "dead" and "503" in item.last_error
    deadline = started + dt.timedelta(hours=72)
    assert attempts[-1] == deadline, "the last attempt is made when the 72 hours are up"
    assert all(a < deadline for a in attempts[:-1])
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(attempts)]
    assert max(gaps) <= 3600 and min(gaps[-20:-1]) >= 1800, "hourly, with jitter, once the backoff is capped"
    assert item.attempts == len(attempts) == len(receiver.requests)


def test_a_resend_by_the_administrator_starts_a_fresh_series(app, bankid_simulator):
    clock = Clock()
    with running_receiver() as receiver:
        configure(app, receiver.url("/status/503"))
        enqueue_application(app, "webhook")
        clock.now = application_item(app).series_started_at
        retry_until_settled(app, clock)
        dead = application_item(app)
        assert dead.status == "dead" and dead.attempts > 50

        admin = app.test_client()
        staff_log_in(admin, bankid_simulator, ADA)
        page = admin.get("/handlaggare/leveranser").text
        assert "ACEF-HJKM" in page and "Har väntat i" in page
        admin.post(f"/handlaggare/leveranser/{dead.id}/forsok-igen", data={"csrf_token": csrf_from(page)})
        resent = application_item(app)
        assert resent.status == "pending" and resent.attempts == 0
        # The case system is still down: the new series is retried, not dead after one attempt.
        clock.now = resent.series_started_at  # the new series runs from the re-send
        attempts = retry_until_settled(app, clock, until=clock.now + dt.timedelta(hours=1))
    item = application_item(app)
    assert item.status == "failed" and item.attempts == len(attempts) > 5


def test_a_lease_runs_out_unless_renewed_and_a_late_worker_cannot_overwrite(app):
    clock = Clock()
    enqueue_application(app, "embedded")
    with app.app_context(), all_municipalities():
        session = get_session()
        clock.now = utcnow()
        first, second = Deliverer(app, clock=clock), Deliverer(app, clock=clock)
        [held] = first.claim(session, 10)
        clock.now += dt.timedelta(seconds=20)
        assert second.claim(session, 10) == []
        first.renew(session.connection(), [held.id])  # the worker renews every third of the lease
        session.commit()
        clock.now += dt.timedelta(seconds=29)
        assert second.claim(session, 10) == [], "renewed: still the first worker's"
        clock.now += dt.timedelta(seconds=2)
        [taken] = second.claim(session, 10)  # the first worker stopped renewing (it was killed)
        assert taken.idempotency_key == held.idempotency_key and taken.attempts == 2
        # The first worker wakes up and reports a failure: the item is no longer its to write.
        outcome = first.deliver(held, RuntimeError("boom"))
        assert first.record(session, [outcome]) == 0
        session.expire_all()
        assert session.get(OutboxItem, held.id).status == "delivering"
        assert second.record(session, [second.deliver(taken, first.adapters.get("embedded", 1, {}))]) == 1
        first.close()
        second.close()
