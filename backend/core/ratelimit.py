"""Sliding-window counters for sign-in attempts: in memory (embedded mode) or in Redis (shared by all processes), and
the client address they count (forwarded headers believed only from trusted proxies)."""

from __future__ import annotations

import functools
import ipaddress
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


# ------------------------------------------------------------------------------------------------ the client's address

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def trusted_networks(spec: str) -> tuple[Network, ...]:
    """`MOTOTRACK_TRUSTED_PROXIES`: comma-separated addresses or networks ("127.0.0.1, 10.0.0.0/8"); empty: none."""
    out = []
    for part in (spec or "").split(","):
        part = part.strip()
        if part:
            out.append(ipaddress.ip_network(part, strict=False))
    return tuple(out)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip('"')
    if text.startswith("["):  # Forwarded: for="[2001:db8::1]:4711"
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # 203.0.113.9:4711
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _forwarded_chain(headers) -> list[str]:
    """The addresses a request passed through, nearest client first: Forwarded (RFC 7239) wins over
    X-Forwarded-For when both are present."""
    forwarded = headers.get("forwarded")
    if forwarded:
        chain = []
        for element in forwarded.split(","):
            for pair in element.split(";"):
                name, _, value = pair.partition("=")
                if name.strip().lower() == "for":
                    chain.append(value)
        return chain
    return [part for part in (headers.get("x-forwarded-for") or "").split(",") if part.strip()]


def client_address(peer: str | None, headers, trusted: tuple[Network, ...]) -> str | None:
    """The address the sign-in limit counts. Forwarded headers are believed only when the direct peer is one of the
    trusted proxies; then the chain is read from the right, and the first hop that is not a trusted proxy is the
    client (whatever a client writes further left is its own claim and is not believed)."""
    peer_ip = _address(peer) if peer else None
    if peer_ip is None or not any(peer_ip in net for net in trusted):
        return peer
    for hop in reversed(_forwarded_chain(headers)):
        ip = _address(hop)
        if ip is None:
            return peer  # an unreadable hop ("unknown", an obfuscated name): the proxy is the best we know
        if not any(ip in net for net in trusted):
            return str(ip)
    return peer
