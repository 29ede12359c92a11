"""`make bench`, part two: outbox deliveries per second through the webhook adapter to a local receiver,
the outbox lag (enqueued → delivered) for a burst, and the workers' memory, on SQLite (one worker) and,
when it answers, PostgreSQL (``BENCH_OUTBOX_WORKERS``, default two).

The receiver is a small asyncio HTTP/1.1 server in its own process that checks every signature (one
HMAC-SHA256) and counts the keys, as a case system would. Its own ceiling is measured first, with a raw
asyncio client and no database, so that the outbox figures can be read against it; so is the webhook
adapter's (its pooled httpx client in as many threads as a worker uses, still without a database).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import sqlalchemy as sa

from integrations.base import Delivery
from integrations.webhook import WebhookAdapter, sign
from portal.cli import upgrade_database
from portal.config import PROJECT_ROOT, Config
from portal.outbox.models import OutboxItem

BURST = int(os.environ.get("BENCH_OUTBOX_BURST", "1000"))
ITEMS = int(os.environ.get("BENCH_OUTBOX_ITEMS", "5000"))
WORKERS = int(os.environ.get("BENCH_OUTBOX_WORKERS", "2"))
# "embedded" measures the outbox without any network: the database side's own ceiling.
ADAPTER = os.environ.get("BENCH_OUTBOX_ADAPTER", "webhook")
SECRET = "bench-webhook-secret-0123456789"  # noqa: S105 - signs requests to the bench's own receiver
RESPONSE = (
    b'HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{"reference":"R"}'
)
REFUSED = b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"


# --- the receiver (its own process) ---------------------------------------------------------------------


class _ReceiverProtocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive, just enough for the webhook: headers, a Content-Length body, 201."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
            length = int(headers.get("content-length", "0"))
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            message = headers.get("x-medborgarvy-timestamp", "").encode() + b"." + body
            expected = "sha256=" + hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, headers.get("x-medborgarvy-signature", "")):
                self.transport.write(RESPONSE)  # type: ignore[attr-defined]
            else:
                self.transport.write(REFUSED)  # type: ignore[attr-defined]


def serve_receiver() -> None:
    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_ReceiverProtocol, "127.0.0.1", 0)
        print(server.sockets[0].getsockname()[1], flush=True)
        await server.serve_forever()

    asyncio.run(main())


def start_receiver() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "portal.bench_outbox", "--receiver"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    port = int(proc.stdout.readline())  # type: ignore[union-attr]
    return proc, f"http://127.0.0.1:{port}/"


# --- the ceilings, without a database ---------------------------------------------------------------------


def _signed_request(port: int, n: int) -> bytes:
    body = json.dumps({"idempotency_key": f"ceiling:{n}", "payload": {}}).encode()
    timestamp = int(time.time())
    return (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-Medborgarvy-Timestamp: {timestamp}\r\n"
        f"X-Medborgarvy-Signature: {sign(SECRET, timestamp, body)}\r\n\r\n"
    ).encode() + body


def raw_client(url: str, seconds: float, connections: int) -> int:
    """Signed requests over ``connections`` keep-alive connections for ``seconds``: how many answered."""
    port = int(url.rsplit(":", 1)[1].strip("/"))
    requests = [_signed_request(port, n) for n in range(64)]

    async def one(stop_at: float) -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        done = 0
        while time.monotonic() < stop_at:
            writer.write(requests[done % len(requests)])
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            done += 1
        writer.close()
        return done

    async def main() -> int:
        stop_at = time.monotonic() + seconds
        return sum(await asyncio.gather(*(one(stop_at) for _ in range(connections))))

    return asyncio.run(main())


def adapter_ceiling(url: str, seconds: float, threads: int) -> float:
    """The webhook adapter alone (pooled client, ``threads`` at once, as in a worker): deliveries/s."""
    adapter = WebhookAdapter(url=url, secret=SECRET, timeout=10)
    stop_at = time.monotonic() + seconds
    counter = iter(range(10**9))

    def loop() -> int:
        done = 0
        while time.monotonic() < stop_at:
            n = next(counter)
            adapter.deliver(Delivery("application.submitted", {"case_number": f"C{n}"}, f"ceiling:{n}", 1))
            done += 1
        return done

    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        total = sum(pool.map(lambda _: loop(), range(threads)))
    adapter.close()
    return total / (time.monotonic() - started)


# --- the outbox ----------------------------------------------------------------------------------------


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(database_url: str, label: str, workers: int, url: str, receiver_pid: int) -> None:
    upgrade_database(database_url)
    table = OutboxItem.__table__
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
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    for proc in procs:  # started (a busy machine takes seconds to import everything) before the clock is
        for line in proc.stderr:  # type: ignore[union-attr]
            if "outbox worker started" in line:
                break
        threading.Thread(target=proc.stderr.read, daemon=True).start()  # type: ignore[union-attr]

    def enqueue(prefix: str, count: int) -> None:
        """``count`` items as fast as the database takes them, 50 to a transaction (as web requests
        commit them, each its own moment): an item's lag runs from its own commit."""
        for start in range(0, count, 50):
            now = dt.datetime.now(dt.UTC)
            rows = [
                {
                    "municipality_id": municipality_id,
                    "topic": "application.submitted",
                    "adapter": ADAPTER,
                    "payload": {
                        "case_number": f"BENCH-{i:05d}",
                        "application": {"answers": {"a": "b" * 200}},
                    },
                    "idempotency_key": f"{prefix}:{i}",
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "series_started_at": now,
                    "created_at": now,
                    "last_error": "",
                    "leased_by": "",
                }
                for i in range(start, min(start + 50, count))
            ]
            with engine.begin() as conn:
                conn.execute(sa.insert(table), rows)

    def cpu() -> tuple[float, float]:
        return sum(_cpu_seconds(p.pid) for p in procs), _cpu_seconds(receiver_pid)

    def measure(prefix: str, count: int) -> tuple[int, float, list[float]]:
        started = time.monotonic()
        enqueue(prefix, count)
        done = 0
        while time.monotonic() - started < 300:
            with engine.connect() as conn:
                done = conn.execute(
                    sa.select(sa.func.count())
                    .select_from(table)
                    .where(table.c.status == "delivered", table.c.idempotency_key.like(f"{prefix}:%"))
                ).scalar_one()
            if done >= count:
                break
            time.sleep(0.05)
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(table.c.delivered_at, table.c.created_at).where(
                    table.c.status == "delivered", table.c.idempotency_key.like(f"{prefix}:%")
                )
            ).all()
        lags = sorted((delivered - created).total_seconds() for delivered, created in rows)
        # From the first item's commit to the last delivery.
        span = (
            (max(d for d, _ in rows) - min(c for _, c in rows)).total_seconds()
            if rows
            else time.monotonic() - started
        )
        return done, span, lags

    try:
        time.sleep(0.5)
        done, span, lags = measure("burst", BURST)
        line = f"{label:<11} {workers} worker(s): burst of {BURST}: {done} delivered in {span:.2f} s"
        if lags:
            p95 = lags[max(0, int(len(lags) * 0.95) - 1)]
            line += f" = {done / span:.0f}/s; lag min {lags[0]:.2f} s, p50 {statistics.median(lags):.2f} s"
            line += f", p95 {p95:.2f} s"
        print(line, flush=True)
        before = cpu()
        done, span, lags = measure("sustained", ITEMS)
        after = cpu()
        worker_ms, receiver_ms = ((b - a) * 1000 / max(done, 1) for a, b in zip(before, after, strict=True))
        print(f"{'':<11} {workers} worker(s): {done}/{ITEMS} delivered in {span:.2f} s = {done / span:.0f}/s")
        print(
            f"{'':<11} CPU per delivery: workers {worker_ms:.2f} ms, receiver {receiver_ms:.2f} ms "
            f"(the database's not counted); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        rss = ", ".join(f"{_peak_rss_mb(p.pid):.0f}" for p in procs)
        print(f"{'':<11} worker peak RSS: {rss} MB", flush=True)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM outbox_item"))
            conn.execute(sa.text("DELETE FROM municipality WHERE slug = 'bench'"))
        engine.dispose()


def main() -> int:
    receiver, url = start_receiver()
    try:
        connections = Config().outbox_concurrency
        seconds = 3.0
        answered = raw_client(url, seconds, connections)
        print(
            f"receiver ceiling (raw asyncio client, {connections} connections, no database): "
            f"{answered / seconds:.0f}/s"
        )
        print(
            f"webhook adapter ceiling ({connections} threads, pooled httpx, no database): "
            f"{adapter_ceiling(url, seconds, connections):.0f}/s",
            flush=True,
        )
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{Path(tmp) / 'bench.db'}", "SQLite", 1, url, receiver.pid)
        try:
            with socket.create_connection(("127.0.0.1", 5432), timeout=2):
                pass
        except OSError:
            print("PostgreSQL does not answer at 127.0.0.1:5432: no PostgreSQL figures")
            return 0

        name = f"medborgarvy_bench_{secrets.token_hex(4)}"
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            run(
                f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
                "PostgreSQL",
                WORKERS,
                url,
                receiver.pid,
            )
        finally:
            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--receiver"]:
        serve_receiver()
        sys.exit(0)
    sys.exit(main())
