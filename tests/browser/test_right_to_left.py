"""Arabic, right to left, with the keyboard only: the language link, BankID login, Mina sidor, a case and an
e-service step with an error summary; axe on every page, and numbers that still read left to right."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.eservice_helpers import (
    BANKID_DONE,
    DRAFT_URL,
    MY_PAGES_URL,
    error_summary,
    follow,
    heading,
    land_on,
)
from tests.browser.helpers import assert_accessible, pending_order_ref

pytestmark = pytest.mark.browser

BRITT = ("194101090993", "Britt Lindqvist")  # demo data: a decided hemtjänst case
HOME_HELP = "طلب خدمة الرعاية المنزلية (hemtjänst)"

# Where the first and the last character of an element's text are drawn: left to right means the first is
# further left. Without isolation, "0123-456 00" in right-to-left text is drawn "00 0123-456".
_FIRST_AND_LAST_X = """(el) => {
  const text = Array.from(el.childNodes).find((n) => n.nodeType === Node.TEXT_NODE && n.data.trim());
  const range = document.createRange();
  const x = (i) => {
    range.setStart(text, i);
    range.setEnd(text, i + 1);
    return range.getBoundingClientRect().left;
  };
  const start = text.data.length - text.data.trimStart().length;
  const end = text.data.trimEnd().length - 1;
  return [x(start), x(end)];
}"""


def expect_read_left_to_right(element: Locator, text: str | re.Pattern[str]) -> None:
    expect(element).to_have_text(text)
    first, last = element.evaluate(_FIRST_AND_LAST_X)
    assert first < last, f"{element.inner_text()!r} is drawn right to left"


def expect_arabic(page: Page) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    assert page.evaluate("() => getComputedStyle(document.body).direction") == "rtl"
    expect_read_left_to_right(page.locator(".site-footer a[href^='tel:'] bdi"), "0123-456 00")
    assert_accessible(page)


def test_arabic_with_the_keyboard_only(page: Page, bankid_simulator: Any) -> None:
    page.goto("/")
    follow(page, page.get_by_role("link", name="العربية"))
    expect(heading(page)).to_have_text("صفحاتي في الخدمات الاجتماعية")
    expect_arabic(page)
    # The way back is named in its own language.
    expect(page.get_by_role("link", name="Svenska")).to_have_attribute("lang", "sv")

    follow(page, page.get_by_role("link", name="تسجيل الدخول").first)
    expect(page).to_have_url(re.compile(r"/logga-in$"))
    expect_arabic(page)
    follow(page, page.get_by_role("button", name="Mobile BankID على جهاز آخر"))
    expect(page.locator("#bankid-qr")).to_be_visible()
    expect(page.locator("#bankid-message")).to_have_text("شغّل تطبيق BankID.")
    expect_arabic(page)
    bankid_simulator.approve(pending_order_ref(bankid_simulator), BRITT[0], name=BRITT[1])

    expect(page).to_have_url(MY_PAGES_URL, timeout=BANKID_DONE)
    expect(heading(page)).to_have_text(f"مرحبًا، {BRITT[1]}")
    expect_arabic(page)
    card = page.locator("main .card").filter(has_text=HOME_HELP).first
    number = card.locator("dd bdi[dir='ltr']").first
    expect_read_left_to_right(number, re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    case_number = number.inner_text()

    follow(page, card.get_by_role("link", name=re.compile(re.escape(HOME_HELP))), max_presses=40)
    expect(page).to_have_url(re.compile(r"/arenden/[0-9a-f-]{36}$"))
    expect(heading(page)).to_have_text(HOME_HELP)
    expect_arabic(page)
    expect_read_left_to_right(page.locator("main .caption bdi"), case_number)
    # "Back" points to the right, where Arabic text starts.
    back = page.locator("main .back-link").first
    assert back.evaluate("(el) => getComputedStyle(el, '::before').content") == '"› "'

    follow(page, page.get_by_role("link", name="صفحاتي").first, max_presses=10)
    follow(page, page.get_by_role("link", name="تقديم طلب جديد"), max_presses=40)
    follow(page, page.get_by_role("link", name=HOME_HELP, exact=True), max_presses=40)
    expect_arabic(page)
    follow(page, page.get_by_role("button", name="ابدأ", exact=True), max_presses=40)
    expect(page).to_have_url(DRAFT_URL)
    follow(page, page.get_by_role("link", name="بيانات التواصل", exact=True), max_presses=40)
    expect(heading(page)).to_have_text("بيانات التواصل")

    # Empty the phone number (it may come from the citizen's settings) and save: the error summary.
    phone = page.get_by_label("رقم الهاتف", exact=True)
    land_on(page, phone, max_presses=30)
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    follow(page, page.get_by_role("button", name="حفظ ومتابعة", exact=True), max_presses=20)
    expect(error_summary(page)).to_be_focused()
    expect(page).to_have_title(re.compile(r"^خطأ: "))
    first_error = error_summary(page).get_by_role("link").first
    expect(first_error).to_have_text("أدخل رقم هاتف يمكننا الوصول إليك عليه")
    expect_arabic(page)
    land_on(page, first_error, max_presses=1)
    page.keyboard.press("Enter")
    expect(phone).to_be_focused()
    page.keyboard.type("070-111 22 33")
    # The number typed reads left to right inside the right-to-left form.
    assert phone.evaluate("(el) => getComputedStyle(el).direction") == "ltr"
