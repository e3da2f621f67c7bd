"""Production adapters on a real Redis: sign-in limits shared by every API process, and live events."""

import asyncio
import os
import uuid

import pytest
from redis.asyncio import Redis

from backend.core.pubsub import RedisPubSub
from backend.core.ratelimit import RedisRateLimiter
from tests.conftest import REDIS_URL, service_unavailable


@pytest.fixture
async def redis():
    if not REDIS_URL:
        service_unavailable("Redis (TEST_REDIS_URL is not set)")
    client = Redis.from_url(REDIS_URL)
    try:
        await asyncio.wait_for(client.ping(), 5)
    except Exception as exc:  # noqa: BLE001
        service_unavailable("Redis", exc)
    yield client
    await client.aclose()


async def test_rate_limit_counts_are_shared_between_processes(redis):
    key = f"test:{uuid.uuid4()}"
    a, b = RedisRateLimiter(redis), RedisRateLimiter(Redis.from_url(REDIS_URL))
    assert await a.hit(key, 60) == 1
    assert await b.hit(key, 60) == 2
    assert await a.count(key, 60) == 2
    await b.reset(key)
    assert await a.count(key, 60) == 0
    await b.redis.aclose()


async def test_sign_in_limit_through_redis(app, gql, garage, redis):
    services = app.state.services
    saved = services.limiter
    services.limiter = RedisRateLimiter(redis, prefix=f"test:{uuid.uuid4()}:")
    try:
        from backend.core.permissions import Role

        email = garage.users[Role.ADMIN].email
        q = 'mutation($e: String!) { login(input: {email: $e, password: "nope"}) { errors { code } } }'
        codes = [(await gql(q, {"e": email}))["data"]["login"]["errors"][0]["code"] for _ in range(6)]
        assert codes == ["INVALID_CREDENTIALS"] * 5 + ["TOO_MANY_ATTEMPTS"]
    finally:
        services.limiter = saved


async def test_events_reach_a_subscriber_in_another_process(redis):
    publisher = RedisPubSub(Redis.from_url(REDIS_URL))
    subscriber = RedisPubSub(redis)
    channel = f"test-{uuid.uuid4()}"
    async with subscriber.subscribe(channel) as messages:
        await asyncio.sleep(0.05)
        await publisher.publish(channel, {"hello": "world", "n": 1})
        got = await asyncio.wait_for(anext(messages), 5)
    assert got == {"hello": "world", "n": 1}
    await publisher.redis.aclose()


def test_redis_url_is_configured_in_ci():
    if os.environ.get("MOTOTRACK_REQUIRE_SERVICES") == "1":
        assert REDIS_URL
