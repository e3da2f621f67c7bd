"""Test fixtures. Every test that takes `app`/`client` runs once on SQLite and once on PostgreSQL.

PostgreSQL and Redis are used when TEST_DATABASE_URL / TEST_REDIS_URL reach them; with MOTOTRACK_REQUIRE_SERVICES=1
an unreachable service fails the run instead of skipping.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import dataclass, field

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from backend.accounts import service as accounts
from backend.accounts.models import Garage, User
from backend.app import create_app
from backend.core.actor import Actor
from backend.core.db import Base, Database
from backend.core.enums import Locale, OperationsStream
from backend.core.permissions import Role, permissions_for_role
from backend.core.ratelimit import MemoryRateLimiter
from backend.core.security import hash_password
from backend.core.settings import Settings
from tests.fresh_db import fresh_schema

REQUIRE = os.environ.get("MOTOTRACK_REQUIRE_SERVICES") == "1"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
PASSWORD = "correct horse battery"
_HASH = None


def password_hash() -> str:
    global _HASH
    if _HASH is None:
        _HASH = hash_password(PASSWORD)
    return _HASH


# `make test` runs two pytest processes side by side (.ci/pytest-streams), each with its own share of the suite:
#   sqlite      the browser tests (tests/e2e, their servers on SQLite files of their own) and the SQLite variants;
#   postgresql  the PostgreSQL variants and every test that takes no database (Redis, parsers, tools...).
# Every test runs in exactly one of them; PostgreSQL (TEST_DATABASE_URL) is used by the postgresql stream alone, and
# each stream has a Redis database of its own (TEST_REDIS_URL). Unset: one process runs everything.
STREAM = os.environ.get("MOTOTRACK_TEST_STREAM", "")
if STREAM not in ("", "sqlite", "postgresql"):
    raise RuntimeError(f"MOTOTRACK_TEST_STREAM must be sqlite or postgresql, not {STREAM!r}")


def _backends():
    params = [pytest.param("sqlite", id="sqlite")]
    if PG_URL or REQUIRE:
        params.append(pytest.param("postgresql", id="postgresql"))
    return params


# the slowest SQLite variants (measured in CI: 218, 55 and 35 s) run in the postgresql stream, which ends ~20 minutes
# before the sqlite stream with all the browser tests; they use SQLite files of their own, so nothing is shared
_SQLITE_IN_POSTGRESQL_STREAM = frozenset({
    "test_every_field_at_full_depth_for_every_role",
    "test_no_operation_crosses_garages",
    "test_slow_subscriber_in_process",
})


def _stream_of(item) -> str:
    params = getattr(getattr(item, "callspec", None), "params", {})
    if params.get("database_url") == "sqlite" and getattr(item, "originalname", None) in _SQLITE_IN_POSTGRESQL_STREAM:
        return "postgresql"
    if params.get("database_url") in ("sqlite", "postgresql"):
        return params["database_url"]
    return "sqlite" if item.get_closest_marker("e2e") or "e2e" in item.path.parts else "postgresql"


def service_unavailable(what: str, exc: Exception | None = None):
    message = f"{what} is not reachable: {exc}"
    if REQUIRE:
        pytest.fail(message)
    pytest.skip(message)


async def _prepare_database(url: str) -> None:
    db = Database(url)
    try:
        await fresh_schema(db)
    finally:
        await db.dispose()


def pytest_collection_modifyitems(config, items):
    """A test marked postgresql_only has no SQLite variant: it is deselected, not skipped (a skip checks nothing).
    Its PostgreSQL variant runs whenever PostgreSQL is configured, and fails under MOTOTRACK_REQUIRE_SERVICES=1
    when it is not reachable. A test marked sqlite_only (what it checks does not depend on the database, and it is
    slow: it runs once) has no PostgreSQL variant."""
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if item.get_closest_marker("postgresql_only") and params.get("database_url") == "sqlite":
            dropped.append(item)
        elif item.get_closest_marker("sqlite_only") and params.get("database_url") == "postgresql":
            dropped.append(item)
        elif STREAM and _stream_of(item) != STREAM:  # the other stream's (see STREAM above)
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest_asyncio.fixture(scope="session", params=_backends())
async def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        if not PG_URL:
            service_unavailable("PostgreSQL (TEST_DATABASE_URL is not set)")
        url = PG_URL
        try:
            db = Database(url)
            async with db.read() as s:
                await asyncio.wait_for(s.execute(text("SELECT 1")), 5)
            await db.dispose()
        except Exception as exc:  # noqa: BLE001
            service_unavailable("PostgreSQL", exc)
    await _prepare_database(url)
    return url


def make_settings(database_url: str, **overrides) -> Settings:
    values = dict(env="test", database_url=database_url, redis_url="", secret_key="test-secret-" + "x" * 32,
                  login_max_attempts_per_account=5, login_max_attempts_per_ip=20,
                  # statement counts include the sign-in check; tests of the user cache turn it on (auth_cache fixture)
                  auth_cache_seconds=0)
    values.update(overrides)
    return Settings(**values)


@pytest_asyncio.fixture(scope="session")
async def _session_app(database_url):
    app = create_app(make_settings(database_url))
    yield app
    await app.state.services.db.dispose()


async def _truncate(db: Database) -> None:
    """Every table emptied, children before parents. On PostgreSQL one DELETE per table in a single DO block: a
    test leaves a few rows in a few tables, and deleting them takes ~0.06 s where TRUNCATE of every table (new files
    for ~80 tables and their indexes, their WAL flushed) took 1.5-3 s on a loaded machine, before every test. Should
    the order ever not satisfy a foreign key (a cycle), TRUNCATE ... CASCADE empties them as before."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    if db.write_engine.dialect.name == "postgresql":
        try:
            async with db.write_engine.begin() as conn:
                await conn.exec_driver_sql("DO $$ BEGIN " + " ".join(f"DELETE FROM {t};" for t in tables) + " END $$")
        except DBAPIError:
            async with db.write_engine.begin() as conn:
                await conn.execute(text("TRUNCATE " + ", ".join(tables) + " CASCADE"))
        return
    async with db.write_engine.begin() as conn:
        for name in tables:
            await conn.execute(text(f"DELETE FROM {name}"))


@pytest_asyncio.fixture
async def app(_session_app):
    services = _session_app.state.services
    await _truncate(services.db)
    services.limiter = MemoryRateLimiter()
    _session_app.state.refusal_throttle.reset()  # each test starts in good standing, as with the sign-in limits
    yield _session_app


@pytest.fixture
def auth_cache(app):
    """The app's user cache, on (5 s) for the test."""
    cache = app.state.auth_cache
    cache.seconds = 5
    cache.clear()
    yield cache
    cache.seconds = 0
    cache.clear()


@pytest.fixture
def db(app) -> Database:
    return app.state.services.db


@pytest_asyncio.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 12345))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "PRAGMA")):
            return
        self.count += 1
        self.statements.append(statement)


@pytest.fixture
def count_statements(db):
    """Usage: with count_statements() as counter: ...; counter.count"""
    import contextlib

    @contextlib.contextmanager
    def counting():
        counter = StatementCounter()
        for engine in db.engines:
            event.listen(engine.sync_engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            for engine in db.engines:
                event.remove(engine.sync_engine, "before_cursor_execute", counter)

    return counting


# ------------------------------------------------------------------------------------------------ garages and users


@dataclass
class GarageWorld:
    garage: Garage
    users: dict[Role, User] = field(default_factory=dict)
    tokens: dict[Role, str] = field(default_factory=dict)
    refresh: dict[Role, str] = field(default_factory=dict)
    extra_technician: User | None = None

    @property
    def id(self) -> uuid.UUID:
        return self.garage.id

    def actor(self, role: Role = Role.ADMIN) -> Actor:
        user = self.users[role]
        return Actor(garage_id=self.garage.id, permissions=permissions_for_role(role), user_id=user.id, role=role)

    def token(self, role: Role = Role.ADMIN) -> str:
        return self.tokens[role]


async def make_garage(app, name: str = "Test Garage", locale: Locale = Locale.EN) -> GarageWorld:
    services = app.state.services
    tag = uuid.uuid4().hex[:8]
    async with services.db.transaction() as session:
        garage = await accounts.create_garage(session, accounts.GarageSettingsInput(
            name=name, currency="THB", time_zone="Asia/Bangkok", default_locale=locale))
        world = GarageWorld(garage=garage)
        for role in Role:
            user = User(garage_id=garage.id, email=f"{role.value.lower()}.{tag}@test.example",
                        name=f"{role.value.title()} {tag}", password_hash=password_hash(), role=role,
                        streams=[OperationsStream.MECHANICAL.value] if role == Role.TECHNICIAN else [])
            session.add(user)
            await session.flush()
            world.users[role] = user
            tokens = await accounts._issue_tokens(session, services.settings, user, uuid.uuid4(), "127.0.0.1")
            world.tokens[role] = tokens.access_token
            world.refresh[role] = tokens.refresh_token
    return world


@pytest_asyncio.fixture
async def garage(app) -> GarageWorld:
    return await make_garage(app, "Garage One")


@pytest_asyncio.fixture
async def other_garage(app) -> GarageWorld:
    return await make_garage(app, "Garage Two")


# ------------------------------------------------------------------------------------------------ GraphQL helper


class GQL:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def __call__(self, query: str, variables: dict | None = None, *, token: str | None = None,
                       lang: str | None = None, expect_errors: bool = False) -> dict:
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if lang:
            headers["Accept-Language"] = lang
        response = await self.client.post("/graphql", json={"query": query, "variables": variables or {}},
                                          headers=headers)
        body = response.json()
        if not expect_errors and body.get("errors"):
            raise AssertionError(f"unexpected GraphQL errors: {body['errors']}")
        return body


@pytest.fixture
def gql(client) -> GQL:
    return GQL(client)


def error_codes(body: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
