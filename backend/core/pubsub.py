"""Live events: in-process in embedded mode, Redis pub/sub when a Redis URL is set, so every API process sees them.

Events are published only after the transaction that caused them commits (see Context.after_commit).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from collections.abc import AsyncIterator


class MemoryPubSub:
    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue]] = defaultdict(set)

    async def publish(self, channel: str, message: dict) -> None:
        for queue in list(self._queues.get(channel, ())):
            queue.put_nowait(message)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[dict]]:
        queue: asyncio.Queue = asyncio.Queue(maxsize=1000)
        self._queues[channel].add(queue)

        async def messages():
            while True:
                yield await queue.get()

        try:
            yield messages()
        finally:
            self._queues[channel].discard(queue)
            if not self._queues[channel]:
                self._queues.pop(channel, None)

    async def close(self) -> None:
        self._queues.clear()


class RedisPubSub:
    def __init__(self, redis, prefix: str = "mototrack:events:") -> None:
        self.redis = redis
        self.prefix = prefix

    async def publish(self, channel: str, message: dict) -> None:
        await self.redis.publish(self.prefix + channel, json.dumps(message, default=str))

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[dict]]:
        pubsub = self.redis.pubsub()
        await pubsub.subscribe(self.prefix + channel)

        async def messages():
            async for item in pubsub.listen():
                if item.get("type") == "message":
                    yield json.loads(item["data"])

        try:
            yield messages()
        finally:
            with contextlib.suppress(Exception):
                await pubsub.unsubscribe()
                await pubsub.aclose()

    async def close(self) -> None:
        pass
