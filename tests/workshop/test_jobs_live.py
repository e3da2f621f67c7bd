"""Subscriptions: a status change reaches a subscriber within a second, in-process and through Redis across two
app instances; a technician never receives another technician's job."""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import asynccontextmanager

import httpx
import pytest
from httpx_ws import aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport
from redis.asyncio import Redis

from backend.app import create_app
from backend.core.permissions import Role
from backend.workshop.service.common import board_channel, job_channel
from tests.conftest import GQL, REDIS_URL, make_settings, service_unavailable
from tests.workshop.helpers import call, make_site, make_technician, make_vehicle, ok, service_job, token_for

JOB_UPDATED = "subscription($id: ID!) { jobUpdated(jobId: $id) { id status version technician { id } } }"
BOARD = "subscription($s: ID!) { jobBoard(siteId: $s) { id status technician { id } } }"
LATENCIES: dict[str, list[float]] = {}


def _timed(pubsub):
    """Record when each event is handed to the pub/sub (right after the commit)."""
    published: dict[str, float] = {}
    original = pubsub.publish

    async def publish(channel, message):
        published[f"{channel}:{message.get('version')}"] = time.perf_counter()
        await original(channel, message)

    pubsub.publish = publish
    return published, original


@asynccontextmanager
async def subscription(app, token: str, query: str, variables: dict, wait_channel=None, redis: Redis | None = None):
    async with httpx.AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://testserver") as client, \
            aconnect_ws("/graphql", client, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send_text(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.receive_text())["type"] == "connection_ack"
        await ws.send_text(json.dumps({"id": "1", "type": "subscribe",
                                       "payload": {"query": query, "variables": variables}}))
        # wait until the subscriber listens on its channel, so the event cannot slip past it
        for _ in range(200):
            # through Redis the process's one pattern subscription is in place before a local subscriber counts
            if wait_channel in app.state.services.pubsub._queues:
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the subscription never started listening")

        async def receive(timeout: float = 1.0):
            message = json.loads(await asyncio.wait_for(ws.receive_text(), timeout))
            assert message["type"] == "next", message
            return message["payload"]["data"], time.perf_counter()

        yield receive


async def test_status_change_reaches_subscriber_in_process(app, gql, db, garage):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    job = await service_job(db, garage, site, vehicle)
    published, original = _timed(app.state.services.pubsub)
    try:
        channel = job_channel(garage.id, job.id)
        async with subscription(app, garage.token(Role.WORKSHOP_MANAGER), JOB_UPDATED, {"id": str(job.id)},
                                channel) as receive:
            ok(await call(gql, "assignJob", garage.token(Role.SITE_MANAGER), jobId=str(job.id),
                          technicianId=str(garage.users[Role.TECHNICIAN].id)))
            data, at = await receive(1.0)
            assert data["jobUpdated"]["status"] == "ASSIGNED" and data["jobUpdated"]["version"] == 2
            assert data["jobUpdated"]["technician"]["id"] == str(garage.users[Role.TECHNICIAN].id)
            LATENCIES.setdefault("in-process", []).append(at - published[f"{channel}:2"])
            ok(await call(gql, "startJob", garage.token(Role.TECHNICIAN), jobId=str(job.id)))
            data, at = await receive(1.0)
            assert data["jobUpdated"]["status"] == "IN_PROGRESS"
            LATENCIES["in-process"].append(at - published[f"{channel}:3"])
    finally:
        app.state.services.pubsub.publish = original
    assert max(LATENCIES["in-process"]) < 1.0
    print("in-process commit->event seconds:", LATENCIES["in-process"])


async def test_a_rolled_back_change_sends_nothing(app, gql, db, garage):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    job = await service_job(db, garage, site, vehicle)
    channel = job_channel(garage.id, job.id)
    async with subscription(app, garage.token(), JOB_UPDATED, {"id": str(job.id)}, channel) as receive:
        payload = await call(gql, "startJob", garage.token(), jobId=str(job.id))  # illegal: nothing committed
        assert payload["errors"][0]["code"] == "INVALID_TRANSITION"
        with pytest.raises(asyncio.TimeoutError):
            await receive(0.3)


async def test_technician_board_never_delivers_another_technicians_job(app, gql, db, garage):
    site = await make_site(db, garage)
    other = await make_technician(db, garage)
    other_token = await token_for(app, other)
    mine = await service_job(db, garage, site, await make_vehicle(db, garage))
    theirs = await service_job(db, garage, site, await make_vehicle(db, garage))
    sm = garage.token(Role.SITE_MANAGER)
    tech_id = str(garage.users[Role.TECHNICIAN].id)
    channel = board_channel(garage.id, site.id)
    async with subscription(app, garage.token(Role.TECHNICIAN), BOARD, {"s": str(site.id)}, channel) as receive, \
            subscription(app, other_token, JOB_UPDATED, {"id": str(mine.id)}, job_channel(garage.id, mine.id)) \
            as other_receives_mine:
        ok(await call(gql, "assignJob", sm, jobId=str(theirs.id), technicianId=str(other.id)))
        ok(await call(gql, "startJob", other_token, jobId=str(theirs.id)))
        ok(await call(gql, "assignJob", sm, jobId=str(mine.id), technicianId=tech_id))
        data, _ = await receive(1.0)
        assert data["jobBoard"]["id"] == str(mine.id) and data["jobBoard"]["status"] == "ASSIGNED"
        with pytest.raises(asyncio.TimeoutError):
            await receive(0.3)
        # the other technician subscribed to my job: they never get it
        with pytest.raises(asyncio.TimeoutError):
            await other_receives_mine(0.3)
        # a job taken away from me is not delivered to me any more
        ok(await call(gql, "assignJob", sm, jobId=str(mine.id), technicianId=str(other.id)))
        with pytest.raises(asyncio.TimeoutError):
            await receive(0.3)


async def test_board_of_another_garage_hears_nothing(app, gql, db, garage, other_garage):
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    job = await service_job(db, garage, site, vehicle)
    # the other garage subscribes to our site's board id: the channel is scoped by its own garage
    async with subscription(app, other_garage.token(), BOARD, {"s": str(site.id)},
                            board_channel(other_garage.id, site.id)) as receive:
        ok(await call(gql, "addJobNote", garage.token(), jobId=str(job.id), note="hello"))
        with pytest.raises(asyncio.TimeoutError):
            await receive(0.3)


async def test_status_change_through_redis_across_two_app_instances(app, db, garage, database_url):
    if not REDIS_URL:
        service_unavailable("Redis (TEST_REDIS_URL is not set)")
    redis = Redis.from_url(REDIS_URL)
    try:
        await asyncio.wait_for(redis.ping(), 5)
    except Exception as exc:  # noqa: BLE001
        await redis.aclose()
        service_unavailable("Redis", exc)
    settings = make_settings(database_url, redis_url=REDIS_URL)
    listener, writer = create_app(settings), create_app(settings)
    site, vehicle = await make_site(db, garage), await make_vehicle(db, garage)
    job = await service_job(db, garage, site, vehicle)
    published, _ = _timed(writer.state.services.pubsub)
    channel = job_channel(garage.id, job.id)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=writer), base_url="http://testserver") as c:
            gql = GQL(c)
            async with subscription(listener, garage.token(Role.WORKSHOP_MANAGER), JOB_UPDATED,
                                    {"id": str(job.id)}, channel, redis=redis) as receive:
                ok(await call(gql, "assignJob", garage.token(Role.SITE_MANAGER), jobId=str(job.id),
                              technicianId=str(garage.users[Role.TECHNICIAN].id)))
                data, at = await receive(1.0)
                assert data["jobUpdated"]["status"] == "ASSIGNED"
                LATENCIES.setdefault("redis", []).append(at - published[f"{channel}:2"])
                ok(await call(gql, "startJob", garage.token(Role.TECHNICIAN), jobId=str(job.id)))
                data, at = await receive(1.0)
                assert data["jobUpdated"]["status"] == "IN_PROGRESS"
                LATENCIES["redis"].append(at - published[f"{channel}:3"])
    finally:
        for instance in (listener, writer):
            await instance.state.services.db.dispose()
            await instance.state.services.pubsub.redis.aclose()
        await redis.aclose()
    assert max(LATENCIES["redis"]) < 1.0
    print("redis commit->event seconds:", LATENCIES["redis"])


async def test_a_sent_quote_reaches_the_open_job_card_live(app, gql, db, garage):
    """sendQuote tells the job's subscribers: the card shows 'Approved 0 of 2 lines' without a reload."""
    from backend.billing.service import quotes as quotes_service
    from backend.billing.service.common import LineInput
    from tests.billing.helpers import job_in_progress, workshop

    w = await workshop(db, garage)
    job = await job_in_progress(db, garage, w)
    async with db.transaction() as session:
        quote = await quotes_service.create_quote(session, garage.actor(Role.SITE_MANAGER), quotes_service.QuoteData(
            job_id=job.id, lines=[LineInput(kind="LABOUR", task_action_id=w.action.id),
                                  LineInput(kind="PART", item_id=w.item.id, quantity=2)]))
    card = ("subscription($id: ID!) { jobUpdated(jobId: $id) { id quotes { id status "
            "approvalSummary { approved declined pending } } } }")
    async with subscription(app, garage.token(Role.SITE_MANAGER), card, {"id": str(job.id)},
                            job_channel(garage.id, job.id)) as receive:
        body = await gql("mutation($i: SendQuoteInput!) { sendQuote(input: $i) { errors { code } } }",
                         {"i": {"id": str(quote.id), "clientMutationId": "send-1"}},
                         token=garage.token(Role.SITE_MANAGER))
        assert body["data"]["sendQuote"]["errors"] == []
        data, _at = await receive(2.0)
    [sent] = data["jobUpdated"]["quotes"]
    assert sent["id"] == str(quote.id) and sent["status"] == "SENT"
    assert sent["approvalSummary"] == {"approved": 0, "declined": 0, "pending": 2}
