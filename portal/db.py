"""SQLAlchemy 2 declarative base, shared column types, the per-app engine and session, the unit of work, and
tenancy.

The unit of work: one place commits. Services add to the session and ``flush()``, never commit; views never
touch the session's transaction at all. A web request is one transaction: when it produced a normal response
the hook below commits it; on an exception or an error page (``portal.errors``, the API's problem details) it
is rolled back, so a change and its audit event land together or not at all. A CLI command, a worker job, the
demo seed and the bench scripts say where their transactions are with ``unit_of_work()``. The few things that
must be committed on their own are marked with ``commit_now(session, reason)`` in a service, each saying why:
events that must persist although the request fails (a refused login, a rate limit), and a commit before a
call to BankID or a wait, so that no transaction (nor SQLite's write lock) stays open across it. An access
refused to an object is a domain error (``portal.domain_errors.AccessDenied``): its handler rolls back, then
records and commits the ``access_denied`` event.

Tenancy lives here, in one place: every ORM statement on a ``MunicipalMixin`` model is limited to the
municipality in scope, wherever the model appears (FROM, joins, subqueries, ``session.get``, relationship and
lazy loads, bulk UPDATE and DELETE), and a new municipal record must be of that municipality. A request's
scope is its municipality (``portal.municipalities``), an API request's its client's. Work that spans
municipalities says so with ``all_municipalities()`` (grep for it: the worker, CLI commands, the demo seed,
tests that make data); ``only_municipality(id)`` is its counterpart for work on one. With neither, a
statement on a municipal model raises ``NoMunicipality``: a forgotten scope fails loudly, never reads all.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """Timestamps are always timezone-aware UTC, also on SQLite which stores no zone."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_uuid() -> uuid.UUID:
    return uuid.uuid4()


IntPK = Annotated[int, mapped_column(primary_key=True)]
UUIDPK = Annotated[uuid.UUID, mapped_column(sa.Uuid, primary_key=True, default=new_uuid)]
CreatedAt = Annotated[dt.datetime, mapped_column(UTCDateTime, default=utcnow, nullable=False)]
Timestamp = Annotated[dt.datetime, mapped_column(UTCDateTime, nullable=False)]
OptionalTimestamp = Annotated[dt.datetime | None, mapped_column(UTCDateTime, nullable=True)]
Str100 = Annotated[str, mapped_column(sa.String(100))]
Str200 = Annotated[str, mapped_column(sa.String(200))]


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class MunicipalMixin:
    """A record that belongs to one municipality: every query on it is limited to the one in scope."""

    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)


T = TypeVar("T")


# --- tenancy ------------------------------------------------------------------------------------------------


class NoMunicipality(RuntimeError):
    """A statement on a municipal model with no municipality in scope and no ``all_municipalities()``."""


class _AllMunicipalities:
    def __repr__(self) -> str:
        return "ALL_MUNICIPALITIES"


ALL_MUNICIPALITIES = _AllMunicipalities()
# A context variable, not the session or ``g``: a test's data-making block and the request it then makes
# share one app context (and session), yet the request must see only its own municipality.
_scope: contextvars.ContextVar[int | _AllMunicipalities | None] = contextvars.ContextVar(
    "municipality_scope", default=None
)


def municipality_in_scope() -> int:
    """The id every municipal query is limited to now; raises when there is none."""
    scope = _scope.get()
    if scope is None or scope is ALL_MUNICIPALITIES:
        raise NoMunicipality(
            "a query on a municipal model outside a request's municipality: wrap work that spans "
            "municipalities in all_municipalities(), or one municipality's in only_municipality(id)"
        )
    return scope  # type: ignore[return-value]


def set_scope(scope: int | _AllMunicipalities | None) -> contextvars.Token[int | _AllMunicipalities | None]:
    """Set the scope until ``reset_scope(token)``: for a request (portal.municipalities, the API)."""
    return _scope.set(scope)


def reset_scope(token: contextvars.Token[int | _AllMunicipalities | None]) -> None:
    _scope.reset(token)


@contextlib.contextmanager
def all_municipalities() -> Iterator[None]:
    """The explicit opt-out: queries inside see every municipality's records (the worker, CLI, seed)."""
    token = _scope.set(ALL_MUNICIPALITIES)
    try:
        yield
    finally:
        _scope.reset(token)


@contextlib.contextmanager
def only_municipality(municipality_id: int) -> Iterator[None]:
    """Queries inside see only this municipality's records, as a request there does."""
    token = _scope.set(municipality_id)
    try:
        yield
    finally:
        _scope.reset(token)


# Evaluated when a statement runs, not when it is built: the compiled SQL stays cached for every scope.
_SCOPE_PARAM = sa.bindparam("municipality_in_scope", callable_=municipality_in_scope, type_=sa.Integer)
# Relationship loads get the criteria from the hook below themselves, so it need not travel with objects.
_MUNICIPAL_CRITERIA = with_loader_criteria(
    MunicipalMixin,
    lambda cls: cls.municipality_id == _SCOPE_PARAM,
    include_aliases=True,
    propagate_to_loaders=False,
)


@event.listens_for(Session, "do_orm_execute")
def _limit_to_municipality(state: ORMExecuteState) -> None:
    # Column loads refresh an object already loaded (under its own scope); everything else is limited.
    if state.is_column_load or not (state.is_select or state.is_update or state.is_delete):
        return
    if _scope.get() is ALL_MUNICIPALITIES:
        return
    state.statement = state.statement.options(_MUNICIPAL_CRITERIA)


@event.listens_for(Session, "before_flush")
def _new_records_in_scope(session: Session, _context: object, _instances: object) -> None:
    scope = _scope.get()
    if scope is ALL_MUNICIPALITIES:
        return
    for obj in session.new:
        if isinstance(obj, MunicipalMixin) and obj.municipality_id != municipality_in_scope():
            raise NoMunicipality(f"a {type(obj).__name__} of another municipality than the one in scope")


def taken_in_municipality(
    session: Session, column: Any, value: object, municipality_id: int, except_id: object = None
) -> bool:
    """Whether another record of the municipality already has ``value`` in ``column`` (a model's
    attribute), e.g. an organisation number or a staff member's personnummer; ``except_id`` is the record
    being edited."""
    model = column.class_
    stmt = sa.select(model.id).where(model.municipality_id == municipality_id, column == value)
    if except_id is not None:
        stmt = stmt.where(model.id != except_id)
    return session.scalar(stmt.limit(1)) is not None


# SQLite takes its write lock at BEGIN IMMEDIATE. Reads need no lock in WAL mode, so a request that only
# reads (GET, HEAD) begins deferred and never queues behind a writer; everything else (POST services read,
# check and then write, atomically; GETs marked ``decides_on_get``; the worker; the CLI) begins IMMEDIATE.
_READ_METHODS = frozenset({"GET", "HEAD"})
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


DECIDES_ON_GET_ATTR = "_portal_decides_on_get"


def decides_on_get(view: Any) -> Any:
    """A GET that reads and then writes what it decided on (a BankID poll that completes a login or a
    signature once, an OpenID callback): its transactions begin IMMEDIATE, as a POST's do."""
    setattr(view, DECIDES_ON_GET_ATTR, True)
    return view


def _begins_deferred() -> bool:
    if not has_request_context() or request.method not in _READ_METHODS:
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, DECIDES_ON_GET_ATTR, False)


def locked(session: Session, model: type[T], ident: object) -> T | None:
    """The row as it is now, locked until the transaction ends: what a completing action reads before it
    decides, so that the same action arriving twice at once has one effect (the second waits and then sees
    the first's result). PostgreSQL: SELECT … FOR UPDATE. SQLite: every transaction holds the database's
    write lock from its BEGIN IMMEDIATE, and the row is read afresh (an object loaded before an earlier
    commit in the same request may be out of date: sessions do not expire on commit)."""
    return session.scalar(
        sa.select(model)
        .where(model.id == ident)  # type: ignore[attr-defined]
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def make_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN instead.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            # WAL: readers never wait for the writer, nor it for them.
            cur.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a commit is written to the WAL but not fsynced; the WAL is fsynced at each
            # checkpoint. A crash of the application (or gunicorn, or a kill -9) loses nothing committed;
            # a power loss or OS crash may lose the last transactions before the checkpoint, never the
            # database's consistency (a read's audit event goes with the page's other writes, or not at
            # all). Installations that cannot accept that run PostgreSQL (see README, Performance).
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # type: ignore[no-untyped-def]
            if _begins_deferred():
                conn.info["sqlite_txn"] = "deferred"
                conn.exec_driver_sql("BEGIN")
            else:
                # A deferred transaction that reads, waits (on BankID, say) and then writes fails at once
                # in WAL mode if another connection wrote meanwhile; busy_timeout cannot help it.
                conn.info["sqlite_txn"] = "immediate"
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        @event.listens_for(engine, "before_cursor_execute")
        def _sqlite_write_after_read(conn, cursor, statement, _params, _context, _many):  # type: ignore[no-untyped-def]
            # A read request's writes record what it read (the audit event, read receipts, last seen),
            # never a decision on it: they need no snapshot of the reads. So the first write ends the read
            # transaction and takes the write lock in a new one, which busy_timeout can wait for, instead
            # of upgrading a stale snapshot (SQLITE_BUSY at once under load). Services that decide on
            # what they read run on POST or are marked ``decides_on_get``: they begin IMMEDIATE.
            state = conn.info.get("sqlite_txn")
            if state == "immediate" or state is None:
                return
            if not statement.lstrip()[:7].upper().startswith(_WRITES):
                conn.info["sqlite_txn"] = "read"
                return
            if state == "read" and not conn.in_nested_transaction():
                raw = cursor.connection
                raw.execute("COMMIT")
                raw.execute("BEGIN IMMEDIATE")
            conn.info["sqlite_txn"] = "immediate"

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


# --- the unit of work -------------------------------------------------------------------------------------

_FAILED = "db_request_failed"


@contextlib.contextmanager
def unit_of_work(session: Session | None = None) -> Iterator[Session]:
    """One transaction outside a request (a CLI command, a worker job, the demo seed, a bench script): the
    session (the app context's, or the one given), committed at the end of the block, rolled back if it
    raises."""
    session = session if session is not None else get_session()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    session.commit()


def commit_now(session: Session, reason: str) -> None:
    """A deliberate commit inside a request, in a service: what the request has done so far is committed now,
    whatever becomes of the rest of it. ``reason`` says why (it is not stored; it is there to be read and
    grepped): an event that must persist although the request fails, or no transaction open across a call
    to an external system or a wait. Anything else waits for the request's one commit."""
    del reason
    session.commit()


def fail_request() -> None:
    """The request ends in an error (an error page, problem details): roll back what it did, and make sure
    its end commits nothing."""
    if not has_request_context():
        return
    setattr(g, _FAILED, True)
    session = g.get("db_session")
    if session is not None:
        try:
            session.rollback()
        except sa.exc.SQLAlchemyError:
            session.invalidate()


def _end_request(response: Any) -> Any:
    """The one commit of a web request that produced a normal response."""
    # The mark is the request's, not the app context's (a test's app context serves several requests).
    failed = g.pop(_FAILED, False)
    session = g.get("db_session")
    if session is None:
        return response
    if failed:
        session.rollback()
        return response
    try:
        session.commit()
    except Exception as exc:
        # The commit failed (the database went away, a constraint at the last moment): the visitor gets the
        # error page of what happened, never the page of a change that was not saved.
        fail_request()
        return current_app.make_response(current_app.handle_user_exception(exc))
    return response


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["PORTAL"].database_url)
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.after_request(_end_request)

    @app.teardown_request
    def _roll_back_unfinished(exc: BaseException | None) -> None:
        # A request that ended in an exception no handler turned into a page keeps nothing, also when its
        # app context outlives it (a test's).
        g.pop(_FAILED, None)
        session = g.get("db_session")
        if session is not None and exc is not None:
            session.rollback()

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def get_session() -> Session:
    """The request's (or app context's) session, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessionmaker"]()
    return g.db_session


def get_engine() -> sa.Engine:
    return current_app.extensions["db_engine"]
