"""A subscriber that stops reading its socket never breaks writes (issue 11, item 7).

Over a real WebSocket (uvicorn on 127.0.0.1, a client with a small receive buffer that never reads), 2,000 board
events: every write answers success, the slow subscriber is closed with 4410 "Subscriber fell behind; resubscribe
and reload", and a normal subscriber alongside it receives every event — with the in-process bus and through Redis.

The clients send uncompressed frames (no permessage-deflate): board events compress so well that a stalled socket
would take tens of thousands of them to fill.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket

import httpx
import pytest
import uvicorn
from redis.asyncio import Redis
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from backend.app import create_app
from backend.core.permissions import Role
from backend.workshop.service.common import board_channel
from tests.api.test_redis import redis  # noqa: F401  (the fixture: a reachable Redis, else skip or fail)
from tests.conftest import GQL, REDIS_URL, make_settings
from tests.workshop.helpers import make_site, make_vehicle, service_job

EVENTS = 2000
BOARD = """subscription($s: ID!) { jobBoard(siteId: $s) { id number status version complaint
  vehicle { registration make model } } }"""
NOTES = """mutation($i: UpdateJobNotesInput!) { updateJobNotes(input: $i) { job { version complaint } errors { code } } }"""


@contextlib.asynccontextmanager
async def serving(app):
    """The app on a real TCP port of 127.0.0.1, in this event loop (so the test can watch its pub/sub). The send
    buffer of its connections is fixed at 64 KiB (as over a real network, where an unread socket fills after a few
    hundred events), instead of loopback's autotuning up to 4 MiB, which would hide a stalled client for minutes."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)  # inherited by the accepted connections
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, lifespan="off", log_level="warning", ws="websockets-sansio", ws_ping_interval=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"ws://127.0.0.1:{sock.getsockname()[1]}/graphql"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


async def subscriber(url: str, token: str, site_id: str, *, slow: bool):
    """A signed-in jobBoard subscriber. A slow one has a tiny receive buffer and a one-message client queue, so
    once it stops reading the server's writes to it back up."""
    sock = None
    if slow:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: no autotuning
        host, port = url.split("//")[1].split("/")[0].split(":")
        sock.connect((host, int(port)))
    ws = await connect(url, subprotocols=["graphql-transport-ws"], sock=sock, max_queue=1 if slow else 4096,
                       ping_interval=None, open_timeout=10, compression=None)
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "board", "type": "subscribe",
                              "payload": {"query": BOARD, "variables": {"s": site_id}}}))
    return ws


async def listening(app, channel: str, count: int, redis: Redis | None) -> None:
    # through Redis too: a process has one pattern subscription for every channel, in place before any local
    # subscriber is counted, so the local count says who listens
    for _ in range(500):
        if len(app.state.services.pubsub._queues.get(channel, ())) >= count:
            if redis is not None:
                assert await redis.pubsub_numpat() >= 1
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the subscribers never started listening")


async def read_all(ws, into: list) -> None:
    with contextlib.suppress(ConnectionClosed):
        async for raw in ws:
            message = json.loads(raw)
            assert message["type"] == "next", message
            into.append(message["payload"]["data"]["jobBoard"]["complaint"])
            if len(into) == EVENTS:
                return


async def run_burst(app, db, garage, redis: Redis | None) -> None:
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    job = await service_job(db, garage, site, vehicle)
    token = garage.token(Role.ADMIN)
    async with serving(app) as url:
        slow = await subscriber(url, token, str(site.id), slow=True)
        fast = await subscriber(url, token, str(site.id), slow=False)
        await listening(app, board_channel(garage.id, site.id), 2, redis)
        received: list[str] = []
        reader = asyncio.create_task(read_all(fast, received))
        answers = []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
            gql = GQL(c)
            for n in range(EVENTS):
                body = await gql(NOTES, {"i": {"jobId": str(job.id), "complaint": f"check {n}"}}, token=token,
                                 expect_errors=True)
                answers.append(body)
        # every write answered success: no GraphQL error, no payload error, a new version each time
        assert [a for a in answers if a.get("errors") or a["data"]["updateJobNotes"]["errors"]] == []
        saved = [a["data"]["updateJobNotes"]["job"]["complaint"] for a in answers]
        assert saved == [f"check {n}" for n in range(EVENTS)]

        # the normal subscriber alongside received every event (each the job as it is when the event is answered,
        # so a later note may show up early), in order, ending with the last one
        await asyncio.wait_for(reader, 60)
        order = [int(text.split()[1]) for text in received]
        assert len(received) == EVENTS and order == sorted(order) and received[-1] == saved[-1]

        # the slow one, reading at last, finds what fitted in its buffers and then the 4410 close
        seen = 0
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(30):
                async for _raw in slow:
                    seen += 1
        assert seen < EVENTS
        assert closed.value.rcvd is not None, "closed without a close frame"
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
            4410, "Subscriber fell behind; resubscribe and reload")
        await fast.close()
    # nothing is left subscribed on the channel for the dropped subscriber
    if redis is None:
        assert board_channel(garage.id, site.id) not in app.state.services.pubsub._queues


# Each burst is 2,000 writes and their events (minutes on a loaded machine), and what they check (the bus's bounded
# queues and the 4410 close) is not the database's: the in-process bus (a single-process deployment) runs on SQLite,
# the Redis bus (several API processes) on PostgreSQL, the two deployments where each is used.
@pytest.mark.sqlite_only
async def test_slow_subscriber_in_process(app, db, garage):
    await run_burst(app, db, garage, None)


@pytest.mark.postgresql_only
async def test_slow_subscriber_through_redis(app, db, garage, database_url, redis):
    instance = create_app(make_settings(database_url, redis_url=REDIS_URL))
    try:
        await run_burst(instance, db, garage, redis)
    finally:
        await instance.state.services.db.dispose()
        await instance.state.services.pubsub.redis.aclose()
