"""Shared by the browser tests: axe-core audits, the BankID steps of a citizen and a tester, layout."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from playwright.sync_api import Error as PlaywrightError

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# What the new_context fixture returns: make a fresh browser context with these options.
NewContext = Callable[..., BrowserContext]

TOLVAN = "191212121212"
TOLVAN_NAME = "Tolvan Tolvansson"
RFA1 = "Starta BankID-appen."

# What makes keyboard focus visible; a focused element must differ from itself unfocused in one of these.
# An outline counts only if it can be seen: the portal's focus style sets a transparent one (for Windows
# high-contrast mode), which alone would show nothing.
_FOCUS_STYLE = """(el) => {
  const s = getComputedStyle(el);
  const transparent = s.outlineColor === "transparent" || /rgba\\(.*,\\s*0\\)$/.test(s.outlineColor);
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0 && !transparent;
  return {
    "outline": outline ? `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}` : "none",
    "box-shadow": s.boxShadow,
    "background-color": s.backgroundColor,
    "color": s.color,
    "text-decoration-line": s.textDecorationLine,
    "border-color": s.borderColor,
  };
}"""

_AXE_RUN = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target, html: n.html, summary: n.failureSummary})),
  }));
}"""

# A copy of what a browser without JavaScript shows: <noscript> in <body> unwrapped (its content is what
# such a browser renders), <script> and any <noscript> in <head> left out.
_NOSCRIPT_SNAPSHOT = """() => {
  const root = document.documentElement.cloneNode(true);
  root.querySelectorAll("script, head noscript").forEach((el) => el.remove());
  root.querySelectorAll("noscript").forEach((el) => el.replaceWith(...Array.from(el.childNodes)));
  return {url: location.href, html: "<!doctype html>\\n" + root.outerHTML};
}"""


def format_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"axe-core found {len(violations)} WCAG 2.1 A/AA violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} [{violation['impact']}]: {violation['help']} ({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            html = re.sub(r"\s+", " ", node["html"])
            html = html if len(html) <= 160 else html[:157] + "..."
            lines.append(f"    at {target}: {html}")
            summary = (node.get("summary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def axe_violations(page: Page, *, inject: str = "script_tag") -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now. ``inject``: "script_tag" (needs a context with bypass_csp)
    or "evaluate" (through the DevTools protocol, which the page's CSP does not govern)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        if inject == "script_tag":
            page.add_script_tag(path=str(AXE_PATH))
        else:
            page.evaluate(AXE_PATH.read_text(encoding="utf-8"))
    return page.evaluate(_AXE_RUN, WCAG_TAGS)


PHONE_WIDTH = 320


def assert_reflows(page: Page) -> None:
    """The page as it is now fits a 320 px wide screen without scrolling sideways (WCAG 1.4.10): measured
    at that width, then the page's own viewport is put back. Wide tables scroll inside their own region."""
    size = page.viewport_size
    if size is None or size["width"] <= PHONE_WIDTH:
        assert_no_horizontal_scroll(page, PHONE_WIDTH)
        return
    page.set_viewport_size({"width": PHONE_WIDTH, "height": size["height"]})
    try:
        assert_no_horizontal_scroll(page, PHONE_WIDTH)
    finally:
        page.set_viewport_size(size)


def assert_accessible(page: Page, *, inject: str = "script_tag") -> None:
    """Fail with a readable list (rule, impact, targets, help) of axe-core's WCAG 2.1 AA violations; and
    fail if the page does not fit a 320 px screen."""
    page.wait_for_load_state("load")
    violations = axe_violations(page, inject=inject)
    if violations:
        pytest.fail(format_violations(page.url, violations), pytrace=False)
    assert_reflows(page)


def _snapshot_without_javascript(page: Page) -> dict[str, str]:
    # A snapshot taken just as the page navigates loses its execution context, and is simply taken again
    # from the new page.
    for _attempt in range(5):
        page.wait_for_load_state("load")
        try:
            return page.evaluate(_NOSCRIPT_SNAPSHOT)
        except PlaywrightError as exc:
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
    raise AssertionError(f"{page.url} kept navigating; no snapshot for axe-core")


def assert_accessible_without_javascript(page: Page, browser: Browser) -> None:
    """axe-core needs JavaScript (its timers never fire in a page with scripts disabled), so the DOM the
    script-less page shows is audited in a scripted copy: same URL, cookies and stylesheets. The page
    itself must fit a 320 px screen."""
    snapshot = _snapshot_without_javascript(page)
    url, html = snapshot["url"], snapshot["html"]
    mirror_context = browser.new_context(bypass_csp=True, viewport=page.viewport_size)
    try:
        mirror_context.add_cookies(page.context.cookies())  # type: ignore[arg-type]
        mirror = mirror_context.new_page()
        mirror.route(
            lambda candidate: candidate == url,
            lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html),
        )
        mirror.goto(url)
        violations = axe_violations(mirror)
    finally:
        mirror_context.close()
    if violations:
        pytest.fail(format_violations(url + " (without JavaScript)", violations), pytrace=False)
    assert_reflows(page)


def pending_order_ref(simulator: Any) -> str:
    """The orderRef of the one pending order (each test starts with a reset simulator)."""
    pending = [order for order in simulator.orders() if order["status"] == "pending"]
    assert len(pending) == 1, f"expected exactly one pending BankID order, the simulator has {pending}"
    return pending[0]["orderRef"]


def start_qr_login(page: Page, prefix: str = "", *, button: str = "Mobilt BankID på annan enhet") -> None:
    """From the login page to the waiting page with the QR code."""
    page.get_by_role("button", name=button).click()
    expect(page).to_have_url(re.compile(re.escape(f"{prefix}/logga-in/bankid") + "$"))
    expect(page.locator("#bankid-qr")).to_be_visible()


def order_on_tester_page(tester: Page, order_ref: str) -> Locator:
    """The order's section on the simulator's tester page."""
    section = tester.locator("section.order").filter(has_text=order_ref)
    expect(section).to_have_count(1)
    return section


def approve_in_form(form_area: Locator, personal_number: str = TOLVAN, name: str = TOLVAN_NAME) -> None:
    """Pick a demo identity in the simulator's approval form and press Godkänn, as a tester does."""
    identity = form_area.get_by_label("Testperson", exact=True)
    identity.select_option(personal_number)
    expect(identity.locator("option:checked")).to_contain_text(name)
    form_area.get_by_role("button", name="Godkänn", exact=True).click()


def assert_no_horizontal_scroll(page: Page, width: int) -> None:
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    inner_width = page.evaluate("() => window.innerWidth")
    if scroll_width > min(width, inner_width):
        wide = page.evaluate(
            """(width) => Array.from(document.querySelectorAll("body *"))
                 .filter((el) => el.getBoundingClientRect().right > width + 0.5)
                 .slice(0, 8)
                 .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                      + (typeof el.className === "string" && el.className ? "." + el.className : "")
                      + " right=" + Math.round(el.getBoundingClientRect().right))""",
            width,
        )
        pytest.fail(
            f"{page.url} scrolls sideways at {width} px: scrollWidth is {scroll_width}; too wide: {wide}",
            pytrace=False,
        )


def computed_style(locator: Locator) -> dict[str, str]:
    return locator.evaluate(_FOCUS_STYLE)


def is_focused(locator: Locator) -> bool:
    return locator.evaluate("(el) => el === document.activeElement")


def tab_to(page: Page, target: Locator, *, max_presses: int = 15) -> list[dict[str, Any]]:
    """Press Tab until ``target`` has focus; returns the elements focus passed on the way (tag, text,
    whether inside <main>)."""
    passed: list[dict[str, Any]] = []
    for _press in range(max_presses):
        page.keyboard.press("Tab")
        if is_focused(target):
            return passed
        passed.append(
            page.evaluate(
                """() => { const el = document.activeElement;
                   return {tag: el.tagName.toLowerCase(), text: (el.textContent || "").trim().slice(0, 40),
                           inMain: !!el.closest("main")}; }"""
            )
        )
    pytest.fail(
        f"{max_presses} Tab presses did not reach {target}; focus went through {passed}", pytrace=False
    )


def assert_focus_visible(page: Page, target: Locator, unfocused: dict[str, str]) -> None:
    """The focused element must look different from how it looked unfocused (WCAG 2.4.7)."""
    assert is_focused(target)
    assert page.evaluate("() => document.activeElement.matches(':focus-visible')"), (
        "keyboard focus is focus-visible"
    )
    focused = computed_style(target)
    changed = {name: (unfocused[name], focused[name]) for name in focused if unfocused[name] != focused[name]}
    assert changed, f"no visible focus indicator: focused, the element looks as it does unfocused: {focused}"
