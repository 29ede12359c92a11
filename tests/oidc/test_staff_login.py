"""Staff login through the municipality's OpenID provider: roles and unit from claims, separate sessions."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.audit.models import AuditEvent
from portal.db import all_municipalities, get_session
from portal.staff.models import StaffUser
from tests.fixtures.oidc_provider import OIDCProvider


def _staff_login(client: FlaskClient, provider: OIDCProvider, account: str):  # type: ignore[no-untyped-def]
    start = client.get("/handlaggare/logga-in/oidc/test-staff")
    assert start.status_code == 302, start.get_data(as_text=True)
    callback = provider.login(start.headers["Location"], account)
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}")


def test_the_staff_login_page_offers_the_staff_provider_only(oidc_client: FlaskClient) -> None:
    page = oidc_client.get("/handlaggare/logga-in").get_data(as_text=True)
    assert "Kommunens inloggning" in page
    assert "Test-e-legitimation" not in page
    assert oidc_client.get("/handlaggare/logga-in/oidc/test").status_code == 404


def test_an_existing_handlaggare_logs_in_and_sees_the_unit_inbox(
    oidc_app: Flask, oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    response = _staff_login(oidc_client, oidc_provider, "helena")
    assert response.status_code == 302
    assert response.headers["Location"] == "/handlaggare/"
    inbox = oidc_client.get("/handlaggare/")
    assert inbox.status_code == 200
    assert "Helena Handläggare" in inbox.get_data(as_text=True)
    # Staff and citizen sessions never mix: the staff login opens no citizen page.
    assert oidc_client.get("/mina-sidor").status_code == 302
    with oidc_app.app_context(), all_municipalities():
        helena = get_session().scalar(sa.select(StaffUser).where(StaffUser.personal_number == "197504303020"))
        assert helena.subject == "test-staff:helena"


def test_a_new_officer_gets_an_account_with_roles_and_unit_from_the_claims(
    oidc_app: Flask, oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    # The provider says "Socialsekreterare"; the role map makes that a handläggare of Äldreomsorg.
    response = _staff_login(oidc_client, oidc_provider, "new-officer")
    assert response.headers["Location"] == "/handlaggare/"
    with oidc_app.app_context(), all_municipalities():
        nils = get_session().scalar(sa.select(StaffUser).where(StaffUser.subject == "test-staff:new-officer"))
        assert nils.roles == ["handlaggare"]
        assert nils.unit.code == "aldreomsorg"
        assert nils.personal_number is None
        actions = get_session().scalars(
            sa.select(AuditEvent.action).where(AuditEvent.object_id == str(nils.id))
        )
        assert "staff_account_from_identity_provider" in list(actions)
    assert "Nils Nyanställd" in oidc_client.get("/handlaggare/").get_data(as_text=True)


def test_someone_without_a_role_gets_no_staff_session(
    oidc_app: Flask, oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    response = _staff_login(oidc_client, oidc_provider, "no-roles")
    assert response.status_code == 403
    assert "no staff account with a role" in response.get_data(as_text=True)
    assert oidc_client.get("/handlaggare/").status_code == 302
    with oidc_app.app_context(), all_municipalities():
        assert (
            get_session().scalar(sa.select(StaffUser).where(StaffUser.subject == "test-staff:no-roles"))
            is None
        )


def test_a_citizen_login_never_opens_staff_pages(
    oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    start = oidc_client.get("/logga-in/oidc/test")
    parts = urlsplit(oidc_provider.login(start.headers["Location"], "helena"))
    oidc_client.get(f"{parts.path}?{parts.query}")
    assert oidc_client.get("/mina-sidor").status_code == 200
    assert oidc_client.get("/handlaggare/").status_code == 302


def test_staff_logout_offers_the_providers_logout(
    oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    _staff_login(oidc_client, oidc_provider, "helena")
    page = oidc_client.get("/handlaggare/").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert oidc_client.post("/handlaggare/logga-ut", data={"csrf_token": token}).status_code == 302
    login_page = oidc_client.get("/handlaggare/logga-in").get_data(as_text=True)
    assert f'href="{oidc_provider.issuer}/session/end?client_id=portal-test-staff' in login_page
    assert oidc_client.get("/handlaggare/").status_code == 302


def test_utforare_staff_get_their_provider_from_the_claims(
    oidc_app: Flask, oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    response = _staff_login(oidc_client, oidc_provider, "new-utforare")
    assert response.status_code == 302
    assert response.headers["Location"] == "/handlaggare/utforare/"
    with oidc_app.app_context(), all_municipalities():
        sara = get_session().scalar(
            sa.select(StaffUser).where(StaffUser.subject == "test-staff:new-utforare")
        )
        assert sara.roles == ["utforare"]
        assert sara.provider_id is not None
    assert oidc_client.get("/handlaggare/utforare/").status_code == 200
    # An utförare has no handläggare inbox: it sends them to their own cases.
    inbox = oidc_client.get("/handlaggare/")
    assert inbox.status_code == 302 and inbox.headers["Location"] == "/handlaggare/utforare/"


def test_an_idle_staff_login_ends_with_a_message(
    oidc_app: Flask, oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    import datetime as dt

    from portal.auth.models import LoginSession

    _staff_login(oidc_client, oidc_provider, "helena")
    with oidc_app.app_context(), all_municipalities():
        db = get_session()
        login = db.scalars(sa.select(LoginSession).order_by(LoginSession.id.desc())).first()
        login.last_seen_at -= dt.timedelta(seconds=oidc_app.config["PORTAL"].session_idle_seconds + 5)
        db.commit()
    response = oidc_client.get("/handlaggare/", follow_redirects=True)
    assert "logged out because you had not done anything for a while" in response.get_data(as_text=True)


def test_a_deactivated_account_cannot_log_in_with_the_municipalitys_login(
    oidc_app: Flask, oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    # An administrator deactivated Helena at /handlaggare/personal/ (tests/staff/test_staff_admin.py).
    with oidc_app.app_context(), all_municipalities():
        helena = get_session().scalar(sa.select(StaffUser).where(StaffUser.personal_number == "197504303020"))
        helena.active = False
        get_session().commit()
    response = _staff_login(oidc_client, oidc_provider, "helena")
    assert response.status_code == 403
    assert "no staff account with a role" in response.get_data(as_text=True)
    assert oidc_client.get("/handlaggare/").status_code == 302
