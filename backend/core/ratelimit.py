"""Sliding-window counters for sign-in attempts: in memory (embedded mode) or in Redis (shared by all processes)."""

from __future__ import annotations

import time
from collections import defaultdict, deque


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def _trim(self, key: str, window: int) -> deque[float]:
        hits = self._hits[key]
        limit = time.monotonic() - window
        while hits and hits[0] < limit:
            hits.popleft()
        return hits

    async def count(self, key: str, window: int) -> int:
        return len(self._trim(key, window))

    async def hit(self, key: str, window: int) -> int:
        hits = self._trim(key, window)
        hits.append(time.monotonic())
        return len(hits)

    async def reset(self, key: str) -> None:
        self._hits.pop(key, None)


class RedisRateLimiter:
    """A sorted set per key holding the attempt times; old entries are trimmed on every access."""

    def __init__(self, redis, prefix: str = "mototrack:rl:") -> None:
        self.redis = redis
        self.prefix = prefix

    async def count(self, key: str, window: int) -> int:
        k = self.prefix + key
        now = time.time()
        pipe = self.redis.pipeline()
        pipe.zremrangebyscore(k, 0, now - window)
        pipe.zcard(k)
        _, n = await pipe.execute()
        return int(n)

    async def hit(self, key: str, window: int) -> int:
        k = self.prefix + key
        now = time.time()
        pipe = self.redis.pipeline()
        pipe.zremrangebyscore(k, 0, now - window)
        pipe.zadd(k, {f"{now:.6f}-{time.monotonic_ns()}": now})
        pipe.zcard(k)
        pipe.expire(k, window)
        _, _, n, _ = await pipe.execute()
        return int(n)

    async def reset(self, key: str) -> None:
        await self.redis.delete(self.prefix + key)
