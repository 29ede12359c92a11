"""The embedded case system's staff workspace, with a citizen on the other side."""

import io
import re

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.cases.models import Case, Decision
from portal.db import all_municipalities, get_session
from tests.applications.flow_helpers import small_pdf
from tests.auth.login_helpers import log_in, newest_order_ref
from tests.cases.test_my_cases import case_path, submit_hemtjanst
from tests.helpers import csrf_from, page_csrf

OMAR = "198009142210"  # handläggare, äldreomsorg, Exempelstad
HELENA = "197504303020"  # handläggare, försörjningsstöd, Exempelstad
NORA = "196811031142"  # handläggare, Norrby


def staff_log_in(client, simulator, personal_number, prefix=""):  # type: ignore[no-untyped-def]
    token = page_csrf(client, f"{prefix}/handlaggare/logga-in")
    client.post(f"{prefix}/handlaggare/logga-in/bankid", data={"device": "other", "csrf_token": token})
    simulator.approve(newest_order_ref(simulator), personal_number)
    return client.get(f"{prefix}/handlaggare/logga-in/bankid")


def staff_case_path(app, number):  # type: ignore[no-untyped-def]
    return "/handlaggare" + case_path(app, number)


def test_handlaggare_handles_a_case_from_inbox_to_decision(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    number = submit_hemtjanst(client, bankid_simulator)

    staff = app.test_client()
    assert staff_log_in(staff, bankid_simulator, OMAR).headers["Location"] == "/handlaggare/"
    inbox = staff.get("/handlaggare/").text
    assert number in inbox and "Tolvan Tolvansson" in inbox
    path = staff_case_path(app, number)
    case_page = staff.get(path).text
    assert "Jag klarar inte att städa och handla själv." in case_page

    staff.post(f"{path}/tilldela", data={"csrf_token": csrf_from(case_page)})
    assert "Omar Omsorg" in staff.get(path).text
    staff.post(
        f"{path}/komplettering",
        data={"csrf_token": csrf_from(case_page), "text": "Skicka läkarintyget.", "due_date": "2030-01-15"},
    )

    citizen_case = case_path(app, number)
    assert (
        "Komplettering begärd" in client.get("/mina-sidor").text
        or "mer information" in client.get("/mina-sidor").text
    )
    page = client.get(citizen_case).text
    assert "Skicka läkarintyget." in page
    request_action = re.search(r'action="(/arenden/[^"]+/komplettering/[^"]+)"', page).group(1)
    answered = client.post(
        request_action,
        data={
            "csrf_token": csrf_from(page),
            "text": "Här kommer intyget.",
            "document": (io.BytesIO(small_pdf()), "intyg.pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Tack" in answered.text
    assert "Under utredning" in answered.text

    case_page = staff.get(path).text
    assert "Här kommer intyget." in case_page
    published = staff.post(
        f"{path}/beslut",
        data={
            "csrf_token": csrf_from(case_page),
            "outcome": "granted",
            "motivation": "Du behöver hjälp med städning.",
            "decided_at": "2026-11-20",
            "document": (io.BytesIO(small_pdf()), "beslut.pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Inte läst av sökanden än" in published.text
    # The case's documents are named for the handläggare in Swedish, never by the portal's internal kinds.
    assert "(Bilaga, " in published.text
    for internal in ("(kvitto", "(beslut", "(bilaga"):
        assert internal not in published.text

    decision_page = client.get(citizen_case).text
    assert "Beviljas" in decision_page
    assert "Du behöver hjälp med städning." in decision_page
    assert "förvaltningsrätten" in decision_page
    with app.app_context(), all_municipalities():
        decision = get_session().scalar(sa.select(Decision))
        assert decision.read_at is not None
        assert (decision.appeal_deadline - decision.published_at.date()).days == 21
    assert "Läst av sökanden" in staff.get(path).text

    log = staff.get(f"{path}/logg").text
    for action in (
        "case_assigned",
        "supplement_requested",
        "supplement_answered",
        "decision_published",
        "decision_read",
        "case_read",
    ):
        assert action in log


def test_staff_of_another_unit_or_municipality_cannot_open_the_case(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    number = submit_hemtjanst(client, bankid_simulator)
    path = staff_case_path(app, number)

    helena = app.test_client()
    staff_log_in(helena, bankid_simulator, HELENA)
    assert number not in helena.get("/handlaggare/?visa=all").text
    assert helena.get(path).status_code == 404

    nora = app.test_client()
    refused = staff_log_in(nora, bankid_simulator, NORA)
    assert refused.headers["Location"] == "/handlaggare/logga-in"
    assert nora.get("/handlaggare/").status_code == 302
    norrby = app.test_client()
    staff_log_in(norrby, bankid_simulator, NORA, prefix="/k/norrby")
    assert norrby.get(f"/k/norrby{path}").status_code == 404
    with app.app_context(), all_municipalities():
        denied = (
            get_session()
            .scalars(
                sa.select(AuditEvent).where(
                    AuditEvent.action == "access_denied", AuditEvent.actor_type == "staff"
                )
            )
            .all()
        )
        assert denied


def test_citizen_and_staff_logins_never_mix(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    assert client.get("/handlaggare/").headers["Location"] == "/handlaggare/logga-in"
    staff = app.test_client()
    staff_log_in(staff, bankid_simulator, OMAR)
    assert staff.get("/mina-sidor").status_code == 302


def test_inbox_queries_do_not_grow_with_cases(app, client, bankid_simulator, count_queries):
    log_in(client, bankid_simulator)
    submit_hemtjanst(client, bankid_simulator)
    staff = app.test_client()
    staff_log_in(staff, bankid_simulator, OMAR)
    staff.get("/handlaggare/")
    count_queries.statements.clear()
    staff.get("/handlaggare/")
    few = count_queries.count
    with app.app_context(), all_municipalities():
        session = get_session()
        case = session.scalar(sa.select(Case))
        for i in range(30):
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
                    unit_id=case.unit_id,
                )
            )
        session.commit()
    count_queries.statements.clear()
    assert "TEST-0029" in staff.get("/handlaggare/").text
    assert count_queries.count == few


def test_the_case_log_shows_only_this_case(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    first = submit_hemtjanst(client, bankid_simulator)
    second = submit_hemtjanst(client, bankid_simulator)
    staff = app.test_client()
    staff_log_in(staff, bankid_simulator, OMAR)
    staff.get(staff_case_path(app, second))
    log = staff.get(f"{staff_case_path(app, first)}/logg").text
    with app.app_context(), all_municipalities():
        second_id = str(get_session().scalar(sa.select(Case.id).where(Case.case_number == second)))
        reads_of_second = get_session().scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.object_id == second_id)
        )
    assert reads_of_second >= 2
    actions = re.findall(r'<span class="hint">\(([a-z_]+)\)</span>', log)
    assert actions and "login" not in actions
    assert log.count("application_submitted") == 1


def test_staff_forms_show_their_errors_in_a_summary_with_what_was_typed(app, client, bankid_simulator):
    """A decision, a komplettering, a note or a message that does not go through: the case page again (400)
    with an error summary linking to the fields, each field marked invalid with its message next to it,
    what was typed still there, and "Fel:" first in the title."""
    log_in(client, bankid_simulator)
    number = submit_hemtjanst(client, bankid_simulator)
    staff = app.test_client()
    staff_log_in(staff, bankid_simulator, OMAR)
    path = staff_case_path(app, number)
    token = csrf_from(staff.get(path).text)

    def assert_error(response, field_id, message):  # type: ignore[no-untyped-def]
        assert response.status_code == 400
        page = response.text
        assert re.search(r"<title>Fel: ", page), "the title says first that something is wrong"
        summary = re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)
        assert f'<a href="#{field_id}">{message}</a>' in summary
        field = re.search(rf'<(?:input|textarea|select)[^>]*\bid="{field_id}"[^>]*>', page).group(0)
        assert 'aria-invalid="true"' in field
        assert f'id="{field_id}-error"' in page and f"{field_id}-error" in field
        return page

    decision = staff.post(
        f"{path}/beslut",
        data={"csrf_token": token, "outcome": "granted", "motivation": "Du behöver hjälp.", "decided_at": ""},
        content_type="multipart/form-data",
    )
    page = assert_error(decision, "decided_at", "Skriv beslutsdatum, till exempel 2026-12-01")
    assert 'href="#document"' in page  # no PDF attached either
    assert "Du behöver hjälp.</textarea>" in page  # nothing typed is lost

    supplement = staff.post(f"{path}/komplettering", data={"csrf_token": token, "text": "Skicka intyget."})
    page = assert_error(supplement, "due_date", "Skriv sista dag för svar, till exempel 2026-12-15")
    assert "Skicka intyget.</textarea>" in page

    note = staff.post(f"{path}/anteckning", data={"csrf_token": token, "body": ""})
    assert_error(note, "body", "Skriv anteckningen")

    message = staff.post(
        f"{path}/meddelanden",
        data={
            "csrf_token": token,
            "body": "Se bilagan.",
            "attachment": (io.BytesIO(b"MZ\x90\x00"), "virus.exe"),
        },
        content_type="multipart/form-data",
    )
    page = assert_error(
        message,
        "message-body",
        "Filen måste vara en PDF, JPG, PNG eller ett foto från en mobil (HEIC).",
    )
    assert "Se bilagan.</textarea>" in page

    with app.app_context(), all_municipalities():
        assert get_session().scalar(sa.select(sa.func.count()).select_from(Decision)) == 0
