"""Creating API clients, and forgetting old idempotency records."""

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.api import services
from portal.api.models import ApiClient, ApiIdempotency
from portal.db import all_municipalities, get_session
from tests.api.conftest import make_case, municipality_id


def test_a_client_gets_a_random_token_shown_once(app):
    with app.app_context(), all_municipalities():
        session = get_session()
        client, token = services.create_client(
            session, municipality_id("exempelstad"), "Lifecare", ["cases:read"], {"10": "received"}
        )
        _, other_token = services.create_client(
            session, municipality_id("exempelstad"), "Lifecare 2", ["cases:read"], {}
        )
        assert len(token) == 43 and token != other_token  # 32 random bytes, URL-safe base64
        stored = session.get(ApiClient, client.id)
        assert stored.token_hash == services.hash_token(token) and token not in stored.token_hash
        assert services.authenticate(session, token).id == client.id
        assert services.authenticate(session, token + "x") is None


@pytest.mark.parametrize(
    ("scopes", "status_map"),
    [(["cases:delete"], {}), (["cases:read"], {"X": "submitted"}), (["cases:read"], {"": "received"})],
)
def test_unknown_scopes_and_statuses_are_refused(app, scopes, status_map):
    with app.app_context(), all_municipalities(), pytest.raises(ValueError):
        services.create_client(get_session(), municipality_id("exempelstad"), "X", scopes, status_map)


def test_old_idempotency_records_are_pruned(app, viva):
    make_case(app)
    viva.post("/cases/TEST-0001/messages", {"body": "Hej"}, key="old")
    viva.post("/cases/TEST-0001/messages", {"body": "Hej"}, key="new")
    with app.app_context(), all_municipalities():
        session = get_session()
        old = session.scalar(sa.select(ApiIdempotency).where(ApiIdempotency.key == "old"))
        old.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
        session.commit()
        assert services.prune_idempotency(session) == 1
        assert session.scalars(sa.select(ApiIdempotency.key)).all() == ["new"]


def test_clients_are_created_and_revoked_from_the_command_line(app):
    from portal.api.cli import api_client_cli

    runner = app.test_cli_runner()
    result = runner.invoke(
        api_client_cli,
        [
            "create",
            "--municipality",
            "norrby",
            "--name",
            "Treserva",
            "--scope",
            "cases:read",
            "--scope",
            "cases:write",
            "--status",
            "UTR=investigating",
        ],
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    with app.app_context(), all_municipalities():
        client = services.authenticate(get_session(), token)
        assert client.name == "Treserva" and client.status_map == {"UTR": "investigating"}
        client_id = client.id
    assert runner.invoke(api_client_cli, ["revoke", str(client_id)]).exit_code == 0
    with app.app_context(), all_municipalities():
        assert services.authenticate(get_session(), token) is None
    bad = runner.invoke(
        api_client_cli,
        ["create", "--municipality", "norrby", "--name", "X", "--scope", "cases:read", "--status", "U=nej"],
    )
    assert bad.exit_code != 0 and "status codes must map" in bad.output
