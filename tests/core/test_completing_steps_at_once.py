"""Every completing step, sent several times at once (a double click, a reload, two tabs, a case system's
retry), has one effect and answers every copy alike: kundval confirmation, a komplettering answer, a
staff decision, and the API's posts with and without an Idempotency-Key. (Signing: tests/applications/
test_one_case_per_signature.py.) Requests commit for real on a database of their own (committing_app)."""

from __future__ import annotations

import io
import uuid

import sqlalchemy as sa

import forms
from portal.accounts.models import Person
from portal.api import services as api_services
from portal.api.models import SCOPES
from portal.cases.models import Case, CaseEvent, Decision, SupplementRequest
from portal.db import all_municipalities, get_session, unit_of_work, utcnow
from portal.messaging.models import Message, MessageThread
from portal.municipalities.models import Municipality, Unit
from portal.outbox.models import OutboxItem
from portal.providers.models import ProviderChoice
from portal.providers.services import today
from tests.api.conftest import STATUS_MAP, b64
from tests.applications.flow_helpers import small_pdf
from tests.concurrency import at_once, logged_in_client, new_personal_number, same_browser
from tests.helpers import csrf_from
from tests.providers.helpers import BRITT, OMAR, STJARNAN, britt_case, provider_id, staff

AT_ONCE = 4


def a_case(app, personal_number: str, status: str = "investigating") -> Case:  # type: ignore[no-untyped-def]
    """A hemtjänst case of the person's in Äldreomsorg (Omar's unit), as if applied for and received."""
    with app.app_context(), all_municipalities():
        session = get_session()
        person = session.scalar(sa.select(Person).where(Person.personal_number == personal_number))
        municipality = session.scalar(sa.select(Municipality).where(Municipality.slug == "exempelstad"))
        unit = session.scalar(
            sa.select(Unit).where(
                Unit.municipality_id == municipality.id, Unit.code == forms.get("hemtjanst").unit_code
            )
        )
        case = Case(
            case_number=f"T{uuid.uuid4().hex[:8].upper()}",
            municipality_id=municipality.id,
            subject_id=person.id,
            applicant_id=person.id,
            eservice_id="hemtjanst",
            eservice_version=1,
            case_type="hemtjanst_sol",
            unit_id=unit.id,
            status=status,
            payload={},
            received_at=utcnow(),
        )
        session.add(case)
        session.commit()
        return case


def count(app, stmt) -> int:  # type: ignore[no-untyped-def]
    with app.app_context(), all_municipalities():
        session = get_session()
        value = session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
        session.commit()
        return int(value or 0)


def events(app, case: Case, kind: str) -> int:  # type: ignore[no-untyped-def]
    return count(app, sa.select(CaseEvent.id).where(CaseEvent.case_id == case.id, CaseEvent.kind == kind))


def where_they_went(responses) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    assert all(not isinstance(r, Exception) for r in responses), responses
    return [(r.status_code, r.headers.get("Location", "")) for r in responses]


def test_kundval_confirmed_several_times_at_once_is_one_choice(committing_app, bankid_simulator):
    case = britt_case(committing_app)
    stjarnan = provider_id(committing_app, STJARNAN)
    client = logged_in_client(committing_app, bankid_simulator, BRITT)
    choices = sa.select(ProviderChoice.id).where(ProviderChoice.case_id == case.id)
    deliveries = sa.select(OutboxItem.id).where(OutboxItem.topic == "provider.chosen")
    before = count(committing_app, choices), count(committing_app, deliveries)
    form = client.get(f"/arenden/{case.id}/utforare")
    data = {"csrf_token": csrf_from(form.text), "provider": str(stjarnan), "effective_date": str(today())}
    checked = client.post(f"/arenden/{case.id}/utforare", data=data)
    data["csrf_token"] = csrf_from(checked.text)

    tabs = same_browser(client, AT_ONCE)
    went = where_they_went(
        at_once(
            [lambda tab=tab: tab.post(f"/arenden/{case.id}/utforare/bekrafta", data=data) for tab in tabs]
        )
    )

    assert len({target for _status, target in went}) == 1 and went[0][0] == 302, went
    assert "/utforare/kvitto/" in went[0][1]
    assert count(committing_app, choices) - before[0] == 1
    assert count(committing_app, deliveries) - before[1] == 1, "one provider.chosen to the case system"
    assert all(tab.get(went[0][1]).status_code == 200 for tab in tabs)


def test_a_komplettering_answer_sent_several_times_at_once_is_one_answer(committing_app, bankid_simulator):
    number = new_personal_number()
    client = logged_in_client(committing_app, bankid_simulator, number)
    case = a_case(committing_app, number, status="supplement_requested")
    with committing_app.app_context(), all_municipalities():
        session = get_session()
        request = SupplementRequest(case_id=case.id, text="Skicka läkarintyget.", due_date=today())
        session.add(request)
        session.commit()
        request_id = request.id
    page = client.get(f"/arenden/{case.id}")
    data = {"csrf_token": csrf_from(page.text), "text": "Här kommer intyget."}

    tabs = same_browser(client, AT_ONCE)
    went = where_they_went(
        at_once(
            [
                lambda tab=tab: tab.post(f"/arenden/{case.id}/komplettering/{request_id}", data=data)
                for tab in tabs
            ]
        )
    )

    assert went == [(302, f"/arenden/{case.id}")] * AT_ONCE, went
    assert events(committing_app, case, "supplement_answered") == 1
    assert events(committing_app, case, "status_changed") == 1
    # Every tab is told the answer went through (none "page not found").
    assert all("Tack! Ditt svar är skickat" in tab.get(f"/arenden/{case.id}").text for tab in tabs)
    # Another answer to a request already answered is not taken, and says why.
    other = client.post(
        f"/arenden/{case.id}/komplettering/{request_id}", data={**data, "text": "Något annat."}
    )
    assert other.status_code == 302
    assert "redan besvarad" in client.get(f"/arenden/{case.id}").text
    assert events(committing_app, case, "supplement_answered") == 1


def test_a_decision_published_several_times_at_once_is_one_decision(committing_app, bankid_simulator):
    number = new_personal_number()
    logged_in_client(committing_app, bankid_simulator, number)
    case = a_case(committing_app, number)
    omar = staff(committing_app, bankid_simulator, OMAR)
    path = f"/handlaggare/arenden/{case.id}"
    token = csrf_from(omar.get(path).text)
    pdf = small_pdf()

    def publish(tab):  # type: ignore[no-untyped-def]
        data = {
            "csrf_token": token,
            "outcome": "granted",
            "motivation": "Du behöver hjälp med städning.",
            "decided_at": "2026-11-20",
            "document": (io.BytesIO(pdf), "beslut.pdf"),
        }
        return tab.post(f"{path}/beslut", data=data, content_type="multipart/form-data")

    tabs = same_browser(omar, AT_ONCE)
    went = where_they_went(at_once([lambda tab=tab: publish(tab) for tab in tabs]))

    assert went == [(302, path)] * AT_ONCE, went
    assert count(committing_app, sa.select(Decision.id).where(Decision.case_id == case.id)) == 1
    assert events(committing_app, case, "decision") == 1
    assert all("The decision is published" in tab.get(path).text for tab in tabs)


def api_caller(app):  # type: ignore[no-untyped-def]
    with app.app_context(), all_municipalities(), unit_of_work() as session:
        municipality_id = session.scalar(sa.select(Municipality.id).where(Municipality.slug == "exempelstad"))
        _client, token = api_services.create_client(
            session, municipality_id, "Viva", list(SCOPES), STATUS_MAP
        )
    return {"Authorization": f"Bearer {token}"}


def test_api_posts_at_once_with_one_idempotency_key_have_one_effect(committing_app, bankid_simulator):
    number = new_personal_number()
    logged_in_client(committing_app, bankid_simulator, number)
    case = a_case(committing_app, number)
    headers = api_caller(committing_app)
    body = {
        "outcome": "granted",
        "motivation": "Du behöver hjälp.",
        "decided_at": "2026-11-20",
        "filename": "beslut.pdf",
        "content_base64": b64(small_pdf()),
    }
    url = f"/api/v1/cases/{case.case_number}/decisions"
    clients = [committing_app.test_client() for _ in range(AT_ONCE)]
    keyed = at_once(
        [
            lambda c=c: c.post(url, json=body, headers={**headers, "Idempotency-Key": "beslut-1"})
            for c in clients
        ]
    )
    assert [r.status_code for r in keyed] == [201] * AT_ONCE, [r.get_json() for r in keyed]
    assert len({r.get_json()["id"] for r in keyed}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in keyed) == AT_ONCE - 1
    # Without a key the same decision is still published once: the answer names the one there.
    unkeyed = at_once([lambda c=c: c.post(url, json=body, headers=headers) for c in clients])
    assert [r.status_code for r in unkeyed] == [201] * AT_ONCE, [r.get_json() for r in unkeyed]
    assert {r.get_json()["id"] for r in unkeyed} == {keyed[0].get_json()["id"]}
    assert count(committing_app, sa.select(Decision.id).where(Decision.case_id == case.id)) == 1
    assert events(committing_app, case, "decision") == 1


def test_first_messages_on_a_case_written_at_once_open_one_conversation(committing_app, bankid_simulator):
    """The citizen and the handläggare (or two handläggare) write the first message of a case in the same
    moment: both are sent, into the one conversation, and neither gets an error page."""
    number = new_personal_number()
    citizen = logged_in_client(committing_app, bankid_simulator, number)
    case = a_case(committing_app, number)
    omar = staff(committing_app, bankid_simulator, OMAR)
    staff_path = f"/handlaggare/arenden/{case.id}"
    staff_token = csrf_from(omar.get(staff_path).text)
    citizen_token = csrf_from(citizen.get(f"/arenden/{case.id}").text)

    def from_staff(tab):  # type: ignore[no-untyped-def]
        return tab.post(f"{staff_path}/meddelanden", data={"csrf_token": staff_token, "body": "Hej!"})

    def from_citizen(tab):  # type: ignore[no-untyped-def]
        return tab.post(f"/arenden/{case.id}/meddelanden", data={"csrf_token": citizen_token, "body": "Hej"})

    staff_tabs = same_browser(omar, 2)
    citizen_tabs = same_browser(citizen, 2)
    calls = [lambda t=t: from_staff(t) for t in staff_tabs] + [
        lambda t=t: from_citizen(t) for t in citizen_tabs
    ]
    went = where_they_went(at_once(calls))

    assert [status for status, _ in went] == [302] * 4, went
    threads = sa.select(MessageThread.id).where(MessageThread.case_id == case.id)
    assert count(committing_app, threads) == 1
    messages = sa.select(Message.id).join(MessageThread).where(MessageThread.case_id == case.id)
    assert count(committing_app, messages) == 4
