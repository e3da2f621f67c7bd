"""Database engines, sessions and the declarative Base shared by every domain.

SQLite (embedded default) gets WAL, a busy timeout and foreign keys; write sessions begin IMMEDIATE so two writers
queue instead of failing half-way; read sessions run each statement in autocommit. PostgreSQL uses one pool for both, reads in autocommit.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import DateTime, MetaData, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from backend.core.ids import new_id

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timestamps stored in UTC and always returned timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(dt.UTC) if dialect.name != "sqlite" else value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime}


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def _sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.database and u.database != ":memory:":
        return Path(u.database)
    return None


def _setup_sqlite(engine: AsyncEngine, *, immediate: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - exercised by every sqlite test
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    if immediate:
        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    # Read sessions run each statement on its own (autocommit): a loader batch or a query resolver issues one
    # statement, and skipping BEGIN/COMMIT saves two round trips to the SQLite thread for every one of them.


def _setup_postgresql(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection, _record, _proxy):
        # asyncpg marks a connection closed as soon as the event loop sees its socket close (the server restarted,
        # the backend was terminated): a local check, no round trip; the pool then opens a fresh connection
        raw = getattr(dbapi_connection, "_connection", None)
        if raw is not None and raw.is_closed():
            raise exc.DisconnectionError("connection closed by the server")


class ReadSession(AsyncSession):
    """A read session (autocommit: no transaction to lose) that runs a statement again, once, on a new connection
    when its connection turns out to be dead (the backend was terminated or the server restarted since checkout)."""

    async def _again(self, method, *args, **kwargs):
        try:
            return await method(*args, **kwargs)
        except exc.DBAPIError as error:
            if not error.connection_invalidated:
                raise
            await self.rollback()  # releases the invalidated connection; the next statement checks out another
            return await method(*args, **kwargs)

    async def execute(self, *args, **kwargs):
        return await self._again(super().execute, *args, **kwargs)

    async def scalar(self, *args, **kwargs):
        return await self._again(super().scalar, *args, **kwargs)

    async def get(self, *args, **kwargs):
        return await self._again(super().get, *args, **kwargs)


class Database:
    """The engines and session factories of one process."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 20, max_overflow: int = 10,
                 pool_recycle: int = 1800) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            path = _sqlite_path(url)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            kwargs = {"connect_args": {"timeout": 30}}
            self.write_engine = create_async_engine(url, echo=echo, **kwargs)
            # reads run in autocommit, so there is no transaction to roll back when a connection goes back to the
            # pool: skipping that reset saves a round trip to the SQLite thread per session
            self.read_engine = create_async_engine(url, echo=echo, pool_reset_on_return=None, **kwargs)
            _setup_sqlite(self.write_engine, immediate=True)
            _setup_sqlite(self.read_engine, immediate=False)
        else:
            # no ping per checkout (a round trip for every session): connections are recycled after pool_recycle
            # seconds, one whose server end has gone (closed socket, seen by asyncpg without a round trip) is
            # replaced at checkout, and a read that meets a dead connection anyway is run again once on a new one
            self.write_engine = create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=max_overflow,
                                                    pool_recycle=pool_recycle, pool_pre_ping=False)
            _setup_postgresql(self.write_engine)
            # the same pool; reads run in autocommit, so a one-statement read costs no BEGIN/ROLLBACK round trips
            self.read_engine = self.write_engine.execution_options(isolation_level="AUTOCOMMIT")
        self.write_sessions = async_sessionmaker(self.write_engine, expire_on_commit=False, autoflush=False)
        self.read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False, autoflush=False,
                                                class_=AsyncSession if self.is_sqlite else ReadSession)

    @property
    def engines(self) -> list[AsyncEngine]:
        """The engines to dispose of and to listen on (on PostgreSQL the read engine is a view of the write one)."""
        return [self.write_engine, self.read_engine] if self.is_sqlite else [self.write_engine]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write session whose transaction commits on success and rolls back on any exception."""
        async with self.write_sessions() as session:
            async with session.begin():
                yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self.read_sessions() as session:
            yield session

    async def dispose(self) -> None:
        for engine in self.engines:
            await engine.dispose()
