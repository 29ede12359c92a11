"""SQLAlchemy 2 declarative base, shared column types, and the per-app engine and session.

Views never add to or commit the session: services do (see STYLE.md).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

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
    """A record that belongs to one municipality; queries go through ``scoped()``."""

    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipality.id"), index=True)


M = TypeVar("M", bound=MunicipalMixin)
T = TypeVar("T")


def scoped(stmt: sa.Select[tuple[M]], model: type[M]) -> sa.Select[tuple[M]]:
    """Limit a query of a municipal model to the municipality of the current request."""
    return stmt.where(model.municipality_id == g.municipality.id)


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
            # WAL lets the outbox worker and the web workers read and write side by side.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # type: ignore[no-untyped-def]
            # IMMEDIATE: take the write lock at the start. A deferred transaction that reads, waits (on
            # BankID, say) and then writes fails at once in WAL mode if another connection wrote
            # meanwhile; busy_timeout cannot help it. One machine serialises writes either way.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["PORTAL"].database_url)
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)

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
