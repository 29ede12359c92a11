"""`make loadtest`: real journeys under load (Locust), on one portal and then scaled out.

Sets up a throw-away database (PostgreSQL when 127.0.0.1:5432 answers, else SQLite; LOADTEST_DATABASE=sqlite
or postgresql to choose), migrates it and seeds the demo, starts the BankID simulator, the portal (gunicorn
with the project's settings) and the outbox worker on loopback, and runs tests/load/locustfile.py headless:
citizens log in with BankID, apply for hemtjänst with an attachment, sign, read their case and write to
the handläggare; handläggare answer and publish decisions. Then the same against two portal instances on
two ports and two outbox workers sharing the one database (and Redis for rate limits when it answers).
Prints p50/p95/p99 per request and every failure. Figures, not pass/fail.

LOADTEST_USERS (100), LOADTEST_SPAWN_RATE (5 per second), LOADTEST_TIME (3m), LOADTEST_RUNS ("single scaled").
"""

from __future__ import annotations

import csv
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg

from portal.bench import free_port, postgres_answers
from portal.config import PROJECT_ROOT

USERS = os.environ.get("LOADTEST_USERS", "100")
SPAWN_RATE = os.environ.get("LOADTEST_SPAWN_RATE", "5")
RUN_TIME = os.environ.get("LOADTEST_TIME", "3m")
LOCUSTFILE = PROJECT_ROOT / "tests" / "load" / "locustfile.py"


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {seconds:.0f} s")


@contextmanager
def process(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        child = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=out)  # noqa: S603
        try:
            yield child
        finally:
            child.terminate()
            try:
                child.wait(timeout=40)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2):
            return True
    except OSError:
        return False


def portal_env(database_url: str, tmp: Path, simulator: str, *, redis: bool) -> dict[str, str]:
    env = {
        **os.environ,
        "PORTAL_ENV": "development",
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_INSTANCE_DIR": str(tmp / "instance"),
        "PORTAL_SECRET_KEY": "loadtest-secret-" + secrets.token_hex(16),
        "PORTAL_BANKID_URL": f"{simulator}/rp/v6.0/",
        "PORTAL_BANKID_SIMULATOR": "true",
        # Every simulated user comes from 127.0.0.1 and all handläggare log in as Omar: the login limits
        # (per client address and per identity) would stop the test, not protect anyone. They are tested
        # on their own (tests/auth/test_rate_limits.py); here they still run, shared, on every login.
        "PORTAL_LOGIN_LIMIT_PER_CLIENT": "1000000",
        "PORTAL_LOGIN_LIMIT_PER_IDENTITY": "1000000",
    }
    if redis:
        env["PORTAL_REDIS_URL"] = "redis://127.0.0.1:6379/0"
    return env


def prepare(env: dict[str, str]) -> None:
    for command in (["db", "upgrade"], ["seed-demo"]):
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "portal.cli", *command],
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"portal {' '.join(command)} failed: {done.stderr[-2000:]}")


def report(prefix: Path) -> None:
    stats = list(csv.DictReader((prefix.parent / f"{prefix.name}_stats.csv").open()))
    print(f"{'request':<52} {'count':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
    for row in stats:
        name = row["Name"] if row["Name"] != "Aggregated" else "ALL"
        print(
            f"{name[:52]:<52} {row['Request Count']:>6} {row['Failure Count']:>5} {row['50%']:>6} "
            f"{row['95%']:>6} {row['99%']:>6}"
        )
    total = next((r for r in stats if r["Name"] == "Aggregated"), None)
    if total:
        print(f"throughput {float(total['Requests/s']):.1f} requests/s over the run")
    failures = list(csv.DictReader((prefix.parent / f"{prefix.name}_failures.csv").open()))
    if failures:
        print("failures:")
        for row in failures:
            print(f"  {row['Occurrences']:>5} x {row['Method']} {row['Name']}: {row['Error'][:150]}")
    else:
        print("failures: none")


def run(database_url: str, label: str, instances: int, workers: int) -> None:
    with tempfile.TemporaryDirectory() as tmp_name, ExitStack() as stack:
        tmp = Path(tmp_name)
        sim_port = free_port()
        simulator = f"http://127.0.0.1:{sim_port}"
        redis = instances > 1 and redis_answers()
        env = portal_env(database_url, tmp, simulator, redis=redis)
        prepare(env)
        ports = [free_port() for _ in range(instances)]
        hosts = [f"http://127.0.0.1:{p}" for p in ports]
        stack.enter_context(
            process(
                [
                    sys.executable,
                    "-m",
                    "portal.cli",
                    "bankid-simulator",
                    "--port",
                    str(sim_port),
                    "--order-lifetime",
                    "600",
                    "--portal-url",
                    hosts[0] + "/mina-sidor",
                ],
                env,
                tmp / "simulator.log",
            )
        )
        for i, port in enumerate(ports):
            stack.enter_context(
                process(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "-c",
                        "python:portal.gunicorn_conf",
                        "--access-logfile",
                        "/dev/null",
                        "portal.wsgi:app",
                    ],
                    {**env, "PORT": str(port), "PORTAL_BASE_URL": hosts[i]},
                    tmp / f"portal-{i}.log",
                )
            )
        for i in range(workers):
            stack.enter_context(
                process([sys.executable, "-m", "portal.cli", "worker"], env, tmp / f"worker-{i}.log")
            )
        for host in hosts:
            _wait_for(host + "/")
        _wait_for(simulator + "/")
        print(
            f"\n{label}: {instances} portal instance(s) (gunicorn "
            f"{env.get('WEB_CONCURRENCY', '2')} workers x {env.get('GUNICORN_THREADS', '4')} threads each), "
            f"{workers} outbox worker(s)"
            + (", rate limits in Redis" if redis else "")
            + f"; Locust {USERS} users, +{SPAWN_RATE}/s, {RUN_TIME}"
        )
        prefix = tmp / "locust"
        locust_env = {**env, "LOADTEST_HOSTS": ",".join(hosts), "LOADTEST_SIMULATOR": simulator}
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "--only-summary",
                "-u",
                USERS,
                "-r",
                SPAWN_RATE,
                "-t",
                RUN_TIME,
                "--csv",
                str(prefix),
                "--host",
                hosts[0],
                "--stop-timeout",
                "10",
                "--loglevel",
                "ERROR",
            ],
            env=locust_env,
            cwd=PROJECT_ROOT,
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        report(prefix)
        # What the servers said of trouble (worker timeouts, tracebacks), so a failure above can be told apart
        # from a request Locust cut off when the time was up.
        for log in sorted(tmp.glob("*.log")):
            trouble = [
                line
                for line in log.read_text(errors="replace").splitlines()
                if any(word in line for word in ("Traceback", "ERROR", "CRITICAL", "WORKER TIMEOUT"))
            ]
            if trouble:
                print(f"{log.name}: {len(trouble)} lines of trouble, the first: {trouble[0][:200]}")
        kept = PROJECT_ROOT / "instance" / "loadtest-logs"
        kept.mkdir(parents=True, exist_ok=True)
        for log in tmp.glob("*.log"):
            shutil.copy(log, kept / log.name)
        print(f"the servers' logs: {kept}")
        backlog = subprocess.run(  # noqa: S603
            [sys.executable, "-c", _BACKLOG], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True
        )
        print(backlog.stdout.strip() or backlog.stderr.strip()[-300:])


# What the outbox still had to do at the end: an application is never lost, only later.
_BACKLOG = """
import sqlalchemy as sa
from portal.app import create_app
from portal.db import all_municipalities, get_session
from portal.outbox.models import OutboxItem
app = create_app()
with app.app_context(), all_municipalities():
    stmt = sa.select(OutboxItem.status, sa.func.count()).group_by(OutboxItem.status)
    rows = dict(get_session().execute(stmt).all())
    print("outbox at the end: " + ", ".join(f"{k} {v}" for k, v in sorted(rows.items())))
"""


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/loadtest.db"
        return

    name = f"medborgarvy_load_{secrets.token_hex(4)}"
    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    kind = os.environ.get("LOADTEST_DATABASE") or ("postgresql" if postgres_answers() else "sqlite")
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line), "?"
    )
    print(
        f"machine: {os.cpu_count()} cores ({model}); load average at start "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    print("Locust runs on the same machine and takes its share of the cores.")
    runs = os.environ.get("LOADTEST_RUNS", "single scaled").split()
    if "scaled" in runs and kind == "sqlite":
        print("scale-out needs PostgreSQL (several hosts cannot share a SQLite file): left out")
        runs = [r for r in runs if r != "scaled"]
    label = "PostgreSQL" if kind == "postgresql" else "SQLite (WAL)"
    for name in runs:
        with database(kind) as url:
            if name == "single":
                run(url, f"{label}, one portal", instances=1, workers=1)
            elif name == "scaled":
                run(url, f"{label}, scaled out", instances=2, workers=2)
    print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
