"""English from the header link through login and logout, and a second municipality under /k/norrby/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import TOLVAN, TOLVAN_NAME, assert_accessible, pending_order_ref, start_qr_login

pytestmark = pytest.mark.browser


def test_english_through_login_and_after_logout(page: Page, portal_url: str, bankid_simulator) -> None:
    html = page.locator("html")
    page.goto("/")
    expect(html).to_have_attribute("lang", "sv")
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(f"{portal_url}/")
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My pages for social services")
    expect(page.get_by_role("link", name="Svenska")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Log in").click()
    expect(page).to_have_url(f"{portal_url}/logga-in")
    assert_accessible(page)
    start_qr_login(page, button="Mobile BankID on another device")
    expect(page.locator("#bankid-message")).to_have_text("Start your BankID app.")  # RFA1 in English
    assert_accessible(page)

    bankid_simulator.approve(pending_order_ref(bankid_simulator), TOLVAN)
    expect(page).to_have_url(f"{portal_url}/mina-sidor")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {TOLVAN_NAME}")
    expect(html).to_have_attribute("lang", "en")
    assert_accessible(page)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{portal_url}/utloggad")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are logged out")
    expect(html).to_have_attribute("lang", "en")
    assert_accessible(page)

    page.goto("/")
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def test_norrby_under_its_path_prefix(page: Page, portal_url: str, bankid_simulator) -> None:
    page.goto("/k/norrby/")
    expect(page.locator(".site-header__name")).to_have_text("Norrby kommun")
    expect(page).to_have_title(
        "Mina sidor för socialtjänsten – Norrby kommun, Mina sidor"
    )  # the theme and name of Norrby, not of the default municipality
    assert_accessible(page)

    page.get_by_role("link", name="Logga in").click()
    expect(page).to_have_url(f"{portal_url}/k/norrby/logga-in")
    assert_accessible(page)
    start_qr_login(page, prefix="/k/norrby")
    assert_accessible(page)

    bankid_simulator.approve(pending_order_ref(bankid_simulator), TOLVAN)
    expect(page).to_have_url(f"{portal_url}/k/norrby/mina-sidor")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Välkommen, {TOLVAN_NAME}")
    body = page.locator("body")
    expect(body).to_contain_text("Norrby kommun")
    expect(body).not_to_contain_text("Exempelstad")
    assert "Exempelstad" not in page.content(), "nothing of Exempelstad, not even in the markup"
    assert_accessible(page)


def test_finnish_and_lattlast_from_the_switch(page: Page, portal_url: str) -> None:
    html = page.locator("html")
    page.goto("/")
    page.get_by_role("link", name="Suomi").click()
    expect(html).to_have_attribute("lang", "fi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Omat sivut sosiaalipalveluissa")
    expect(page.get_by_role("link", name="Kirjaudu")).to_be_visible()
    expect(page.get_by_role("link", name="العربية")).to_have_attribute("dir", "rtl")
    assert_accessible(page)

    page.get_by_role("link", name="Lättläst").click()
    expect(html).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mina sidor hos socialtjänsten")
    expect(page.locator("main")).to_contain_text("Här kan du söka hjälp från kommunen.")
    assert_accessible(page)
    page.get_by_role("link", name="Svenska").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mina sidor för socialtjänsten")
