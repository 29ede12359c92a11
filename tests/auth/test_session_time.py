"""Session time: the page's status check never extends a login, "Fortsätt vara inloggad" does, and a step
posted after the idle limit is saved before the login page (nothing typed is lost)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.applications.models import Draft
from portal.auth.models import LoginSession
from portal.db import all_municipalities, get_session
from tests.auth.login_helpers import TOLVAN, log_in
from tests.helpers import csrf_from, page_csrf


@pytest.fixture(autouse=True)
def _english(client: FlaskClient) -> None:
    client.set_cookie("portal_locale", "en")


def _login_row(app: Flask) -> LoginSession:
    with app.app_context(), all_municipalities():
        return get_session().scalars(sa.select(LoginSession).order_by(LoginSession.id.desc())).first()


def _age(app: Flask, seconds: int) -> None:
    """Make the newest login look idle for ``seconds``."""
    with app.app_context(), all_municipalities():
        db = get_session()
        login = db.scalars(sa.select(LoginSession).order_by(LoginSession.id.desc())).first()
        login.last_seen_at -= dt.timedelta(seconds=seconds)
        db.commit()


def test_the_page_carries_the_warning_and_its_settings(client: FlaskClient, bankid_simulator) -> None:  # type: ignore[no-untyped-def]
    log_in(client, bankid_simulator, TOLVAN)
    html = client.get("/mina-sidor").get_data(as_text=True)
    assert 'data-session-status="/session/status?area=citizen"' in html
    assert 'id="session-warning" role="alertdialog"' in html
    assert "Stay logged in" in html
    assert "js/session.js" in html
    # Logged out: no warning, no script.
    assert "session-warning" not in client.application.test_client().get("/").get_data(as_text=True)


def test_the_status_check_does_not_extend_the_login(
    app: Flask, client: FlaskClient, bankid_simulator
) -> None:  # type: ignore[no-untyped-def]
    log_in(client, bankid_simulator, TOLVAN)
    _age(app, 600)
    status = client.get("/session/status?area=citizen", headers={"X-Portal-Background": "1"}).json
    idle = app.config["PORTAL"].session_idle_seconds
    assert status["state"] == "active"
    assert idle - 602 <= status["remaining"] <= idle - 598
    again = client.get("/session/status?area=citizen", headers={"X-Portal-Background": "1"}).json
    assert again["remaining"] <= status["remaining"]


def test_stay_logged_in_restarts_the_idle_clock(app: Flask, client: FlaskClient, bankid_simulator) -> None:  # type: ignore[no-untyped-def]
    log_in(client, bankid_simulator, TOLVAN)
    _age(app, 1000)
    token = page_csrf(client, "/kontaktuppgifter")
    _age(app, 1000)
    extended = client.post(
        "/session/forlang",
        data={"csrf_token": token, "area": "citizen"},
        headers={"Accept": "application/json"},
    ).json
    assert extended["state"] == "active"
    assert extended["remaining"] >= app.config["PORTAL"].session_idle_seconds - 2
    # Without JavaScript the same form goes back to the page it was on.
    back = client.post(
        "/session/forlang", data={"csrf_token": token, "area": "citizen", "next": "/mina-ärenden"}
    )
    assert back.status_code == 302


def test_extending_needs_the_csrf_token_and_a_login(client: FlaskClient, bankid_simulator) -> None:  # type: ignore[no-untyped-def]
    log_in(client, bankid_simulator, TOLVAN)
    refused = client.post(
        "/session/forlang", data={"area": "citizen"}, headers={"Accept": "application/json"}
    )
    assert refused.status_code in (400, 401)


def _start_hemtjanst(client: FlaskClient) -> str:
    """Start a hemtjänst application; the path of its "Your situation today" step (a text area)."""
    token = page_csrf(client, "/e-tjanster/hemtjanst")
    started = client.post("/e-tjanster/hemtjanst/starta", data={"csrf_token": token})
    return started.headers["Location"] + "/steg/situation"


def test_a_step_posted_after_the_idle_limit_is_saved_and_shown_after_the_next_login(
    app: Flask,
    client: FlaskClient,
    bankid_simulator,  # type: ignore[no-untyped-def]
) -> None:
    log_in(client, bankid_simulator, TOLVAN)
    step = _start_hemtjanst(client)
    page = client.get(step).get_data(as_text=True)
    token = csrf_from(page)
    field = page.split("<textarea", 1)[1].split('name="', 1)[1].split('"')[0]
    _age(app, app.config["PORTAL"].session_idle_seconds + 60)
    response = client.post(
        step, data={"csrf_token": token, field: "Jag behöver hjälp med dusch", "action": "continue"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/logga-in"
    login_page = client.get("/logga-in").get_data(as_text=True)
    assert "What you wrote on the page is saved" in login_page
    with app.app_context(), all_municipalities():
        draft = get_session().scalars(sa.select(Draft).order_by(Draft.updated_at.desc())).first()
        assert "Jag behöver hjälp med dusch" in str(draft.answers)
    # After logging in again the person lands on the step, with the answer in it.
    log_in(client, bankid_simulator, TOLVAN)
    assert "Jag behöver hjälp med dusch" in client.get(step).get_data(as_text=True)


def test_a_post_after_logout_is_not_saved(app: Flask, client: FlaskClient, bankid_simulator) -> None:  # type: ignore[no-untyped-def]
    log_in(client, bankid_simulator, TOLVAN)
    step = _start_hemtjanst(client)
    page = client.get(step).get_data(as_text=True)
    token = csrf_from(page)
    field = page.split("<textarea", 1)[1].split('name="', 1)[1].split('"')[0]
    client.post("/logga-ut", data={"csrf_token": token})
    client.post(step, data={"csrf_token": token, field: "efter utloggning", "action": "continue"})
    with app.app_context(), all_municipalities():
        draft = get_session().scalars(sa.select(Draft).order_by(Draft.updated_at.desc())).first()
        assert "efter utloggning" not in str(draft.answers)


def test_autosave_from_the_page_keeps_the_answers_without_extending(
    app: Flask,
    client: FlaskClient,
    bankid_simulator,  # type: ignore[no-untyped-def]
) -> None:
    log_in(client, bankid_simulator, TOLVAN)
    step = _start_hemtjanst(client)
    page = client.get(step).get_data(as_text=True)
    field = page.split("<textarea", 1)[1].split('name="', 1)[1].split('"')[0]
    _age(app, 600)
    before = _login_row(app).last_seen_at
    saved = client.post(
        step,
        data={"csrf_token": csrf_from(page), field: "sparat av sidan", "action": "autosave"},
        headers={"X-Portal-Background": "1"},
    )
    assert saved.status_code == 204
    assert _login_row(app).last_seen_at == before
    assert "sparat av sidan" in client.get(step).get_data(as_text=True)
