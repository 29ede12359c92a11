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
DURATION = os.environ.get("BENCH_DURATION", "5s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "16")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
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
        for page in PAGES:
            out = subprocess.run(  # noqa: S603
                [wrk, "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", base + page],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
            p50 = re.search(r"50%\s+([\d.]+\w+)", out)
            p99 = re.search(r"99%\s+([\d.]+\w+)", out)
            errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            print(
                f"{page:<18} {rps.group(1) if rps else '?':>10} {p50.group(1) if p50 else '?':>10} "
                f"{p99.group(1) if p99 else '?':>10}" + (f"  ({errors.group(1)} errors)" if errors else "")
            )
    finally:
        server.terminate()
        server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
