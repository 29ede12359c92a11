"""An e-service can require a minimum level of assurance; a weaker e-ID is told how to get in."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.applications.models import Draft
from portal.audit.models import AuditEvent
from portal.db import all_municipalities, get_session
from tests.fixtures.oidc_provider import OIDCProvider
from tests.helpers import page_csrf


def _login(client: FlaskClient, provider: OIDCProvider, account: str) -> None:
    start = client.get("/logga-in/oidc/test")
    parts = urlsplit(provider.login(start.headers["Location"], account))
    assert client.get(f"{parts.path}?{parts.query}").status_code == 302


def test_a_level_2_login_cannot_start_an_application_that_needs_level_3(
    oidc_app: Flask, oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    _login(oidc_client, oidc_provider, "low-assurance")
    page = oidc_client.get("/e-tjanster/hemtjanst").get_data(as_text=True)
    assert "needs an e-ID of at least security level 3" in page
    assert 'action="/e-tjanster/hemtjanst/starta"' not in page
    token = page_csrf(oidc_client, "/mina-sidor")
    refused = oidc_client.post("/e-tjanster/hemtjanst/starta", data={"csrf_token": token})
    assert refused.status_code == 403
    assert "Log out to log in again" in refused.get_data(as_text=True)
    with oidc_app.app_context(), all_municipalities():
        assert get_session().scalar(sa.select(sa.func.count()).select_from(Draft)) == 0
        assert (
            get_session().scalar(sa.select(AuditEvent).where(AuditEvent.action == "loa_too_low")) is not None
        )


def test_a_level_3_login_starts_it(
    oidc_app: Flask, oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    _login(oidc_client, oidc_provider, "tolvan")
    page = oidc_client.get("/e-tjanster/hemtjanst").get_data(as_text=True)
    assert 'action="/e-tjanster/hemtjanst/starta"' in page
    token = page_csrf(oidc_client, "/e-tjanster/hemtjanst")
    started = oidc_client.post("/e-tjanster/hemtjanst/starta", data={"csrf_token": token})
    assert started.status_code == 302
    assert oidc_client.get(started.headers["Location"]).status_code == 200
