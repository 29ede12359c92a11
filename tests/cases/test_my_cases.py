"""Mina ärenden and the case page: status, what happens next, timeline, documents; only one's own."""

import re

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.cases.models import Case, CaseEvent, Document
from portal.db import all_municipalities, get_session
from portal.files.storage import storage
from portal.outbox.delivery import deliver_due
from tests.applications.flow_helpers import HEMTJANST_ANSWERS, fill, sign, start
from tests.auth.login_helpers import TOLVAN, log_in


def submit_hemtjanst(client, simulator) -> str:  # type: ignore[no-untyped-def]
    draft = start(client, "hemtjanst")
    fill(client, draft, HEMTJANST_ANSWERS)
    receipt = client.get(sign(client, simulator, draft, TOLVAN).headers["Location"]).text
    return re.search(r'class="case-number">([A-Z0-9-]+)<', receipt).group(1)


def case_path(app, number: str) -> str:
    with app.app_context(), all_municipalities():
        return f"/arenden/{get_session().scalar(sa.select(Case.id).where(Case.case_number == number))}"


def test_my_cases_shows_status_and_what_happens_next(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    number = submit_hemtjanst(client, bankid_simulator)
    listing = client.get("/mina-arenden").text
    assert number in listing
    assert "Inskickad" in listing
    with app.app_context(), all_municipalities():
        deliver_due(app, get_session())
    listing = client.get("/mina-arenden").text
    assert "Mottagen av kommunen" in listing

    page = client.get(case_path(app, number)).text
    assert "Mottagen av kommunen" in page
    assert "Det här händer nu" in page
    assert "Kvittens" in page  # the receipt among the documents
    assert page.index("Kommunen har tagit emot ansökan") < page.index("Du skickade ansökan")  # newest first


def test_another_citizen_gets_404_and_the_attempt_is_audited(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    number = submit_hemtjanst(client, bankid_simulator)
    path = case_path(app, number)
    with app.app_context(), all_municipalities():
        doc_id = get_session().scalar(sa.select(Document.id).join(Case).where(Case.case_number == number))
    other = app.test_client()
    log_in(other, bankid_simulator, personal_number="198507202011")
    assert number not in other.get("/mina-arenden").text
    assert other.get(path).status_code == 404
    assert other.get(f"/dokument/{doc_id}").status_code == 404
    with app.app_context(), all_municipalities():
        denied = (
            get_session()
            .scalars(sa.select(AuditEvent.object_type).where(AuditEvent.action == "access_denied"))
            .all()
        )
    assert {"case", "document"} <= set(denied)


def test_reading_a_case_is_audited(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    number = submit_hemtjanst(client, bankid_simulator)
    client.get(case_path(app, number))
    with app.app_context(), all_municipalities():
        actions = get_session().scalars(sa.select(AuditEvent.action)).all()
    assert "case_read" in actions
    client.get("/mina-arenden")
    with app.app_context(), all_municipalities():
        assert "case_list_read" in get_session().scalars(sa.select(AuditEvent.action)).all()


def test_case_pages_query_constantly_however_many_cases_events_and_documents(
    app, client, bankid_simulator, count_queries
):
    log_in(client, bankid_simulator)
    number = submit_hemtjanst(client, bankid_simulator)
    path = case_path(app, number)

    def queries(url: str) -> int:
        client.get(url)
        count_queries.statements.clear()
        assert client.get(url).status_code == 200
        return count_queries.count

    few_list, few_case = queries("/mina-arenden"), queries(path)
    with app.app_context(), all_municipalities():
        session = get_session()
        case = session.scalar(sa.select(Case).where(Case.case_number == number))
        stored = storage.put(session, b"%PDF-1.4 test", "application/pdf")
        for i in range(25):
            session.add(CaseEvent(case_id=case.id, kind="status_changed"))
            session.add(
                Document(
                    case_id=case.id,
                    kind="bilaga",
                    title=f"Bilaga {i}",
                    filename=f"b{i}.pdf",
                    media_type="application/pdf",
                    size=13,
                    sha256=stored.sha256,
                    stored_file_id=stored.id,
                )
            )
            session.add(
                Case(
                    case_number=f"TEST-{i:04d}",
                    municipality_id=case.municipality_id,
                    subject_id=case.subject_id,
                    applicant_id=case.subject_id,
                    eservice_id="hemtjanst",
                    eservice_version=1,
                    case_type="hemtjanst_sol",
                    payload={},
                )
            )
        session.commit()
    assert queries("/mina-arenden") == few_list
    assert queries(path) == few_case
    listing = client.get("/mina-arenden").text
    assert "Sida 1 av 2" in listing
    assert client.get("/mina-arenden?sida=2").text.count('class="card__title"') == 6  # 26 cases, 20 a page
