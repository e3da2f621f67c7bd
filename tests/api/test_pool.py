"""PostgreSQL's pool: no ping per checkout, sized by the settings, and a backend killed under it
(pg_terminate_backend on the pooled connection) recovered transparently on the next request, a read included.
PostgreSQL only (SQLite has no server to lose)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from backend.core.db import Database

pytestmark = pytest.mark.postgresql_only

ME = "{ me { email } }"


async def _pid(session) -> int:
    return (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()


async def _terminate(database_url: str, *pids: int) -> None:
    killer = Database(database_url)
    try:
        async with killer.read() as session:
            for pid in pids:
                assert (await session.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})).scalar_one()
    finally:
        await killer.dispose()


async def test_the_pool_is_sized_by_the_settings_and_does_not_ping(app):
    settings, engine = app.state.services.settings, app.state.services.db.write_engine
    assert engine.pool.size() == settings.db_pool_size and engine.pool._max_overflow == settings.db_max_overflow
    assert engine.pool._recycle == settings.db_pool_recycle and engine.pool._pre_ping is False


async def test_a_terminated_backend_is_replaced_on_the_next_request(app, gql, garage, database_url):
    db, token = app.state.services.db, garage.token()
    first = await gql(ME, token=token)
    assert first.get("errors") is None, first
    email = first["data"]["me"]["email"]
    # every connection the pool holds, idle between requests, is terminated by the server
    pool = db.write_engine.pool
    async with db.read() as session:
        pids = {await _pid(session)}
    assert pool.checkedin() >= 1
    await _terminate(database_url, *pids)
    for _ in range(3):  # the next requests, a read and a write, just work
        body = await gql(ME, token=token)
        assert body.get("errors") is None and body["data"]["me"]["email"] == email, body
    async with db.transaction() as session:
        assert await _pid(session) not in pids


async def test_a_read_on_a_connection_killed_under_it_is_run_again_once(app, database_url):
    db = app.state.services.db
    async with db.read() as session:
        before = await _pid(session)  # the session now holds this connection
        await _terminate(database_url, before)
        after = await _pid(session)  # the same session: the dead connection is dropped and the read run again
    assert after != before


async def test_a_write_after_its_pooled_connection_was_terminated_gets_a_new_one(app, database_url):
    db = app.state.services.db
    async with db.transaction() as session:
        before = await _pid(session)
    await _terminate(database_url, before)
    await asyncio.sleep(0.5)  # the next request comes later: by then the closed socket has been seen, without a ping
    async with db.transaction() as session:  # a write cannot be run again: the dead connection is never handed out
        assert await _pid(session) != before
