"""What the OpenAPI document declares is what the API does: a base64 text the schema allows is never
refused as bad base64, one it does not allow is refused by the schema; a method no route takes (TRACE) is
a problem+json 405 with Allow, not the portal's HTML page."""

import pytest
from jsonschema import Draft202012Validator

from tests.api.conftest import b64, make_case
from tests.api.test_validation import VALID, problem
from tests.applications.flow_helpers import small_pdf

TEXTS = ["0", "AA", "AAA", "AAAAA", "A===", "QUFB\n", "QUF B", "QUFB", "QUE=", "QQ==", b64(small_pdf())]


def declared(client, name: str) -> dict:  # type: ignore[no-untyped-def]
    document = client.get("/api/v1/openapi.json").get_json()
    return document["components"]["schemas"][name]["properties"]["content_base64"]


@pytest.mark.parametrize(
    ("endpoint", "schema"), [("/documents", "NewDocument"), ("/decisions", "NewDecision")]
)
def test_base64_the_schema_allows_is_decoded_and_what_it_refuses_is_a_schema_error(
    app, viva, endpoint, schema
):
    make_case(app)
    validator = Draft202012Validator(declared(viva.client, schema))
    for text in TEXTS:
        answer = viva.post(f"/cases/TEST-0001{endpoint}", {**VALID[endpoint], "content_base64": text})
        body = answer.get_json(force=True)
        if validator.is_valid(text):
            # Decoded; the bytes themselves may still be refused (not a PDF), with that reason.
            assert body.get("reason") not in {"invalid-body", "invalid-base64"}, (text, body)
        else:
            assert problem(answer, 422)["reason"] == "invalid-body", (text, body)
            assert body["errors"][0]["pointer"] == "/content_base64"


def test_the_declared_base64_limit_matches_the_file_limit(viva):
    limit = declared(viva.client, "NewDocument")["maxLength"]
    assert limit == 4 * -(-10 * 1024 * 1024 // 3)  # PORTAL_UPLOAD_MAX_BYTES' default, 10 MB, in base64


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/api/v1/cases/TEST-0001/status", {"POST"}),
        ("/api/v1/cases/TEST-0001", {"GET", "HEAD"}),
        ("/api/v1/openapi.json", {"GET", "HEAD"}),
    ],
)
@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "CONNECT"])
def test_a_method_no_route_takes_is_a_problem_405_with_allow(viva, path, allowed, method):
    answer = viva.client.open(path, method=method, headers=viva.headers())
    problem(answer, 405)
    assert allowed <= {m.strip() for m in answer.headers["Allow"].split(",")}
    assert "TRACE" not in answer.headers["Allow"]


def test_an_unknown_api_path_with_such_a_method_is_a_problem_404(viva):
    problem(viva.client.open("/api/v1/nothing-here", method="TRACE"), 404)


def test_the_citizen_pages_answer_405_with_allow_too(client):
    answer = client.open("/", method="TRACE")
    assert answer.status_code == 405
    assert "GET" in answer.headers["Allow"]
    assert answer.mimetype == "text/html"
