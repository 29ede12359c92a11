"""Shared fixtures: a migrated database per test worker (SQLite, or PostgreSQL when
PORTAL_TEST_DATABASE_URL says so), the app, a rolled-back transaction per test, a test client that checks
every page it renders, and the BankID simulator running as a real HTTP service."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import sessionmaker

from portal.app import create_app
from portal.cli import upgrade_database
from portal.config import Config
from portal.db import all_municipalities

pytest_plugins = ["tests.fixtures.bankid_simulator"]

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def _worker_database(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str, purpose: str = ""
) -> Iterator[str]:
    base = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.db'}"
        return
    # One database per xdist worker, so parallel workers never migrate or clean the same one.
    url = sa.engine.make_url(base)
    name = f"{url.database}_{worker_id}{purpose}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    yield from _worker_database(tmp_path_factory, worker_id)


def make_config(database_url: str, bankid_url: str, **overrides: object) -> Config:
    values: dict[str, object] = {
        "env": "test",
        "secret_key": TEST_SECRET,
        "database_url": database_url,
        "bankid_url": bankid_url,
        "bankid_collect_interval": 0.0,
        "demo": True,
    }
    values.update(overrides)
    return Config(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def migrated_app(database_url: str, bankid_simulator) -> Flask:  # type: ignore[no-untyped-def]
    """The app on a database built by the real migrations, with the demo data."""
    upgrade_database(database_url)
    app = create_app(make_config(database_url, bankid_simulator.base_url))
    with app.app_context(), all_municipalities():
        from portal.demo.seed import seed

        seed()
    return app


@pytest.fixture(scope="session")
def committing_app(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str, bankid_simulator
) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    """The app on a migrated, seeded database of its own, for tests whose requests commit for real and at
    the same time (tests/concurrency.py): what they leave behind never reaches the other tests."""
    database = _worker_database(tmp_path_factory, worker_id, "_commits")
    url = next(database)
    upgrade_database(url)
    app = create_app(make_config(url, bankid_simulator.base_url))
    with app.app_context(), all_municipalities():
        from portal.demo.seed import seed

        seed()
    try:
        yield app
    finally:
        app.extensions["db_engine"].dispose()
        database.close()


def rolled_back(app: Flask) -> Iterator[Flask]:
    """``app`` with everything a test writes rolled back at its end (services' commits become savepoints)."""
    engine: sa.Engine = app.extensions["db_engine"]
    original = app.extensions["db_sessionmaker"]
    connection = engine.connect()
    outer = connection.begin()
    app.extensions["db_sessionmaker"] = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield app
    finally:
        app.extensions["db_sessionmaker"] = original
        outer.rollback()
        connection.close()


@pytest.fixture
def app(migrated_app: Flask) -> Iterator[Flask]:
    """The app, with everything a test writes rolled back at its end."""
    yield from rolled_back(migrated_app)


@pytest.fixture
def fresh_app(migrated_app: Flask) -> Iterator[Flask]:
    """A new app on the same database, for tests that add routes (Flask allows that only before a request)."""
    app = create_app(migrated_app.config["PORTAL"])
    yield app
    app.extensions["db_engine"].dispose()


# A date, or a date and time with seconds (no fraction) and an offset: what the Nu Html Checker accepts for
# the moments the portal shows.
VALID_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2}))?")


class PageChecker(HTMLParser):
    """Collects what every page must get right: lang, a title, one h1, unique ids, no inline script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.h1 = 0
        self.html_lang: str | None = None
        self.html_dir: str | None = None
        self.title = ""
        self.in_title = False
        self.inline_scripts = 0
        self.inline_handlers: list[str] = []
        self.style_attrs = 0
        self.main = 0
        self.datetimes: list[str] = []
        self.error_summary = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.html_lang = attributes.get("lang")
            self.html_dir = attributes.get("dir")
        if tag == "h1":
            self.h1 += 1
        if tag == "main":
            self.main += 1
        if tag == "title":
            self.in_title = True
        if tag == "script" and not attributes.get("src"):
            self.inline_scripts += 1
        if attributes.get("id"):
            self.ids.append(attributes["id"])  # type: ignore[arg-type]
        self.inline_handlers += [name for name in attributes if name.startswith("on")]
        if "style" in attributes:
            self.style_attrs += 1
        if tag == "time" and "datetime" in attributes:
            self.datetimes.append(attributes["datetime"] or "")
        classes = (attributes.get("class") or "").split()
        if attributes.get("id") == "error-summary" or "notice--error" in classes:
            self.error_summary = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data


def check_page(html: str) -> None:
    checker = PageChecker()
    checker.feed(html)
    assert checker.html_lang in {"sv", "en", "fi", "ar"}, "every page declares its language on <html>"
    expected_dir = "rtl" if checker.html_lang == "ar" else None
    assert checker.html_dir == expected_dir, "Arabic pages are dir=rtl, the others ltr"
    assert checker.title.strip(), "every page has a title"
    assert checker.h1 == 1, f"a page has exactly one h1, this one has {checker.h1}"
    assert checker.main == 1, "a page has one main landmark"
    duplicates = {i for i in checker.ids if checker.ids.count(i) > 1}
    assert not duplicates, f"duplicate ids: {duplicates}"
    assert checker.inline_scripts == 0, "no inline script (the CSP forbids it)"
    assert not checker.inline_handlers, f"no inline event handlers: {checker.inline_handlers}"
    assert checker.style_attrs == 0, "no style attributes (the CSP forbids them)"
    assert not re.search(r"\b\d{8}-?\d{4}\b", checker.title), "no personnummer in a title"
    invalid = [value for value in checker.datetimes if not VALID_DATETIME.fullmatch(value)]
    assert not invalid, f"<time datetime> values HTML does not allow (whole seconds, with offset): {invalid}"
    if checker.error_summary:
        assert re.match(r"(Fel|Error): ", checker.title.strip()), (
            f"a page that shows an error says so first in its title: {checker.title.strip()!r}"
        )


class CheckingClient(FlaskClient):
    """A test client that checks every HTML page it receives (see check_page)."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().open(*args, **kwargs)
        if response.mimetype == "text/html" and not 300 <= response.status_code < 400:
            check_page(response.get_data(as_text=True))
        return response


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = CheckingClient
    return app.test_client()


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        # Savepoints are the test harness's, not the page's.
        if "SAVEPOINT" not in statement.upper():
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Iterator[QueryCounter]:
    """Counts the SQL statements the app runs, to show a page's queries do not grow with the data."""
    from sqlalchemy import event

    counter = QueryCounter()
    engine = app.extensions["db_engine"]
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)
