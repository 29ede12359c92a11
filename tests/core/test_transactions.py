"""On SQLite, a page that only reads never waits for the write lock, and a read page's own writes (its
audit event) wait for the lock in a transaction of their own, so a writer in between cannot fail them."""

import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.db import all_municipalities, get_session
from tests.auth.login_helpers import log_in


@pytest.fixture
def sqlite_file(fresh_app):  # type: ignore[no-untyped-def]
    url = fresh_app.extensions["db_engine"].url
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL readers never wait for writers")
    return url.database


def _get_in_thread(client, path: str) -> tuple[threading.Thread, dict]:  # type: ignore[no-untyped-def]
    result: dict = {}

    def run() -> None:
        result["status"] = client.get(path).status_code

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def test_a_page_that_only_reads_does_not_wait_for_a_writer(fresh_app, sqlite_file):
    client = fresh_app.test_client()
    client.get("/logga-in")  # connect once before the lock is taken
    writer = sqlite3.connect(sqlite_file, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        thread, result = _get_in_thread(client, "/logga-in")
        thread.join(timeout=5)
        assert result.get("status") == 200, "the login page waited for another connection's write lock"
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        thread.join(timeout=35)


def test_a_read_pages_audit_event_survives_a_write_in_between(fresh_app, sqlite_file, bankid_simulator):
    client = fresh_app.test_client()
    log_in(client, bankid_simulator)
    client.get("/mina-arenden")
    writer = sqlite3.connect(sqlite_file, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    thread, result = _get_in_thread(client, "/mina-arenden")
    time.sleep(1)  # the page has read and waits to write its audit event
    # Another connection writes and commits meanwhile: the page's read snapshot is now stale.
    writer.execute("UPDATE municipality SET name = name")
    writer.execute("COMMIT")
    writer.close()
    thread.join(timeout=35)
    assert result.get("status") == 200
    with fresh_app.app_context(), all_municipalities():
        count = get_session().scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "case_list_read")
        )
    assert count >= 2


def _begins(app, client, path: str) -> list[str]:  # type: ignore[no-untyped-def]
    begins: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("BEGIN"):
            begins.append(statement)

    engine = app.extensions["db_engine"]
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        client.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    return begins


def test_a_bankid_poll_that_completes_a_login_holds_the_write_lock_from_its_first_read(
    fresh_app, sqlite_file
):
    # The poll reads the order and marks it used: twice at once must give one login, as on POST.
    client = fresh_app.test_client()
    assert set(_begins(fresh_app, client, "/logga-in/bankid/status")) == {"BEGIN IMMEDIATE"}
    assert set(_begins(fresh_app, client, "/logga-in")) == {"BEGIN"}


def test_every_bankid_poll_and_openid_callback_is_marked(fresh_app):
    from portal.db import DECIDES_ON_GET_ATTR

    endings = ("bankid_wait", "bankid_status", "oidc_callback", "sign_wait", "sign_status", "accept_wait")
    polls = [
        rule.endpoint
        for rule in fresh_app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint.endswith((*endings, "accept_status"))
    ]
    assert len(polls) >= 10
    unmarked = [e for e in polls if not getattr(fresh_app.view_functions[e], DECIDES_ON_GET_ATTR, False)]
    assert unmarked == []
