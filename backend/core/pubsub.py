"""Live events: in-process in embedded mode, Redis pub/sub when a Redis URL is set, so every API process sees them.

Events are published only after the transaction that caused them commits (see Context.after_commit). Publishing
never waits for, and never fails because of, a subscriber: each subscriber has a bounded queue of its own, and one
that falls behind (its queue is full: it stopped reading, or reads slower than events come) is dropped. Its
`on_overflow` callback runs once (the API closes its WebSocket with close code 4410, see backend/api/events.py) and
its iterator raises SubscriberFellBehind after the events it already holds, so the client resubscribes and reloads.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable

log = logging.getLogger("mototrack.pubsub")

SUBSCRIBER_QUEUE = 256  # events one subscriber may have waiting before it counts as fallen behind
PUBLISH_TIMEOUT = 2.0  # seconds a Redis PUBLISH may take before the event is given up (and logged)


class SubscriberFellBehind(Exception):
    """The subscriber's queue overflowed: it missed events and must resubscribe and reload."""


class Subscriber:
    """One subscriber's bounded queue. `offer` never blocks and never raises into the publisher."""

    def __init__(self, limit: int = SUBSCRIBER_QUEUE, on_overflow: Callable[[], None] | None = None) -> None:
        self.limit = limit
        self.on_overflow = on_overflow
        self.fell_behind = False
        self._queue: deque[dict] = deque()
        self._ready = asyncio.Event()

    def offer(self, message: dict) -> bool:
        """Queue a message; False when the subscriber is (now) fallen behind and should be dropped."""
        if self.fell_behind:
            return False
        if len(self._queue) >= self.limit:
            self.drop()
            return False
        self._queue.append(message)
        self._ready.set()
        return True

    def drop(self) -> None:
        """The subscriber missed (or will miss) events: end it and tell it once."""
        if self.fell_behind:
            return
        self.fell_behind = True
        self._ready.set()
        if self.on_overflow is not None:
            try:
                self.on_overflow()
            except Exception:  # noqa: BLE001 - the publisher must not fail because of one subscriber
                log.exception("closing a subscriber that fell behind failed")

    async def messages(self) -> AsyncIterator[dict]:
        while True:
            while self._queue and not self.fell_behind:
                yield self._queue.popleft()
            if self.fell_behind:
                self._queue.clear()
                raise SubscriberFellBehind
            self._ready.clear()
            await self._ready.wait()


class MemoryPubSub:
    def __init__(self, subscriber_queue: int = SUBSCRIBER_QUEUE) -> None:
        self.subscriber_queue = subscriber_queue
        self._queues: dict[str, set[Subscriber]] = defaultdict(set)  # channel -> its subscribers

    async def publish(self, channel: str, message: dict) -> None:
        subscribers = self._queues.get(channel)
        if not subscribers:
            return
        for subscriber in list(subscribers):
            if not subscriber.offer(message):
                subscribers.discard(subscriber)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str, on_overflow: Callable[[], None] | None = None
                        ) -> AsyncIterator[AsyncIterator[dict]]:
        subscriber = Subscriber(self.subscriber_queue, on_overflow)
        self._queues[channel].add(subscriber)
        try:
            yield subscriber.messages()
        finally:
            subscribers = self._queues.get(channel)
            if subscribers is not None:
                subscribers.discard(subscriber)
                if not subscribers:
                    self._queues.pop(channel, None)

    async def close(self) -> None:
        self._queues.clear()


class RedisPubSub:
    """Redis carries events between processes; in each process a reader task moves a subscriber's events from its
    Redis connection into the same bounded queue as in-process, so a slow subscriber is dropped the same way."""

    def __init__(self, redis, prefix: str = "mototrack:events:", subscriber_queue: int = SUBSCRIBER_QUEUE) -> None:
        self.redis = redis
        self.prefix = prefix
        self.subscriber_queue = subscriber_queue

    async def publish(self, channel: str, message: dict) -> None:
        try:
            await asyncio.wait_for(self.redis.publish(self.prefix + channel, json.dumps(message, default=str)),
                                   PUBLISH_TIMEOUT)
        except Exception:  # noqa: BLE001 - the write is committed; a lost live event must not turn it into an error
            log.exception("publishing a live event on %s failed", channel)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str, on_overflow: Callable[[], None] | None = None
                        ) -> AsyncIterator[AsyncIterator[dict]]:
        subscriber = Subscriber(self.subscriber_queue, on_overflow)
        pubsub = self.redis.pubsub()
        await pubsub.subscribe(self.prefix + channel)

        async def read() -> None:
            try:
                async for item in pubsub.listen():
                    if item.get("type") == "message" and not subscriber.offer(json.loads(item["data"])):
                        return
            except Exception:  # noqa: BLE001 - Redis went away: the subscriber misses events from now on
                log.warning("live events from Redis stopped on %s", channel, exc_info=True)
                subscriber.drop()

        reader = asyncio.create_task(read())
        try:
            yield subscriber.messages()
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
            with contextlib.suppress(Exception):
                await pubsub.unsubscribe()
                await pubsub.aclose()

    async def close(self) -> None:
        pass
