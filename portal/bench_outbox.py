"""`make bench`, part two: outbox deliveries per second through the webhook adapter to a local receiver,
and the outbox lag (enqueued → delivered), on SQLite and, when it answers, PostgreSQL."""

from __future__ import annotations

import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import sqlalchemy as sa

from portal.config import PROJECT_ROOT

ITEMS = int(os.environ.get("BENCH_OUTBOX_ITEMS", "300"))
WORKERS = int(os.environ.get("BENCH_OUTBOX_WORKERS", "2"))
SECRET = "bench-webhook-secret-0123456789"  # noqa: S105 - signs requests to the bench's own receiver


class Receiver(BaseHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = json.dumps({"reference": "R"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def run(database_url: str, label: str, workers: int) -> None:
    from portal.cli import upgrade_database

    upgrade_database(database_url)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM outbox_item"))
        conn.execute(sa.text("DELETE FROM municipality WHERE slug = 'bench'"))
        conn.execute(
            sa.text(
                "INSERT INTO municipality (slug, name, host_names, is_default, logo_path, brand_colour, "
                "brand_colour_dark, contact_phone, contact_email, website_url, enabled_eservices, adapters, "
                "adapter_settings, created_at) VALUES ('bench', 'Bench', '[]', false, '', '#1d4f91', "
                "'#123563', '', '', '', '[]', '{}', :settings, CURRENT_TIMESTAMP)"
            ),
            {"settings": json.dumps({"webhook": {"url": url, "secret": SECRET}})},
        )
        municipality_id = conn.execute(sa.text("SELECT id FROM municipality WHERE slug = 'bench'")).scalar()
    env = {
        **os.environ,
        "PORTAL_ENV": "test",
        "PORTAL_SECRET_KEY": secrets.token_hex(32),
        "PORTAL_DATABASE_URL": database_url,
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "portal.cli", "worker", "--interval", "0.05"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    time.sleep(2)  # let the workers start before the clock does
    started = time.monotonic()
    with engine.begin() as conn:
        for i in range(ITEMS):
            conn.execute(
                sa.text(
                    "INSERT INTO outbox_item (municipality_id, topic, adapter, payload, idempotency_key, "
                    "status, attempts, next_attempt_at, last_error, created_at) VALUES (:m, "
                    "'application.submitted', 'webhook', '{}', :k, 'pending', 0, CURRENT_TIMESTAMP, '', "
                    "CURRENT_TIMESTAMP)"
                ),
                {"m": municipality_id, "k": f"bench:{i}"},
            )
    try:
        while True:
            with engine.connect() as conn:
                done = conn.execute(
                    sa.text("SELECT count(*) FROM outbox_item WHERE status = 'delivered'")
                ).scalar()
            if done >= ITEMS or time.monotonic() - started > 300:
                break
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT delivered_at, created_at FROM outbox_item "
                    "WHERE status = 'delivered' AND idempotency_key LIKE 'bench:%'"
                )
            ).all()
        lags = sorted(_seconds(delivered, created) for delivered, created in rows)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)
        server.shutdown()
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM outbox_item WHERE idempotency_key LIKE 'bench:%'"))
            conn.execute(sa.text("DELETE FROM municipality WHERE slug = 'bench'"))
        engine.dispose()
    lag = lags
    print(
        f"{label:<11} {workers} worker(s): {done}/{ITEMS} delivered in {elapsed:.1f} s "
        f"= {done / elapsed:.0f}/s; "
        f"lag p50 {statistics.median(lag):.2f} s, p95 {lag[int(len(lag) * 0.95) - 1]:.2f} s"
        if lag
        else f"{label}: nothing delivered"
    )


def _seconds(delivered: object, created: object) -> float:
    import datetime as dt

    def parse(value: object) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None)
        return dt.datetime.fromisoformat(str(value)).replace(tzinfo=None)

    return (parse(delivered) - parse(created)).total_seconds()


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'bench.db'}", "SQLite", 1)
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=2):
            pass
    except OSError:
        print("PostgreSQL does not answer at 127.0.0.1:5432: no PostgreSQL figures")
        return 0
    import psycopg

    name = f"medborgarvy_bench_{secrets.token_hex(4)}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        run(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", "PostgreSQL", WORKERS)
    finally:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
