"""Kundval in the browser (issue 7's done-when): a citizen compares three utförare, chooses one, and that
provider's staff can read and answer the utförare thread while the previous provider cannot. axe-core
(WCAG 2.1 A/AA) audits every page on the way, citizen's and staff's; the comparison fits a 320 px phone.

The pages are visited in English: the Swedish of the new texts arrives with the catalogue merge, and the
English msgids are what this branch can assert.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from portal.providers.services import today
from tests.browser.helpers import (
    NewContext,
    assert_accessible,
    assert_accessible_without_javascript,
    assert_no_horizontal_scroll,
    pending_order_ref,
)

pytestmark = pytest.mark.browser

BRITT = ("194101090993", "Britt Lindqvist")  # granted hemtjänst in the demo, served by the kommunal one
SAMIR = ("198511063136", "Samir Stjärna")  # utförare, Omsorg Stjärnan AB
ULLA = ("197803224240", "Ulla Utförare")
ADA = ("195502141236", "Ada Administratör")  # administrator, Exempelstad
OMAR = (
    "198009142210",
    "Omar Omsorg",
)  # handläggare, äldreomsorg  # utförare, Exempelstads kommunala hemtjänst (the previous one)
KOMMUNAL = "Exempelstads kommunala hemtjänst"
STJARNAN = "Omsorg Stjärnan AB"
TRYGGA = "Trygga Händer Hemtjänst AB"
QUESTION = "Hej! Kan ni hjälpa mig att handla på torsdagar i stället för onsdagar?"
ANSWER = "Hej Britt! Ja, vi kommer på torsdagar från nästa vecka. Hälsningar Samir"


def english(new_context: NewContext, portal_url: str, **options: Any) -> BrowserContext:
    context = new_context(locale="en-GB", **options)
    context.add_cookies([{"name": "portal_locale", "value": "en", "url": portal_url}])
    return context


def heading(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_role("heading", level=1)


def bankid_login(page: Page, simulator: Any, person: tuple[str, str], start: str) -> None:
    page.goto(start)
    assert_accessible(page)
    page.get_by_role("button", name="Mobile BankID on another device").click()
    expect(page.locator("#bankid-qr")).to_be_visible()
    assert_accessible(page)
    simulator.approve(pending_order_ref(simulator), person[0], name=person[1])


def test_citizen_compares_three_chooses_one_and_only_that_utforare_answers(
    new_context: NewContext, portal_url: str, bankid_simulator: Any
) -> None:
    citizen = english(new_context, portal_url).new_page()
    bankid_login(citizen, bankid_simulator, BRITT, "/logga-in")
    expect(citizen).to_have_url(re.compile(r"/mina-sidor$"))
    expect(heading(citizen)).to_have_text("Welcome, Britt Lindqvist")
    assert_accessible(citizen)

    # Mina sidor → kundval → the catalogue.
    citizen.get_by_role("link", name="Look at and compare care providers").click()
    expect(heading(citizen)).to_have_text("Choose your care provider (kundval)")
    assert_accessible(citizen)
    citizen.get_by_role("link", name=re.compile("^Care providers for ")).first.click()
    expect(heading(citizen)).to_contain_text("Care providers for")
    expect(citizen.locator("#default-heading")).to_have_text("If you do not want to choose")
    assert_accessible(citizen)

    # A filter narrows the list (GET form), and "Show all" brings every provider back.
    citizen.get_by_label("Language the staff speak").select_option("Persiska")
    citizen.get_by_role("button", name="Show care providers").click()
    expect(citizen.locator("main .card__title")).to_have_text([STJARNAN])
    assert_accessible(citizen)
    citizen.get_by_role("link", name="Show all", exact=True).click()
    expect(citizen.locator("main .card__title")).to_have_count(4)

    # Ticking only one asks for two or three.
    citizen.get_by_label(f"Compare {STJARNAN}").check()
    citizen.get_by_role("button", name="Compare the care providers you ticked").click()
    expect(citizen.locator(".error-summary")).to_contain_text(
        "Choose two or three care providers to compare."
    )
    expect(citizen.get_by_label(f"Compare {STJARNAN}")).to_be_checked()
    assert_accessible(citizen)
    for name in (KOMMUNAL, TRYGGA):
        citizen.get_by_label(f"Compare {name}").check()
    citizen.get_by_role("button", name="Compare the care providers you ticked").click()
    expect(heading(citizen)).to_have_text("Compare care providers")
    table = citizen.locator("table.table--compare")
    expect(table.locator("thead th[scope=col]")).to_have_text([KOMMUNAL, STJARNAN, TRYGGA])
    expect(table.locator("tbody th[scope=row]").first).to_be_visible()
    assert_accessible(citizen)

    # On a phone the comparison is readable without sideways scrolling.
    phone = english(new_context, portal_url, viewport={"width": 320, "height": 640}).new_page()
    phone.context.add_cookies(citizen.context.cookies())
    phone.goto(citizen.url)
    expect(heading(phone)).to_have_text("Compare care providers")
    assert_no_horizontal_scroll(phone, 320)
    assert_accessible(phone)
    phone.context.close()

    # Choose Omsorg Stjärnan from the comparison; a past day is refused and what was typed stays.
    citizen.get_by_role("link", name=f"Choose {STJARNAN}").click()
    expect(heading(citizen)).to_have_text(re.compile("^Choose a care provider for your "))
    expect(citizen.get_by_role("radio", name=STJARNAN)).to_be_checked()
    assert_accessible(citizen)
    day = citizen.get_by_label("From which day? (year-month-day)")
    day.fill("2020-01-01")
    citizen.get_by_role("button", name="Continue").click()
    expect(citizen.locator(".error-summary")).to_contain_text("The day cannot be in the past")
    expect(day).to_have_value("2020-01-01")
    expect(citizen.get_by_role("radio", name=STJARNAN)).to_be_checked()
    assert_accessible(citizen)
    day.fill(today().isoformat())
    citizen.get_by_role("button", name="Continue").click()
    expect(heading(citizen)).to_have_text("Check your choice")
    expect(citizen.locator("main")).to_contain_text(f"Care provider until then{KOMMUNAL}")
    assert_accessible(citizen)
    citizen.get_by_role("button", name="Confirm the choice").click()
    expect(heading(citizen)).to_have_text("Your choice is saved")
    assert_accessible(citizen)

    # The case: the new utförare, the timeline, and a thread with it.
    citizen.get_by_role("link", name="Go to the case").click()
    expect(citizen.locator("#kundval-heading")).to_be_visible()
    expect(citizen.locator("main")).to_contain_text(f"{STJARNAN} helps you since")
    expect(citizen.locator("#utforare-messages")).to_have_text(f"Messages with the care provider {STJARNAN}")
    assert_accessible(citizen)
    citizen.get_by_label("Your message to the care provider").fill(QUESTION)
    citizen.get_by_role("button", name="Send the message to the care provider").click()
    expect(citizen.get_by_role("status").first).to_contain_text("Your message is sent to the care provider.")
    expect(citizen.locator("main")).to_contain_text(QUESTION)
    assert_accessible(citizen)
    case_url = citizen.url.split("#")[0]
    case_id = re.search(r"/arenden/([0-9a-f-]{36})", case_url).group(1)

    # Samir of Omsorg Stjärnan logs in, lands on his clients, reads and answers.
    samir = english(new_context, portal_url).new_page()
    bankid_login(samir, bankid_simulator, SAMIR, "/handlaggare/logga-in")
    expect(samir).to_have_url(re.compile(r"/handlaggare/utforare/$"))
    expect(heading(samir)).to_have_text("Your clients")
    assert_accessible(samir)
    samir.get_by_role("row").filter(has_text="Britt Lindqvist").get_by_role("link").click()
    expect(samir.locator("main")).to_contain_text(QUESTION)
    expect(samir.locator("main")).not_to_contain_text("Du behöver hjälp med städning")  # the decision's text
    assert_accessible(samir)
    samir.get_by_label("Write to Britt Lindqvist").fill(ANSWER)
    samir.get_by_role("button", name="Send the message").click()
    expect(samir.get_by_role("status").first).to_contain_text("The message is sent.")
    expect(samir.locator("main")).to_contain_text(ANSWER)
    assert_accessible(samir)

    # Ulla of the previous provider no longer has the case: not in her list, and its page is not found.
    ulla = english(new_context, portal_url).new_page()
    bankid_login(ulla, bankid_simulator, ULLA, "/handlaggare/logga-in")
    expect(heading(ulla)).to_have_text("Your clients")
    expect(ulla.locator("main")).not_to_contain_text("Britt Lindqvist")
    assert_accessible(ulla)
    response = ulla.goto(f"/handlaggare/utforare/arenden/{case_id}")
    assert response is not None and response.status == 404
    expect(ulla.locator("main")).not_to_contain_text(QUESTION)
    assert_accessible(ulla)
    response = ulla.goto(f"/handlaggare/arenden/{case_id}")
    assert response is not None and response.status == 403  # the handläggare's pages: not her role
    expect(ulla.locator("main")).not_to_contain_text(QUESTION)
    assert_accessible(ulla)

    # Britt reads the answer, with the provider's name on it.
    citizen.goto(case_url)
    message = citizen.locator("li.message").filter(has_text=ANSWER)
    expect(message).to_contain_text(STJARNAN)
    expect(message.locator(".tag--new")).to_have_text("New")
    assert_accessible(citizen)


def test_kundval_works_without_javascript(
    new_context: NewContext, portal_url: str, bankid_simulator: Any, browser: Browser
) -> None:
    """The catalogue's filter and the comparison are plain forms: they work with JavaScript off."""
    setup = english(new_context, portal_url).new_page()
    bankid_login(setup, bankid_simulator, BRITT, "/logga-in")
    expect(setup).to_have_url(re.compile(r"/mina-sidor$"))
    page = english(new_context, portal_url, java_script_enabled=False).new_page()
    page.context.add_cookies(setup.context.cookies())
    page.goto("/kundval")
    expect(heading(page)).to_have_text("Choose your care provider (kundval)")
    assert_accessible_without_javascript(page, browser)
    page.get_by_role("link", name=re.compile("^Care providers for ")).first.click()
    page.get_by_label("Area where you live").select_option("Östra")
    page.get_by_role("button", name="Show care providers").click()
    expect(page.locator("main .card__title")).to_have_text([KOMMUNAL, "Vardagshjälpen ekonomisk förening"])
    assert_accessible_without_javascript(page, browser)
    page.get_by_role("link", name="Vardagshjälpen ekonomisk förening").click()
    expect(heading(page)).to_have_text("Vardagshjälpen ekonomisk förening")
    expect(page.get_by_role("table")).to_contain_text("Exempelstads uppföljning (demo), 2025")
    assert_accessible_without_javascript(page, browser)
    page.go_back()
    page.get_by_label(f"Compare {KOMMUNAL}").check()
    page.get_by_label("Compare Vardagshjälpen ekonomisk förening").check()
    page.get_by_role("button", name="Compare the care providers you ticked").click()
    expect(heading(page)).to_have_text("Compare care providers")
    expect(page.locator("thead th[scope=col]")).to_have_count(2)
    assert_accessible_without_javascript(page, browser)


def test_an_administrator_keeps_the_catalogue(
    new_context: NewContext, portal_url: str, bankid_simulator: Any
) -> None:
    ada = english(new_context, portal_url).new_page()
    bankid_login(ada, bankid_simulator, ADA, "/handlaggare/logga-in")
    ada.get_by_role("link", name="Care provider catalogue").click()
    expect(heading(ada)).to_have_text("Care providers in the catalogue (kundval)")
    assert_accessible(ada)
    ada.get_by_role("link", name="Add a care provider").click()
    expect(heading(ada)).to_have_text("Add a care provider")
    assert_accessible(ada)
    ada.get_by_label("Name", exact=True).fill("Solrosen Omsorg AB")
    ada.get_by_label("Organisation number").fill("12")
    ada.get_by_role("button", name="Save").click()
    summary = ada.locator(".error-summary")
    expect(summary).to_contain_text("Enter the organisation number as ten digits")
    expect(summary).to_contain_text("Choose at least one service")
    expect(ada.get_by_label("Name", exact=True)).to_have_value("Solrosen Omsorg AB")
    assert_accessible(ada)
    ada.get_by_label("Organisation number").fill("556700-9876")
    services = ada.locator("fieldset").filter(has_text="Services it provides")
    services.get_by_label("Home help (hemtjänst)").check()
    ada.get_by_label("Areas served").fill("Centrum")
    ada.get_by_label("Languages spoken").fill("Svenska\nTigrinja")
    ada.get_by_label("Quality indicators").fill(
        "Nöjda med hemtjänsten som helhet; 92 %; Socialstyrelsens brukarundersökning (demo); 2025"
    )
    ada.get_by_role("button", name="Save").click()
    expect(ada.get_by_role("status").first).to_contain_text("The provider Solrosen Omsorg AB is added.")
    row = ada.get_by_role("row").filter(has_text="Solrosen Omsorg AB")
    row.get_by_role("button", name=re.compile("^Deactivate")).click()
    expect(ada.get_by_role("status").first).to_contain_text(
        "Solrosen Omsorg AB is no longer shown to citizens."
    )
    expect(ada.get_by_role("row").filter(has_text="Solrosen Omsorg AB")).to_contain_text("No, deactivated")
    assert_accessible(ada)
    ada.get_by_role("link", name="Solrosen Omsorg AB").click()
    expect(heading(ada)).to_have_text("Change Solrosen Omsorg AB")
    expect(ada.get_by_label("Languages spoken")).to_have_value("Svenska\nTigrinja")
    assert_accessible(ada)


def test_the_handlaggare_case_page_of_a_kundval_case_is_accessible(
    new_context: NewContext, portal_url: str, bankid_simulator: Any
) -> None:
    omar = english(new_context, portal_url).new_page()
    bankid_login(omar, bankid_simulator, OMAR, "/handlaggare/logga-in")
    expect(heading(omar)).to_have_text("Cases of your unit")
    omar.goto("/handlaggare/?visa=all")
    omar.get_by_role("row").filter(has_text="Britt Lindqvist").get_by_role("link").first.click()
    expect(omar.locator("#messages")).to_have_text("Messages with the applicant")
    assert_accessible(omar)
