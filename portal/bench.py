"""`make bench`: requests per second and latency of the main pages, served by gunicorn as in production.

Runs wrk (Debian's package) from a second process on loopback against a portal on a free port, on the
database of `make demo` (or PORTAL_DATABASE_URL). Prints one line per page; numbers, not pass/fail.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

from portal.config import PROJECT_ROOT

PAGES = ["/health", "/", "/logga-in", "/tillganglighet"]
# Logged in as Britt (the demo's granted hemtjänst): pages that read case data and write audit events.
CITIZEN_PAGES = ["/mina-sidor", "/mina-arenden", "/kundval/hemtjanst", "/arenden/{case}"]
BRITT = "194101090993"
DURATION = os.environ.get("BENCH_DURATION", "5s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "16")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def citizen_login() -> tuple[str, str, object]:
    """A login session for Britt, as a cookie header wrk can send; her newest case's id; the login."""
    import sqlalchemy as sa

    from portal import create_app
    from portal.accounts.models import Person
    from portal.auth import services
    from portal.cases.models import Case
    from portal.db import get_session, only_municipality
    from portal.municipalities.models import Municipality

    app = create_app()
    with app.test_request_context("/"):
        db = get_session()
        person = db.scalar(sa.select(Person).where(Person.personal_number == BRITT))
        municipality = db.scalar(sa.select(Municipality).where(Municipality.is_default.is_(True)))
        if person is None or municipality is None:
            raise SystemExit("no demo data: run `make demo` first")
        with only_municipality(municipality.id):
            case_id = db.scalar(
                sa.select(Case.id)
                .where(Case.subject_id == person.id)
                .order_by(Case.created_at.desc())
                .limit(1)
            )
        token = services.start_login(person, municipality, method="bench", loa="loa3")
        login_id = services.load_login(token, municipality.id).login.id  # type: ignore[union-attr]
        cookie = app.session_interface.get_signing_serializer(app).dumps({"login": token})  # type: ignore[attr-defined]
    return f"{app.config['SESSION_COOKIE_NAME']}={cookie}", str(case_id), (app, login_id)


def end_login(handle: object) -> None:
    from portal.auth import services
    from portal.auth.models import LoginSession
    from portal.db import get_session

    app, login_id = handle  # type: ignore[misc]
    with app.test_request_context("/"):
        login = get_session().get(LoginSession, login_id)
        if login is not None and login.ended_at is None:
            services.end_login(login, "logout")


def main() -> int:
    # The demo database of `make demo`, measured as development (the portal assumes production otherwise).
    os.environ.setdefault("PORTAL_ENV", "development")
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed: apt-get install wrk")
        return 1
    port = free_port()
    env = {**os.environ, "PORT": str(port), "PORTAL_BANKID_SIMULATOR": "false"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
            "wsgi:app",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/health", timeout=1)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.1)
        workers = env.get("WEB_CONCURRENCY", "2")
        print(f"gunicorn {workers} workers; wrk -t2 -c{CONNECTIONS} -d{DURATION}; {os.cpu_count()} cores")
        print(f"{'page':<18} {'req/s':>10} {'p50':>10} {'p99':>10}")
        cookie, case_id, login = citizen_login()
        runs = [(page, []) for page in PAGES]
        runs += [(page.format(case=case_id), ["-H", f"Cookie: {cookie}"]) for page in CITIZEN_PAGES]
        for page, headers in runs:
            out = subprocess.run(  # noqa: S603
                [wrk, "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", *headers, base + page],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
            p50 = re.search(r"50%\s+([\d.]+\w+)", out)
            p99 = re.search(r"99%\s+([\d.]+\w+)", out)
            errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            label = "/arenden/<case>" if page.startswith("/arenden/") else page
            print(
                f"{label:<18} {rps.group(1) if rps else '?':>10} {p50.group(1) if p50 else '?':>10} "
                f"{p99.group(1) if p99 else '?':>10}" + (f"  ({errors.group(1)} errors)" if errors else "")
            )
        end_login(login)
    finally:
        server.terminate()
        server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
