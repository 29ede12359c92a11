"""The five e-services in Chromium, as a citizen meets them: the e-tjänster list, the start page, the task
list, every step answered through its real controls (and once in its error state), Granska dina svar, BankID
signing in the simulator, the receipt and its PDF. The medsökande signs from a second browser; månadsansökan
starts from the last application. Hemtjänst once more with the keyboard only; a draft resumed after logging
out; a refused step keeps what was typed. axe-core (WCAG 2.1 A/AA) audits every page of the flows, each step
also in its error state."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.eservice_helpers import (
    BANKID_DONE,
    CASE_NUMBER,
    CHECK_TITLE,
    DRAFT_URL,
    EKONOMISKT_BISTAND,
    ESERVICES,
    HEMTJANST,
    MANADSANSOKAN,
    MY_PAGES_URL,
    RECEIPT_URL,
    SAVE,
    SAVE_LATER,
    SIGN_OTHER_DEVICE,
    SIGN_WAIT_TITLE,
    TO_CHECK,
    EServiceSpec,
    Person,
    arrow_to,
    check_receipt,
    complete_step,
    error_summary,
    expect_controls,
    expect_error_state,
    expect_summary,
    expect_values,
    fill_fields,
    follow,
    group,
    heading,
    item_group,
    land_on,
    log_in,
    log_out,
    make_pdf,
    open_start_page,
    sign_with_bankid,
    space_on,
    start_application,
    submit,
)
from tests.browser.helpers import NewContext, assert_accessible, pending_order_ref
from tests.forms.samples import PARTNER, months_from_now, personnummer, raw

pytestmark = pytest.mark.browser


def citizen(born: dt.date, serial: str, name: str) -> Person:
    """Someone of our own for each test: a draft or case another test leaves behind never shows up."""
    return Person(personnummer(born, serial).replace("-", ""), name)


APPLICANTS = {
    "hemtjanst": citizen(dt.date(1938, 5, 14), "402", "Signe Holm"),
    "personlig_assistans": citizen(dt.date(1990, 8, 21), "313", "Kim Berg"),
    "dodsboanmalan": citizen(dt.date(1962, 11, 3), "224", "Karin Eriksson"),
    "ekonomiskt_bistand": citizen(dt.date(1983, 9, 12), "135", "Sara Nilsson"),
    "manadsansokan": citizen(dt.date(1979, 4, 30), "246", "Omar Haddad"),
}
MEDSOKANDE = Person(PARTNER.replace("-", ""), "Anna Andersson")  # as typed in samples.RAW's co_applicant
KEYBOARD_USER = citizen(dt.date(1944, 2, 17), "357", "Märta Lund")
RESUMING_USER = citizen(dt.date(1951, 6, 9), "468", "Gösta Berg")
MISTYPING_USER = citizen(dt.date(1957, 12, 1), "579", "Ingrid Falk")


def answers_for(eservice_id: str) -> dict[str, Any]:
    answers = raw(eservice_id)
    if eservice_id == "manadsansokan":
        # On its own (no earlier case, so nothing filled in) and for a single household, so the applicant's
        # signature sends it; the medsökande's path is the ekonomiskt bistånd test's.
        answers["household"] = {"lives_with_partner": "no", "has_children": "no"}
        del answers["co_applicant"], answers["children"]
        answers["incomes"] = [i for i in answers["incomes"] if i["whose"] == "applicant"]
    return answers


def pdf_files(tmp_path: Path, spec: EServiceSpec) -> dict[str, Path]:
    names = {upload.filename for step in spec.steps for upload in step.uploads}
    return {name: make_pdf(tmp_path, name) for name in names}


def fill_in_and_check(page: Page, spec: EServiceSpec, answers: dict[str, Any], files: dict[str, Path]) -> str:
    """From Mina sidor to Granska dina svar, ready to sign; returns the draft's path."""
    open_start_page(page, spec)
    draft = start_application(page, spec)
    steps = [step for step in spec.steps if step.id in answers]
    page.get_by_role("link", name=steps[0].title, exact=True).click()
    for step in steps:
        complete_step(page, step, answers[step.id], files)

    expect(heading(page)).to_have_text(CHECK_TITLE)
    expect(page.locator("main h2[id^='part-']")).to_have_text([step.title for step in steps])
    expect(page.locator("main .notice--error")).to_have_count(0)  # nothing unanswered, no attachment missing
    for step in steps:
        expect_summary(page, step, answers[step.id])
    for name in files:
        expect(page.locator("main .attachment-list")).to_contain_text(name)
    assert_accessible(page)

    # Back on the task list every part is done, and it leads to the check page again.
    page.get_by_role("link", name="Tillbaka till översikten").click()
    expect(page.locator("main .lead")).to_have_text(f"Du har fyllt i {len(steps)} av {len(steps)} delar.")
    expect(page.locator("main .task-list [id^='status-']")).to_have_text(["Klar"] * len(steps))
    assert_accessible(page)
    page.get_by_role("link", name=TO_CHECK).click()
    expect(heading(page)).to_have_text(CHECK_TITLE)
    expect(page.get_by_role("button", name=SIGN_OTHER_DEVICE)).to_be_visible()
    return draft


@pytest.mark.parametrize(
    "eservice_id", ["hemtjanst", "personlig_assistans", "dodsboanmalan", "manadsansokan"]
)
def test_an_eservice_from_the_list_to_the_receipt_pdf(
    page: Page, bankid_simulator: Any, tmp_path: Path, eservice_id: str
) -> None:
    spec, person = ESERVICES[eservice_id], APPLICANTS[eservice_id]
    log_in(page, bankid_simulator, person)
    fill_in_and_check(page, spec, answers_for(eservice_id), pdf_files(tmp_path, spec))

    sign_with_bankid(page, bankid_simulator, person)
    number = check_receipt(page, spec.title)

    page.get_by_role("link", name="Gå till Mina sidor").click()
    expect(page).to_have_url(MY_PAGES_URL)
    expect(page.locator("main .card").filter(has_text=number)).to_contain_text(spec.title)
    expect(page.locator("main")).to_contain_text("Du har ingen påbörjad ansökan.")
    assert_accessible(page)


def test_ekonomiskt_bistand_signed_by_both_and_then_a_manadsansokan_starts_from_it(
    page: Page, new_context: NewContext, bankid_simulator: Any, tmp_path: Path
) -> None:
    spec, person = EKONOMISKT_BISTAND, APPLICANTS["ekonomiskt_bistand"]
    answers = answers_for("ekonomiskt_bistand")
    log_in(page, bankid_simulator, person)
    draft = fill_in_and_check(page, spec, answers, pdf_files(tmp_path, spec))
    expect(page.get_by_role("heading", name="Preliminär beräkning – inget beslut")).to_be_visible()

    sign_with_bankid(page, bankid_simulator, person)
    expect(page).to_have_url(MY_PAGES_URL, timeout=BANKID_DONE)
    expect(page.get_by_role("status")).to_have_text(
        "Du har skrivit under. Ansökan skickas när din medsökande också har skrivit under."
    )
    expect(page.locator("main .card").filter(has_text=spec.title)).to_contain_text(
        "Väntar på att din medsökande ska skriva under"
    )
    assert_accessible(page)

    # The medsökande, in a browser of their own, finds the application on Mina sidor, reads and signs it.
    partner = new_context().new_page()
    log_in(partner, bankid_simulator, MEDSOKANDE)
    task = partner.locator("main .card--task")
    expect(task).to_contain_text(f"{person.name} har angett dig som medsökande.")
    assert_accessible(partner)
    task.get_by_role("link", name=f"Läs och skriv under: {spec.title}").click()
    expect(partner).to_have_url(re.compile(re.escape(draft) + "/medsokande$"))
    expect(heading(partner)).to_have_text("Godkänn ansökan som medsökande")
    review = partner.locator("main")
    expect(review).to_contain_text(f"{person.name} har ansökt och angett dig som medsökande.")
    expect(review).to_contain_text("7\u00a0350 kr")  # the rent, as the applicant gave it
    expect(review).to_contain_text("Gåva från mormor")
    assert_accessible(partner)
    sign_with_bankid(partner, bankid_simulator, MEDSOKANDE, role="medsokande")
    number = check_receipt(partner, spec.title)

    # The applicant sees the same receipt and the case.
    page.goto(f"{draft}/kvitto")
    expect(page.locator(".case-number")).to_have_text(number)
    page.goto("/mina-sidor")
    expect(page.locator("main .card").filter(has_text=number)).to_contain_text(spec.title)

    # A månadsansökan starts from this application: the next month, the contact details, the household,
    # the incomes and the costs, the rent first among them.
    open_start_page(page, MANADSANSOKAN, audit=False)
    start_application(page, MANADSANSOKAN, audit=False, fresh=False)
    tags = {
        title: page.locator(".task-list__item").filter(has_text=title).locator(".tag")
        for title in (step.title for step in MANADSANSOKAN.steps)
    }
    expect(tags["Ändringar sedan din förra ansökan"]).to_have_text("Inte påbörjad")
    for title in (
        "Månaden du ansöker för",
        "Kontaktuppgifter",
        "Ditt hushåll",
        "Din make, maka eller sambo",
        "Barn",
        "Inkomster",
        "Kostnader",
    ):
        expect(tags[title]).to_have_text("Klar")
    assert_accessible(page)

    year, month = months_from_now(1)
    page.get_by_role("link", name="Månaden du ansöker för", exact=True).click()
    expect_values(page, MANADSANSOKAN.step("period").fields, {"month": f"{month:02d}", "year": str(year)})
    page.get_by_role("link", name="Tillbaka till översikten").click()
    page.get_by_role("link", name="Kontaktuppgifter", exact=True).click()
    expect_values(page, MANADSANSOKAN.step("contact").fields, answers["contact"])
    page.get_by_role("link", name="Tillbaka till översikten").click()
    page.get_by_role("link", name="Kostnader", exact=True).click()
    costs = MANADSANSOKAN.step("costs")
    expect_values(
        item_group(page, costs, 1), costs.fields, {"type": "housing", "description": "", "amount": "7350"}
    )
    expect_values(item_group(page, costs, 2), costs.fields, {"type": "electricity", "amount": "450"})


def test_hemtjanst_with_the_keyboard_only(page: Page, bankid_simulator: Any) -> None:
    """No mouse at all: Tab, Shift+Tab, Enter, Space and the arrow keys, from logging in to the receipt. Every
    control landed on shows its focus."""
    spec, answers, person = HEMTJANST, raw("hemtjanst"), KEYBOARD_USER
    save = page.get_by_role("button", name=SAVE, exact=True)

    page.goto("/logga-in")
    follow(page, page.get_by_role("button", name="Mobilt BankID på annan enhet"))
    expect(page.locator("#bankid-qr")).to_be_visible()
    bankid_simulator.approve(pending_order_ref(bankid_simulator), person.personal_number, name=person.name)
    expect(page).to_have_url(MY_PAGES_URL, timeout=BANKID_DONE)

    follow(page, page.get_by_role("link", name="Ansök om något nytt"))
    expect(heading(page)).to_have_text("Ansök")
    follow(page, page.get_by_role("link", name=spec.title, exact=True))
    expect(heading(page)).to_have_text(spec.title)
    follow(page, page.get_by_role("button", name="Börja", exact=True))
    expect(page).to_have_url(DRAFT_URL)
    follow(page, page.get_by_role("link", name="Kontaktuppgifter", exact=True))

    # Kontaktuppgifter, sent empty first: the error summary takes focus, and its first link takes focus on
    # to the phone field.
    expect(heading(page)).to_have_text("Kontaktuppgifter")
    expect_controls(page, spec.step("contact").fields)
    follow(page, save, max_presses=30)
    expect(error_summary(page)).to_be_focused()
    first_error = error_summary(page).get_by_role("link").first
    expect(first_error).to_have_text("Skriv ett telefonnummer där vi kan nå dig")
    land_on(page, first_error, max_presses=1)
    page.keyboard.press("Enter")
    phone = page.get_by_label("Telefonnummer", exact=True)
    expect(phone).to_be_focused()
    page.keyboard.type(answers["contact"]["phone"])
    email = page.get_by_label("E-postadress (frivilligt)", exact=True)
    land_on(page, email, max_presses=1)
    interpreter = group(page, "Behöver du tolk?")
    land_on(page, interpreter.get_by_label("Ja", exact=True), max_presses=1)
    arrow_to(page, "ArrowRight", interpreter.get_by_label("Nej", exact=True))
    # Back the same way: the radio group is one stop, then the e-mail field, still empty.
    land_on(page, email, key="Shift+Tab", max_presses=1)
    expect(email).to_have_value("")
    follow(page, save, max_presses=10)

    expect(heading(page)).to_have_text("Ditt behov av hjälp")
    expect_controls(page, spec.step("need").fields)
    needs = group(page, "Vad behöver du hjälp med?")
    for label in ("Städning", "Inköp"):
        box = needs.get_by_label(label, exact=True)
        land_on(page, box)
        space_on(page, box)
    land_on(page, page.get_by_label("Beskriv vad som är svårt för dig att klara själv", exact=True))
    page.keyboard.type(answers["need"]["description"])
    follow(page, save)

    expect(heading(page)).to_have_text("Din situation i dag")
    expect_controls(page, spec.step("situation").fields)
    apartment = group(page, "Hur bor du?").get_by_label("I en lägenhet", exact=True)
    land_on(page, apartment)
    space_on(page, apartment)
    alone = group(page, "Bor du ensam?").get_by_label("Ja", exact=True)
    land_on(page, alone, max_presses=1)
    space_on(page, alone)
    hospital = group(page, "Har du nyligen legat på sjukhus?")
    land_on(page, hospital.get_by_label("Ja", exact=True), max_presses=2)  # past the optional text
    arrow_to(page, "ArrowRight", hospital.get_by_label("Nej", exact=True))
    follow(page, save)

    expect(heading(page)).to_have_text("Önskemål om utförare")
    expect_controls(page, spec.step("provider").fields)
    wish = group(page, "Har du önskemål om vilken utförare som ska ge dig hemtjänst?")
    land_on(page, wish.get_by_label("Ja", exact=True))
    arrow_to(page, "ArrowRight", wish.get_by_label("Nej", exact=True))
    follow(page, save)

    expect(heading(page)).to_have_text(CHECK_TITLE)
    summary = page.locator("main")
    for text in ("070-111 22 33", "Städning, Inköp", "Jag orkar inte städa.", "I en lägenhet"):
        expect(summary).to_contain_text(text)
    follow(page, page.get_by_role("button", name=SIGN_OTHER_DEVICE, exact=True), max_presses=40)
    expect(heading(page)).to_have_text(SIGN_WAIT_TITLE)
    expect(page.locator("#bankid-qr")).to_be_visible()
    order_ref = pending_order_ref(bankid_simulator)
    bankid_simulator.approve(order_ref, person.personal_number, name=person.name)

    expect(page).to_have_url(RECEIPT_URL, timeout=BANKID_DONE)
    number = page.locator(".case-number").inner_text().strip()
    assert CASE_NUMBER.match(number), number
    land_on(page, page.get_by_role("link", name="Öppna kvittensen (PDF)", exact=True))
    follow(page, page.get_by_role("link", name="Gå till Mina sidor"), max_presses=5)
    expect(page.locator("main .card").filter(has_text=number)).to_contain_text(spec.title)


def test_a_draft_is_resumed_after_logging_out_and_in(page: Page, bankid_simulator: Any) -> None:
    spec, answers = HEMTJANST, raw("hemtjanst")
    contact, need = spec.step("contact"), spec.step("need")
    log_in(page, bankid_simulator, RESUMING_USER)
    open_start_page(page, spec, audit=False)
    start_application(page, spec, audit=False)
    page.get_by_role("link", name=contact.title, exact=True).click()
    fill_fields(page, contact.fields, answers["contact"])
    submit(page)
    expect(heading(page)).to_have_text(need.title)
    fill_fields(page, need.fields, answers["need"])
    submit(page, SAVE_LATER)
    expect(page).to_have_url(MY_PAGES_URL)
    expect(page.get_by_role("status")).to_have_text(
        "Din ansökan är sparad. Du kan fortsätta där du slutade via Mina sidor."
    )

    log_out(page)
    log_in(page, bankid_simulator, RESUMING_USER)
    card = page.locator("main .card").filter(has_text=spec.title)
    expect(card).to_contain_text("Inte skickad. Senast sparad")
    assert_accessible(page)
    # The link's name says which application it continues (Chromium puts a space before the colon).
    card.get_by_role("link", name=re.compile(rf"^Fortsätt med ansökan\s?: {spec.title}$")).click()
    expect(page.locator("main .lead")).to_have_text("Du har fyllt i 2 av 4 delar.")
    expect(page.locator("main .task-list [id^='status-']")).to_have_text(
        ["Klar", "Klar", "Inte påbörjad", "Inte påbörjad"]
    )
    page.get_by_role("link", name=contact.title, exact=True).click()
    expect_values(page, contact.fields, answers["contact"])
    submit(page)
    expect(heading(page)).to_have_text(need.title)
    expect_values(page, need.fields, answers["need"])

    # The start page offers to go on with it rather than to begin again.
    page.goto(f"/e-tjanster/{spec.id}")
    expect(page.get_by_role("button", name="Fortsätt där du slutade")).to_be_visible()


def test_a_refused_step_keeps_what_was_typed(page: Page, bankid_simulator: Any) -> None:
    spec = HEMTJANST
    contact = spec.step("contact")
    log_in(page, bankid_simulator, MISTYPING_USER)
    open_start_page(page, spec, audit=False)
    start_application(page, spec, audit=False)
    page.get_by_role("link", name=contact.title, exact=True).click()
    typed = {
        "phone": "",
        "email": "tolvan.example.se",
        "interpreter": "yes",
        "interpreter_language": "Arabiska",
    }
    fill_fields(page, contact.fields, typed)
    submit(page)

    expect(heading(page)).to_have_text(contact.title)
    messages = expect_error_state(page)
    assert messages == [
        "Skriv ett telefonnummer där vi kan nå dig",
        "Skriv en e-postadress, till exempel namn@example.se",
    ], messages
    expect_values(page, contact.fields, typed)
    email = page.get_by_label("E-postadress (frivilligt)", exact=True)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Telefonnummer", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    # Corrected, it goes through.
    fill_fields(page, contact.fields, {"phone": "070-111 22 33", "email": "tolvan@example.se"})
    submit(page)
    expect(heading(page)).to_have_text(spec.step("need").title)
