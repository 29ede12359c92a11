"""Run a command against a throw-away PostgreSQL database, when 127.0.0.1:5432 answers.

Usage: python tests/postgres.py COMMAND...   The command gets PORTAL_TEST_DATABASE_URL. In CI (CI=true) a
PostgreSQL that does not answer is a failure; on a developer's machine it is reported and skipped.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys

HOST, PORT = "127.0.0.1", 5432
ADMIN_URL = os.environ.get("PORTAL_TEST_POSTGRES_ADMIN", f"postgresql://postgres@{HOST}:{PORT}/postgres")


def answers() -> bool:
    try:
        with socket.create_connection((HOST, PORT), timeout=2):
            return True
    except OSError:
        return False


def main(argv: list[str]) -> int:
    if not answers():
        print(f"PostgreSQL does not answer at {HOST}:{PORT}: the PostgreSQL run is left out.")
        return 1 if os.environ.get("CI") == "true" else 0
    import psycopg

    name = f"medborgarvy_test_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgresql+psycopg://postgres@{HOST}:{PORT}/{name}"
        print(f"Running against PostgreSQL database {name}")
        return subprocess.call(argv, env={**os.environ, "PORTAL_TEST_DATABASE_URL": url})
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
