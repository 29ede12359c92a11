"""The citizen's BankID login through the portal, against the simulator over HTTP."""

import datetime as dt
import logging

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.auth.models import LoginSession
from portal.db import all_municipalities, get_session
from tests.auth.login_helpers import TOLVAN, log_in, newest_order_ref, start_login
from tests.helpers import page_csrf


def test_qr_login_lands_on_my_pages_with_the_name(client, bankid_simulator):
    start_login(client, device="other")
    waiting = client.get("/logga-in/bankid")
    assert waiting.status_code == 200
    html = waiting.get_data(as_text=True)
    assert "Starta BankID-appen" in html  # RFA1 while the QR code waits to be scanned
    assert 'src="/logga-in/bankid/qr.svg"' in html
    # Without JavaScript the page does not reload on a timer (WCAG F41: a screen reader would start over):
    # a button asks BankID again when the person says they are done.
    assert 'http-equiv="refresh"' not in html
    assert '<form method="get" action="/logga-in/bankid">' in html
    assert "Jag har legitimerat mig – fortsätt" in html

    qr = client.get("/logga-in/bankid/qr.svg")
    assert qr.status_code == 200
    assert qr.mimetype == "image/svg+xml"
    assert b"<svg" in qr.data

    bankid_simulator.approve(newest_order_ref(bankid_simulator), TOLVAN)
    done = client.get("/logga-in/bankid")
    assert done.status_code == 302
    assert done.headers["Location"] == "/mina-sidor"
    page = client.get("/mina-sidor").get_data(as_text=True)
    assert "Välkommen, Tolvan Tolvansson" in page
    assert "Logga ut" in page


def test_same_device_login_offers_the_autostart_link(client, bankid_simulator):
    start_login(client, device="same")
    html = client.get("/logga-in/bankid").get_data(as_text=True)
    assert "autostarttoken=" in html
    assert "qr.svg" not in html
    assert client.get("/logga-in/bankid/qr.svg").status_code == 404


def test_status_endpoint_reports_progress_and_then_the_redirect(client, bankid_simulator):
    start_login(client)
    pending = client.get("/logga-in/bankid/status").json
    assert pending["state"] == "pending"
    assert pending["message"]
    order_ref = newest_order_ref(bankid_simulator)
    bankid_simulator.start(order_ref)
    started = client.get("/logga-in/bankid/status").json
    assert started["state"] == "pending"
    assert started["rfa"] != pending["rfa"] or started["message"] != pending["message"]
    bankid_simulator.approve(order_ref, TOLVAN)
    complete = client.get("/logga-in/bankid/status").json
    assert complete == {"state": "complete", "redirect": "/mina-sidor"}
    assert client.get("/mina-sidor").status_code == 200


def test_user_cancel_in_the_app_shows_the_message_and_a_retry(client, bankid_simulator):
    start_login(client)
    bankid_simulator.user_cancel(newest_order_ref(bankid_simulator))
    html = client.get("/logga-in/bankid").get_data(as_text=True)
    assert "Åtgärden avbruten." in html  # RFA6
    assert "Försök igen" in html
    assert client.get("/mina-sidor").status_code == 302


def test_cancelling_in_the_portal_cancels_the_order(client, bankid_simulator):
    start_login(client)
    order_ref = newest_order_ref(bankid_simulator)
    token = page_csrf(client, "/logga-in/bankid")
    response = client.post("/logga-in/bankid/avbryt", data={"csrf_token": token}, follow_redirects=True)
    assert "Inloggningen avbröts." in response.get_data(as_text=True)
    statuses = {o["orderRef"]: o for o in bankid_simulator.orders()}
    assert statuses[order_ref]["status"] == "failed"


def test_expired_order_shows_the_expiry_message(client, bankid_simulator):
    start_login(client)
    bankid_simulator.fail(newest_order_ref(bankid_simulator), "expiredTransaction")
    html = client.get("/logga-in/bankid").get_data(as_text=True)
    assert "BankID-appen svarar inte" in html  # RFA8


def test_maintenance_at_bankid_gives_a_clear_message(client, bankid_simulator):
    bankid_simulator.maintenance(True)
    try:
        token = page_csrf(client, "/logga-in")
        response = client.post("/logga-in/bankid", data={"device": "other", "csrf_token": token})
    finally:
        bankid_simulator.maintenance(False)
    assert response.status_code == 503
    assert "Internt tekniskt fel. Försök igen." in response.get_data(as_text=True)  # RFA5


def test_waiting_page_without_an_order_sends_back_to_login(client):
    response = client.get("/logga-in/bankid", follow_redirects=True)
    assert "Inloggningen avbröts på vägen" in response.get_data(as_text=True)


def test_protected_page_returns_to_where_the_citizen_was_going(client, bankid_simulator):
    response = client.get("/mina-sidor")
    assert response.status_code == 302
    assert response.headers["Location"] == "/logga-in"
    log_in(client, bankid_simulator)
    assert client.get("/mina-sidor").status_code == 200


def test_each_login_gets_a_new_session_token_and_drops_pre_login_state(client, bankid_simulator):
    start_login(client)
    with client.session_transaction() as before:
        assert "bankid_order" in before
        assert "login" not in before
    bankid_simulator.approve(newest_order_ref(bankid_simulator), TOLVAN)
    client.get("/logga-in/bankid")
    with client.session_transaction() as after:
        first = after["login"]
        assert "bankid_order" not in after
    token = page_csrf(client, "/mina-sidor")
    client.post("/logga-ut", data={"csrf_token": token})
    log_in(client, bankid_simulator)
    with client.session_transaction() as again:
        assert again["login"] != first


def test_logout_ends_the_login_everywhere(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    with client.session_transaction() as sess:
        stolen = dict(sess)
    token = page_csrf(client, "/mina-sidor")
    response = client.post("/logga-ut", data={"csrf_token": token}, follow_redirects=True)
    assert "Du är utloggad" in response.get_data(as_text=True)
    assert client.get("/mina-sidor").status_code == 302
    # A copy of the old cookie (say, on a shared computer) is worth nothing after logout.
    other = app.test_client()
    with other.session_transaction() as sess:
        sess.update(stolen)
    assert other.get("/mina-sidor").status_code == 302


def test_logout_needs_csrf(client, bankid_simulator):
    log_in(client, bankid_simulator)
    assert client.post("/logga-ut", data={}).status_code == 400
    assert client.get("/mina-sidor").status_code == 200


def test_idle_login_expires_with_an_explanation(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    with app.app_context(), all_municipalities():
        session = get_session()
        login = session.scalars(sa.select(LoginSession).order_by(LoginSession.id.desc())).first()
        login.last_seen_at -= dt.timedelta(seconds=app.config["PORTAL"].session_idle_seconds + 5)
        session.commit()
    response = client.get("/mina-sidor", follow_redirects=True)
    assert "du inte har gjort något på en stund" in response.get_data(as_text=True)
    with app.app_context(), all_municipalities():
        login = get_session().scalars(sa.select(LoginSession).order_by(LoginSession.id.desc())).first()
        assert login.end_reason == "idle"


def test_login_and_logout_are_audited(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    token = page_csrf(client, "/mina-sidor")
    client.post("/logga-ut", data={"csrf_token": token})
    with app.app_context(), all_municipalities():
        actions = get_session().scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["login", "logout"]


def test_personal_number_never_in_urls_or_logs(client, bankid_simulator, caplog):
    caplog.set_level(logging.DEBUG)
    start_login(client)
    locations = []
    bankid_simulator.approve(newest_order_ref(bankid_simulator), TOLVAN)
    response = client.get("/logga-in/bankid")
    locations.append(response.headers.get("Location", ""))
    html = client.get("/mina-sidor").get_data(as_text=True)
    assert all("1212" not in location for location in locations)
    assert "191212121212" not in caplog.text
    assert "19121212-1212" not in caplog.text
    assert "121212-1212" not in html


def test_login_in_english(client, bankid_simulator):
    client.set_cookie("portal_locale", "en")
    start_login(client)
    html = client.get("/logga-in/bankid").get_data(as_text=True)
    assert "Start your BankID app." in html
    assert '<html lang="en">' in html
