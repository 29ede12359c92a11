"""Fixtures for the case-system API: the app with the API, clients with tokens, cases to work on."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import sessionmaker

from portal.accounts.models import Person
from portal.api import services as api_services
from portal.api.models import SCOPES, ApiClient, ApiIdempotency
from portal.app import create_app
from portal.cases.models import Case
from portal.db import Base, all_municipalities, get_session, unit_of_work
from portal.municipalities.models import Municipality
from tests.auth.login_helpers import TOLVAN

STATUS_MAP = {
    "MOT": "received",
    "UTR": "investigating",
    "KOMP": "supplement_requested",
    "BES": "decided",
    "AVS": "closed",
}


@pytest.fixture(scope="session")
def api_base_app(migrated_app: Flask) -> Flask:
    """The app with the API. Until ``create_app`` registers the blueprint and a migration creates the
    API's tables, a second app gets both here (Flask allows new blueprints only before a first request)."""
    if "api" in migrated_app.blueprints:
        return migrated_app
    from portal.api.views import bp

    app = create_app(migrated_app.config["PORTAL"])
    app.register_blueprint(bp)
    Base.metadata.create_all(
        app.extensions["db_engine"], tables=[ApiClient.__table__, ApiIdempotency.__table__]
    )
    return app


@pytest.fixture
def app(api_base_app: Flask) -> Iterator[Flask]:
    """As tests/conftest.py's ``app``: everything a test writes is rolled back at its end."""
    engine: sa.Engine = api_base_app.extensions["db_engine"]
    original = api_base_app.extensions["db_sessionmaker"]
    connection = engine.connect()
    outer = connection.begin()
    api_base_app.extensions["db_sessionmaker"] = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield api_base_app
    finally:
        api_base_app.extensions["db_sessionmaker"] = original
        outer.rollback()
        connection.close()


@dataclass
class ApiCaller:
    """Calls the API with one client's token, as a case system would."""

    client: FlaskClient
    token: str
    client_id: int

    def headers(self, key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers())

    def post(self, path: str, body: object, key: str | None = None) -> Any:
        return self.client.post(f"/api/v1{path}", json=body, headers=self.headers(key))


def municipality_id(slug: str) -> int:
    return get_session().scalar(sa.select(Municipality.id).where(Municipality.slug == slug))  # type: ignore[return-value]


def make_caller(
    app: Flask, slug: str = "exempelstad", scopes: tuple[str, ...] = SCOPES, name: str = "Viva"
) -> ApiCaller:
    with app.app_context(), all_municipalities(), unit_of_work() as session:
        client, token = api_services.create_client(
            session, municipality_id(slug), name, list(scopes), STATUS_MAP
        )
        client_id = client.id
    return ApiCaller(app.test_client(), token, client_id)


@pytest.fixture
def viva(app: Flask) -> ApiCaller:
    """A client of Exempelstad (Tolvan's municipality) with every scope."""
    return make_caller(app)


def make_case(app: Flask, slug: str = "exempelstad", number: str = "TEST-0001") -> str:
    """A case of Tolvan's without going through the e-service (for tests that need no citizen)."""
    with app.app_context(), all_municipalities():
        session = get_session()
        person_id = session.scalar(sa.select(Person.id).where(Person.personal_number == TOLVAN))
        assert person_id is not None
        session.add(
            Case(
                case_number=number,
                municipality_id=municipality_id(slug),
                subject_id=person_id,
                applicant_id=person_id,
                eservice_id="hemtjanst",
                eservice_version=1,
                case_type="hemtjanst_sol",
                payload={"reason": "Jag behöver hjälp."},
            )
        )
        session.commit()
    return number


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()
