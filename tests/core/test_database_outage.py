"""While the database cannot be reached, pages answer 503 "temporarily unavailable" with Retry-After (not
500: nothing is broken, and monitoring should not count it as a fault), the API a problem+json 503, and
/health says the database is down; once it is back, the same app answers 200 again, without a restart.

PostgreSQL: the app reaches the database through a TCP proxy the test stops (connections cut, new ones
refused) and starts again. SQLite: the app's database file is missing, then put in place."""

from __future__ import annotations

import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.app import create_app
from tests.conftest import check_page, make_config


class TcpProxy:
    """Forwards a local port to the database; ``stop`` cuts every connection and refuses new ones."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, []
        if listener is not None:
            with suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for connection in connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@contextmanager
def outage_on_postgresql(database_url: str, simulator_url: str) -> Iterator[tuple[Flask, object, object]]:
    url = sa.engine.make_url(database_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    app = create_app(make_config(url.set(port=proxy.port).render_as_string(False), simulator_url))
    try:
        yield app, proxy.stop, proxy.start
    finally:
        proxy.stop()
        app.extensions["db_engine"].dispose()


@contextmanager
def outage_on_sqlite(
    database_url: str, simulator_url: str, place: Path
) -> Iterator[tuple[Flask, object, object]]:
    source = Path(sa.engine.make_url(database_url).database or "")
    target = place / "gone" / "portal.db"
    app = create_app(make_config(f"sqlite:///{target}", simulator_url))

    def back() -> None:
        target.parent.mkdir(exist_ok=True)
        with sqlite3.connect(source) as original, sqlite3.connect(target) as copy:
            original.backup(copy)  # with what is still in the write-ahead log
        original.close()
        copy.close()

    try:
        yield app, lambda: None, back  # down from the start: the file is not there
    finally:
        app.extensions["db_engine"].dispose()


def assert_unavailable(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/")
    assert page.status_code == 503, page.text
    assert page.headers["Retry-After"] == "30"
    check_page(page.text)
    assert "Tjänsten är tillfälligt otillgänglig" in page.text
    english = client.application.test_client()
    english.set_cookie("portal_locale", "en")
    assert "The service is temporarily unavailable" in english.get("/").text

    api = client.get("/api/v1/cases/K7MR-4TXA", headers={"Authorization": "Bearer some-token"})
    assert api.status_code == 503
    assert api.mimetype == "application/problem+json"
    assert api.get_json()["reason"] == "database-unavailable"
    assert api.headers["Retry-After"] == "30"

    # Also where routing fails (a method no route takes): problem details, not the HTML page.
    trace = client.open("/api/v1/openapi.json", method="TRACE")
    assert (trace.status_code, trace.mimetype) == (503, "application/problem+json")

    health = client.get("/health")
    assert health.status_code == 503
    assert health.get_json()["database"] == "unavailable"


def assert_available(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/").status_code == 200
    assert client.get("/health").get_json()["database"] == "ok"
    api = client.get("/api/v1/cases/K7MR-4TXA", headers={"Authorization": "Bearer some-token"})
    assert api.status_code == 401  # the database answers: the token is looked up and unknown


def test_pages_say_temporarily_unavailable_while_the_database_is_down_and_recover_by_themselves(
    migrated_app, database_url, bankid_simulator, tmp_path
):
    if database_url.startswith("postgresql"):
        outage = outage_on_postgresql(database_url, bankid_simulator.base_url)
    else:
        outage = outage_on_sqlite(database_url, bankid_simulator.base_url, tmp_path)
    on_postgresql = database_url.startswith("postgresql")
    with outage as (app, down, back):
        client = app.test_client()
        # PostgreSQL: up, down, up, down, up. SQLite: down (no file), up. (A file that goes away under an
        # open SQLite connection stays readable to it: there is no outage to make.)
        for _cycle in range(2 if on_postgresql else 1):
            if on_postgresql:
                assert_available(client)
            down()
            assert_unavailable(client)
            back()
            assert_available(client)


@pytest.mark.parametrize("path", ["/", "/health"])
def test_a_request_never_answers_500_for_an_unreachable_database(
    migrated_app, bankid_simulator, tmp_path, path
):
    app = create_app(make_config(f"sqlite:///{tmp_path}/nowhere/portal.db", bankid_simulator.base_url))
    try:
        assert app.test_client().get(path).status_code == 503
    finally:
        app.extensions["db_engine"].dispose()
