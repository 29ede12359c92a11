"""An application from start page to receipt, through the test client and the BankID simulator."""

import re

import sqlalchemy as sa
from pypdf import PdfReader
from sqlalchemy.orm import selectinload

from portal.audit.models import AuditEvent
from portal.cases.models import Case
from portal.db import all_municipalities, get_session
from portal.outbox.delivery import deliver_due
from portal.outbox.models import OutboxItem
from tests.applications.flow_helpers import HEMTJANST_ANSWERS, fill, post_step, sign, start
from tests.auth.login_helpers import TOLVAN, log_in
from tests.helpers import csrf_from


def test_hemtjanst_from_start_page_to_received_case(app, client, bankid_simulator, tmp_path):
    log_in(client, bankid_simulator)
    draft = start(client, "hemtjanst")
    tasks = client.get(draft).text
    assert "Inte påbörjad" in tasks
    fill(client, draft, HEMTJANST_ANSWERS)

    check = client.get(f"{draft}/granska").text
    assert "Jag klarar inte att städa och handla själv." in check
    assert "070-123 45 67" in check

    done = sign(client, bankid_simulator, draft, TOLVAN)
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/kvitto")
    receipt = client.get(done.headers["Location"]).text
    number = re.search(r'class="case-number">([A-Z0-9]{4}-[A-Z0-9]{4})<', receipt).group(1)
    assert not set(number) & set("0O1IL2Z5S8BQDUV")

    pdf_link = re.search(r'href="(/dokument/[^"?]+)"', receipt).group(1)
    pdf = client.get(pdf_link)
    assert pdf.mimetype == "application/pdf"
    path = tmp_path / "kvitto.pdf"
    path.write_bytes(pdf.data)
    text = "".join(page.extract_text() for page in PdfReader(path).pages)
    assert number in text

    with app.app_context(), all_municipalities():
        session = get_session()
        case = session.scalar(
            sa.select(Case).where(Case.case_number == number).options(selectinload(Case.events))
        )
        assert case.status == "submitted"
        kinds = {e.kind for e in case.events}
        assert kinds == {"submitted"}
        items = session.scalars(
            sa.select(OutboxItem).where(OutboxItem.payload["case_number"].as_string() == number)
        ).all()
        assert [i.topic for i in items] == ["application.submitted"]
        assert deliver_due(app, session) >= 1
    my_pages = client.get("/mina-sidor").text
    assert number in my_pages
    assert "Mottagen av kommunen" in my_pages or "Received by the municipality" in my_pages


def test_validation_errors_keep_what_was_typed(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    draft = start(client, "hemtjanst")
    response = post_step(
        client, draft, "contact", {"phone": "", "email": "inte-en-adress", "interpreter": ""}
    )
    assert response.status_code == 400
    html = response.text
    assert 'id="error-summary"' in html
    assert 'href="#phone"' in html
    assert 'value="inte-en-adress"' in html
    assert 'aria-invalid="true"' in html
    # Autosaved even though invalid: a reload shows the same text.
    again = client.get(f"{draft}/steg/contact").text
    assert 'value="inte-en-adress"' in again


def test_a_draft_survives_logout_and_is_resumed(client, bankid_simulator):
    log_in(client, bankid_simulator)
    draft = start(client, "hemtjanst")
    post_step(client, draft, "contact", HEMTJANST_ANSWERS["contact"])
    page = client.get("/mina-sidor")
    client.post("/logga-ut", data={"csrf_token": csrf_from(page.text)})
    log_in(client, bankid_simulator)
    my_pages = client.get("/mina-sidor").text
    assert draft in my_pages
    contact = client.get(f"{draft}/steg/contact").text
    assert 'value="070-123 45 67"' in contact


def test_another_citizen_cannot_open_the_draft(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    draft = start(client, "hemtjanst")
    other = app.test_client()
    log_in(other, bankid_simulator, personal_number="198507202011")
    for path in (
        draft,
        f"{draft}/steg/contact",
        f"{draft}/granska",
        f"{draft}/kvitto",
        f"{draft}/medsokande",
    ):
        assert other.get(path).status_code == 404, path
    with app.app_context(), all_municipalities():
        denied = (
            get_session().scalars(sa.select(AuditEvent).where(AuditEvent.action == "access_denied")).all()
        )
        assert denied


def test_schema_is_published_per_eservice(client):
    schema = client.get("/e-tjanster/hemtjanst/schema.json").json
    assert schema["$id"] == "urn:medborgarvy:eservice:hemtjanst:v1"
    assert "need" in schema["properties"]["answers"]["properties"]


def test_the_receipt_email_says_nothing_sensitive(app, client, bankid_simulator, tmp_path):
    config = app.config["PORTAL"]
    original = config.outgoing_mail_dir
    config.outgoing_mail_dir = str(tmp_path)
    try:
        log_in(client, bankid_simulator)
        draft = start(client, "hemtjanst")
        fill(client, draft, HEMTJANST_ANSWERS)
        receipt = client.get(sign(client, bankid_simulator, draft, TOLVAN).headers["Location"]).text
        number = re.search(r'class="case-number">([A-Z0-9-]+)<', receipt).group(1)
        with app.app_context(), all_municipalities():
            assert deliver_due(app, get_session()) == 2  # the application and the e-mail
    finally:
        config.outgoing_mail_dir = original
    [mail] = list(tmp_path.glob("*.eml"))
    text = mail.read_text()
    assert "To: tolvan@example.se" in text
    assert number in text
    for secret in ("191212121212", "19121212-1212", "Tolvansson", "städa", "070-123"):
        assert secret not in text


def test_the_receipt_pdf_is_in_the_citizens_language(app, client, bankid_simulator, tmp_path):
    import pikepdf

    log_in(client, bankid_simulator)
    client.get("/sprak/en")
    draft = start(client, "hemtjanst")
    fill(client, draft, HEMTJANST_ANSWERS)
    done = sign(client, bankid_simulator, draft, TOLVAN)
    receipt = client.get(done.headers["Location"]).text
    pdf = client.get(re.search(r'href="(/dokument/[^"?]+)"', receipt).group(1))
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf.data)
    with pikepdf.open(path) as document:
        assert str(document.Root.Lang) == "en"  # it said "sv" whatever the citizen read
        assert str(document.docinfo.Title).startswith("Receipt ")
        assert "/StructTreeRoot" in document.Root
