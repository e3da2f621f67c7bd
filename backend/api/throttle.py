"""Slows down an address that keeps sending documents the server refuses.

Refusing a hostile document is cheap (a few milliseconds, see backend/api/documents.py), but a client that sends
nothing else, as fast as it can, still takes a share of the event loop at every await of everyone else's request.
So each address has a bucket of refusals (`refusal_burst`, refilled at `refusal_rate` a second): a refusal takes one;
while an address's bucket is empty its next GraphQL request waits, before its body is read, until a refusal has
been refilled. Waiting costs the server nothing, and one address's flood drops to `refusal_rate` refusals a second.
Clients that send valid documents never take from their bucket and never wait; a typo now and then is far inside the
burst. The state is per process and bounded (the least recently seen addresses are forgotten first).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict

MAX_ADDRESSES = 10_000
MAX_WAIT_SECONDS = 5.0


class RefusalThrottle:
    def __init__(self, burst: int, rate: float, *, clock=time.monotonic) -> None:
        self.burst = float(burst)
        self.rate = float(rate)
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # address -> (tokens, at)
        self.waits = 0

    def reset(self) -> None:
        self._buckets.clear()

    @property
    def enabled(self) -> bool:
        return self.burst > 0 and self.rate > 0

    def _tokens(self, address: str) -> float:
        entry = self._buckets.get(address)
        if entry is None:
            return self.burst
        tokens, at = entry
        return min(self.burst, tokens + (self.clock() - at) * self.rate)

    def strike(self, address: str | None) -> None:
        """A document from `address` was refused."""
        if not self.enabled or not address:
            return
        tokens = max(-self.burst, self._tokens(address) - 1.0)  # a flood's debt is bounded too
        self._buckets[address] = (tokens, self.clock())
        self._buckets.move_to_end(address)
        while len(self._buckets) > MAX_ADDRESSES:
            self._buckets.popitem(last=False)

    def delay(self, address: str | None) -> float:
        """Seconds `address` waits before its next request is read (0 for an address in good standing)."""
        if not self.enabled or not address or address not in self._buckets:
            return 0.0
        tokens = self._tokens(address)
        if tokens >= 1.0:
            return 0.0
        return min(MAX_WAIT_SECONDS, (1.0 - tokens) / self.rate)

    async def wait(self, address: str | None) -> None:
        seconds = self.delay(address)
        if seconds > 0:
            self.waits += 1
            await asyncio.sleep(seconds)
