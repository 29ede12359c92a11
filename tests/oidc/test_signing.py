"""Signing with the e-ID one logged in with: a fresh authentication at the same provider whose ID token
carries the answers' digest in its nonce. Another's e-ID, a changed application or a cancel sign nothing."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.applications.models import Draft, Signature
from portal.cases.models import Case
from portal.db import all_municipalities, get_session
from tests.applications.flow_helpers import HEMTJANST_ANSWERS, fill, post_step, start
from tests.fixtures.oidc_provider import OIDCProvider


def _login(client: FlaskClient, provider: OIDCProvider, account: str) -> None:
    start_response = client.get("/logga-in/oidc/test")
    parts = urlsplit(provider.login(start_response.headers["Location"], account))
    assert client.get(f"{parts.path}?{parts.query}").status_code == 302


def _ready_hemtjanst(client: FlaskClient) -> str:
    draft_path = start(client, "hemtjanst")
    fill(client, draft_path, HEMTJANST_ANSWERS)
    return draft_path


def _sign_at_provider(client: FlaskClient, provider: OIDCProvider, draft_path: str, account: str):  # type: ignore[no-untyped-def]
    begin = client.get(f"{draft_path}/skriv-under/applicant/e-legitimation")
    assert begin.status_code == 302
    query = parse_qs(urlsplit(begin.headers["Location"]).query)
    # A fresh authentication is demanded, and the nonce carries the digest of what is signed.
    assert query["prompt"] == ["login"] and query["max_age"] == ["0"]
    assert len(query["nonce"][0].split(".")[1]) == 64
    parts = urlsplit(provider.login(begin.headers["Location"], account))
    assert parts.path == "/ansokan/skriv-under/e-legitimation/test/callback"
    return client.get(f"{parts.path}?{parts.query}")


def test_a_citizen_who_logged_in_with_oidc_signs_and_submits_with_it(
    oidc_app: Flask, oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    _login(oidc_client, oidc_provider, "tolvan")
    draft_path = _ready_hemtjanst(oidc_client)
    check = oidc_client.get(f"{draft_path}/granska").get_data(as_text=True)
    assert "Sign with Test-e-legitimation" in check
    done = _sign_at_provider(oidc_client, oidc_provider, draft_path, "tolvan")
    assert done.status_code == 302 and done.headers["Location"].endswith("/kvitto")
    assert oidc_client.get(done.headers["Location"]).status_code == 200
    with oidc_app.app_context(), all_municipalities():
        session = get_session()
        draft = session.get(Draft, uuid.UUID(draft_path.rsplit("/", 1)[1]))
        signature = session.scalar(sa.select(Signature).where(Signature.draft_id == draft.id))
        assert signature.order_ref.startswith("oidc:test:")
        assert signature.signature.count(".") == 2  # the provider's signed ID token
        assert session.scalar(sa.select(Case).where(Case.subject_id == draft.owner_id)) is not None


def test_someone_elses_e_id_signs_nothing(
    oidc_app: Flask, oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    _login(oidc_client, oidc_provider, "tolvan")
    draft_path = _ready_hemtjanst(oidc_client)
    refused = _sign_at_provider(oidc_client, oidc_provider, draft_path, "low-assurance")
    assert refused.headers["Location"].endswith("/granska")
    assert "was not yours" in oidc_client.get(refused.headers["Location"]).get_data(as_text=True)
    with oidc_app.app_context(), all_municipalities():
        assert get_session().scalar(sa.select(sa.func.count()).select_from(Signature)) == 0


def test_an_application_changed_during_signing_must_be_signed_again(
    oidc_app: Flask, oidc_client: FlaskClient, oidc_provider: OIDCProvider
) -> None:
    _login(oidc_client, oidc_provider, "tolvan")
    draft_path = _ready_hemtjanst(oidc_client)
    begin = oidc_client.get(f"{draft_path}/skriv-under/applicant/e-legitimation")
    # In another tab the answers change while the provider's page is open.
    post_step(oidc_client, draft_path, "need", {**HEMTJANST_ANSWERS["need"], "description": "Något annat"})
    parts = urlsplit(oidc_provider.login(begin.headers["Location"], "tolvan"))
    refused = oidc_client.get(f"{parts.path}?{parts.query}")
    assert refused.headers["Location"].endswith("/granska")
    with oidc_app.app_context(), all_municipalities():
        assert get_session().scalar(sa.select(sa.func.count()).select_from(Signature)) == 0


def test_a_bankid_login_is_not_offered_oidc_signing(oidc_client: FlaskClient, bankid_simulator) -> None:  # type: ignore[no-untyped-def]
    from tests.auth.login_helpers import log_in

    log_in(oidc_client, bankid_simulator)
    draft_path = _ready_hemtjanst(oidc_client)
    assert "Sign with Test-e-legitimation" not in oidc_client.get(f"{draft_path}/granska").get_data(
        as_text=True
    )
    assert oidc_client.get(f"{draft_path}/skriv-under/applicant/e-legitimation").status_code == 404
