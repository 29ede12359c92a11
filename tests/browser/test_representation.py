"""The issue's "done when", tried as new users would in Chromium, axe-core (WCAG 2.1 A/AA) on every page: a
citizen (Tolvan) grants his daughter (Anna) read and message rights to his hemtjänst case and signs the
fullmakt with BankID; she logs in, finds it waiting, accepts it with her own BankID (only then does he see
her name), picks him, reads the case and sends a message; he sees her action in his
log; he revokes the fullmakt and her next page view is refused.

The pages are in English (the portal_locale cookie), so the test does not depend on the Swedish catalogue.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.case_helpers import CITIZEN, arrange_hemtjanst
from tests.browser.eservice_helpers import Person, heading
from tests.browser.helpers import NewContext, assert_accessible, pending_order_ref, start_qr_login

pytestmark = pytest.mark.browser

ANNA = Person("198507202011", "Anna Andersson")
ADA_STAFF = Person("195502141236", "Ada Administratör")
MESSAGE = "Hej! Jag är Tolvans dotter. Kan ni ringa mig om hembesöket?"


def english_context(new_context: NewContext, portal_url: str) -> BrowserContext:
    context = new_context(locale="en-GB")
    context.add_cookies([{"name": "portal_locale", "value": "en", "url": portal_url}])
    return context


def log_in(page: Page, simulator: Any, person: Person) -> None:
    page.goto("/logga-in")
    assert_accessible(page)
    start_qr_login(page, button="Mobile BankID on another device")
    assert_accessible(page)
    simulator.approve(pending_order_ref(simulator), person.personal_number, name=person.name)
    expect(page).to_have_url(re.compile(r"/mina-sidor$"))
    expect(heading(page)).to_have_text(f"Welcome, {person.name}")
    assert_accessible(page)


def test_a_daughter_follows_her_fathers_hemtjanst_case_on_a_fullmakt_until_he_revokes_it(
    new_context: NewContext, portal_url: str, bankid_simulator: Any
) -> None:
    case = arrange_hemtjanst(portal_url, bankid_simulator, CITIZEN)

    # He gives her a fullmakt for that one case: read, and send messages.
    father = english_context(new_context, portal_url).new_page()
    log_in(father, bankid_simulator, CITIZEN)
    father.get_by_role("link", name="Powers of attorney (fullmakter): who may act for me").click()
    expect(heading(father)).to_have_text("Powers of attorney")
    assert_accessible(father)
    father.get_by_role("link", name="Give a power of attorney").click()
    expect(heading(father)).to_have_text("Give a power of attorney")
    assert_accessible(father)
    # Mistakes first: his own number, and no case chosen.
    father.get_by_label("Personal identity number of the person you give the power of attorney to").fill(
        "19121212-1212"
    )
    father.get_by_role("radio", name="Only the cases I choose").check()
    father.get_by_role("button", name="Continue").click()
    expect(father.locator(".error-summary")).to_contain_text(
        "You cannot give a power of attorney to yourself"
    )
    expect(father.locator(".error-summary")).to_contain_text("Choose at least one case")
    assert_accessible(father)
    number = father.get_by_label("Personal identity number of the person you give the power of attorney to")
    expect(number).to_have_value("19121212-1212")
    number.fill("19850720-2011")
    father.get_by_role("checkbox", name=re.compile(re.escape(case.number))).check()
    father.get_by_role("checkbox", name="Send and read messages in my cases").check()
    expect(father.get_by_role("checkbox", name="Read the status and documents of my cases")).to_be_checked()
    father.get_by_role("button", name="Continue").click()
    expect(heading(father)).to_have_text("Check the power of attorney")
    expect(father.locator("main")).to_contain_text("19850720-2011")
    expect(father.locator("main")).to_contain_text(case.number)
    assert_accessible(father)
    father.get_by_role("button", name="Sign with Mobile BankID on another device").click()
    expect(heading(father)).to_have_text("Sign the power of attorney with BankID")
    expect(father.locator("#bankid-qr")).to_be_visible()
    assert_accessible(father)
    order_ref = pending_order_ref(bankid_simulator)
    assert bankid_simulator.order(order_ref)["type"] == "sign"
    bankid_simulator.approve(order_ref, CITIZEN.personal_number, name=CITIZEN.name)
    expect(heading(father)).to_have_text("The power of attorney is signed", timeout=20_000)
    expect(father.locator("main")).to_contain_text("waits for the person with personal identity number")
    expect(father.locator("main")).to_contain_text("19850720-2011")
    expect(father.locator("main")).not_to_contain_text(ANNA.name)
    assert_accessible(father)

    # She logs in, finds the fullmakt waiting for her answer and accepts it with her own BankID.
    daughter = english_context(new_context, portal_url).new_page()
    log_in(daughter, bankid_simulator, ANNA)
    expect(daughter.locator("main")).to_contain_text(f"{CITIZEN.name} has given you a power of attorney")
    daughter.get_by_role(
        "link", name=re.compile("^Read the power of attorney and accept or decline it")
    ).click()
    expect(heading(daughter)).to_have_text(f"A power of attorney from {CITIZEN.name}")
    expect(daughter.locator("main")).to_contain_text(case.number)
    expect(daughter.locator("main")).to_contain_text("Send and read messages in the cases")
    assert_accessible(daughter)
    daughter.get_by_role("button", name="Accept with Mobile BankID on another device").click()
    expect(heading(daughter)).to_have_text("Accept the power of attorney with BankID")
    assert_accessible(daughter)
    order_ref = pending_order_ref(bankid_simulator)
    assert bankid_simulator.order(order_ref)["type"] == "sign"
    bankid_simulator.approve(order_ref, ANNA.personal_number, name=ANNA.name)
    expect(heading(daughter)).to_have_text("People I represent", timeout=20_000)
    expect(daughter.get_by_role("status")).to_contain_text("You have accepted the power of attorney")
    assert_accessible(daughter)

    # She picks him, reads the case and writes.
    daughter.get_by_role("button", name=f"Act for {CITIZEN.name}").click()
    expect(heading(daughter)).to_have_text(f"You are acting for {CITIZEN.name}")
    banner = daughter.get_by_role("region", name="Acting for someone")
    expect(banner).to_contain_text(f"You are acting for: {CITIZEN.name}")
    assert_accessible(daughter)
    daughter.get_by_role("link", name=re.compile(re.escape(case.number))).click()
    expect(daughter).to_have_url(re.compile(re.escape(case.path) + "$"))
    expect(banner).to_contain_text(f"You are acting for: {CITIZEN.name}")
    expect(daughter.locator("main .caption")).to_contain_text(case.number)
    assert_accessible(daughter)
    daughter.get_by_label("Your message to the case officer").fill(MESSAGE)
    daughter.get_by_role("button", name="Send the message").click()
    expect(daughter.locator("#messages ~ ol.messages")).to_contain_text(MESSAGE)
    expect(daughter.locator("ol.messages")).to_contain_text("You")
    assert_accessible(daughter)

    # He sees what she did, in words, and revokes.
    father.get_by_role("link", name="Go to Powers of attorney").click()
    expect(father.locator("main")).to_contain_text(ANNA.name)
    assert_accessible(father)
    father.get_by_role("link", name="See everything others have done for you").click()
    expect(heading(father)).to_have_text("What others have done for you")
    log = father.locator("main table")
    expect(log.get_by_role("row").filter(has_text="Sent a message")).to_contain_text(ANNA.name)
    expect(log.get_by_role("row").filter(has_text="Read the case").first).to_contain_text(ANNA.name)
    assert_accessible(father)
    father.get_by_role("link", name="Back to Powers of attorney").click()
    father.get_by_role("link", name=f"Revoke the power of attorney for {ANNA.name}").click()
    expect(heading(father)).to_have_text("Revoke the power of attorney?")
    assert_accessible(father)
    father.get_by_role("button", name="Yes, revoke").click()
    expect(father.get_by_role("status")).to_contain_text("The power of attorney is revoked")
    expect(father.locator("main")).to_contain_text("Revoked")
    assert_accessible(father)

    # Her very next page view is refused, with a reason.
    daughter.reload()
    expect(daughter).to_have_url(re.compile(r"/mina-sidor(#.*)?$"))
    expect(daughter.get_by_role("alert")).to_contain_text(f"You can no longer act for {CITIZEN.name}")
    expect(daughter.get_by_role("region", name="Acting for someone")).to_have_count(0)
    expect(heading(daughter)).to_have_text(f"Welcome, {ANNA.name}")
    assert_accessible(daughter)
    daughter.goto(case.path)
    expect(heading(daughter)).to_have_text("Page not found")
    assert_accessible(daughter)


HELENA = Person("197504303020", "Helena Handläggare")
ERIK = Person("197006151596", "Erik Lindqvist")


def _staff_page(new_context: NewContext, portal_url: str, simulator: Any, person: Person) -> Page:
    page = english_context(new_context, portal_url).new_page()
    page.goto("/handlaggare/logga-in")
    assert_accessible(page)
    start_qr_login(page, "/handlaggare", button="Mobile BankID on another device")
    simulator.approve(pending_order_ref(simulator), person.personal_number, name=person.name)
    expect(page).not_to_have_url(re.compile(r"/logga-in"))
    page.get_by_role("link", name="Representatives", exact=True).click()
    expect(heading(page)).to_have_text("Representatives")
    return page


def _fill_registration(page: Page, tmp_path: Any, principal: str, agent: str, name: str, basis: str) -> None:
    import datetime as dt

    from tests.browser.eservice_helpers import make_pdf

    page.get_by_label("Personal identity number of the person who is represented").fill(principal)
    page.get_by_label("Personal identity number of the representative").fill(agent)
    page.get_by_label("Name of the representative (optional)").fill(name)
    page.get_by_role("radio", name=basis).check()
    page.get_by_role("radio", name="All the person's matters at the social services").check()
    until = dt.date.today() + dt.timedelta(days=365)
    page.get_by_label("Valid until (year-month-day)").fill(until.isoformat())
    pdf = make_pdf(tmp_path, "beslut.pdf")
    page.get_by_label("The decision or letter of appointment as a PDF").set_input_files(pdf)
    page.get_by_role("button", name="Register", exact=True).click()


def test_staff_cannot_register_themselves_and_a_registration_applies_after_a_second_approves(
    new_context: NewContext, portal_url: str, bankid_simulator: Any, tmp_path: Any
) -> None:
    """Helena tries to register herself as förvaltare for Tolvan and is refused; Ada registers Erik as god
    man for Greta, and it applies only after Helena (who keeps the register) approves it."""
    helena = _staff_page(new_context, portal_url, bankid_simulator, HELENA)
    expect(helena.locator("main table").last).to_contain_text("Trustee (god man)")  # the demo: Anna for Greta
    assert_accessible(helena)
    helena.get_by_role("link", name="Register a representative").click()
    expect(heading(helena)).to_have_text("Register a representative")
    assert_accessible(helena)
    helena.get_by_role("button", name="Register", exact=True).click()
    summary = helena.locator(".error-summary")
    expect(summary).to_contain_text("Enter the personal identity number of the person")
    assert_accessible(helena)
    _fill_registration(
        helena, tmp_path, "19121212-1212", "19750430-3020", "Helena Handläggare", "Administrator (förvaltare)"
    )
    expect(helena.locator(".error-summary")).to_contain_text("has a staff account in the municipality")
    assert_accessible(helena)

    ada = _staff_page(new_context, portal_url, bankid_simulator, ADA_STAFF)
    expect(ada.locator("main")).not_to_contain_text("Greta Hundra")  # not her unit's, not her role's
    ada.get_by_role("link", name="Register a representative").click()
    _fill_registration(ada, tmp_path, "19200101-0178", "19700615-1596", "Erik Lindqvist", "Trustee (god man)")
    expect(heading(ada)).to_have_text("Representatives")
    expect(ada.get_by_role("status")).to_contain_text("It applies when another staff member has approved it")
    waiting = ada.locator("main tbody tr").filter(has_text="Erik Lindqvist")
    expect(waiting).to_contain_text("Registered by you")
    expect(waiting.get_by_role("link", name=re.compile("^Review"))).to_have_count(0)
    assert_accessible(ada)

    helena.get_by_role("link", name="Representatives", exact=True).click()
    row = helena.locator("main tbody tr").filter(has_text="Erik Lindqvist")
    expect(row).to_contain_text("Ada Administratör")
    row.get_by_role("link", name=re.compile("^Review")).click()
    expect(heading(helena)).to_have_text("Approve the registration?")
    assert_accessible(helena)
    helena.get_by_role("button", name="Refuse", exact=True).click()
    expect(helena.locator(".error-summary")).to_contain_text("Write why the registration is refused")
    assert_accessible(helena)
    helena.get_by_role("button", name="Approve", exact=True).click()
    expect(helena.get_by_role("status")).to_contain_text("approved and applies now")
    active = helena.locator("main tbody tr").filter(has_text="Erik Lindqvist").first
    expect(active).to_contain_text("Valid")
    assert_accessible(helena)
    active.get_by_role("link", name=re.compile("^Revoke")).click()
    expect(heading(helena)).to_have_text("Revoke the representation?")
    assert_accessible(helena)
    helena.get_by_role("button", name="Yes, revoke").click()
    expect(helena.get_by_role("status")).to_contain_text("The representation is revoked")
    assert_accessible(helena)


def test_the_demo_fullmakt_lets_erik_act_for_britt(
    new_context: NewContext, portal_url: str, bankid_simulator: Any
) -> None:
    page = english_context(new_context, portal_url).new_page()
    log_in(page, bankid_simulator, ERIK)
    page.get_by_role("link", name="People I represent: act for someone").click()
    expect(page.locator("main")).to_contain_text("Britt Lindqvist")
    page.get_by_role("button", name="Act for Britt Lindqvist").click()
    expect(heading(page)).to_have_text("You are acting for Britt Lindqvist")
    assert_accessible(page)
    page.get_by_role("link", name="Apply for Britt Lindqvist").click()
    expect(page.get_by_role("region", name="Acting for someone")).to_contain_text("Britt Lindqvist")
    assert_accessible(page)
    page.get_by_role("button", name="Stop acting for Britt Lindqvist").click()
    expect(heading(page)).to_have_text(f"Welcome, {ERIK.name}")
    expect(page.get_by_role("region", name="Acting for someone")).to_have_count(0)
    assert_accessible(page)
