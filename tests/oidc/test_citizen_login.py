"""Citizen login through an OpenID provider: the happy path and every way it must fail without a session."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.audit.models import AuditEvent
from portal.auth.models import LoginSession
from portal.db import get_session
from tests.fixtures.oidc_provider import OIDCProvider
from tests.oidc.conftest import english_client


def _start(client: FlaskClient, prefix: str = "") -> str:
    response = client.get(f"{prefix}/logga-in/oidc/test")
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    # PKCE with S256, state and nonce in every authorization request.
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"][0] and query["state"][0] and query["nonce"][0]
    return location


def _callback(client: FlaskClient, url: str):  # type: ignore[no-untyped-def]
    parts = urlsplit(url)
    assert parts.netloc == "localhost", url
    return client.get(f"{parts.path}?{parts.query}")


def _logins(app: Flask) -> list[LoginSession]:
    with app.app_context():
        return list(get_session().scalars(sa.select(LoginSession).where(LoginSession.method == "oidc:test")))


def _failures(app: Flask) -> list[str]:
    with app.app_context():
        events = get_session().scalars(sa.select(AuditEvent).where(AuditEvent.action == "login_failed"))
        return [str(event.detail.get("reason")) for event in events]


def test_login_page_offers_the_configured_provider(oidc_client: FlaskClient) -> None:
    page = oidc_client.get("/logga-in").get_data(as_text=True)
    assert "Test-e-legitimation" in page
    assert 'href="/logga-in/oidc/test"' in page
    # The staff provider is never offered to citizens.
    assert "Kommunens inloggning" not in page


def test_citizen_logs_in_and_the_personnummer_comes_from_userinfo(
    oidc_app: Flask, oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    callback = oidc_provider.login(_start(oidc_client), "tolvan")
    response = _callback(oidc_client, callback)
    assert response.status_code == 302
    assert response.headers["Location"] == "/mina-sidor"
    page = oidc_client.get("/mina-sidor").get_data(as_text=True)
    assert "Tolvan Tolvansson" in page
    [login] = _logins(oidc_app)
    assert login.loa == "loa3"
    assert login.person.personal_number == "191212121212"
    assert login.id_token.count(".") == 2


def test_the_level_of_assurance_follows_acr(
    oidc_app: Flask, oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    _callback(oidc_client, oidc_provider.login(_start(oidc_client), "low-assurance"))
    [login] = _logins(oidc_app)
    assert login.loa == "loa2"


def test_a_wrong_state_gives_a_message_and_no_session(
    oidc_app: Flask, oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    callback = oidc_provider.login(_start(oidc_client), "tolvan")
    forged = callback.replace("state=", "state=x")
    response = _callback(oidc_client, forged)
    assert response.status_code == 400
    assert "started in another window or took too long" in response.get_data(as_text=True)
    assert oidc_client.get("/mina-sidor").status_code == 302
    assert not _logins(oidc_app)
    assert _failures(oidc_app) == ["state"]


def test_a_replayed_code_gives_no_second_session(
    oidc_app: Flask, oidc_base_app: Flask, oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    callback = oidc_provider.login(_start(oidc_client), "tolvan")
    assert _callback(oidc_client, callback).status_code == 302
    # The same browser again: its state is spent.
    again = _callback(oidc_client, callback)
    assert again.status_code == 400
    # An attacker's browser with a login of its own and the stolen code: the provider refuses the code
    # (used, and bound to the victim's PKCE verifier).
    attacker = english_client(oidc_app)
    own_state = parse_qs(urlsplit(_start(attacker)).query)["state"][0]
    code = parse_qs(urlsplit(callback).query)["code"][0]
    stolen = attacker.get(f"/logga-in/oidc/test/callback?code={code}&state={own_state}")
    assert stolen.status_code == 400
    assert "could not be" in stolen.get_data(as_text=True) or "did not complete" in stolen.get_data(
        as_text=True
    )
    assert attacker.get("/mina-sidor").status_code == 302
    assert len(_logins(oidc_app)) == 1
    assert _failures(oidc_app) == ["state", "provider"]


def test_a_bad_nonce_gives_a_message_and_no_session(
    oidc_app: Flask, oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    callback = oidc_provider.login(_start(oidc_client), "tolvan")
    with oidc_client.session_transaction() as session:
        [key] = [k for k in session if k.startswith("_state_test_")]
        data = session[key]
        data["data"]["nonce"] = "not-the-nonce-that-was-sent"
        session[key] = data
    response = _callback(oidc_client, callback)
    assert response.status_code == 400
    assert "could not be verified" in response.get_data(as_text=True)
    assert not _logins(oidc_app)
    assert _failures(oidc_app) == ["token"]


def test_an_invalid_signature_gives_a_message_and_no_session(
    migrated_app: Flask, oidc_provider: OIDCProvider
) -> None:
    import dataclasses

    from portal.app import create_app
    from tests.conftest import rolled_back

    # A new app, so no key set is cached; the provider now publishes a key that did not sign the token.
    app = create_app(
        dataclasses.replace(migrated_app.config["PORTAL"], oidc_providers=oidc_provider.settings())
    )
    for current in rolled_back(app):
        client = english_client(current)
        oidc_provider.control("jwks-mismatch")
        try:
            response = _callback(client, oidc_provider.login(_start(client), "tolvan"))
        finally:
            oidc_provider.control("reset")
        assert response.status_code == 400
        assert "could not be verified" in response.get_data(as_text=True)
        assert client.get("/mina-sidor").status_code == 302
        assert not _logins(current)
        assert _failures(current) == ["token"]


def test_a_missing_personnummer_gives_a_message_and_no_session(
    oidc_app: Flask, oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    response = _callback(oidc_client, oidc_provider.login(_start(oidc_client), "no-number"))
    assert response.status_code == 400
    assert "did not give us your personal identity number" in response.get_data(as_text=True)
    assert not _logins(oidc_app)
    assert _failures(oidc_app) == ["personal_number"]


def test_cancelling_at_the_provider_returns_to_the_login_page(
    oidc_app: Flask, oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    response = _callback(oidc_client, oidc_provider.cancel(_start(oidc_client)))
    assert response.status_code == 200
    assert "The login was cancelled" in response.get_data(as_text=True)
    assert _failures(oidc_app) == ["cancelled"]


def test_logout_ends_the_login_here_and_at_the_provider(
    oidc_app: Flask, oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    browser = oidc_provider.browser()
    _callback(oidc_client, oidc_provider.login(_start(oidc_client), "tolvan", browser=browser))
    token = (
        oidc_client.get("/mina-sidor")
        .get_data(as_text=True)
        .split('name="csrf_token" value="')[1]
        .split('"')[0]
    )
    response = oidc_client.post("/logga-ut", data={"csrf_token": token})
    assert response.headers["Location"] == "/utloggad"
    page = oidc_client.get("/utloggad")
    html = page.get_data(as_text=True)
    [login] = _logins(oidc_app)
    assert login.end_reason == "logout"
    # The link to the provider names the client; the ID token never goes into a URL.
    link = html.split('href="', 1)[0] and [
        h for h in html.split('href="') if h.startswith(oidc_provider.issuer)
    ]
    assert link, "the logged-out page links to the provider's logout"
    url = link[0].split('"')[0].replace("&amp;", "&")
    assert "client_id=portal-test" in url
    assert login.id_token not in url
    # At the provider: its confirmation page, then "Ja, logga ut".
    confirm = browser.get(url)
    assert confirm.status_code == 200 and "Ja, logga ut" in confirm.text
    xsrf = confirm.text.split('name="xsrf" value="')[1].split('"')[0]
    done = browser.post(f"{oidc_provider.issuer}/session/end/confirm", data={"xsrf": xsrf, "logout": "yes"})
    assert done.status_code in (302, 303)
    assert done.headers["location"] == "http://localhost/utloggad/e-legitimation"
    # The provider's session is gone: a new login asks for the account again.
    again = browser.get(_start(oidc_app.test_client()))
    assert "/interaction/" in again.headers["location"]
    back = oidc_client.get("/utloggad/e-legitimation", follow_redirects=True)
    assert "come back from the e-ID service" in back.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/logga-in/oidc/nope", "/logga-in/oidc/test-staff"])
def test_unknown_or_staff_providers_are_not_citizen_logins(oidc_client: FlaskClient, path: str) -> None:
    assert oidc_client.get(path).status_code == 404
