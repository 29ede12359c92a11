"""Who may call the API: a bearer token of an active client, with the scope, for its own municipality."""

import sqlalchemy as sa

from portal.access import ACCESS_ATTR
from portal.api.models import ApiClient
from portal.audit.models import AuditEvent
from portal.db import all_municipalities, get_session
from tests.api.conftest import make_caller, make_case


def assert_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    problem = response.get_json(force=True)
    assert problem["status"] == status
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert "Traceback" not in response.get_data(as_text=True)
    return problem


def test_no_token_is_401_with_a_challenge(app, viva):
    make_case(app)
    response = app.test_client().get("/api/v1/cases/TEST-0001")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    other_scheme = app.test_client().get(
        "/api/v1/cases/TEST-0001", headers={"Authorization": "Basic dXNlcjpwYXNz"}
    )
    assert_problem(other_scheme, 401)


def test_a_bad_or_revoked_token_is_401(app, viva):
    make_case(app)
    bad = app.test_client().get("/api/v1/cases/TEST-0001", headers={"Authorization": "Bearer nope"})
    assert_problem(bad, 401)
    assert 'error="invalid_token"' in bad.headers["WWW-Authenticate"]
    assert viva.get("/cases/TEST-0001").status_code == 200
    with app.app_context(), all_municipalities():
        session = get_session()
        session.get(ApiClient, viva.client_id).active = False
        session.commit()
    assert_problem(viva.get("/cases/TEST-0001"), 401)


def test_a_missing_scope_is_403(app):
    make_case(app)
    reader = make_caller(app, scopes=("cases:read",), name="Läsare")
    assert reader.get("/cases/TEST-0001").status_code == 200
    response = reader.post("/cases/TEST-0001/messages", {"body": "Hej"})
    problem = assert_problem(response, 403)
    assert "cases:write" in problem["detail"]
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert_problem(reader.post("/deliveries/application:x/ack", {"reference": "R1"}), 403)


def test_another_municipalitys_case_is_404_and_audited(app, viva):
    make_case(app, slug="norrby", number="NORR-0001")
    make_case(app, number="TEST-0001")
    norrby = make_caller(app, slug="norrby", name="Treserva Norrby")
    assert norrby.get("/cases/NORR-0001").status_code == 200
    assert_problem(viva.get("/cases/NORR-0001"), 404)
    assert_problem(viva.post("/cases/NORR-0001/status", {"code": "UTR"}), 404)
    assert_problem(norrby.get("/cases/TEST-0001"), 404)
    with app.app_context(), all_municipalities():
        denied = get_session().scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "access_denied", AuditEvent.actor_type == "api")
        )
        assert {(event.actor_id, event.object_id) for event in denied} >= {
            (viva.client_id, "NORR-0001"),
            (norrby.client_id, "TEST-0001"),
        }


def test_the_token_is_only_kept_as_a_hash_and_use_is_recorded(app, viva):
    make_case(app)
    viva.get("/cases/TEST-0001")
    with app.app_context(), all_municipalities():
        client = get_session().get(ApiClient, viva.client_id)
        assert client.token_hash != viva.token and len(client.token_hash) == 64
        assert client.last_used_at is not None


def test_unknown_paths_and_methods_under_the_api_are_problems_too(app, viva):
    make_case(app)
    assert_problem(viva.get("/nothing/here"), 404)
    wrong_method = viva.client.get("/api/v1/cases/TEST-0001/status", headers=viva.headers())
    assert_problem(wrong_method, 405)
    assert "POST" in wrong_method.headers["Allow"]


def test_every_api_route_declares_api_or_public_access(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            access = getattr(app.view_functions[rule.endpoint], ACCESS_ATTR, None)
            assert access in {"api", "public"}, rule.rule
    public_routes = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        and getattr(app.view_functions[rule.endpoint], ACCESS_ATTR) == "public"
    }
    assert public_routes == {"/api/v1/openapi.json", "/api/v1/<path:unknown>"}


def test_no_csrf_token_is_needed(app, viva):
    make_case(app)
    # The portal's forms need one; a bearer-token API has no cookie session to protect.
    assert viva.post("/cases/TEST-0001/messages", {"body": "Hej"}).status_code == 201
