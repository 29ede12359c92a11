"""`make bench`: the main pages' requests per second and latency as a share of a bare Flask endpoint.

The portal and a bare Flask app (`portal.bench_hello`, `return "hello"`) are served by gunicorn with the same
settings (gunicorn.conf.py) on loopback; wrk measures them interleaved in one run (bare, page, bare, page, …)
so each page's share of bare Flask is measured under the same load of the (shared) machine. Runs on a
throw-away SQLite database and, when 127.0.0.1:5432 answers, a throw-away PostgreSQL database, each with the
demo data plus a unit with 10 000 cases, one citizen of whom has 200. Prints figures, not pass/fail.

BENCH_DURATION (default 4s), BENCH_CONNECTIONS (16), BENCH_DATABASES ("sqlite postgresql").
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import sqlalchemy as sa

from portal.accounts.models import Person
from portal.app import create_app
from portal.auth import logins
from portal.cases.models import Case
from portal.cli import analyze, upgrade_database
from portal.config import PROJECT_ROOT, Config
from portal.db import all_municipalities, only_municipality, unit_of_work
from portal.demo.kundval import seed_granted_case
from portal.demo.seed import seed
from portal.municipalities.models import Municipality
from portal.staff.models import StaffUser
from portal.staff.views import SESSION_KEY as STAFF_SESSION_KEY

DURATION = os.environ.get("BENCH_DURATION", "4s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "16")
BRITT = "194101090993"  # the demo's granted hemtjänst
OMAR = "198009142210"  # handläggare, äldreomsorg: the unit that gets the 10 000 cases
UNIT_CASES = 10_000
CITIZEN_CASES = 200
SECRET = "bench-secret-key-" + secrets.token_hex(16)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Result:
    rps: float
    p50: float  # ms
    p99: float  # ms
    errors: int


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, headers: list[str], duration: str = DURATION) -> Result:
    out = subprocess.run(  # noqa: S603 - loopback, our own arguments
        [
            shutil.which("wrk") or "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{duration}",
            "--latency",
            *headers,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return Result(
        float(rps.group(1)) if rps else 0.0,
        _ms(p50.group(1)) if p50 else 0.0,
        _ms(p99.group(1)) if p99 else 0.0,
        (int(errors.group(1)) if errors else 0)
        + (sum(map(int, socket_errors.groups())) if socket_errors else 0),
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None


def http_status(url: str, cookie: str | None) -> int:
    """The status of one GET, redirects not followed (a login that did not take redirects)."""
    request = urllib.request.Request(url, headers=dict([cookie.split(": ", 1)]) if cookie else {})  # noqa: S310
    try:
        return urllib.request.build_opener(_NoRedirect).open(request, timeout=30).status
    except urllib.error.HTTPError as exc:
        return exc.code


@contextmanager
def gunicorn(app: str, env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null", app],
        cwd=PROJECT_ROOT,
        env={**env, "PORT": str(port)},
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/", timeout=1)  # noqa: S310 - loopback
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def make_data(database_url: str) -> dict[str, str]:
    """Migrate and seed the demo, add the unit of 10 000 cases (bulk inserts); cookies and a case id."""
    upgrade_database(database_url)
    app = create_app(Config.from_env(database_url=database_url, secret_key=SECRET, bankid_simulator=False))
    with app.test_request_context("/"), all_municipalities():
        seed()
        with unit_of_work() as db:
            seed_granted_case(db)  # Britt's granted hemtjänst: the case page measured
            municipality = db.scalar(sa.select(Municipality).where(Municipality.is_default.is_(True)))
            assert municipality is not None  # noqa: S101 - seeded just above
            omar = db.scalar(
                sa.select(StaffUser).where(
                    StaffUser.personal_number == OMAR, StaffUser.municipality_id == municipality.id
                )
            )
            assert omar is not None  # noqa: S101
            people = [
                {"personal_number": f"1950{i:08d}", "given_name": "Test", "surname": f"Person {i}"}
                for i in range(400)
            ]
            db.execute(sa.insert(Person), people)
            ids = db.scalars(
                sa.select(Person.id).where(Person.personal_number.like("1950%")).order_by(Person.id)
            ).all()
            many = ids[0]
            now = dt.datetime.now(dt.UTC)
            cases = [
                {
                    "id": uuid.uuid4(),
                    "case_number": f"B{i:07d}",
                    "municipality_id": municipality.id,
                    "subject_id": many if i < CITIZEN_CASES else ids[1 + i % (len(ids) - 1)],
                    "applicant_id": many if i < CITIZEN_CASES else ids[1 + i % (len(ids) - 1)],
                    "eservice_id": "hemtjanst",
                    "eservice_version": 1,
                    "case_type": "hemtjanst_sol",
                    "unit_id": omar.unit_id,
                    "status": ("submitted", "received", "investigating", "decided", "closed")[i % 5],
                    "payload": {},
                    "external_ref": "",
                    "assigned_to_id": omar.id if i % 3 == 0 else None,
                    "created_at": now - dt.timedelta(minutes=i),
                }
                for i in range(UNIT_CASES)
            ]
            db.execute(sa.insert(Case), cases)
        analyze(database_url)  # as after a large import: the planner's statistics include the new cases
        with unit_of_work() as db:
            britt = db.scalar(sa.select(Person).where(Person.personal_number == BRITT))
            omar_person = db.scalar(sa.select(Person).where(Person.personal_number == OMAR))
            if omar_person is None:
                omar_person = Person(personal_number=OMAR, given_name="Omar", surname="Omsorg")
                db.add(omar_person)
                db.flush()
            many_person = db.get(Person, many)
            with only_municipality(municipality.id):
                case_id = db.scalar(
                    sa.select(Case.id)
                    .where(Case.subject_id == britt.id)
                    .order_by(Case.created_at.desc())
                    .limit(1)  # type: ignore[union-attr]
                )
                tokens = {
                    "britt": logins.start_login(britt, municipality, method="bench", loa="loa3"),
                    "many": logins.start_login(many_person, municipality, method="bench", loa="loa3"),
                    "omar": logins.start_login(
                        omar_person, municipality, method="bench", loa="loa3", staff_user_id=omar.id
                    ),
                }
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        name = app.config["SESSION_COOKIE_NAME"]
        return {
            "case": str(case_id),
            "britt": f"Cookie: {name}={serializer.dumps({'login': tokens['britt']})}",
            "many": f"Cookie: {name}={serializer.dumps({'login': tokens['many']})}",
            "omar": f"Cookie: {name}={serializer.dumps({STAFF_SESSION_KEY: tokens['omar']})}",
        }


def pages(data: dict[str, str]) -> list[tuple[str, str, str | None]]:
    """(label, path, cookie header) for every page measured."""
    return [
        ("/", "/", None),
        ("/logga-in", "/logga-in", None),
        ("/mina-sidor", "/mina-sidor", data["britt"]),
        ("/mina-arenden", "/mina-arenden", data["britt"]),
        ("/arenden/<case>", f"/arenden/{data['case']}", data["britt"]),
        ("/kundval/hemtjanst", "/kundval/hemtjanst", data["britt"]),
        ("/mina-arenden (200)", "/mina-arenden", data["many"]),
        ("inbox (10 000)", "/handlaggare/", data["omar"]),
    ]


def run(database_url: str, label: str) -> None:
    data = make_data(database_url)
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SECRET_KEY": SECRET,
        "PORTAL_BANKID_SIMULATOR": "false",
    }
    print(
        f"\n{label}: gunicorn {env.get('WEB_CONCURRENCY', '2')} workers x {env.get('GUNICORN_THREADS', '4')} "
        f"threads; wrk -t2 -c{CONNECTIONS} -d{DURATION}, interleaved with bare Flask"
    )
    print(f"{'page':<20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'bare req/s':>11} {'share':>7}")
    with gunicorn("portal.bench_hello:app", env) as bare, gunicorn("wsgi:app", env) as portal:
        # Warm up: every worker imports, connects and compiles its templates before the figures count.
        wrk(bare + "/", [], duration="1s")
        for name, path, cookie in pages(data):
            status = http_status(portal + path, cookie)
            if status != 200:
                print(f"{name}: HTTP {status}, not the page: its figures below do not count")
            wrk(portal + path, ["-H", cookie] if cookie else [], duration="1s")
        for name, path, cookie in pages(data):
            hello = wrk(bare + "/", [])
            page = wrk(portal + path, ["-H", cookie] if cookie else [])
            share = page.rps / hello.rps * 100 if hello.rps else 0.0
            figures = f"{page.rps:>8.0f} {page.p50:>8.1f} {page.p99:>8.1f} {hello.rps:>11.0f} {share:>6.1f}%"
            print(f"{name:<20} {figures}" + (f"  ({page.errors} errors)" if page.errors else ""))


def postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            return True
    except OSError:
        return False


def main() -> int:
    # The demo database of `make demo`, measured as development (the portal assumes production otherwise).
    os.environ.setdefault("PORTAL_ENV", "development")
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk")
        return 1
    load = os.getloadavg()
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line), "?"
    )
    print(
        f"machine: {os.cpu_count()} cores ({model}); load average at start "
        + " ".join(f"{x:.2f}" for x in load)
    )
    databases = os.environ.get("BENCH_DATABASES", "sqlite postgresql").split()
    if "sqlite" in databases:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.db", "SQLite (WAL)")
    if "postgresql" in databases:
        if not postgres_answers():
            print("\nPostgreSQL does not answer at 127.0.0.1:5432: left out")
        else:
            name = f"medborgarvy_bench_{secrets.token_hex(4)}"
            admin = "postgresql://postgres@127.0.0.1:5432/postgres"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            try:
                run(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", "PostgreSQL")
            finally:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
