"""Keyboard only and a 320 px wide screen (WCAG 2.1.1, 2.4.1, 2.4.7, 1.4.10), with axe-core on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    RFA1,
    TOLVAN,
    TOLVAN_NAME,
    NewContext,
    assert_accessible,
    assert_focus_visible,
    assert_no_horizontal_scroll,
    computed_style,
    is_focused,
    pending_order_ref,
    start_qr_login,
    tab_to,
)

pytestmark = pytest.mark.browser


def test_keyboard_only_from_the_start_page_to_the_qr_code(page: Page, portal_url: str) -> None:
    page.goto("/")
    assert_accessible(page)

    skip = page.locator("a.skip-link")
    expect(skip).to_have_text("Hoppa till huvudinnehållet")
    unfocused = computed_style(skip)
    assert skip.bounding_box()["x"] < 0, "the skip link is off-screen until focused"  # type: ignore[index]
    page.keyboard.press("Tab")
    assert is_focused(skip), "the skip link is the first thing Tab reaches"
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, f"the focused skip link is on screen: {box}"
    expect(skip).to_be_in_viewport()
    assert_focus_visible(page, skip, unfocused)

    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{portal_url}/#main")
    assert page.evaluate("() => document.activeElement.id") == "main", "the skip link moves focus to <main>"

    login = page.get_by_role("link", name="Logga in")
    unfocused = computed_style(login)
    assert tab_to(page, login) == [], "from <main>, the login link is the next stop"
    assert_focus_visible(page, login, unfocused)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{portal_url}/logga-in")
    assert_accessible(page)

    first_option = page.locator(".login-options button").first
    expect(first_option).to_have_text("Mobilt BankID på annan enhet")
    unfocused = computed_style(first_option)
    before = tab_to(page, first_option)
    assert before and before[0]["text"] == "Hoppa till huvudinnehållet", before
    assert not [stop for stop in before if stop["inMain"]], f"the first login option leads <main>: {before}"
    assert_focus_visible(page, first_option, unfocused)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{portal_url}/logga-in/bankid")
    expect(page.locator("#bankid-qr")).to_be_visible()
    expect(page.locator("#bankid-message")).to_have_text(RFA1)
    assert_accessible(page)

    cancel = page.get_by_role("button", name="Avbryt")
    unfocused = computed_style(cancel)
    tab_to(page, cancel)
    assert_focus_visible(page, cancel, unfocused)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{portal_url}/logga-in")


def test_320_px_wide_screen_has_no_sideways_scrolling(
    new_context: NewContext, portal_url: str, bankid_simulator
) -> None:
    width = 320
    page = new_context(viewport={"width": width, "height": 640}).new_page()

    page.goto("/")
    assert_no_horizontal_scroll(page, width)
    assert_accessible(page)

    page.get_by_role("link", name="Logga in").click()
    expect(page).to_have_url(f"{portal_url}/logga-in")
    assert_no_horizontal_scroll(page, width)
    assert_accessible(page)

    start_qr_login(page)
    assert_no_horizontal_scroll(page, width)
    assert_accessible(page)

    bankid_simulator.approve(pending_order_ref(bankid_simulator), TOLVAN)
    expect(page).to_have_url(f"{portal_url}/mina-sidor")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Välkommen, {TOLVAN_NAME}")
    assert_no_horizontal_scroll(page, width)
    assert_accessible(page)

    page.get_by_role("button", name="Logga ut").click()
    expect(page).to_have_url(f"{portal_url}/utloggad")
    assert_no_horizontal_scroll(page, width)
    assert_accessible(page)


def _double_text(page: Page) -> None:
    """200 % text, as a phone's largest text setting gives (every size in the portal is in rem)."""
    page.add_style_tag(content="html { font-size: 200% !important; }")


def test_a_phone_with_200_percent_text_gets_a_compact_header_and_no_sideways_scrolling(
    new_context: NewContext, portal_url: str, bankid_simulator
) -> None:
    """WCAG 1.4.4 and 1.4.10 together: the header (name, language, the person's name, Logga ut) wraps
    within 320 px instead of pushing every page wider."""
    page = new_context(viewport={"width": 320, "height": 640}).new_page()
    for path in ("/", "/tillganglighet"):
        page.goto(path)
        _double_text(page)
        header = page.evaluate("() => document.querySelector('.site-header').scrollWidth")
        assert header <= 320, f"{path}: the header is {header} px wide with 200 % text"
        assert_no_horizontal_scroll(page, 320)
    page.goto("/logga-in")
    start_qr_login(page)
    bankid_simulator.approve(pending_order_ref(bankid_simulator), TOLVAN)
    expect(page).to_have_url(f"{portal_url}/mina-sidor")
    _double_text(page)
    header = page.evaluate("() => document.querySelector('.site-header').scrollWidth")
    assert header <= 320, f"Mina sidor: the header is {header} px wide with 200 % text"
    assert_no_horizontal_scroll(page, 320)
