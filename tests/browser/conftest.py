"""Browser tests: the portal served by gunicorn as in production, the BankID simulator as a separate process,
Debian's Chromium driven by Playwright. Everything is per test session, so per pytest-xdist worker: each
worker has its own portal (own port, own SQLite database) and its own browser.

Never ``playwright install``: the tests use /usr/bin/chromium, which ``make test`` installs.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from tests.browser.helpers import AXE_PATH, REPO_ROOT, NewContext

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
_STARTUP_TIMEOUT = 30.0

# Waits are explicit; BankID status moves on every collect interval (1 s here), so 10 s is ample.
expect.set_options(timeout=10_000)


@dataclass
class LivePortal:
    url: str  # "http://127.0.0.1:PORT", no trailing slash
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _portal_env(simulator: Any, database: Path) -> dict[str, str]:
    # Nothing of the developer's own PORTAL_* settings may leak into the server under test.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env.update(
        PORTAL_ENV="test",
        PORTAL_SECRET_KEY=secrets.token_hex(20),  # 40 characters
        PORTAL_DATABASE_URL=f"sqlite:///{database}",
        PORTAL_BANKID_URL=simulator.base_url,
        PORTAL_BANKID_APP_URL=simulator.root_url + "app",
        PORTAL_BANKID_COLLECT_INTERVAL="1",
        PORTAL_DEMO="true",
        # Every browser test logs in from 127.0.0.1: one client for the login limits, which
        # tests/auth/test_rate_limits.py tests on their own.
        PORTAL_LOGIN_LIMIT_PER_CLIENT="100000",
        PORTAL_LOGIN_LIMIT_PER_IDENTITY="100000",
        PYTHONUNBUFFERED="1",
    )
    return env


def _portal_command(*args: str) -> list[str]:
    script = Path(sys.executable).with_name("portal")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "portal.cli", *args]


def _gunicorn_options() -> list[str]:
    # gunicorn >= 25.1 opens a control socket at one fixed path per user ($HOME/.gunicorn/gunicorn.ctl):
    # a test server must not take it over from `make run` or from the server of another xdist worker.
    try:
        from gunicorn.config import ControlSocketDisable  # noqa: F401
    except ImportError:
        return []
    return ["--no-control-socket"]


def _start_gunicorn(env: dict[str, str], log_dir: Path, port: int | None = None) -> LivePortal | None:
    """Serve on ``port`` (default: a free one); None if the port was taken before gunicorn bound it."""
    port = port or _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**env, "PORT": str(port), "HOST": "127.0.0.1", "PORTAL_BASE_URL": url}
    log_path = log_dir / f"gunicorn-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", *_gunicorn_options(), "wsgi:app"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    portal = LivePortal(url, process, log_path)
    deadline = time.monotonic() + _STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            if "Address already in use" in portal.log_tail():
                return None
            raise RuntimeError(f"gunicorn exited ({process.returncode}):\n{portal.log_tail()}")
        try:
            if httpx.get(url + "/health", timeout=1.0).status_code == 200:
                return portal
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    _stop(process)
    raise RuntimeError(f"the portal did not answer /health within {_STARTUP_TIMEOUT} s:\n{portal.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def launch_portal(
    simulator: Any, workdir: Path, *, port: int | None = None, **settings: str
) -> Iterator[LivePortal]:
    """A portal under gunicorn on a new migrated SQLite database with the demo data, using the simulator;
    ``settings`` are extra PORTAL_* variables (e.g. PORTAL_SESSION_IDLE_SECONDS="30")."""
    env = {**_portal_env(simulator, workdir / "portal.db"), **settings}
    for command in (("db", "upgrade"), ("seed-demo",)):
        done = subprocess.run(
            _portal_command(*command), cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        if done.returncode:
            raise RuntimeError(f"portal {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    portal = None
    for _attempt in range(1 if port else 3):
        portal = _start_gunicorn(env, workdir, port)
        if portal is not None:
            break
    if portal is None:
        raise RuntimeError("no free port for the portal")
    try:
        yield portal
    finally:
        _stop(portal.process)


@pytest.fixture(scope="session")
def live_portal(bankid_simulator: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePortal]:
    """The portal under gunicorn on a migrated SQLite database with the demo data, using the simulator."""
    yield from launch_portal(bankid_simulator, tmp_path_factory.mktemp("live-portal"))


@pytest.fixture(scope="session")
def portal_url(live_portal: LivePortal) -> str:
    return live_portal.url


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. Run `make test` (it installs "
            "it with apt-get) or `apt-get install chromium`. Do not run `playwright install`.",
            pytrace=False,
        )
    if not AXE_PATH.is_file():
        pytest.fail(
            f"{AXE_PATH} is missing: run `npm ci` (or `make browser-deps`) for axe-core.", pytrace=False
        )
    try:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:
        pytest.fail(f"Chromium at {CHROMIUM} did not start: {exc}", pytrace=False)
    yield instance
    instance.close()


_CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


@pytest.fixture
def new_context(
    browser: Browser, portal_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[NewContext]:
    """Make fresh browser contexts (own cookies): Swedish, base_url the portal, bypass_csp for axe's
    <script> tag unless a test says otherwise. Every page's uncaught JavaScript errors fail the test;
    on a failure, screenshots of the open pages are kept in the test's tmp_path."""
    contexts: list[BrowserContext] = []
    page_errors: list[str] = []

    def make(**options: Any) -> BrowserContext:
        settings: dict[str, Any] = {"base_url": portal_url, "locale": "sv-SE", "bypass_csp": True}
        settings.update(options)
        context = browser.new_context(**settings)
        context.set_default_timeout(10_000)
        context.on(
            "page",
            lambda page: page.on("pageerror", lambda error: page_errors.append(f"{page.url}: {error}")),
        )
        contexts.append(context)
        return context

    yield make

    if request.node.stash.get(_CALL_FAILED, False):
        for number, page in enumerate(page for context in contexts for page in context.pages):
            path = tmp_path / f"page-{number}.png"
            try:
                page.screenshot(path=path, full_page=True)
                print(f"screenshot of {page.url}: {path}")
            except Exception as exc:  # a crashed page must not hide the test's own failure
                print(f"no screenshot of {page.url}: {exc}")
    for context in contexts:
        context.close()
    assert not page_errors, f"uncaught JavaScript errors: {page_errors}"


@pytest.fixture
def context(new_context: NewContext) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture(autouse=True)
def _fresh_simulator(bankid_simulator: Any) -> None:
    """No orders or maintenance mode left over from an earlier test."""
    bankid_simulator.reset()


# 5xx in the access log (503 excepted: the portal's deliberate answer while BankID is in maintenance), and
# anything the portal logs as an error.
_SERVER_ERROR = re.compile(r'" 5(?!03)\d\d \d|Traceback|\bERROR\b|\bCRITICAL\b')


def _assert_running(portal: LivePortal) -> None:
    if portal.process.poll() is not None:
        pytest.fail(
            f"the portal's gunicorn has exited ({portal.process.returncode}); did something outside the "
            f"tests stop it? (see 'Handling signal' in {portal.log_path}):\n{portal.log_tail()}",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _no_server_errors(live_portal: LivePortal) -> Iterator[None]:
    """A 500 or a logged error in the portal fails the test with the portal's own log (set up before, and
    so checked after, the test's browser contexts have closed)."""
    _assert_running(live_portal)
    start = live_portal.log_path.stat().st_size
    yield
    with live_portal.log_path.open("rb") as log:
        log.seek(start)
        new = log.read().decode("utf-8", errors="replace")
    lines = new.splitlines()
    first = next((number for number, line in enumerate(lines) if _SERVER_ERROR.search(line)), None)
    if first is not None:
        excerpt = "\n".join(lines[max(0, first - 5) : first + 100])
        pytest.fail(f"the portal logged errors ({live_portal.log_path}):\n{excerpt}", pytrace=False)
    _assert_running(live_portal)
