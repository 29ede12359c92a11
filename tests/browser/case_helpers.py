"""Shared by the browser tests of Mina ärenden and the staff workspace: a live portal that sends its e-mail to
a real SMTP server (aiosmtpd) and runs the outbox worker, the citizen's and the handläggare's BankID logins
with every page audited, a hemtjänst application filled in through its controls, the e-mail inbox, and a
case arranged over HTTP for tests that only look at one."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import (
    _SERVER_ERROR,
    LivePortal,
    _free_port,
    _portal_command,
    _portal_env,
    _start_gunicorn,
    _stop,
)
from tests.browser.eservice_helpers import (
    CASE_NUMBER,
    CHECK_TITLE,
    HEMTJANST,
    MY_PAGES_URL,
    RECEIPT_TITLE,
    RECEIPT_URL,
    SIGN_OTHER_DEVICE,
    SV_MONTHS,
    YES_NO,
    Person,
    Radios,
    fill_fields,
    group,
    heading,
    open_start_page,
    sign_with_bankid,
    start_application,
    submit_expecting_success,
)
from tests.browser.helpers import (
    REPO_ROOT,
    TOLVAN,
    TOLVAN_NAME,
    assert_accessible,
    pending_order_ref,
    start_qr_login,
)
from tests.forms.samples import raw
from tests.helpers import csrf_from

CITIZEN = Person(TOLVAN, TOLVAN_NAME)
ANNA = Person("198507202011", "Anna Andersson")
OMAR = Person("198009142210", "Omar Omsorg")  # handläggare, Äldreomsorg (hemtjänst), Exempelstad
HELENA = Person("197504303020", "Helena Handläggare")  # handläggare, Försörjningsstöd, Exempelstad
OMAR_UNIT = "Äldreomsorg"

NOTICE_SUBJECT = "Nytt i ditt ärende"
CASE_URL = re.compile(r"/arenden/[0-9a-f-]{36}$")
STAFF_CASE_URL = re.compile(r"/handlaggare/arenden/[0-9a-f-]{36}$")
STAFF_INBOX_URL = re.compile(r"/handlaggare/$")
NOT_FOUND = "Sidan hittades inte"

_WORKER_PROBLEM = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b|dead.?letter", re.IGNORECASE)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def sv_long_date(day: dt.date) -> str:
    """A date as Babel's "long" format writes it in Swedish: 3 december 2026."""
    return f"{day.day} {SV_MONTHS[day.month - 1]} {day.year}"


# --- the e-mail side ----------------------------------------------------------------------------------------


class SmtpInbox(MessageHandler):
    """What the portal's mail adapter delivered to the SMTP server; aiosmtpd calls it from its own thread."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._messages: list[Message] = []

    def handle_message(self, message: Message) -> None:
        with self._lock:
            self._messages.append(message)

    def messages(self) -> list[Message]:
        with self._lock:
            return list(self._messages)

    def notices_to(self, address: str) -> list[Message]:
        return [m for m in self.messages() if m["To"] == address and subject(m) == NOTICE_SUBJECT]

    def wait_for(
        self, what: Callable[[], list[Message]], count: int, *, timeout: float = 10.0
    ) -> list[Message]:
        """Poll (bounded) until ``what()`` has at least ``count`` messages: the outbox worker delivers them
        outside the request, a fraction of a second later."""
        deadline = time.monotonic() + timeout
        while True:
            found = what()
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} e-mail(s) within {timeout} s, got {len(found)}; the SMTP server has "
                    f"{[(m['To'], subject(m)) for m in self.messages()]}"
                )
            time.sleep(0.1)


def subject(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def body_text(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes), f"a notice is one text/plain part, not {message.get_content_type()}"
    return payload.decode(message.get_content_charset() or "utf-8")


# --- a live portal with SMTP and the outbox worker ----------------------------------------------------------


@dataclass
class MailPortal:
    portal: LivePortal
    inbox: SmtpInbox
    controller: Controller
    worker: subprocess.Popen[bytes] | None = None
    worker_log: Path | None = None

    def worker_log_tail(self, lines: int = 40) -> str:
        if self.worker_log is None:
            return "(no worker)"
        text = self.worker_log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def worker_problems(self) -> list[str]:
        """Tracebacks or errors in the outbox worker's log, and whether it has stopped."""
        found = []
        if self.worker is not None and self.worker.poll() is not None:
            found.append(f"the outbox worker exited ({self.worker.returncode})")
        if self.worker_log is not None and self.worker_log.exists():
            found += [
                line
                for line in self.worker_log.read_text(errors="replace").splitlines()
                if _WORKER_PROBLEM.search(line)
            ]
        return found


def start_mail_portal(simulator: Any, workdir: Path) -> MailPortal:
    """An SMTP server on a free port, and a portal like conftest's live_portal (a migrated SQLite database of
    its own, the demo data, gunicorn) that sends e-mail to it, with its outbox worker polling every 0.2 s."""
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    env = _portal_env(simulator, workdir / "portal.db")
    env.update(PORTAL_SMTP_HOST="127.0.0.1", PORTAL_SMTP_PORT=str(controller.port))
    try:
        for command in (("db", "upgrade"), ("seed-demo",)):
            done = subprocess.run(
                _portal_command(*command), cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
            )
            if done.returncode:
                raise RuntimeError(f"portal {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
        portal = None
        for _attempt in range(3):
            portal = _start_gunicorn(env, workdir)
            if portal is not None:
                break
        if portal is None:
            raise RuntimeError("no free port for the portal after three attempts")
    except BaseException:
        controller.stop()
        raise
    running = MailPortal(portal, inbox, controller)
    worker_log = workdir / "outbox-worker.log"
    try:
        with worker_log.open("wb") as log:
            running.worker = subprocess.Popen(
                [sys.executable, "-m", "portal.cli", "worker", "--interval", "0.2"],
                cwd=REPO_ROOT,
                env={**env, "PORTAL_BASE_URL": portal.url},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        running.worker_log = worker_log
    except BaseException:
        stop_mail_portal(running)
        raise
    return running


def stop_mail_portal(running: MailPortal) -> None:
    try:
        if running.worker is not None:
            _stop(running.worker)
    finally:
        try:
            _stop(running.portal.process)
        finally:
            running.controller.stop()


class HorizontalScroll(AssertionError):
    """The page scrolls sideways at a phone's width (WCAG 1.4.10 Reflow)."""


_TOO_WIDE = """(width) => {
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (typeof el.className === "string" && el.className.trim()
       ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const found = Array.from(document.querySelectorAll("body *")).filter((el) => {
    const box = el.getBoundingClientRect();
    const spills = el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1
      && getComputedStyle(el).overflowX === "visible";
    return box.right > width + 0.5 || spills;
  });
  return found
    .filter((el) => !found.some((other) => other !== el && el.contains(other)))
    .slice(0, 8)
    .map((el) => `${describe(el)} (width ${el.clientWidth}, content ${el.scrollWidth}): `
      + JSON.stringify(el.textContent.trim().replace(/\\s+/g, " ").slice(0, 90)));
}"""


def assert_fits(page: Page, width: int) -> None:
    """No sideways scrolling at ``width``; on failure, the innermost elements that are too wide or whose
    content spills out of them (a long word or link in a box of the right width)."""
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    if scroll_width > width:
        culprits = page.evaluate(_TOO_WIDE, width)
        raise HorizontalScroll(
            f"{page.url} scrolls sideways at {width} px (scrollWidth {scroll_width}); too wide: {culprits}"
        )


def server_errors_since(portal: LivePortal, offset: int) -> str | None:
    """The portal's log from ``offset`` on, if it shows a 500 or a logged error (as conftest checks)."""
    with portal.log_path.open("rb") as log:
        log.seek(offset)
        lines = log.read().decode("utf-8", errors="replace").splitlines()
    first = next((number for number, line in enumerate(lines) if _SERVER_ERROR.search(line)), None)
    return None if first is None else "\n".join(lines[max(0, first - 5) : first + 60])


# --- logging in ---------------------------------------------------------------------------------------------


def citizen_log_in(page: Page, simulator: Any, person: Person) -> None:
    """Log in at /logga-in with Mobilt BankID på annan enhet; the login page, the waiting page and Mina sidor
    are audited."""
    page.goto("/logga-in")
    assert_accessible(page)
    start_qr_login(page)
    assert_accessible(page)
    simulator.approve(pending_order_ref(simulator), person.personal_number, name=person.name)
    expect(page).to_have_url(MY_PAGES_URL)
    expect(heading(page)).to_have_text(f"Välkommen, {person.name}")
    assert_accessible(page)


def staff_log_in(page: Page, simulator: Any, person: Person, unit: str) -> None:
    """A handläggare logs in at /handlaggare/logga-in with BankID and lands on the unit's inbox."""
    page.goto("/handlaggare/logga-in")
    expect(heading(page)).to_have_text("Inloggning för personal")
    assert_accessible(page)
    start_qr_login(page, "/handlaggare")
    expect(heading(page)).to_have_text("Logga in som personal med BankID")
    assert_accessible(page)
    simulator.approve(pending_order_ref(simulator), person.personal_number, name=person.name)
    expect(page).to_have_url(STAFF_INBOX_URL)
    expect(heading(page)).to_have_text("Ärenden i din enhet")
    expect(page.locator("main")).to_contain_text(f"{unit} – Exempelstads kommun")
    expect(page.locator("header")).to_contain_text(person.name)
    assert_accessible(page)


# --- the citizen --------------------------------------------------------------------------------------------


def set_contact_email(page: Page, address: str) -> None:
    """From Mina sidor to Kontaktuppgifter och aviseringar: type the address, keep e-mail notices on, save."""
    page.get_by_role("link", name="Kontaktuppgifter och aviseringar", exact=True).click()
    expect(page).to_have_url(re.compile(r"/mina-sidor/kontaktuppgifter$"))
    expect(heading(page)).to_have_text("Kontaktuppgifter och aviseringar")
    assert_accessible(page)
    page.get_by_label("E-postadress", exact=True).fill(address)
    page.get_by_label("Meddela mig med e-post när något nytt väntar", exact=True).check()
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page).to_have_url(MY_PAGES_URL)
    expect(page.get_by_role("status")).to_have_text("Dina kontaktuppgifter är sparade.")
    assert_accessible(page)


def _choose(page: Page, control: Radios, value: str) -> None:
    if control.options is YES_NO:  # several yes/no questions on a page: only its fieldset tells them apart
        group(page, control.legend).get_by_label(control.options[value], exact=True).check()
    else:
        # Chosen by its option's own label, unique on the page: this works whether or not the field has its
        # fieldset (at 672aa40 templates/macros/forms.html rendered `Radios` fields without one).
        page.get_by_role("radio", name=control.options[value], exact=True).check()


def submit_hemtjanst(page: Page, simulator: Any, person: Person) -> tuple[str, str]:
    """From Mina sidor: Ansök om hemtjänst with tests.forms.samples' answers, every page audited, signed with
    BankID. Returns the case number and the path of the case page (from Mina ärenden)."""
    answers = raw("hemtjanst")
    open_start_page(page, HEMTJANST)
    start_application(page, HEMTJANST)
    page.get_by_role("link", name=HEMTJANST.steps[0].title, exact=True).click()
    for step in HEMTJANST.steps:
        expect(heading(page)).to_have_text(step.title)
        assert_accessible(page)
        values = answers[step.id]
        for name, control in step.fields.items():
            if isinstance(control, Radios):
                if values.get(name):
                    _choose(page, control, values[name])
            else:
                fill_fields(page, {name: control}, {name: values.get(name)})
        submit_expecting_success(page)
    expect(heading(page)).to_have_text(CHECK_TITLE)
    expect(page.get_by_role("button", name=SIGN_OTHER_DEVICE)).to_be_visible()
    assert_accessible(page)
    sign_with_bankid(page, simulator, person)
    expect(page).to_have_url(RECEIPT_URL, timeout=15_000)
    expect(heading(page)).to_have_text(RECEIPT_TITLE)
    number = page.locator(".case-number").inner_text().strip()
    assert CASE_NUMBER.match(number), number
    assert_accessible(page)

    page.get_by_role("link", name="Gå till Mina sidor").click()
    expect(page).to_have_url(MY_PAGES_URL)
    assert_accessible(page)
    page.get_by_role("link", name="Se alla dina ärenden", exact=True).click()
    card = wait_for_status(page, number, "Mottagen av kommunen")
    assert_accessible(page)
    case_link(card, number).click()
    expect(page).to_have_url(CASE_URL)
    expect(heading(page)).to_have_text(HEMTJANST.title)
    expect(page.locator("main .caption")).to_have_text(f"Ärendenummer {number}")
    assert_accessible(page)
    return number, path_of(page.url)


def case_link(card: Locator, number: str) -> Locator:
    """The case's title link on Mina ärenden, its number in visually hidden text."""
    name = re.compile(rf"^{re.escape(HEMTJANST.title)}\s*, ärendenummer {number}$")
    return card.get_by_role("link", name=name)


def case_card(page: Page, number: str) -> Locator:
    return page.locator("main .card").filter(has_text=number)


def wait_for_status(page: Page, number: str, status: str, *, timeout: float = 10.0) -> Locator:
    """On Mina ärenden: reload until the case shows ``status`` (the worker hands the application to the case
    system outside the request). Bounded; each round waits for the page itself."""
    expect(page).to_have_url(re.compile(r"/mina-arenden$"))
    expect(heading(page)).to_have_text("Mina ärenden")
    deadline = time.monotonic() + timeout
    while True:
        card = case_card(page, number)
        expect(card).to_have_count(1)
        shown = card.locator("dd strong").inner_text().strip()
        if shown == status:
            return card
        if time.monotonic() > deadline:
            raise AssertionError(f"case {number} still shows {shown!r}, not {status!r}, after {timeout} s")
        page.reload()


# --- arranging a case over HTTP -----------------------------------------------------------------------------


class FormPoster:
    """Posts the portal's forms as a browser without JavaScript does (GET the page, POST with its CSRF token),
    for arranging what a test then looks at in Chromium. Each instance has its own cookies: one login."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=15.0)

    def close(self) -> None:
        self.http.close()

    def get(self, path: str, status: int = 200) -> httpx.Response:
        response = self.http.get(path)
        assert response.status_code == status, (path, response.status_code, response.text[:500])
        return response

    def post(self, page: str, action: str, data: dict[str, Any], files: dict[str, Any] | None = None) -> str:
        """Post ``data`` to ``action`` with the CSRF token of ``page``; returns where it redirects to."""
        token = csrf_from(self.get(page).text)
        response = self.http.post(action, data={"csrf_token": token, **data}, files=files)
        assert response.status_code == 302, (action, response.status_code, response.text[:2000])
        return response.headers["Location"]

    def bankid(self, page: str, start: str, simulator: Any, person: Person) -> str:
        """Start a BankID order (Mobilt BankID på annan enhet), approve it, and collect it once: the first
        collect after approval completes the order. Returns where the waiting page sends one on."""
        waiting = self.post(page, start, {"device": "other"})
        simulator.approve(pending_order_ref(simulator), person.personal_number, name=person.name)
        response = self.http.get(waiting)
        assert response.status_code == 302, (waiting, response.status_code, response.text[:500])
        return response.headers["Location"]


@dataclass(frozen=True)
class ArrangedCase:
    number: str
    path: str  # /arenden/<uuid>
    receipt_path: str  # /dokument/<uuid>, the receipt among the case's documents


def arrange_hemtjanst(base_url: str, simulator: Any, person: Person) -> ArrangedCase:
    """``person`` logs in and applies for hemtjänst (tests.forms.samples' answers) over HTTP, signing with the
    simulator."""
    citizen = FormPoster(base_url)
    try:
        assert citizen.bankid("/logga-in", "/logga-in/bankid", simulator, person) == "/mina-sidor"
        draft = citizen.post(f"/e-tjanster/{HEMTJANST.id}", f"/e-tjanster/{HEMTJANST.id}/starta", {})
        answers = raw("hemtjanst")
        for step in HEMTJANST.steps:
            values = {key: value for key, value in answers[step.id].items() if value not in ("", None)}
            citizen.post(
                f"{draft}/steg/{step.id}", f"{draft}/steg/{step.id}", {"action": "continue", **values}
            )
        receipt = citizen.bankid(f"{draft}/granska", f"{draft}/skriv-under/applicant", simulator, person)
        number = re.search(r'class="case-number">([A-Z0-9-]+)<', citizen.get(receipt).text)
        assert number, receipt
        cases = citizen.get("/mina-arenden").text
        link = re.search(rf'href="(/arenden/[0-9a-f-]{{36}})">[^<]*<span[^>]*>[^<]*{number[1]}</span>', cases)
        assert link, cases
        documents = citizen.get(link[1]).text
        kvitto = re.search(r'href="(/dokument/[0-9a-f-]{36})">(?:<bdi>)?Kvittens', documents)
        assert kvitto, documents
        return ArrangedCase(number[1], link[1], kvitto[1])
    finally:
        citizen.close()


def wait_until_received(staff: FormPoster, staff_case_path: str, *, timeout: float = 10.0) -> None:
    """Bounded poll of the staff case page until the outbox worker has handed the case to the case system.
    Handling it before then is undone: the late delivery sets the status back to Mottagen (reported)."""
    deadline = time.monotonic() + timeout
    while "<dt>Status</dt><dd>Mottagen av kommunen</dd>" not in staff.get(staff_case_path).text:
        if time.monotonic() > deadline:
            raise AssertionError(f"{staff_case_path} was not received within {timeout} s")
        time.sleep(0.1)
