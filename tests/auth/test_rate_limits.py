"""Login protection: too many login starts from one client, or logins for one identity, are refused with a
page that says how long to wait; counters in the database, or in Redis where configured."""

from __future__ import annotations

import dataclasses
import os
import secrets
import socket
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.app import create_app
from portal.audit.models import AuditEvent
from portal.db import get_session
from tests.auth.login_helpers import TOLVAN, log_in
from tests.conftest import CheckingClient, rolled_back
from tests.helpers import page_csrf


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _limited_app(migrated_app: Flask, **overrides: object) -> Iterator[Flask]:
    # A secret of its own: counter keys are hashed with it, so Redis counters of earlier runs never count.
    config = dataclasses.replace(
        migrated_app.config["PORTAL"],
        secret_key=f"rate-limit-test-{secrets.token_hex(16)}",
        login_limit_per_client=3,
        login_limit_per_identity=2,
        **overrides,
    )
    app = create_app(config)
    app.test_client_class = CheckingClient
    yield from rolled_back(app)
    app.extensions["db_engine"].dispose()


@pytest.fixture(params=["database", "redis", "redis-down"])
def limited_app(request: pytest.FixtureRequest, migrated_app: Flask) -> Iterator[Flask]:
    if request.param == "redis":
        if not _redis_answers():
            if os.environ.get("CI") == "true":
                pytest.fail("Redis does not answer at 127.0.0.1:6379 in CI")
            pytest.skip("Redis does not answer at 127.0.0.1:6379 (the database backend is tested)")
        yield from _limited_app(migrated_app, redis_url="redis://127.0.0.1:6379/15")
    elif request.param == "redis-down":
        # Redis configured but unreachable: counting falls back to the database, never to "no limit".
        yield from _limited_app(migrated_app, redis_url="redis://127.0.0.1:1/0")
    else:
        yield from _limited_app(migrated_app)


def _client(app: Flask) -> FlaskClient:
    # Each test its own address, so counters in Redis (which outlive a test) never meet.
    client = app.test_client()
    client.set_cookie("portal_locale", "en")
    client.environ_base["REMOTE_ADDR"] = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.9"
    return client


def _start(client: FlaskClient) -> object:
    token = page_csrf(client, "/logga-in")
    return client.post("/logga-in/bankid", data={"device": "other", "csrf_token": token})


def test_too_many_login_starts_from_one_client_are_refused(limited_app: Flask) -> None:
    client = _client(limited_app)
    for _ in range(3):
        assert _start(client).status_code == 302
    refused = _start(client)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many login attempts" in refused.get_data(as_text=True)
    assert "Wait" in refused.get_data(as_text=True)
    # Another client is not affected.
    assert _start(_client(limited_app)).status_code == 302
    with limited_app.app_context():
        event = get_session().scalar(sa.select(AuditEvent).where(AuditEvent.action == "login_rate_limited"))
        assert event is not None and event.detail["limit"] == "client"


def test_too_many_logins_for_one_identity_are_refused(limited_app: Flask, bankid_simulator) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        client = _client(limited_app)
        log_in(client, bankid_simulator, TOLVAN)
        assert client.get("/mina-sidor").status_code == 200
    client = _client(limited_app)
    _start(client)
    bankid_simulator.approve(bankid_simulator.orders()[0]["orderRef"], TOLVAN)
    refused = client.get("/logga-in/bankid")
    assert refused.status_code == 429
    assert client.get("/mina-sidor").status_code == 302


def test_staff_bankid_logins_have_the_same_identity_limit(limited_app: Flask, bankid_simulator) -> None:  # type: ignore[no-untyped-def]
    from tests.staff.test_workspace import OMAR, staff_log_in

    for _ in range(2):
        assert staff_log_in(_client(limited_app), bankid_simulator, OMAR).status_code == 302
    refused = staff_log_in(_client(limited_app), bankid_simulator, OMAR)
    assert refused.status_code == 429
