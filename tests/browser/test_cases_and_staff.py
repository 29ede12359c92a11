"""Mina ärenden and the staff workspace in two browsers: a citizen applies for hemtjänst, a handläggare takes
the case, writes, asks for komplettering and publishes a decision; the citizen is told by e-mail (a real SMTP
server; the notice says only that something waits), answers, reads the decision and how to appeal, and sees
who has read the case. Other people get the 404 page; the case pages fit a 320 px screen. axe-core (WCAG 2.1
A/AA) audits every page on the way.

The module has a live portal of its own (``live_portal`` and ``portal_url`` are overridden here, so the
``new_context`` and ``_no_server_errors`` fixtures of conftest use it): the same gunicorn set-up as
conftest's, with PORTAL_SMTP_HOST/PORT pointing at aiosmtpd and the outbox worker running beside it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_date
from playwright.sync_api import Locator, Page, expect

from tests.applications.flow_helpers import small_pdf
from tests.browser.case_helpers import (
    ANNA,
    CASE_URL,
    CITIZEN,
    HELENA,
    NOT_FOUND,
    OMAR,
    OMAR_UNIT,
    STAFF_CASE_URL,
    STAFF_INBOX_URL,
    ArrangedCase,
    FormPoster,
    MailPortal,
    arrange_hemtjanst,
    assert_fits,
    body_text,
    case_card,
    case_link,
    citizen_log_in,
    server_errors_since,
    set_contact_email,
    staff_log_in,
    start_mail_portal,
    stop_mail_portal,
    subject,
    submit_hemtjanst,
    sv_long_date,
    wait_for_status,
    wait_until_received,
)
from tests.browser.conftest import LivePortal
from tests.browser.eservice_helpers import HEMTJANST, MY_PAGES_URL, heading, make_pdf
from tests.browser.helpers import NewContext, assert_accessible
from tests.forms.samples import raw

pytestmark = pytest.mark.browser

EMAIL = "tolvan.tolvansson@example.se"
MESSAGE = "Hej! Jag heter Omar och är din handläggare. Vi vill komma på hembesök på tisdag klockan tio."
REQUEST = "Skicka ett läkarintyg som visar vad du behöver hjälp med i vardagen."
ANSWER = "Här kommer läkarintyget från vårdcentralen."
REPLY = "Tack! Tisdag klockan tio passar bra."
MOTIVATION = "Du behöver hjälp med städning och inköp varje vecka. Därför beviljas du hemtjänst."
APPEAL_DAYS = 21  # three weeks from the day the decision was published in the portal


# --- the module's portal ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mail_portal(bankid_simulator: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailPortal]:
    running = start_mail_portal(bankid_simulator, tmp_path_factory.mktemp("mail-portal"))
    try:
        yield running
    finally:
        stop_mail_portal(running)


@pytest.fixture(scope="module")
def live_portal(mail_portal: MailPortal) -> LivePortal:
    return mail_portal.portal


@pytest.fixture(scope="module")
def portal_url(live_portal: LivePortal) -> str:
    return live_portal.url


@pytest.fixture(autouse=True)
def _outbox_worker_healthy(mail_portal: MailPortal) -> Iterator[None]:
    yield
    problems = mail_portal.worker_problems()
    assert not problems, (
        f"the outbox worker ({mail_portal.worker_log}): {problems}\n{mail_portal.worker_log_tail()}"
    )


@pytest.fixture(scope="module")
def handled_case(bankid_simulator: Any, mail_portal: MailPortal) -> ArrangedCase:
    """A hemtjänst case of Tolvan's that Omar has handled: a message, an open request for komplettering and a
    decision. Arranged over HTTP (the walk-through test does all of it in the browser) for the tests that only
    look at such a case."""
    bankid_simulator.reset()  # module fixtures come before conftest's per-test reset
    portal = mail_portal.portal
    offset = portal.log_path.stat().st_size
    case = arrange_hemtjanst(portal.url, bankid_simulator, CITIZEN)
    staff = FormPoster(portal.url)
    try:
        assert staff.bankid(
            "/handlaggare/logga-in", "/handlaggare/logga-in/bankid", bankid_simulator, OMAR
        ) == ("/handlaggare/")
        path = "/handlaggare" + case.path
        wait_until_received(staff, path)
        staff.post(path, f"{path}/meddelanden", {"body": MESSAGE})
        due = dt.date.today() + dt.timedelta(days=10)
        staff.post(path, f"{path}/komplettering", {"text": REQUEST, "due_date": due.isoformat()})
        decision = {
            "outcome": "rejected",
            "motivation": MOTIVATION,
            "decided_at": dt.date.today().isoformat(),
        }
        staff.post(
            path,
            f"{path}/beslut",
            decision,
            files={"document": ("beslut.pdf", small_pdf(), "application/pdf")},
        )
        assert "Inte läst av sökanden än" in staff.get(path).text
    finally:
        staff.close()
    logged = server_errors_since(portal, offset)
    assert logged is None, f"the portal logged errors ({portal.log_path}):\n{logged}"
    return case


# --- small steps --------------------------------------------------------------------------------------------


def flash(page: Page) -> Locator:
    return page.locator("main .notice--success")


def staff_row(page: Page, number: str) -> Locator:
    return page.locator("main table tbody tr").filter(has_text=number)


def summary_value(page: Page, term: str) -> Locator:
    """The <dd> of a summary list's row whose <dt> is ``term``."""
    return (
        page.locator("main .summary-list > div")
        .filter(has=page.locator(f"dt:text-is('{term}')"))
        .locator("dd")
    )


def staff_section_after(page: Page, title: str) -> Locator:
    """The list right after an <h2> on the staff case page (Beslut, Begärda kompletteringar)."""
    return page.locator(f"main h2:text-is('{title}') + ul")


def open_staff_case(page: Page, number: str) -> None:
    """From the inbox, open the case by its number."""
    expect(page).to_have_url(STAFF_INBOX_URL)
    staff_row(page, number).get_by_role("link", name=number, exact=True).click()
    expect(page).to_have_url(STAFF_CASE_URL)
    expect(heading(page)).to_have_text(HEMTJANST.title)
    expect(page.locator("main .caption")).to_have_text(f"Ärendenummer {number}")
    assert_accessible(page)


def to_my_pages(page: Page) -> None:
    page.get_by_role("navigation", name="Språk och konto").get_by_role("link", name="Mina sidor").click()
    expect(page).to_have_url(MY_PAGES_URL)


def messages_from(page: Page, author: str) -> Locator:
    return page.locator("main ol.messages > li").filter(
        has=page.locator(".message__meta strong", has_text=author)
    )


def request_supplement(page: Page, text: str, due: dt.date) -> None:
    page.get_by_label("Vad behöver du från den sökande?", exact=True).fill(text)
    page.get_by_label("Svara senast (år-månad-dag)", exact=True).fill(due.isoformat())
    page.get_by_role("button", name="Skicka begäran", exact=True).click()
    expect(flash(page)).to_have_text("Begäran om komplettering är skickad till sökanden.")
    expect(summary_value(page, "Status")).to_have_text("Komplettering begärd")
    assert_accessible(page)


def send_staff_message(page: Page, text: str) -> None:
    page.get_by_label("Skriv till sökanden", exact=True).fill(text)
    page.get_by_role("button", name="Skicka meddelandet", exact=True).click()
    # The page opens at its notice (a jump to the thread would hide it).
    expect(page).to_have_url(re.compile(r"/handlaggare/arenden/[0-9a-f-]{36}$"))
    expect(flash(page)).to_have_text("Meddelandet är skickat. Sökanden får ett besked utan innehållet.")
    expect(flash(page)).to_be_in_viewport()
    expect(messages_from(page, OMAR.name).filter(has_text=text)).to_contain_text("Inte läst än")
    assert_accessible(page)


def send_citizen_message(page: Page, text: str) -> None:
    # The label reads "Skriva till …" in sv (reported); either wording finds it.
    page.get_by_label(re.compile(r"^Ditt meddelande till handläggaren$")).fill(text)
    page.locator("main form.message-form").get_by_role(
        "button", name="Skicka meddelandet", exact=True
    ).click()
    expect(flash(page)).to_have_text("Ditt meddelande är skickat. Du får ett besked när handläggaren svarar.")
    expect(messages_from(page, "Du").filter(has_text=text)).to_contain_text("Inte läst än")
    assert_accessible(page)


def publish_decision(page: Page, outcome: str, motivation: str, decided: dt.date, pdf: Path) -> None:
    # By the option's own label, with or without the fieldset `Radios` fields lacked at 672aa40.
    page.get_by_role("radio", name=outcome, exact=True).check()
    page.get_by_label("Motivering på klarspråk", exact=True).fill(motivation)
    page.get_by_label("Beslutsdatum (år-månad-dag)", exact=True).fill(decided.isoformat())
    page.get_by_label("Beslutet som PDF", exact=True).set_input_files(pdf)
    page.get_by_role("button", name="Publicera beslutet", exact=True).click()
    expect(flash(page)).to_have_text("Beslutet är publicerat för sökanden.")
    expect(summary_value(page, "Status")).to_have_text("Beslut fattat")
    expect(staff_section_after(page, "Beslut")).to_contain_text("Inte läst av sökanden än")
    assert_accessible(page)


def table_rows(page: Page) -> list[list[str]]:
    expect(page.locator("main table tbody tr").first).to_be_visible()
    return page.locator("main table tbody tr").evaluate_all(
        "(rows) => rows.map((row) => Array.from(row.cells, (cell) => cell.innerText.trim()))"
    )


def assert_in_order(rows: list[tuple[str, str]], expected: list[tuple[str, str]], where: str) -> None:
    """``expected`` (oldest first) occurs in ``rows`` (newest first) in that order. Matched from the newest
    end, so each step is the latest such event: the person's older cases may share the log."""
    position = 0
    for step in reversed(expected):
        try:
            position = rows.index(step, position) + 1
        except ValueError:
            pytest.fail(
                f"{where}: no {step} after the later steps; the rows (newest first) are {rows}", pytrace=False
            )


def assert_notice_is_content_free(message: Any, portal_url: str, secrets: list[str]) -> None:
    text = body_text(message)
    assert f"{portal_url}/mina-arenden" in text, f"the notice links to Mina ärenden:\n{text}"
    everything = (subject(message) + "\n" + text).casefold()
    leaked = [secret for secret in secrets if secret.casefold() in everything]
    assert not leaked, f"the e-mail notice gives away {leaked}:\n{text}"


# --- the tests ----------------------------------------------------------------------------------------------


def test_a_case_from_application_to_decision_in_two_browsers(
    new_context: NewContext, bankid_simulator: Any, mail_portal: MailPortal, portal_url: str, tmp_path: Path
) -> None:
    inbox = mail_portal.inbox
    citizen = new_context().new_page()
    staff = new_context().new_page()
    certificate = make_pdf(tmp_path, "lakarintyg.pdf", "Lakarintyg")
    decision_pdf = make_pdf(tmp_path, "beslut-hemtjanst.pdf", "Beslut om hemtjanst")

    # The citizen gives an e-mail address for notices, then applies.
    citizen_log_in(citizen, bankid_simulator, CITIZEN)
    set_contact_email(citizen, EMAIL)
    number, case_path = submit_hemtjanst(citizen, bankid_simulator, CITIZEN)
    expect(citizen.locator("main .status-panel")).to_contain_text("Mottagen av kommunen")
    secrets = [number, MESSAGE, REQUEST, MOTIVATION, "hemtjänst", "läkarintyg", "Tolvan", "121212", "Omar"]

    # The handläggare finds it in the unit's inbox, opens it and takes it.
    staff_log_in(staff, bankid_simulator, OMAR, OMAR_UNIT)
    row = staff_row(staff, number)
    expect(row).to_have_count(1)
    for cell in (CITIZEN.name, HEMTJANST.title, "Mottagen av kommunen", "Inte tilldelat"):
        expect(row).to_contain_text(cell)
    open_staff_case(staff, number)
    expect(summary_value(staff, "Sökande")).to_have_text(f"{CITIZEN.name}, 19121212-1212")
    expect(staff.locator("main")).to_contain_text(raw("hemtjanst")["need"]["description"])
    expect(summary_value(staff, "Handläggare")).to_have_text("Inte tilldelat")
    staff.get_by_role("button", name="Tilldela mig", exact=True).click()
    expect(flash(staff)).to_have_text("Ärendet är tilldelat dig.")
    expect(summary_value(staff, "Handläggare")).to_have_text(OMAR.name)
    expect(staff.get_by_role("button", name="Tilldela mig")).to_have_count(0)
    assert_accessible(staff)

    # A message, and a request for komplettering with a last day.
    due = dt.date.today() + dt.timedelta(days=14)
    notices_before = len(inbox.notices_to(EMAIL))
    send_staff_message(staff, MESSAGE)
    request_supplement(staff, REQUEST, due)
    expect(staff_section_after(staff, "Begärda kompletteringar")).to_contain_text(
        f"{REQUEST} Svara senast {format_date(due, 'long', locale='sv')} – Inte besvarad än"
    )

    # The citizen is told by e-mail, with nothing of what it is about.
    notices = inbox.wait_for(lambda: inbox.notices_to(EMAIL), notices_before + 2)
    assert len(notices) == notices_before + 2, [subject(m) for m in notices]
    for notice in notices[notices_before:]:
        assert_notice_is_content_free(notice, portal_url, secrets)

    # Mina sidor says what waits; the case page shows the message and the request.
    to_my_pages(citizen)
    expect(citizen.locator("main .notice--info")).to_contain_text("Du har 1 oläst meddelande.")
    task = citizen.locator("main .card--task").filter(has_text=number)
    expect(task).to_contain_text(
        f"Handläggaren behöver fler uppgifter i ärende {number} senast {sv_long_date(due)}."
    )
    assert_accessible(citizen)
    task.get_by_role("link", name=re.compile(rf"^Svara på begäran\s*{number}$")).click()
    expect(citizen).to_have_url(re.compile(re.escape(case_path) + "$"))
    expect(citizen.locator("main .status-panel")).to_contain_text("Komplettering begärd")
    from_officer = messages_from(citizen, "Handläggare")
    expect(from_officer).to_have_count(1)
    expect(from_officer).to_contain_text(MESSAGE)
    expect(from_officer.locator(".tag--new")).to_have_text("Nytt")
    request = citizen.get_by_role(
        "region", name=f"Att göra: skicka fler uppgifter senast {sv_long_date(due)}"
    )
    expect(request).to_contain_text(REQUEST)
    assert_accessible(citizen)

    # The citizen answers with text and a PDF, then writes back.
    request.get_by_label("Ditt svar", exact=True).fill(ANSWER)
    request.get_by_label(
        "Bifoga en handling (PDF, JPG, PNG eller ett foto från mobilen)", exact=True
    ).set_input_files(certificate)
    request.get_by_role("button", name="Skicka svaret", exact=True).click()
    expect(flash(citizen)).to_have_text("Tack! Ditt svar är skickat till handläggaren.")
    expect(citizen.locator("main .status-panel")).to_contain_text("Under utredning")
    expect(citizen.get_by_role("region", name=re.compile(r"^Att göra"))).to_have_count(0)
    expect(citizen.locator("main .document-list")).to_contain_text(certificate.name)
    expect(citizen.locator("main .timeline")).to_contain_text("Du svarade på begäran om komplettering")
    assert_accessible(citizen)
    send_citizen_message(citizen, REPLY)
    expect(from_officer.locator(".tag--new")).to_have_count(0)  # read now

    # The handläggare sees the reply and the answer, and opens the attached certificate.
    staff.get_by_role("link", name="Tillbaka till inkorgen").click()
    expect(staff_row(staff, number).locator("td").last).to_have_text("1")  # one unread message
    expect(staff_row(staff, number)).to_contain_text(OMAR.name)
    assert_accessible(staff)
    open_staff_case(staff, number)
    expect(messages_from(staff, "Sökanden")).to_contain_text(REPLY)
    expect(messages_from(staff, OMAR.name).filter(has_text=MESSAGE)).to_contain_text("Läst av sökanden")
    # Dates are written one way in Swedish: "Besvarad 2 december 2026 10:14".
    expect(staff_section_after(staff, "Begärda kompletteringar")).to_contain_text(
        re.compile(rf"Besvarad \d{{1,2}} \w+ {dt.date.today().year}")
    )
    expect(staff_section_after(staff, "Begärda kompletteringar")).to_contain_text(ANSWER)
    attachment = staff.locator("main .document-list").get_by_role("link", name=certificate.name, exact=True)
    response = staff.request.get(attachment.get_attribute("href") or "")
    assert response.ok and response.headers["content-type"] == "application/pdf", response.headers
    assert response.body() == certificate.read_bytes()

    # The decision: outcome, motivation, date and the PDF.
    decided = dt.date.today()
    publish_decision(staff, "Beviljas", MOTIVATION, decided, decision_pdf)
    notices = inbox.wait_for(lambda: inbox.notices_to(EMAIL), notices_before + 3)
    assert_notice_is_content_free(notices[-1], portal_url, [*secrets, "Beviljas", "beslut"])

    # The citizen reads the decision and how to appeal, with the last day.
    to_my_pages(citizen)
    citizen.get_by_role("link", name="Se alla dina ärenden", exact=True).click()
    card = wait_for_status(citizen, number, "Beslut fattat")
    assert_accessible(citizen)
    case_link(card, number).click()
    expect(citizen).to_have_url(CASE_URL)
    published = dt.datetime.now(dt.UTC).date()
    decision = citizen.get_by_role("region", name=f"Beslut {sv_long_date(decided)}")
    expect(decision.locator(".decision__outcome")).to_have_text("Beslut: Beviljas")
    expect(decision).to_contain_text(MOTIVATION)
    expect(decision.get_by_role("heading", name="Så överklagar du")).to_be_visible()
    expect(decision).to_contain_text("förvaltningsrätten")
    last_day = sv_long_date(published + dt.timedelta(days=APPEAL_DAYS))
    expect(decision).to_contain_text(
        f"Räknat från dagen då beslutet publicerades här är sista dagen {last_day}."
    )
    expect(citizen.locator("main .status-panel")).to_contain_text("Beslut fattat")
    assert_accessible(citizen)
    whole = decision.get_by_role("link", name="Läs hela beslutet (PDF)", exact=True)
    response = citizen.request.get(whole.get_attribute("href") or "")
    assert response.ok and response.headers["content-type"] == "application/pdf", response.headers
    assert response.body() == decision_pdf.read_bytes()

    # The handläggare sees the read receipt, then the case's log.
    staff.reload()
    expect(staff_section_after(staff, "Beslut")).to_contain_text("Läst av sökanden")
    expect(staff_section_after(staff, "Beslut")).not_to_contain_text("Inte läst")
    assert_accessible(staff)
    staff.get_by_role("link", name="Vem har läst eller ändrat ärendet", exact=True).click()
    expect(staff).to_have_url(re.compile(re.escape("/handlaggare" + case_path + "/logg") + "$"))
    expect(heading(staff)).to_have_text(f"Logg för ärende {number}")
    assert_accessible(staff)
    # Each row reads "Läste ärendet (case_read)": the words for people, the code for the test.
    log = [(who, what.rsplit("(", 1)[-1].rstrip(")")) for _when, who, what in table_rows(staff)]
    applicant, officer = "Sökanden", OMAR.name
    assert_in_order(
        log,
        [
            (applicant, "application_submitted"),
            ("Portalen", "case_received"),
            (officer, "case_read"),
            (officer, "case_assigned"),
            (officer, "message_sent"),
            (officer, "supplement_requested"),
            (applicant, "case_read"),
            (applicant, "supplement_answered"),
            (applicant, "message_sent"),
            (officer, "case_read"),
            (officer, "document_read"),
            (officer, "decision_published"),
            (applicant, "decision_read"),
            (applicant, "document_read"),
            (officer, "case_read"),
        ],
        staff.url,
    )

    # The citizen sees who has read the case: by role and unit, never by name.
    to_my_pages(citizen)
    citizen.get_by_role("link", name="Vem har tittat på mina uppgifter", exact=True).click()
    expect(citizen).to_have_url(re.compile(r"/mina-sidor/vem-har-last$"))
    expect(heading(citizen)).to_have_text("Vem har tittat på mina uppgifter")
    assert_accessible(citizen)
    reads = {(who, what) for _when, who, what in table_rows(citizen)}
    by_officer = f"Handläggare, {OMAR_UNIT}"
    assert {
        (by_officer, "Läste ditt ärende"),
        (by_officer, "Öppnade en handling"),
        (by_officer, "Läste loggen för ditt ärende"),
    } <= reads, reads
    expect(citizen.locator("main")).not_to_contain_text("Omar")


def test_other_citizens_and_other_units_get_the_404_page(
    new_context: NewContext, bankid_simulator: Any, handled_case: ArrangedCase
) -> None:
    anna = new_context().new_page()
    citizen_log_in(anna, bankid_simulator, ANNA)
    anna.goto("/mina-arenden")
    expect(heading(anna)).to_have_text("Mina ärenden")
    expect(anna.locator("main")).not_to_contain_text(handled_case.number)
    assert_accessible(anna)
    for path in (handled_case.path, handled_case.receipt_path):
        response = anna.goto(path)
        assert response is not None and response.status == 404, (path, response and response.status)
        expect(heading(anna)).to_have_text(NOT_FOUND)
        expect(anna.locator("main")).to_contain_text("Felkod: 404")
        expect(anna.locator("main")).not_to_contain_text(handled_case.number)
        assert_accessible(anna)

    helena = new_context().new_page()
    staff_log_in(helena, bankid_simulator, HELENA, "Försörjningsstöd")
    helena.get_by_role("navigation", name="Filtrera ärenden").get_by_role(
        "link", name="Alla", exact=True
    ).click()
    expect(helena).to_have_url(re.compile(r"/handlaggare/\?visa=all$"))
    expect(helena.locator("main")).not_to_contain_text(handled_case.number)
    assert_accessible(helena)
    for path in ("/handlaggare" + handled_case.path, "/handlaggare" + handled_case.path + "/logg"):
        response = helena.goto(path)
        assert response is not None and response.status == 404, (path, response and response.status)
        expect(heading(helena)).to_have_text(NOT_FOUND)
        expect(helena.locator("main")).not_to_contain_text(handled_case.number)
        assert_accessible(helena)


PHONE = 320
LONG_LINK = (
    "https://www.exempelstad.se/omsorg-och-stod/aldreomsorg/hemtjanst/blanketter/lakarintyg-for-ansokan.pdf"
)


def test_my_cases_and_the_case_page_fit_a_320_px_screen(
    new_context: NewContext, bankid_simulator: Any, handled_case: ArrangedCase
) -> None:
    # Everything a case page can hold: an open request with its form, messages, a decision with how to appeal.
    # The citizen's own message, with a long link, comes last.
    citizen = new_context(viewport={"width": PHONE, "height": 640}).new_page()
    citizen_log_in(citizen, bankid_simulator, CITIZEN)
    assert_fits(citizen, PHONE)
    citizen.get_by_role("link", name="Se alla dina ärenden", exact=True).click()
    expect(heading(citizen)).to_have_text("Mina ärenden")
    card = case_card(citizen, handled_case.number)
    expect(card).to_contain_text("Beslut fattat")
    assert_fits(citizen, PHONE)
    assert_accessible(citizen)
    case_link(card, handled_case.number).click()
    expect(citizen).to_have_url(re.compile(re.escape(handled_case.path) + "$"))
    expect(citizen.get_by_role("region", name=re.compile(r"^Att göra"))).to_contain_text(REQUEST)
    expect(citizen.locator("main .decision__outcome")).to_have_text("Beslut: Avslås")
    expect(messages_from(citizen, "Handläggare").filter(has_text=MESSAGE)).to_have_count(1)
    for control in ("Ditt svar", "Bifoga en handling (PDF, JPG, PNG eller ett foto från mobilen)"):
        expect(citizen.get_by_label(control, exact=True).first).to_be_visible()
    assert_fits(citizen, PHONE)
    assert_accessible(citizen)

    # A link pasted into a message must wrap too (WCAG 1.4.10).
    send_citizen_message(citizen, f"Jag har fyllt i blanketten {LONG_LINK}")
    assert_fits(citizen, PHONE)
