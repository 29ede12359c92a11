"""Mina sidor tells an agent whom they may act for, with a button to start; the queries stay the same
however many grants there are."""

from __future__ import annotations

from tests.auth.login_helpers import TOLVAN, log_in
from tests.helpers import csrf_from
from tests.representation.helpers import arrange, english, grant


def test_an_agent_sees_the_principal_on_my_pages_and_starts_acting_from_there(client, app, bankid_simulator):  # type: ignore[no-untyped-def]
    arranged = arrange(app)
    rep_id = grant(app, arranged, rights=("read",))
    log_in(client, bankid_simulator, TOLVAN)
    english(client)
    page = client.get("/mina-sidor").text
    assert "People you can act for" in page
    assert "Act for Pia Principal" in page
    acted = client.post(f"/foretradda/{rep_id}/agera", data={"csrf_token": csrf_from(page)})
    assert acted.status_code == 302
    assert "You are acting for: <bdi>Pia Principal</bdi>" in client.get("/mina-sidor").text


def test_my_pages_queries_do_not_grow_with_the_grants(client, app, bankid_simulator, count_queries):  # type: ignore[no-untyped-def]
    arranged = arrange(app)
    grant(app, arranged)
    log_in(client, bankid_simulator, TOLVAN)
    client.get("/mina-sidor")
    count_queries.statements.clear()
    client.get("/mina-sidor")
    one = count_queries.count
    for _ in range(3):
        grant(app, arranged)
    count_queries.statements.clear()
    page = client.get("/mina-sidor").text
    assert page.count("Act for Pia Principal") == 4 or page.count("Agera för Pia Principal") == 4
    assert count_queries.count == one
