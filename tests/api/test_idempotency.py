"""Idempotency-Key: a retry gets the first answer and does nothing again; another body with the key is 422."""

import sqlalchemy as sa

from portal.cases.models import CaseEvent, Document, SupplementRequest
from portal.db import all_municipalities, get_session
from portal.messaging.models import Message
from portal.outbox.models import OutboxItem
from tests.api.conftest import b64, make_caller, make_case
from tests.applications.flow_helpers import small_pdf


def count(app, model) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), all_municipalities():
        return get_session().scalar(sa.select(sa.func.count()).select_from(model))


def test_the_same_key_twice_does_it_once_and_answers_the_same(app, viva):
    make_case(app)
    messages, notices = count(app, Message), count(app, OutboxItem)
    first = viva.post("/cases/TEST-0001/messages", {"body": "Hej"}, key="msg-1")
    second = viva.post("/cases/TEST-0001/messages", {"body": "Hej"}, key="msg-1")
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"
    assert count(app, Message) == messages + 1
    # Without a key, each request is a new message.
    viva.post("/cases/TEST-0001/messages", {"body": "Hej"})
    assert count(app, Message) == messages + 2
    assert count(app, OutboxItem) >= notices


def test_every_post_honours_the_key(app, viva):
    make_case(app)
    requests = [
        ("/cases/TEST-0001/status", {"code": "UTR"}),
        (
            "/cases/TEST-0001/documents",
            {"kind": "bilaga", "title": "Bilaga", "filename": "b.pdf", "content_base64": b64(small_pdf())},
        ),
        ("/cases/TEST-0001/supplement-requests", {"text": "Skicka intyget.", "due_date": "2030-01-15"}),
    ]
    for path, body in requests:
        before = [count(app, model) for model in (CaseEvent, Document, SupplementRequest)]
        first = viva.post(path, body, key=f"k-{path}")
        again = viva.post(path, body, key=f"k-{path}")
        assert first.status_code in {200, 201}, first.text
        assert again.get_json() == first.get_json() and again.status_code == first.status_code
        assert again.headers["Idempotent-Replayed"] == "true"
        after = [count(app, model) for model in (CaseEvent, Document, SupplementRequest)]
        assert all(0 <= a - b <= 1 for a, b in zip(after, before, strict=True)), (path, before, after)


def test_the_same_key_with_another_body_is_422(app, viva):
    make_case(app)
    assert viva.post("/cases/TEST-0001/messages", {"body": "Hej"}, key="k").status_code == 201
    other = viva.post("/cases/TEST-0001/messages", {"body": "Hej igen"}, key="k")
    assert other.status_code == 422
    assert other.mimetype == "application/problem+json"
    assert other.get_json(force=True)["reason"] == "idempotency-key-reused"
    # The same key on another path is another request too.
    assert viva.post("/cases/TEST-0001/status", {"code": "UTR"}, key="k").status_code == 422
    assert count(app, Message) == 1


def test_keys_are_per_client(app, viva):
    make_case(app)
    other = make_caller(app, name="Combine")
    assert viva.post("/cases/TEST-0001/messages", {"body": "Från Viva"}, key="k").status_code == 201
    assert other.post("/cases/TEST-0001/messages", {"body": "Från Combine"}, key="k").status_code == 201
    assert count(app, Message) == 2


def test_a_refused_request_is_not_remembered(app, viva):
    make_case(app)
    assert viva.post("/cases/TEST-0001/status", {"code": "NOPE"}, key="k").status_code == 422
    assert viva.post("/cases/TEST-0001/status", {"code": "UTR"}, key="k").status_code == 200


def test_a_malformed_key_is_400(app, viva):
    make_case(app)
    response = viva.client.post(
        "/api/v1/cases/TEST-0001/messages",
        json={"body": "Hej"},
        headers={**viva.headers(), "Idempotency-Key": "x" * 201},
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
