"""An app configured with a real OpenID provider (oidc-provider on Node), per test worker."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.app import create_app
from tests.conftest import CheckingClient, rolled_back
from tests.fixtures.oidc_provider import OIDCProvider, start_provider


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OIDCProvider]:
    provider = start_provider(
        ["http://localhost", "http://localhost/k/norrby"], tmp_path_factory.mktemp("oidc")
    )
    yield provider
    provider.close()


@pytest.fixture(scope="session")
def oidc_base_app(migrated_app: Flask, oidc_provider: OIDCProvider) -> Flask:
    config = dataclasses.replace(migrated_app.config["PORTAL"], oidc_providers=oidc_provider.settings())
    return create_app(config)


@pytest.fixture
def oidc_app(oidc_base_app: Flask) -> Iterator[Flask]:
    yield from rolled_back(oidc_base_app)


@pytest.fixture
def oidc_client(oidc_app: Flask) -> FlaskClient:
    return english_client(oidc_app)


def english_client(app: Flask) -> FlaskClient:
    """A checking test client that reads the portal in English (the tests assert on the msgids)."""
    app.test_client_class = CheckingClient
    client = app.test_client()
    client.set_cookie("portal_locale", "en")
    return client
