"""BankID login in a real browser: the QR code on a computer, the app on a phone, cancelling, expiry, no
JavaScript, and the page's own script under the real Content-Security-Policy. axe-core audits every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from tests.browser.helpers import (
    RFA1,
    TOLVAN,
    TOLVAN_NAME,
    NewContext,
    approve_in_form,
    assert_accessible,
    assert_accessible_without_javascript,
    order_on_tester_page,
    pending_order_ref,
    start_qr_login,
)

pytestmark = pytest.mark.browser

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
QR_CHANGED = (
    "(before) => { const img = document.getElementById('bankid-qr'); return img && img.src !== before; }"
)
QR_LOADED = (
    "() => { const img = document.getElementById('bankid-qr'); return img.complete && img.naturalWidth > 0; }"
)


def welcome(page: Page, name: str = TOLVAN_NAME, prefix: str = "") -> None:
    expect(page).to_have_url(re.compile(re.escape(f"{prefix}/mina-sidor") + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Välkommen, {name}")


def test_qr_login_on_a_computer_approved_on_the_tester_page(
    page: Page, context: BrowserContext, portal_url: str, bankid_simulator
) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mina sidor för socialtjänsten")
    assert_accessible(page)
    page.get_by_role("link", name="Logga in").click()
    expect(page).to_have_url(f"{portal_url}/logga-in")
    assert_accessible(page)

    start_qr_login(page)
    message = page.locator("#bankid-message")
    expect(message).to_have_text(RFA1)
    qr = page.locator("#bankid-qr")
    page.wait_for_function(QR_LOADED, timeout=5_000)  # the QR code image loads
    first_src = qr.get_attribute("src")
    first_svg = page.evaluate("(src) => fetch(src).then((r) => r.text())", first_src)
    assert first_svg.lstrip().startswith(("<?xml", "<svg")), first_svg[:80]
    assert_accessible(page)
    # The QR code animates: bankid.js swaps the image every second, and the code itself changes.
    srcs = [first_src]
    for _ in range(2):
        page.wait_for_function(QR_CHANGED, arg=qr.evaluate("(img) => img.src"), timeout=5_000)
        srcs.append(qr.get_attribute("src"))
        page.wait_for_function(QR_LOADED, timeout=5_000)  # bankid.js swaps in only a loaded image
    assert len(set(srcs)) == 3, srcs
    later_svg = page.evaluate("(src) => fetch(src).then((r) => r.text())", srcs[-1])
    assert later_svg != first_svg, "two seconds later the QR code shows other data"

    # The tester, in another window, plays the phone: scans the QR code and approves as Tolvan.
    order_ref = pending_order_ref(bankid_simulator)
    tester = context.new_page()
    tester.goto(bankid_simulator.root_url)
    expect(tester.get_by_role("heading", level=1)).to_have_text("BankID-simulator")
    assert_accessible(tester)
    order_on_tester_page(tester, order_ref).get_by_role("button", name="Läs av QR-kod").click()
    expect(tester.get_by_role("status")).to_contain_text("QR-koden är avläst")
    expect(message).not_to_have_text(RFA1)  # the live region follows the order without a reload
    assert_accessible(tester)
    approve_in_form(order_on_tester_page(tester, order_ref))
    expect(tester.get_by_role("status")).to_have_text("Beställningen är godkänd.")
    assert_accessible(tester)

    welcome(page)  # the waiting page went on by itself
    expect(page.get_by_role("navigation")).to_contain_text(TOLVAN_NAME)
    assert_accessible(page)

    page.get_by_role("button", name="Logga ut").click()
    expect(page).to_have_url(f"{portal_url}/utloggad")
    expect(page.get_by_role("heading", level=1)).to_have_text("Du är utloggad")
    assert_accessible(page)
    page.goto("/mina-sidor")
    expect(page).to_have_url(f"{portal_url}/logga-in")


def test_phone_opens_the_app_on_the_same_device(
    new_context: NewContext, portal_url: str, bankid_simulator
) -> None:
    phone = new_context(
        viewport={"width": 375, "height": 812},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        user_agent=IPHONE,
    )
    page = phone.new_page()
    page.goto("/logga-in")
    options = page.locator(".login-options button")
    expect(options).to_have_text(["BankID på den här enheten", "Mobilt BankID på annan enhet"])
    assert_accessible(page)

    options.first.tap()
    expect(page).to_have_url(f"{portal_url}/logga-in/bankid")
    expect(page.locator("#bankid-qr")).to_have_count(0)
    expect(page.locator("#bankid-message")).to_have_text("Försöker starta BankID-appen.")  # RFA13
    assert_accessible(page)

    page.get_by_role("link", name="Öppna BankID-appen").tap()
    expect(page).to_have_url(re.compile(re.escape(bankid_simulator.root_url + "app?autostarttoken=")))
    expect(page.get_by_role("heading", level=1)).to_have_text("BankID-appen (simulerad)")
    assert_accessible(page)
    approve_in_form(page.locator("form.approve"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Godkänt")
    assert_accessible(page)

    page.get_by_role("link", name="Tillbaka till e-tjänsten").tap()
    welcome(page)
    assert_accessible(page)


def test_cancel_in_the_portal_and_in_the_app(
    page: Page, context: BrowserContext, portal_url: str, bankid_simulator
) -> None:
    page.goto("/logga-in")
    start_qr_login(page)
    order_ref = pending_order_ref(bankid_simulator)
    page.get_by_role("button", name="Avbryt").click()
    expect(page).to_have_url(f"{portal_url}/logga-in")
    expect(page.get_by_role("status")).to_have_text("Inloggningen avbröts.")
    assert bankid_simulator.order(order_ref)["status"] == "failed", "the portal cancelled the order at BankID"
    assert_accessible(page)

    # Now the citizen cancels in the app instead.
    start_qr_login(page)
    order_ref = pending_order_ref(bankid_simulator)
    tester = context.new_page()
    tester.goto(bankid_simulator.root_url)
    order_on_tester_page(tester, order_ref).get_by_role("button", name="Avbryt").click()
    expect(tester.get_by_role("status")).to_have_text("Beställningen är avbruten.")
    assert_accessible(tester)

    alert = page.get_by_role("alert")
    expect(alert).to_have_text(re.compile(r"Åtgärden avbruten\.\s*$"))  # RFA6, shown by the page by itself
    retry = page.get_by_role("button", name="Försök igen")
    expect(retry).to_be_visible()
    expect(page.locator("#bankid-qr")).to_have_count(0)
    assert_accessible(page)
    retry.click()
    expect(page).to_have_url(f"{portal_url}/logga-in/bankid")
    expect(page.locator("#bankid-qr")).to_be_visible()
    expect(page.locator("#bankid-message")).to_have_text(RFA1)
    assert pending_order_ref(bankid_simulator) != order_ref, "Försök igen starts a new order"


def test_expired_order_shows_bankids_message(page: Page, bankid_simulator) -> None:
    page.goto("/logga-in")
    start_qr_login(page)
    bankid_simulator.fail(pending_order_ref(bankid_simulator), "expiredTransaction")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("BankID-appen svarar inte")
    text = alert.inner_text().strip()
    assert re.sub(r"^Fel:\s*", "", text).startswith("BankID-appen svarar inte"), text  # RFA8
    expect(page.get_by_role("button", name="Försök igen")).to_be_visible()
    assert_accessible(page)


def test_login_works_without_javascript(
    new_context: NewContext, browser: Browser, portal_url: str, bankid_simulator
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/")
    assert_accessible_without_javascript(page, browser)
    page.get_by_role("link", name="Logga in").click()
    expect(page).to_have_url(f"{portal_url}/logga-in")
    assert_accessible_without_javascript(page, browser)

    page.get_by_role("button", name="Mobilt BankID på annan enhet").click()
    expect(page).to_have_url(f"{portal_url}/logga-in/bankid")
    expect(page.locator("#bankid-qr")).to_be_visible()
    expect(page.locator("#bankid-message")).to_have_text(RFA1)
    carry_on = page.get_by_role("button", name="Jag har legitimerat mig – fortsätt")  # the <noscript> form
    expect(carry_on).to_be_visible()
    # No timed reload (WCAG 2.2.1, F41: a screen reader would start over every two seconds).
    expect(page.locator('meta[http-equiv="refresh"]')).to_have_count(0)
    assert_accessible_without_javascript(page, browser)

    # Before BankID is done the button shows the same page again, with BankID's current message ...
    carry_on.click()
    expect(page).to_have_url(re.compile(re.escape(f"{portal_url}/logga-in/bankid") + r"\??$"))
    expect(page.locator("#bankid-message")).to_have_text(RFA1)
    bankid_simulator.approve(pending_order_ref(bankid_simulator), TOLVAN)
    # ... and after it, Mina sidor (BankID is asked at most once per collect interval, 1 s here).
    page.wait_for_timeout(1_100)
    page.get_by_role("button", name="Jag har legitimerat mig – fortsätt").click()
    page.wait_for_url(f"{portal_url}/mina-sidor", timeout=10_000)
    welcome(page)
    assert_accessible_without_javascript(page, browser)


def test_bankid_script_runs_under_the_content_security_policy(
    new_context: NewContext, portal_url: str, bankid_simulator
) -> None:
    context = new_context(bypass_csp=False)
    # Runs before the page's own scripts, through the DevTools protocol, so the CSP does not stop it.
    context.add_init_script(
        "window.__cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', (e) =>"
        " window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    page = context.new_page()
    console: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        console.append(f"{message.type}: {message.text}")

    page.on("console", on_console)

    def violations() -> list[str]:
        return page.evaluate("() => window.__cspViolations") + [
            line for line in console if "content security policy" in line.lower()
        ]

    response = page.goto("/logga-in")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"], "the real CSP is in force"
    assert_accessible(page, inject="evaluate")
    start_qr_login(page)
    qr = page.locator("#bankid-qr")
    page.wait_for_function(QR_CHANGED, arg=qr.evaluate("(img) => img.src"), timeout=5_000)  # bankid.js runs
    page.wait_for_function(QR_LOADED, timeout=5_000)
    assert_accessible(page, inject="evaluate")
    assert not violations(), violations()

    bankid_simulator.approve(pending_order_ref(bankid_simulator), TOLVAN)
    welcome(page)  # only bankid.js can have moved the page on: without JavaScript nothing moves on by itself
    assert_accessible(page, inject="evaluate")
    assert not violations(), violations()
