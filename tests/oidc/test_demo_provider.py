"""The demo OpenID provider `make run` starts, as configured there: its people log in with the level the
demo says (a level-2 e-ID is the only one refused an application)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa
from flask import Flask

from portal.app import create_app
from portal.auth.models import LoginSession
from portal.db import get_session
from portal.demo import oidc as demo_oidc
from tests.conftest import rolled_back
from tests.fixtures.oidc_provider import OIDCProvider, free_port
from tests.oidc.conftest import english_client


@pytest.fixture(scope="module")
def demo_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OIDCProvider]:
    port = free_port()
    config = demo_oidc.config(port, "80")
    for client in config["clients"]:  # the test client's host is plain http://localhost
        client["redirect_uris"] += [u.replace("localhost:80", "localhost") for u in client["redirect_uris"]]
    path = tmp_path_factory.mktemp("demo-oidc") / "config.json"
    path.write_text(json.dumps(config))
    command = demo_oidc.command(path)
    assert command is not None, "Node and node_modules/oidc-provider (make test installs them)"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    provider = OIDCProvider(config["issuer"], process, path)
    for _ in range(100):
        try:
            httpx.get(provider.discovery_url, timeout=1).raise_for_status()
            break
        except httpx.HTTPError:
            import time

            time.sleep(0.1)
    yield provider
    provider.close()


@pytest.fixture
def demo_app(migrated_app: Flask, demo_provider: OIDCProvider) -> Iterator[Flask]:
    config = dataclasses.replace(
        migrated_app.config["PORTAL"], oidc_demo=True, oidc_demo_url=demo_provider.issuer, oidc_providers=""
    )
    app = create_app(config)
    yield from rolled_back(app)
    app.extensions["db_engine"].dispose()


def _login(app: Flask, provider: OIDCProvider, account: str) -> LoginSession:
    client = english_client(app)
    start = client.get("/logga-in/oidc/demo")
    parts = urlsplit(provider.login(start.headers["Location"], account))
    assert client.get(f"{parts.path}?{parts.query}").status_code == 302
    with app.app_context():
        return get_session().scalars(sa.select(LoginSession).order_by(LoginSession.id.desc())).first()


def test_the_demo_citizens_log_in_at_level_3_and_the_level_2_e_id_at_level_2(
    demo_app: Flask, demo_provider: OIDCProvider
) -> None:
    assert _login(demo_app, demo_provider, "citizen-191212121212").loa == "loa3"
    assert _login(demo_app, demo_provider, "citizen-level2").loa == "loa2"
