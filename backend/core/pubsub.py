"""Live events: in-process in embedded mode, Redis pub/sub when a Redis URL is set, so every API process sees them.

Events are published only after the transaction that caused them commits (see Context.after_commit). Publishing
never waits for, and never fails because of, a subscriber: each subscriber has a bounded queue of its own, and one
that falls behind (its queue is full: it stopped reading, or reads slower than events come) is dropped. Its
`on_overflow` callback runs once (the API closes its WebSocket with close code 4410, see backend/api/events.py) and
its iterator raises SubscriberFellBehind after the events it already holds, so the client resubscribes and reloads.

Fan-out happens once per process: an event reaches every local subscriber of its channel as the SAME `Event` object
(a dict with a `shared` dict for per-event caches, see backend/api/events.py), and through Redis one connection and
one reader task per process carry every channel (a pattern subscription), parsed once and handed to the local queues.
A subscription can also be ended from outside (`Subscriber.end`): its iterator raises the given error at once.
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


class Event(dict):
    """One published message as every local subscriber of its channel receives it: the same object for all of
    them, so what one subscriber loads for it (`shared`, keyed by whoever uses it) serves the others."""

    __slots__ = ("shared",)

    def __init__(self, message: dict) -> None:
        super().__init__(message)
        self.shared: dict = {}


class Subscriber:
    """One subscriber's bounded queue, and its async iterator. `offer` never blocks and never raises into the
    publisher."""

    def __init__(self, limit: int = SUBSCRIBER_QUEUE, on_overflow: Callable[[], None] | None = None) -> None:
        self.limit = limit
        self.on_overflow = on_overflow
        self.fell_behind = False
        self.ended: BaseException | None = None
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

    def end(self, error: BaseException) -> None:
        """End the subscription from outside (a revoked sign-in, say): the iterator raises `error` at once, before
        any event still queued."""
        if self.ended is None:
            self.ended = error
            self._queue.clear()
            self._ready.set()

    def __aiter__(self) -> Subscriber:
        return self

    async def __anext__(self) -> dict:
        while True:
            if self.ended is not None:
                raise self.ended
            if self._queue and not self.fell_behind:
                return self._queue.popleft()
            if self.fell_behind:
                self._queue.clear()
                raise SubscriberFellBehind
            self._ready.clear()
            await self._ready.wait()

    def messages(self) -> Subscriber:
        return self


class _LocalQueues:
    """The subscribers of each channel in this process, and the one loop that hands them an event."""

    def __init__(self, subscriber_queue: int) -> None:
        self.subscriber_queue = subscriber_queue
        self._queues: dict[str, set[Subscriber]] = defaultdict(set)  # channel -> its subscribers

    def _fan_out(self, channel: str, message: dict) -> None:
        subscribers = self._queues.get(channel)
        if not subscribers:
            return
        event = message if isinstance(message, Event) else Event(message)
        for subscriber in list(subscribers):
            if not subscriber.offer(event):
                subscribers.discard(subscriber)

    def _add(self, channel: str, on_overflow: Callable[[], None] | None) -> Subscriber:
        subscriber = Subscriber(self.subscriber_queue, on_overflow)
        self._queues[channel].add(subscriber)
        return subscriber

    def _remove(self, channel: str, subscriber: Subscriber) -> None:
        subscribers = self._queues.get(channel)
        if subscribers is not None:
            subscribers.discard(subscriber)
            if not subscribers:
                self._queues.pop(channel, None)

    def subscriber_count(self, channel: str) -> int:
        return len(self._queues.get(channel, ()))


class MemoryPubSub(_LocalQueues):
    def __init__(self, subscriber_queue: int = SUBSCRIBER_QUEUE) -> None:
        super().__init__(subscriber_queue)

    async def publish(self, channel: str, message: dict) -> None:
        self._fan_out(channel, message)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str, on_overflow: Callable[[], None] | None = None
                        ) -> AsyncIterator[Subscriber]:
        subscriber = self._add(channel, on_overflow)
        try:
            yield subscriber
        finally:
            self._remove(channel, subscriber)

    async def close(self) -> None:
        self._queues.clear()


class RedisPubSub(_LocalQueues):
    """Redis carries events between processes. Each process holds ONE Redis connection for all channels (a pattern
    subscription on the prefix, made when the first local subscriber arrives) and one reader task, which parses each
    event once and hands it to the local subscribers' bounded queues, so a slow subscriber is dropped the same way
    as in-process. Redis going away drops every local subscriber (4410: they resubscribe, and a new connection is
    made)."""

    def __init__(self, redis, prefix: str = "mototrack:events:", subscriber_queue: int = SUBSCRIBER_QUEUE) -> None:
        super().__init__(subscriber_queue)
        self.redis = redis
        self.prefix = prefix
        self._pubsub = None
        self._reader: asyncio.Task | None = None
        self._starting = asyncio.Lock()

    async def publish(self, channel: str, message: dict) -> None:
        try:
            await asyncio.wait_for(self.redis.publish(self.prefix + channel, json.dumps(message, default=str)),
                                   PUBLISH_TIMEOUT)
        except Exception:  # noqa: BLE001 - the write is committed; a lost live event must not turn it into an error
            log.exception("publishing a live event on %s failed", channel)

    async def _ensure_reader(self) -> None:
        if self._reader is not None and not self._reader.done():
            return
        async with self._starting:
            if self._reader is not None and not self._reader.done():
                return
            pubsub = self.redis.pubsub()
            await pubsub.psubscribe(self.prefix + "*")
            # the pattern is in place once Redis confirms it: events published from now on reach this process
            while True:
                item = await asyncio.wait_for(pubsub.get_message(timeout=None), PUBLISH_TIMEOUT)
                if item is not None and item.get("type") == "psubscribe":
                    break
            self._pubsub = pubsub
            self._reader = asyncio.create_task(self._read(pubsub), name="mototrack-live-events")

    async def _read(self, pubsub) -> None:
        skip = len(self.prefix)
        try:
            while True:
                item = await pubsub.get_message(timeout=None)
                if item is None or item.get("type") != "pmessage":
                    continue
                channel = item["channel"]
                channel = (channel.decode() if isinstance(channel, bytes) else channel)[skip:]
                if not self._queues.get(channel):
                    continue
                try:
                    message = json.loads(item["data"])
                except ValueError:
                    log.warning("a live event on %s was not JSON", channel)
                    continue
                self._fan_out(channel, Event(message))
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - Redis went away: every local subscriber misses events from now on
            log.warning("live events from Redis stopped", exc_info=True)
            for subscribers in list(self._queues.values()):
                for subscriber in list(subscribers):
                    subscriber.drop()
            self._queues.clear()
            with contextlib.suppress(Exception):
                await pubsub.aclose()

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str, on_overflow: Callable[[], None] | None = None
                        ) -> AsyncIterator[Subscriber]:
        await self._ensure_reader()
        subscriber = self._add(channel, on_overflow)
        try:
            yield subscriber
        finally:
            self._remove(channel, subscriber)

    async def close(self) -> None:
        reader, self._reader = self._reader, None
        pubsub, self._pubsub = self._pubsub, None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.punsubscribe()
                await pubsub.aclose()
        self._queues.clear()
