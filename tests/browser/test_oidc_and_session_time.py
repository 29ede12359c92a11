"""Issue 6 as a new user would try it, in Chromium against a portal with a real OpenID provider and short
session limits: log in with OIDC as a citizen, leave a form half-filled until the warning appears, stay
logged in, then let the login run out; after logging in again the answers are there. A handläggare logs
in through the staff provider. axe-core audits every page, the warning included."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LivePortal, launch_portal
from tests.browser.helpers import NewContext, assert_accessible
from tests.fixtures.oidc_provider import OIDCProvider, free_port, start_provider

pytestmark = pytest.mark.browser

IDLE = 24  # seconds until an idle login ends
WARNING = 16  # the warning shows this long before


@pytest.fixture(scope="module")
def oidc_provider_for_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OIDCProvider, int]]:
    port = free_port()
    provider = start_provider([f"http://127.0.0.1:{port}"], tmp_path_factory.mktemp("oidc-browser"))
    yield provider, port
    provider.close()


@pytest.fixture(scope="module")
def live_portal(  # type: ignore[override]
    bankid_simulator: Any,
    oidc_provider_for_browser: tuple[OIDCProvider, int],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LivePortal]:
    provider, port = oidc_provider_for_browser
    yield from launch_portal(
        bankid_simulator,
        Path(tmp_path_factory.mktemp("live-portal-oidc")),
        port=port,
        PORTAL_OIDC_PROVIDERS=provider.settings(),
        PORTAL_SESSION_IDLE_SECONDS=str(IDLE),
        PORTAL_SESSION_WARNING_SECONDS=str(WARNING),
    )


@pytest.fixture(scope="module")
def portal_url(live_portal: LivePortal) -> str:  # type: ignore[override]
    return live_portal.url


def _oidc_login(page: Page, account: str) -> None:
    page.goto("/logga-in")
    assert_accessible(page)
    page.get_by_role("link", name="Logga in med Test-e-legitimation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo-e-legitimation")
    page.get_by_role("button", name=account).click()


def test_a_half_filled_form_survives_the_warning_and_the_end_of_the_login(new_context: NewContext) -> None:
    page = new_context().new_page()
    _oidc_login(page, "Tolvan Tolvansson")
    expect(page.get_by_role("heading", level=1)).to_have_text("Välkommen, Tolvan Tolvansson")
    assert_accessible(page)

    page.goto("/e-tjanster/hemtjanst")
    page.get_by_role("button", name="Börja").click()
    expect(page).to_have_url(re.compile(r"/ansokan/[0-9a-f-]+$"))
    step_url = page.url + "/steg/situation"
    page.goto(step_url)
    text = page.locator("textarea").first
    text.fill("Jag behöver hjälp med att duscha och handla")  # typed, never sent

    # Typing is activity: the first time the warning is due the login is extended quietly; then the
    # person stops, and the warning comes.
    warning = page.get_by_role("alertdialog")
    expect(warning).to_be_hidden()
    expect(warning).to_be_visible(timeout=(2 * (IDLE - WARNING) + 5) * 1000)
    expect(warning.get_by_role("heading")).to_be_focused()
    expect(warning).to_contain_text("Du loggas snart ut")
    assert_accessible(page)

    warning.get_by_role("button", name="Fortsätt vara inloggad").click()
    expect(warning).to_be_hidden()
    remaining = page.evaluate(
        "() => fetch('/session/status?area=citizen', {headers: {'X-Portal-Background': '1'}})"
        ".then(r => r.json())"
    )
    assert remaining["state"] == "active" and remaining["remaining"] >= IDLE - 3
    expect(text).to_have_value("Jag behöver hjälp med att duscha och handla")

    # Nobody answers this time: the answers are saved, the login ends, the login page says why.
    expect(warning).to_be_visible(timeout=(IDLE - WARNING + 5) * 1000)
    expect(page).to_have_url(re.compile(r"/logga-in$"), timeout=(WARNING + 10) * 1000)
    expect(page.get_by_role("status").first).to_contain_text("Du har loggats ut")
    assert_accessible(page)

    # The provider still knows the person (single sign-on): straight back, to the step.
    page.get_by_role("link", name="Logga in med Test-e-legitimation").click()
    expect(page).to_have_url(step_url)
    expect(page.locator("textarea").first).to_have_value("Jag behöver hjälp med att duscha och handla")
    assert_accessible(page)


def test_a_handlaggare_logs_in_through_the_staff_provider(new_context: NewContext) -> None:
    page = new_context().new_page()
    page.goto("/handlaggare/logga-in")
    assert_accessible(page)
    page.get_by_role("link", name="Logga in med Kommunens inloggning").click()
    page.get_by_role("button", name="Helena Handläggare").click()
    expect(page).to_have_url(re.compile(r"/handlaggare/$"))
    expect(page.get_by_text("Helena Handläggare").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Logga ut från handläggarvyn").click()
    expect(page.get_by_role("link", name="Logga ut från Kommunens inloggning också")).to_be_visible()
    assert_accessible(page)


def test_a_level_2_e_id_is_told_how_to_get_in(new_context: NewContext) -> None:
    page = new_context().new_page()
    _oidc_login(page, "Anna Andersson (e-legitimation nivå 2)")
    page.goto("/e-tjanster/hemtjanst")
    expect(page.get_by_text("säkerhetsnivå 3")).to_be_visible()
    expect(page.get_by_role("button", name="Börja")).to_have_count(0)
    assert_accessible(page)


def test_the_session_warning_in_arabic_runs_right_to_left_with_arabic_words(new_context: NewContext) -> None:
    page = new_context().new_page()
    page.goto("/sprak/ar")
    page.goto("/logga-in")
    page.get_by_role("link", name="تسجيل الدخول باستخدام Test-e-legitimation").click()
    page.get_by_role("button", name="Tolvan Tolvansson").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("مرحبًا، Tolvan Tolvansson")

    warning = page.get_by_role("alertdialog")
    expect(warning).to_be_visible(timeout=(2 * (IDLE - WARNING) + 5) * 1000)
    expect(warning.get_by_role("heading")).to_have_text("سيتم تسجيل خروجك قريبًا")
    assert warning.evaluate("(el) => getComputedStyle(el).direction") == "rtl"
    # The time left in Arabic words ("16 ثانية"), not "16 seconds".
    expect(warning.locator("[data-session-remaining]")).to_have_text(
        re.compile(r"^\d*\s*(ثانية|ثوان|ثانيتان)")
    )
    assert_accessible(page)
    warning.get_by_role("button", name="البقاء مسجّلًا الدخول").click()
    expect(warning).to_be_hidden()
