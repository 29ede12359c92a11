"""Staff accounts in the browser: Ada Administratör adds an utförare for Omsorg Stjärnan AB, who then logs
in with BankID and lands on their clients; Ada deactivates them and their next page is refused. axe-core
(WCAG 2.1 A/AA) audits every page of the staff accounts on the way. Visited in English (the Swedish of the
new texts arrives with the catalogue merge)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import NewContext, assert_accessible, assert_accessible_without_javascript
from tests.browser.test_kundval import ADA, bankid_login, english, heading

pytestmark = pytest.mark.browser

SIGRID = ("197203044560", "Sigrid Stjärnström")  # a valid personnummer nobody in the demo has


def test_an_administrator_adds_an_utforare_who_logs_in_until_deactivated(
    new_context: NewContext, portal_url: str, bankid_simulator: Any, browser: Any
) -> None:
    ada = english(new_context, portal_url).new_page()
    bankid_login(ada, bankid_simulator, ADA, "/handlaggare/logga-in")
    ada.get_by_role("link", name="Staff accounts").click()
    expect(heading(ada)).to_have_text("Staff accounts")
    expect(ada.get_by_role("row").filter(has_text="Samir Stjärna")).to_contain_text("Omsorg Stjärnan AB")
    assert_accessible(ada)

    # Ada tries to give herself the handläggare role: her own roles, unit and utförare are read-only.
    ada.get_by_role("link", name=ADA[1]).click()
    expect(heading(ada)).to_have_text(f"Change the staff account of {ADA[1]}")
    expect(ada.locator("main")).to_contain_text("You cannot change your own roles, unit or care provider")
    expect(ada.locator("fieldset").filter(has_text="Roles")).to_have_count(0)
    expect(ada.get_by_label("Unit")).to_have_count(0)
    assert_accessible(ada)
    ada.get_by_role("link", name="Back to the staff accounts").click()

    ada.get_by_role("link", name="Add a staff account").click()
    expect(heading(ada)).to_have_text("Add a staff account")
    assert_accessible(ada)
    assert_accessible_without_javascript(ada, browser)
    ada.get_by_label("Name", exact=True).fill(SIGRID[1])
    ada.get_by_label("Personal identity number (optional)").fill("19720304-4561")
    ada.locator("fieldset").filter(has_text="Roles").get_by_label("Care provider").check()
    ada.get_by_role("button", name="Save").click()
    summary = ada.locator(".error-summary")
    expect(summary).to_contain_text("Check the personal identity number: the last digit does not match")
    expect(summary).to_contain_text("Choose the care provider this person works for")
    expect(ada.get_by_label("Name", exact=True)).to_have_value(SIGRID[1])
    expect(ada.get_by_label("Personal identity number (optional)")).to_have_value("19720304-4561")
    assert_accessible(ada)

    ada.get_by_label("Personal identity number (optional)").fill("19720304-4560")
    ada.get_by_label("Care provider (for the care provider role)").select_option(label="Omsorg Stjärnan AB")
    ada.get_by_role("button", name="Save").click()
    expect(ada.get_by_role("status").first).to_contain_text(f"The staff account for {SIGRID[1]} is added.")
    row = ada.get_by_role("row").filter(has_text=SIGRID[1])
    expect(row).to_contain_text("Omsorg Stjärnan AB")
    expect(row).to_contain_text("BankID")
    assert_accessible(ada)

    sigrid = english(new_context, portal_url).new_page()
    bankid_login(sigrid, bankid_simulator, SIGRID, "/handlaggare/")
    expect(sigrid).to_have_url(re.compile(r"/handlaggare/utforare/$"))

    ada.get_by_role("link", name=SIGRID[1]).click()
    expect(heading(ada)).to_have_text(f"Change the staff account of {SIGRID[1]}")
    expect(ada.get_by_label("Personal identity number (optional)")).to_have_value("19720304-4560")
    assert_accessible(ada)
    ada.get_by_role("button", name="Deactivate the account").click()
    expect(ada.get_by_role("status").first).to_contain_text(f"{SIGRID[1]} can no longer log in.")
    expect(ada.get_by_role("row").filter(has_text=SIGRID[1])).to_contain_text("No, deactivated")
    assert_accessible(ada)

    sigrid.reload()
    expect(sigrid).to_have_url(re.compile(r"/handlaggare/logga-in$"))
    expect(sigrid.get_by_role("link", name="Your clients")).to_have_count(0)
