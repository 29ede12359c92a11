"""Schemathesis generates requests from /api/v1/openapi.json and sends them to the app in-process: no
request may cause a server error, and every answer must match what the document declares.

Each operation runs as a Hypothesis test of its own (a subtest), with valid and invalid data, 20 examples
each way, derandomized so a run is repeatable. (``schemathesis.pytest.from_fixture`` would do the same,
but its lazy parametrization does not run under pytest 9.)
"""

import json

import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from portal.cases.models import Case
from portal.db import all_municipalities, get_session
from portal.outbox import services as outbox
from tests.api.conftest import b64, make_case
from tests.applications.flow_helpers import small_pdf

CASE_NUMBER = "K7MR-4TXA"
DELIVERY_KEY = "application:schemathesis"
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
SETTINGS = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def aim_at_real_objects(case) -> None:  # type: ignore[no-untyped-def]
    """Random case numbers, delivery keys, status codes and files find nothing or are refused: every
    other example uses a real case, delivery, mapped code or PDF instead, so the changes run too."""
    parameters = case.path_parameters or {}
    if isinstance(parameters.get("case_number"), str) and len(parameters["case_number"]) % 2 == 0:
        parameters["case_number"] = CASE_NUMBER
    if isinstance(parameters.get("idempotency_key"), str) and len(parameters["idempotency_key"]) % 2 == 0:
        parameters["idempotency_key"] = DELIVERY_KEY
    body = case.body
    if isinstance(body, dict) and len(json.dumps(body, default=str)) % 2 == 0:
        if "content_base64" in body:
            body["content_base64"] = b64(small_pdf())
        if "code" in body:
            body["code"] = "UTR"


def test_api_conforms_to_its_description(app, viva, subtests):  # type: ignore[no-untyped-def]
    make_case(app, number=CASE_NUMBER)
    with app.app_context(), all_municipalities():
        session = get_session()
        case_query = sa.select(Case.municipality_id).where(Case.case_number == CASE_NUMBER)
        outbox.enqueue(
            session,
            topic="application.submitted",
            adapter="embedded",
            payload={"case_number": CASE_NUMBER},
            idempotency_key=DELIVERY_KEY,
            municipality_id=session.scalar(case_query),
        )
        session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Every operation but the document itself, which Schemathesis leaves out.
    described = {
        f"{method.upper()} {path}"
        for path, item in app.test_client().get("/api/v1/openapi.json").get_json()["paths"].items()
        for method in item
    }
    assert {operation.label for operation in operations} == described - {"GET /api/v1/openapi.json"}

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            with subtests.test(operation=operation.label, mode=mode.value):

                @SETTINGS
                @given(case=operation.as_strategy(mode))
                def run(case):  # type: ignore[no-untyped-def]
                    aim_at_real_objects(case)
                    case.call_and_validate(headers=viva.headers(), checks=CHECKS)

                run()
