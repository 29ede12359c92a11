"""Sending one request several times at once, as a double click, a phone that reconnects or two open tabs
do: real commits on the test database (SQLite, or PostgreSQL in make test's PostgreSQL pass), each copy in
its own thread with its own test client and database session."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.auth.login_helpers import log_in


def new_personal_number() -> str:
    """A valid personnummer nobody else in the test database has (born 1950-1999), so what a test commits
    stays its own."""
    digits = f"19{secrets.randbelow(50) + 50:02d}{secrets.randbelow(12) + 1:02d}"
    digits += f"{secrets.randbelow(28) + 1:02d}{secrets.randbelow(1000):03d}"
    total = 0
    for i, ch in enumerate(digits[2:]):
        product = int(ch) * (2 if i % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return digits + str((10 - total % 10) % 10)


def logged_in_client(app: Flask, simulator: Any, personal_number: str) -> FlaskClient:
    client = app.test_client()
    log_in(client, simulator, personal_number)
    return client


def same_browser(client: FlaskClient, copies: int) -> list[FlaskClient]:
    """``copies`` clients carrying ``client``'s cookies: the same browser in several tabs."""
    clients = []
    for _ in range(copies):
        other = client.application.test_client()
        for cookie in client._cookies.values():
            other.set_cookie(cookie.decoded_key, cookie.decoded_value, domain=cookie.domain, path=cookie.path)
        clients.append(other)
    return clients


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call in its own thread, released together; their results in order (an exception is
    returned, not raised, so one failure does not hide what the others did)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
