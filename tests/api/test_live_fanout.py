"""Live fan-out (issue 14): an event is loaded once per process and loader scope, not once per subscriber; the
sign-in of a live subscription is re-checked on a timer and ends at once on `auth.revoked`, not re-read per event.
In-process and through a real Redis, on both databases. Subscriptions run through the app's own schema with real
contexts (the WebSocket transport on top is covered by test_websocket / test_slow_subscriber)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from backend.api.context import Context
from backend.core.events import AUTH_REVOKED
from backend.core import security
from backend.core.permissions import Role
from backend.core.pubsub import MemoryPubSub, RedisPubSub
from backend.workshop.service.common import board_channel
from tests.api.test_redis import redis  # noqa: F401 - the fixture
from tests.workshop.helpers import call, make_site, make_technician, make_vehicle, ok, service_job, token_for

# what the PWA's board asks for (pwa/src/main/staff/Board.tsx): the job and four relations
BOARD = """subscription($s: ID!) { jobBoard(siteId: $s) { id number status version issuesReported updatedAt
  vehicle { id registrationDisplay make model } customer { id name } technician { id name } tasks { id status } } }"""


@contextlib.asynccontextmanager
async def _on_bus(app, pubsub):
    """The app's pub/sub swapped for `pubsub` for the test (and a fresh revocation listener on it)."""
    services = app.state.services
    saved, saved_live = services.pubsub, services.live
    services.pubsub, services.live = pubsub, None
    try:
        yield pubsub
    finally:
        if services.live is not None:
            await services.live.close()
        await pubsub.close()
        services.pubsub, services.live = saved, saved_live


@pytest.fixture
async def memory_bus(app):
    async with _on_bus(app, MemoryPubSub()) as pubsub:
        yield pubsub


@pytest.fixture
async def redis_bus(app, redis):  # noqa: F811 - the fixture from test_redis (skips, or fails in CI, without Redis)
    async with _on_bus(app, RedisPubSub(redis, prefix=f"test-{uuid.uuid4().hex[:8]}:")) as pubsub:
        yield pubsub


@pytest.fixture(params=["memory_bus", "redis_bus"])
def bus(request):
    """In-process, or a RedisPubSub on a real Redis (one connection and one reader for the process)."""
    return request.getfixturevalue(request.param)


class Subscription:
    """One subscriber: a real context signed in with `token`, the app's schema, its results collected."""

    def __init__(self, app, token: str, query: str, variables: dict, accept_locale: str | None = None) -> None:
        self.app, self.token, self.query, self.variables = app, token, query, variables
        self.accept_locale = accept_locale
        self.results: list = []
        self.task: asyncio.Task | None = None
        self.got = asyncio.Event()

    async def start(self) -> Subscription:
        services = self.app.state.services
        ctx = Context(services, accept_locale=self.accept_locale)
        ctx.token = self.token
        ctx.set_actor(await services.authenticate(self.token))
        stream = await self.app.state.schema.subscribe(self.query, variable_values=self.variables, context_value=ctx)

        async def read() -> None:
            async for result in stream:
                self.results.append(result)
                self.got.set()

        self.task = asyncio.create_task(read())
        return self

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task

    @property
    def jobs(self) -> list[dict]:
        return [r.data["jobBoard"] for r in self.results if r.data]

    @property
    def error_codes(self) -> list[str]:
        return [e.extensions.get("code") for r in self.results for e in (r.errors or [])]


async def listening(bus, channel: str, count: int) -> None:
    for _ in range(500):
        if bus.subscriber_count(channel) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{bus.subscriber_count(channel)} of {count} subscribers listen on {channel}")


async def until(predicate, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never happened")


@contextlib.asynccontextmanager
async def subscribers(app, bus, channel: str, tokens: list[str], query: str, variables: dict):
    subs = [await Subscription(app, t, query, variables).start() for t in tokens]
    try:
        await listening(bus, channel, len(subs))
        yield subs
    finally:
        for sub in subs:
            await sub.stop()


async def _board_event_statements(app, gql, db, garage, bus, counting, count: int) -> tuple[int, list[list[dict]]]:
    site = await make_site(db, garage)
    job = await service_job(db, garage, site, await make_vehicle(db, garage))
    tokens = [garage.token(Role.SITE_MANAGER), garage.token(Role.WORKSHOP_MANAGER)] * (count // 2) or \
        [garage.token(Role.SITE_MANAGER)]
    channel = board_channel(garage.id, site.id)
    async with subscribers(app, bus, channel, tokens, BOARD, {"s": str(site.id)}) as subs:
        with counting() as counter:
            ok(await call(gql, "assignJob", garage.token(Role.SITE_MANAGER), jobId=str(job.id),
                          technicianId=str(garage.users[Role.TECHNICIAN].id)))
            await until(lambda: all(s.jobs for s in subs))
        return counter.count, [s.jobs for s in subs]


async def test_an_event_is_loaded_once_however_many_subscribe(app, gql, db, garage, bus, count_statements):
    one, (alone,) = await _board_event_statements(app, gql, db, garage, bus, count_statements, 1)
    fifty, received = await _board_event_statements(app, gql, db, garage, bus, count_statements, 50)
    # the same statements for 1 and 50 subscribers (the commit, then one read per relation for the event)
    assert fifty == one, (one, fifty)
    assert len(received) == 50
    for jobs in received:
        assert len(jobs) == 1
        assert jobs[0]["status"] == "ASSIGNED" and jobs[0]["technician"]["id"] == str(garage.users[Role.TECHNICIAN].id)
        assert jobs[0]["vehicle"]["registrationDisplay"] and jobs[0]["customer"]["name"] == "Somchai Jaidee"
    assert alone[0]["status"] == "ASSIGNED"


async def test_a_technician_still_gets_only_their_own_jobs(app, gql, db, garage, bus):
    site = await make_site(db, garage)
    other = await make_technician(db, garage)
    mine = await service_job(db, garage, site, await make_vehicle(db, garage))
    theirs = await service_job(db, garage, site, await make_vehicle(db, garage))
    sm = garage.token(Role.SITE_MANAGER)
    me = str(garage.users[Role.TECHNICIAN].id)
    channel = board_channel(garage.id, site.id)
    tokens = [garage.token(Role.TECHNICIAN), await token_for(app, other), garage.token(Role.WORKSHOP_MANAGER)]
    async with subscribers(app, bus, channel, tokens, BOARD, {"s": str(site.id)}) as (tech, other_tech, manager):
        ok(await call(gql, "assignJob", sm, jobId=str(theirs.id), technicianId=str(other.id)))
        ok(await call(gql, "assignJob", sm, jobId=str(mine.id), technicianId=me))
        await until(lambda: len(manager.jobs) == 2 and tech.jobs and other_tech.jobs)
        await asyncio.sleep(0.1)  # nothing more is on its way
        assert [j["id"] for j in tech.jobs] == [str(mine.id)]
        assert [j["id"] for j in other_tech.jobs] == [str(theirs.id)]
        assert sorted(j["id"] for j in manager.jobs) == sorted([str(mine.id), str(theirs.id)])
        # taken away from me: I hear no more of it, the manager does
        ok(await call(gql, "assignJob", sm, jobId=str(mine.id), technicianId=str(other.id)))
        await until(lambda: len(manager.jobs) == 3 and len(other_tech.jobs) == 2)
        await asyncio.sleep(0.1)
        assert [j["id"] for j in tech.jobs] == [str(mine.id)]


async def test_a_revoked_sign_in_ends_its_subscriptions_at_once(app, gql, db, garage, bus):
    site = await make_site(db, garage)
    job = await service_job(db, garage, site, await make_vehicle(db, garage))
    channel = board_channel(garage.id, site.id)
    workshop = garage.users[Role.WORKSHOP_MANAGER]
    tokens = [garage.token(Role.WORKSHOP_MANAGER), garage.token(Role.SITE_MANAGER)]
    async with subscribers(app, bus, channel, tokens, BOARD, {"s": str(site.id)}) as (revoked, kept):
        # as the accounts services publish it (backend.core.events.emit_auth_revoked), through the real pub/sub
        await bus.publish(AUTH_REVOKED, {"userId": str(workshop.id), "garageId": str(garage.id), "tokenId": None,
                                         "reason": "deactivated"})
        await until(lambda: revoked.task.done(), 2)
        assert revoked.error_codes == ["UNAUTHENTICATED"] and revoked.jobs == []
        # another user's subscription goes on
        assert not kept.task.done()
        ok(await call(gql, "assignJob", garage.token(Role.SITE_MANAGER), jobId=str(job.id),
                      technicianId=str(garage.users[Role.TECHNICIAN].id)))
        await until(lambda: kept.jobs)
        assert kept.jobs[0]["status"] == "ASSIGNED" and revoked.jobs == []


async def test_a_revoked_session_or_key_ends_only_its_own_subscriptions(app, db, garage, other_garage, bus):
    site = await make_site(db, garage)
    channel = board_channel(garage.id, site.id)
    admin = garage.users[Role.ADMIN]
    second = await token_for(app, admin)  # the same user signed in on another device
    sid = security.read_access_token(app.state.services.settings.secret_key, second)["sid"]
    async with subscribers(app, bus, channel, [garage.token(), second], BOARD, {"s": str(site.id)}) as (first, other):
        # another garage's revocation naming nobody here changes nothing
        await bus.publish(AUTH_REVOKED, {"userId": None, "garageId": str(other_garage.id), "tokenId": None,
                                         "reason": "garage-locale"})
        # signing out the second device ends only its subscription
        await bus.publish(AUTH_REVOKED, {"userId": str(admin.id), "garageId": str(garage.id), "tokenId": sid,
                                         "reason": "signed-out"})
        await until(lambda: other.task.done(), 2)
        assert other.error_codes == ["UNAUTHENTICATED"]
        await asyncio.sleep(0.05)
        assert not first.task.done()


async def test_the_timer_recheck_ends_a_subscription_whose_token_expired(app, db, garage, bus):
    services = app.state.services
    site = await make_site(db, garage)
    channel = board_channel(garage.id, site.id)
    claims = security.read_access_token(services.settings.secret_key, garage.token(Role.SITE_MANAGER))
    short, _ = security.make_access_token(services.settings.secret_key, user_id=uuid.UUID(claims["sub"]),
                                          garage_id=garage.id, session_id=uuid.UUID(claims["sid"]), ttl=1)
    saved = services.settings.live_recheck_seconds
    services.settings.live_recheck_seconds = 0.2
    try:
        async with subscribers(app, bus, channel, [short, garage.token(Role.SITE_MANAGER)], BOARD,
                               {"s": str(site.id)}) as (expiring, lasting):
            await until(lambda: expiring.task.done(), 4)
            assert expiring.error_codes == ["UNAUTHENTICATED"]
            assert not lasting.task.done()  # re-checked too, and still signed in
    finally:
        services.settings.live_recheck_seconds = saved


SHEET = "subscription($s: ID!) { jobBoard(siteId: $s) { id status jobSheetUrl } }"


async def test_a_shared_answer_is_never_another_users_or_languages(app, gql, db, garage, bus):
    """The answer executed once per identical subscriber: a link signed for one user, or in one language, is not
    handed to another (jobSheetUrl is signed for the reader, in the reader's language)."""
    site = await make_site(db, garage)
    job = await service_job(db, garage, site, await make_vehicle(db, garage))
    channel = board_channel(garage.id, site.id)
    sm, wm = garage.token(Role.SITE_MANAGER), garage.token(Role.WORKSHOP_MANAGER)
    subs = [await Subscription(app, token, SHEET, {"s": str(site.id)}, lang).start()
            for token, lang in ((sm, None), (sm, None), (sm, "th"), (wm, None))]
    try:
        await listening(bus, channel, len(subs))
        ok(await call(gql, "assignJob", sm, jobId=str(job.id), technicianId=str(garage.users[Role.TECHNICIAN].id)))
        await until(lambda: all(s.jobs for s in subs))
        en1, en2, th, other = (parse_qs(urlsplit(s.jobs[0]["jobSheetUrl"]).query) for s in subs)
        manager, workshop = str(garage.users[Role.SITE_MANAGER].id), str(garage.users[Role.WORKSHOP_MANAGER].id)
        assert en1 == en2 and en1["u"] == [manager] and en1["lang"] == ["en"]
        assert th["u"] == [manager] and th["lang"] == ["th"]
        assert other["u"] == [workshop] and other["lang"] == ["en"]
    finally:
        for sub in subs:
            await sub.stop()
