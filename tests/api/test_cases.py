"""What a case system pushes through the API is what the citizen sees on their case page."""

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.cases.models import Case, Decision, Document
from portal.db import all_municipalities, get_session
from portal.outbox import services as outbox
from portal.outbox.models import OutboxItem
from tests.api.conftest import b64
from tests.applications.flow_helpers import small_pdf
from tests.auth.login_helpers import log_in
from tests.cases.test_my_cases import case_path, submit_hemtjanst


def citizen_with_case(app, client, bankid_simulator) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    log_in(client, bankid_simulator)
    number = submit_hemtjanst(client, bankid_simulator)
    return number, case_path(app, number)


def api_actions(app) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context(), all_municipalities():
        return list(
            get_session().scalars(
                sa.select(AuditEvent.action).where(AuditEvent.actor_type == "api").order_by(AuditEvent.id)
            )
        )


def test_reading_a_case_gives_the_application_as_submitted(app, client, bankid_simulator, viva):
    number, _ = citizen_with_case(app, client, bankid_simulator)
    response = viva.get(f"/cases/{number}")
    assert response.status_code == 200
    case = response.get_json()
    assert case["case_number"] == number
    assert case["status"] == "submitted"
    assert case["eservice"] == "hemtjanst"
    assert case["created_at"].endswith("Z")
    assert "Jag klarar inte att städa och handla själv." in str(case["payload"])
    # Read as written or read out: lower case, without the hyphen.
    assert viva.get(f"/cases/{number.replace('-', '').lower()}").status_code == 200
    assert "case_read" in api_actions(app)


def test_a_status_code_shows_as_the_portal_status_with_the_reference(app, client, bankid_simulator, viva):
    number, path = citizen_with_case(app, client, bankid_simulator)
    response = viva.post(f"/cases/{number}/status", {"code": "UTR", "reference": "VIVA-2025-17"})
    assert response.status_code == 200
    assert response.get_json() == {
        "case_number": number,
        "status": "investigating",
        "previous_status": "submitted",
        "changed": True,
        "external_ref": "VIVA-2025-17",
    }
    page = client.get(path).text
    assert "Under utredning" in page
    assert 'Kommunens referens: <bdi dir="ltr">VIVA-2025-17</bdi>' in page  # left to right in Arabic too
    assert "Ny status: Under utredning" in page  # on the timeline

    again = viva.post(f"/cases/{number}/status", {"code": "UTR"}).get_json()
    assert again["changed"] is False and again["external_ref"] == "VIVA-2025-17"
    assert client.get(path).text.count("Ny status: Under utredning") == 1
    with app.app_context(), all_municipalities():
        event = get_session().scalar(sa.select(AuditEvent).where(AuditEvent.action == "case_status_reported"))
        assert event.actor_type == "api" and event.actor_id == viva.client_id
        assert event.detail["code"] == "UTR" and event.detail["new"] == "investigating"
        assert event.municipality_id is not None


def test_an_unknown_status_code_is_422(app, client, bankid_simulator, viva):
    number, _ = citizen_with_case(app, client, bankid_simulator)
    response = viva.post(f"/cases/{number}/status", {"code": "XYZ"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json(force=True)
    assert problem["reason"] == "unknown-status-code"
    assert "XYZ" in problem["detail"] and "UTR" in problem["detail"]
    with app.app_context(), all_municipalities():
        assert get_session().scalar(sa.select(Case.status).where(Case.case_number == number)) == "submitted"


def test_a_document_shows_among_the_case_documents(app, client, bankid_simulator, viva):
    number, path = citizen_with_case(app, client, bankid_simulator)
    response = viva.post(
        f"/cases/{number}/documents",
        {
            "kind": "utredning",
            "title": "Utredning om hemtjänst",
            "filename": "utredning.pdf",
            "content_base64": b64(small_pdf()),
        },
    )
    assert response.status_code == 201, response.text
    document = response.get_json()
    assert document["kind"] == "utredning" and document["media_type"] == "application/pdf"
    page = client.get(path).text
    assert "Utredning om hemtjänst" in page
    assert "En handling har lagts till" in page
    downloaded = client.get(f"/dokument/{document['id']}")
    assert downloaded.status_code == 200 and downloaded.data == small_pdf()
    assert "document_added" in api_actions(app)


def test_a_refused_file_is_422_with_the_reason(app, client, bankid_simulator, viva):
    number, _ = citizen_with_case(app, client, bankid_simulator)
    body = {"kind": "bilaga", "title": "Program", "filename": "a.pdf", "content_base64": b64(b"MZ\x90\x00")}
    response = viva.post(f"/cases/{number}/documents", body)
    assert response.status_code == 422
    assert response.get_json(force=True)["reason"] == "type"
    not_base64 = viva.post(f"/cases/{number}/documents", {**body, "content_base64": "not base64!"})
    assert not_base64.status_code == 422
    assert not_base64.get_json(force=True)["errors"][0]["pointer"] == "/content_base64"
    # Missing padding breaks the declared base64 pattern: refused by the schema, as the document says.
    bad_padding = viva.post(f"/cases/{number}/documents", {**body, "content_base64": "JVBERi0"})
    assert bad_padding.status_code == 422
    assert bad_padding.get_json(force=True)["reason"] == "invalid-body"
    assert bad_padding.get_json(force=True)["errors"][0]["pointer"] == "/content_base64"
    with app.app_context(), all_municipalities():
        assert (
            get_session().scalar(
                sa.select(sa.func.count(Document.id)).join(Case).where(Case.case_number == number)
            )
            == 1  # the receipt only
        )


def test_a_decision_is_published_with_how_to_appeal(app, client, bankid_simulator, viva):
    number, path = citizen_with_case(app, client, bankid_simulator)
    response = viva.post(
        f"/cases/{number}/decisions",
        {
            "outcome": "granted",
            "motivation": "Du behöver hjälp med städning.",
            "decided_at": "2026-11-20",
            "filename": "beslut.pdf",
            "content_base64": b64(small_pdf()),
        },
    )
    assert response.status_code == 201, response.text
    published = response.get_json()
    assert published["outcome"] == "granted" and published["document"]["kind"] == "beslut"
    page = client.get(path).text
    assert "Beslut fattat" in page
    assert "Beviljas" in page
    assert "Du behöver hjälp med städning." in page
    assert "förvaltningsrätten" in page
    with app.app_context(), all_municipalities():
        decision = get_session().scalar(sa.select(Decision))
        assert decision.read_at is not None  # the citizen opened it
        assert decision.decided_by_id is None
        assert (decision.appeal_deadline - decision.published_at.date()).days == 21
    assert "decision_published" in api_actions(app)

    image = viva.post(
        f"/cases/{number}/decisions",
        {
            "outcome": "rejected",
            "motivation": "x",
            "decided_at": "2026-11-20",
            "filename": "beslut.png",
            "content_base64": b64(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
        },
    )
    assert image.status_code == 422


def test_a_message_shows_on_the_case_page_and_the_citizen_is_notified(app, client, bankid_simulator, viva):
    number, path = citizen_with_case(app, client, bankid_simulator)
    response = viva.post(f"/cases/{number}/messages", {"body": "Hej Tolvan! Vi ringer dig på tisdag."})
    assert response.status_code == 201
    page = client.get(path).text
    assert "Hej Tolvan! Vi ringer dig på tisdag." in page
    assert "Handläggare" in page
    with app.app_context(), all_municipalities():
        session = get_session()
        from portal.messaging.models import Message

        message = session.scalar(sa.select(Message))
        assert message.author_type == "staff" and message.author_staff_id is None
        assert message.read_at is not None  # the citizen has read it now
    assert "message_sent" in api_actions(app)


def test_a_supplement_request_asks_the_citizen(app, client, bankid_simulator, viva):
    number, path = citizen_with_case(app, client, bankid_simulator)
    response = viva.post(
        f"/cases/{number}/supplement-requests", {"text": "Skicka läkarintyget.", "due_date": "2030-01-15"}
    )
    assert response.status_code == 201
    assert response.get_json()["status"] == "open"
    page = client.get(path).text
    assert "Komplettering begärd" in page
    assert "Skicka läkarintyget." in page
    assert "15 januari 2030" in page
    assert "supplement_requested" in api_actions(app)


def test_acknowledging_a_delivery_marks_the_case_received(app, client, bankid_simulator, viva):
    number, path = citizen_with_case(app, client, bankid_simulator)
    with app.app_context(), all_municipalities():
        case_id = get_session().scalar(sa.select(Case.id).where(Case.case_number == number))
    key = f"application:{case_id}"
    response = viva.post(f"/deliveries/{key}/ack", {"reference": "VIVA-99"})
    assert response.status_code == 200, response.text
    assert response.get_json()["status"] == "delivered"
    assert response.get_json()["case_number"] == number
    page = client.get(path).text
    assert "Mottagen av kommunen" in page
    assert 'Kommunens referens: <bdi dir="ltr">VIVA-99</bdi>' in page
    with app.app_context(), all_municipalities():
        item = get_session().scalar(sa.select(OutboxItem).where(OutboxItem.idempotency_key == key))
        assert item.status == "delivered" and item.delivered_at is not None
    assert "delivery_acknowledged" in api_actions(app)

    # Acknowledged again (the case system retried): still delivered, nothing new happens.
    assert viva.post(f"/deliveries/{key}/ack", {"reference": "VIVA-99"}).status_code == 200
    with app.app_context(), all_municipalities():
        received = (
            get_session().scalars(sa.select(AuditEvent).where(AuditEvent.action == "case_received")).all()
        )
        assert len(received) == 1


def test_a_delivery_of_another_municipality_or_a_notice_cannot_be_acknowledged(
    app, client, bankid_simulator, viva
):
    from tests.api.conftest import make_caller

    number, _ = citizen_with_case(app, client, bankid_simulator)
    with app.app_context(), all_municipalities():
        case_id = get_session().scalar(sa.select(Case.id).where(Case.case_number == number))
    norrby = make_caller(app, slug="norrby", name="Treserva Norrby")
    assert norrby.post(f"/deliveries/application:{case_id}/ack", {"reference": "X"}).status_code == 404
    assert viva.post("/deliveries/application:nothing/ack", {"reference": "X"}).status_code == 404
    with app.app_context(), all_municipalities():
        session = get_session()
        outbox.enqueue(
            session,
            topic="notification.email",
            adapter="mail",
            payload={"to": "tolvan@example.com", "subject": "Nytt", "body": "Logga in"},
            idempotency_key="notify-mail:test",
            municipality_id=session.scalar(sa.select(Case.municipality_id).where(Case.id == case_id)),
        )
        session.commit()
    assert viva.post("/deliveries/notify-mail:test/ack", {"reference": "X"}).status_code == 404


def test_the_handlaggare_in_the_portal_sees_what_the_case_system_sent(app, client, bankid_simulator, viva):
    from tests.staff.test_workspace import OMAR, staff_case_path, staff_log_in

    number, _ = citizen_with_case(app, client, bankid_simulator)
    viva.post(f"/cases/{number}/messages", {"body": "Meddelande från Viva."})
    viva.post(f"/cases/{number}/supplement-requests", {"text": "Skicka intyget.", "due_date": "2030-01-15"})
    viva.post(
        f"/cases/{number}/decisions",
        {
            "outcome": "rejected",
            "motivation": "Behovet tillgodoses på annat sätt.",
            "decided_at": "2026-11-20",
            "filename": "beslut.pdf",
            "content_base64": b64(small_pdf()),
        },
    )
    staff = app.test_client()
    staff_log_in(staff, bankid_simulator, OMAR)
    page = staff.get(staff_case_path(app, number))
    assert page.status_code == 200
    assert "Meddelande från Viva." in page.text
    log = staff.get(staff_case_path(app, number) + "/logg").text
    for action in ("message_sent", "supplement_requested", "decision_published"):
        assert action in log
