"""A body that breaks its schema is a 422 problem saying where; never a stack trace."""

import pytest

from tests.api.conftest import make_case

VALID = {
    "/status": {"code": "UTR"},
    "/documents": {"kind": "bilaga", "title": "B", "filename": "b.pdf", "content_base64": "JVBERi0="},
    "/decisions": {
        "outcome": "granted",
        "motivation": "M",
        "decided_at": "2026-01-01",
        "filename": "b.pdf",
        "content_base64": "JVBERi0=",
    },
    "/messages": {"body": "Hej"},
    "/supplement-requests": {"text": "T", "due_date": "2030-01-15"},
}


def problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


@pytest.mark.parametrize("endpoint", sorted(VALID))
def test_missing_wrong_and_unknown_fields_are_422_with_pointers(app, viva, endpoint):
    make_case(app)
    path = f"/cases/TEST-0001{endpoint}"
    required = next(iter(VALID[endpoint]))
    missing = {k: v for k, v in VALID[endpoint].items() if k != required}
    assert {"pointer": f"/{required}", "detail": "is required"} in problem(viva.post(path, missing), 422)[
        "errors"
    ]
    wrong_type = {**VALID[endpoint], required: 12}
    assert problem(viva.post(path, wrong_type), 422)["errors"][0]["pointer"] == f"/{required}"
    extra = {**VALID[endpoint], "unexpected": True}
    assert problem(viva.post(path, extra), 422)["errors"] == [
        {"pointer": "/unexpected", "detail": "is not allowed here"}
    ]
    assert problem(viva.post(path, ["not", "an", "object"]), 422)["reason"] == "invalid-body"


def test_enums_dates_and_lengths(app, viva):
    make_case(app)
    bad_kind = {**VALID["/documents"], "kind": "kvitto"}
    assert problem(viva.post("/cases/TEST-0001/documents", bad_kind), 422)["errors"][0]["pointer"] == "/kind"
    for date in ("2030-02-30", "15/01/2030", "2030-1-5"):
        body = {**VALID["/supplement-requests"], "due_date": date}
        errors = problem(viva.post("/cases/TEST-0001/supplement-requests", body), 422)["errors"]
        assert errors == [{"pointer": "/due_date", "detail": "must be a date, YYYY-MM-DD"}]
    too_long = {"body": "x" * 8001}
    assert problem(viva.post("/cases/TEST-0001/messages", too_long), 422)["errors"][0]["pointer"] == "/body"
    blank = {"body": "   "}
    assert problem(viva.post("/cases/TEST-0001/messages", blank), 422)["reason"] == "empty-message"


def test_not_json_is_400_or_415(app, viva):
    make_case(app)
    url = "/api/v1/cases/TEST-0001/messages"
    not_json = viva.client.post(
        url, data="{body", headers={**viva.headers(), "Content-Type": "application/json"}
    )
    assert problem(not_json, 400)["reason"] == "malformed-json"
    form = viva.client.post(url, data={"body": "Hej"}, headers=viva.headers())
    assert problem(form, 415)["reason"] == "unsupported-media-type"


def test_a_server_error_is_a_problem_without_a_stack_trace(app, viva, monkeypatch):
    from portal.api import changes as services

    make_case(app)

    def boom(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services, "post_message", boom)
    response = viva.post("/cases/TEST-0001/messages", {"body": "Hej"})
    body = problem(response, 500)
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert body["type"] == "about:blank"


def test_a_too_large_request_is_a_413_problem(app, viva):
    make_case(app)
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        response = viva.post("/cases/TEST-0001/messages", {"body": "x" * 5000})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = app.config["PORTAL"].max_content_length
    problem(response, 413)


def test_control_characters_and_lone_surrogates_are_refused(app, viva):
    # PostgreSQL refuses NUL in text; a lone surrogate is no character at all.
    make_case(app)
    nul = viva.post("/cases/TEST-0001/messages", {"body": "Hej\x00"})
    assert problem(nul, 422)["errors"][0]["pointer"] == "/body"
    assert viva.post("/cases/TEST-0001/messages", {"body": "Rad 1\nRad 2\tflik"}).status_code == 201
    title = {**VALID["/documents"], "title": "Rubrik\nmed radbrytning"}
    assert problem(viva.post("/cases/TEST-0001/documents", title), 422)["errors"][0]["pointer"] == "/title"
    headers = {**viva.headers(), "Content-Type": "application/json"}
    url = "/api/v1/cases/TEST-0001/messages"
    surrogate = viva.client.post(url, data='{"body": "\\ud800"}', headers=headers)
    assert problem(surrogate, 400)["reason"] == "malformed-json"
    deep = viva.client.post(url, data="[" * 100000, headers=headers)
    problem(deep, 400)
    assert problem(viva.get("/cases/TEST%000001"), 404)
    assert problem(viva.post("/deliveries/app%00x/ack", {"reference": "R"}), 404)


def test_arrays_where_objects_or_text_belong_are_422_naming_the_field(app, viva):
    make_case(app)
    messages = "/cases/TEST-0001/messages"
    assert problem(viva.post(messages, [{"body": "Hej"}]), 422)["errors"] == [
        {"pointer": "", "detail": "must be of type object"}
    ]
    assert problem(viva.post(messages, {"body": ["Hej"]}), 422)["errors"] == [
        {"pointer": "/body", "detail": "must be of type string"}
    ]
    status = {"code": "UTR", "reference": ["R1", 2]}
    assert problem(viva.post("/cases/TEST-0001/status", status), 422)["errors"] == [
        {"pointer": "/reference", "detail": "must be of type string"}
    ]
    decision = {**VALID["/decisions"], "decided_at": ["2026-01-01"]}
    assert problem(viva.post("/cases/TEST-0001/decisions", decision), 422)["errors"] == [
        {"pointer": "/decided_at", "detail": "must be of type string"}
    ]
    assert problem(viva.post("/deliveries/app-1/ack", []), 422)["reason"] == "invalid-body"


# A body schema with arrays, as an operation may declare one: none of today's does, and the validator
# before jsonschema answered the first with a 500.
LIST_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "codes": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        "rows": {
            "type": "array",
            "items": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}},
        },
    },
}


def _answer(app, body: object, schema: dict) -> tuple[int, dict]:  # type: ignore[type-arg]
    """What the API answers to ``body`` checked against ``schema``, as its views check theirs."""
    from portal.api.views import ApiProblem, _body, problem_response

    with app.test_request_context("/api/v1/x", method="POST", json=body):
        try:
            return 200, {"body": _body(schema)}
        except ApiProblem as exc:
            response = problem_response(exc)
            assert response.mimetype == "application/problem+json"
            return response.status_code, response.get_json(force=True)


def test_a_nested_array_with_a_wrong_item_is_422_naming_the_item(app):
    status, answer = _answer(app, {"codes": ["A", 2], "rows": [{"n": 1}, {"n": "två"}, {}]}, LIST_SCHEMA)
    assert status == 422 and answer["reason"] == "invalid-body"
    assert answer["errors"] == [
        {"pointer": "/codes/1", "detail": "must be of type string"},
        {"pointer": "/rows/1/n", "detail": "must be of type integer"},
        {"pointer": "/rows/2/n", "detail": "is required"},
    ]
    status, answer = _answer(app, {"codes": ["A", "B", "C", "D"]}, LIST_SCHEMA)
    assert (status, answer["errors"]) == (422, [{"pointer": "/codes", "detail": "must have at most 3 items"}])
    assert _answer(app, {"codes": ["A"], "rows": [{"n": 1}]}, LIST_SCHEMA) == (
        200,
        {"body": {"codes": ["A"], "rows": [{"n": 1}]}},
    )


def test_an_array_body_is_checked_item_by_item(app):
    schema = {"type": "array", "items": LIST_SCHEMA["properties"]["rows"]["items"]}
    assert _answer(app, [{"n": 1}, {"n": 2}], schema) == (200, {"body": [{"n": 1}, {"n": 2}]})
    status, answer = _answer(app, [{"n": 1}, {"n": [2]}], schema)
    assert (status, answer["errors"]) == (422, [{"pointer": "/1/n", "detail": "must be of type integer"}])
    status, answer = _answer(app, {"n": 1}, schema)
    assert (status, answer["errors"]) == (422, [{"pointer": "", "detail": "must be of type array"}])
