"""The OpenAPI document: valid 3.1, generated from the routes, and what the API really answers."""

import jsonschema
import pytest
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from portal.access import public
from portal.api import openapi
from portal.app import create_app
from tests.api.conftest import b64, make_case
from tests.applications.flow_helpers import small_pdf

METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture
def document(app):  # type: ignore[no-untyped-def]
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1.")
    validate(document)  # raises on any breach of the OpenAPI 3.1 schema
    assert document["servers"] == [{"url": "/"}]
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"],
    }


def test_every_api_route_is_described_and_nothing_else(app, document):
    assert openapi.undeclared(app) == []
    routes = set()
    for rule in openapi.api_rules(app):
        if getattr(app.view_functions[rule.endpoint], openapi.OPERATION_ATTR).hidden:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((openapi.openapi_path(rule.rule), method.lower()))
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    assert described == routes
    assert ("/api/v1/cases/{case_number}/status", "post") in described


def test_a_route_without_a_declaration_is_found(migrated_app):
    from portal.api.views import bp

    fresh = create_app(migrated_app.config["PORTAL"])
    if "api" not in fresh.blueprints:
        fresh.register_blueprint(bp)

    @fresh.get("/api/v1/undeclared/<thing>")
    @public
    def undeclared_view(thing: str) -> str:
        return thing

    try:
        assert openapi.undeclared(fresh) == ["/api/v1/undeclared/<thing>: no @operation"]
    finally:
        fresh.extensions["db_engine"].dispose()


def test_operations_declare_security_errors_and_idempotency(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert method in METHODS
            responses = operation["responses"]
            for status, response in responses.items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (path, status)
            if path == "/api/v1/openapi.json":
                assert operation["security"] == []
                continue
            assert operation["security"] == [{"bearerAuth": []}]
            assert {"401", "403"} <= set(responses)
            assert "Scope: `" in operation["description"]
            if method == "post":
                names = [p["name"] for p in operation["parameters"]]
                assert "Idempotency-Key" in names
                assert {"400", "415", "422"} <= set(responses)


def conforms(document: dict, response, path: str, method: str) -> None:  # type: ignore[no-untyped-def]
    """The response's status is declared for the operation and its body matches the declared schema."""
    declared = document["paths"][path][method]["responses"]
    assert str(response.status_code) in declared, (path, response.status_code, response.text)
    content = declared[str(response.status_code)]["content"]
    assert response.mimetype in content
    registry = Registry().with_resource("urn:openapi", DRAFT202012.create_resource(document))
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    ref = content[response.mimetype]["schema"]
    schema.update({"$ref": "urn:openapi" + ref["$ref"]} if "$ref" in ref else ref)
    jsonschema.Draft202012Validator(
        schema, registry=registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(response.get_json(force=True))


def test_real_answers_match_the_declared_schemas(app, viva, document):
    number = make_case(app)
    case = "/api/v1/cases/{case_number}"
    pdf = b64(small_pdf())
    calls = [
        ("get", case, None),
        ("post", case + "/status", {"code": "UTR", "reference": "V-1"}),
        (
            "post",
            case + "/documents",
            {"kind": "bilaga", "title": "B", "filename": "b.pdf", "content_base64": pdf},
        ),
        (
            "post",
            case + "/decisions",
            {
                "outcome": "partly_granted",
                "motivation": "M",
                "decided_at": "2026-01-01",
                "filename": "b.pdf",
                "content_base64": pdf,
            },
        ),
        ("post", case + "/messages", {"body": "Hej"}),
        ("post", case + "/supplement-requests", {"text": "T", "due_date": "2030-01-15"}),
        ("post", case + "/status", {"code": "NOPE"}),  # 422
        ("post", case + "/messages", {}),  # 422 with errors
    ]
    for method, path, body in calls:
        url = path.replace("{case_number}", number)
        response = (
            viva.get(url[len("/api/v1") :]) if method == "get" else viva.post(url[len("/api/v1") :], body)
        )
        conforms(document, response, path, method)
    missing = viva.get("/cases/NONE-0000")
    conforms(document, missing, case, "get")
    unauthenticated = app.test_client().post(f"/api/v1/cases/{number}/messages", json={"body": "Hej"})
    conforms(document, unauthenticated, case + "/messages", "post")
    ack = viva.post("/deliveries/application:none/ack", {"reference": "R"})
    conforms(document, ack, "/api/v1/deliveries/{idempotency_key}/ack", "post")
