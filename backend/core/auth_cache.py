"""The signed-in actor of a bearer token, kept for a few seconds so a request does not read the user every time.

An entry lives `seconds` (and never past its access token's expiry), the cache holds at most `max_entries` tokens
(least recently used out), and a revocation drops entries at once:

- services raise an `auth.revoked` event (backend.core.events.emit_auth_revoked) in the transaction that signs a
  user out, deactivates them, changes their role, site, password or language, or revokes an API key;
- after the commit the request boundary hands it to this process's cache directly (Context.finish) and publishes it
  on the pub/sub, where every other API process's cache follows the channel (`follow`).

The message is `{"userId": str | None, "garageId": str, "tokenId": str | None, "reason": str}`: `tokenId` names one
sign-in (the refresh-token family an access token carries as `sid`) or one API key; without it, every token of the
user; without a user either, every token of the garage (a garage setting the actor carries changed).

Across processes the cache is trusted only while it follows the channel: a process whose subscription is down (Redis
unreachable) reads the user from the database on every request, as without a cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from backend.core import security
from backend.core.actor import Actor
from backend.core.events import AUTH_REVOKED

log = logging.getLogger("mototrack.auth")

RESUBSCRIBE_AFTER = 1.0  # seconds before following the channel again after it broke


@dataclass(slots=True)
class _Entry:
    actor: Actor
    until: float  # time.monotonic() deadline
    token_id: uuid.UUID | None  # the sign-in (refresh family) or the API key


def _uuid(value) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


class AuthCache:
    def __init__(self, seconds: float, max_entries: int = 10_000, *, shared: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """`shared`: other processes serve the same users (Redis pub/sub), so entries are used only while this
        process follows the revocation channel."""
        self.seconds = seconds
        self.max_entries = max_entries
        self.shared = shared
        self.following = False
        self.clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._generation = 0  # bumped by every revocation: a load that straddles one is not kept
        self.hits = self.misses = self.revocations = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def active(self) -> bool:
        return self.seconds > 0 and (self.following or not self.shared)

    async def actor(self, token: str, load: Callable[[str], Awaitable[Actor | None]]) -> Actor | None:
        """The actor of `token`: cached, else `load(token)` (None for a token that is not valid)."""
        if not self.active:
            return await load(token)
        now = self.clock()
        entry = self._entries.get(token)
        if entry is not None:
            if entry.until > now:
                self._entries.move_to_end(token)
                self.hits += 1
                return entry.actor
            del self._entries[token]
        self.misses += 1
        generation = self._generation
        actor = await load(token)
        if actor is None or generation != self._generation:
            return actor  # a revocation arrived while it was read: the answer may predate it, keep none
        until, token_id = now + self.seconds, actor.api_key_id
        if actor.api_key_id is None:
            claims = security.read_access_token_unverified(token)
            token_id = _uuid(claims.get("sid"))
            exp = claims.get("exp")
            if isinstance(exp, int | float):
                until = min(until, now + (exp - time.time()))
        if until <= now:
            return actor
        self._entries[token] = _Entry(actor, until, token_id)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return actor

    def revoke(self, message: dict) -> int:
        """Drops what a revocation message names; returns how many tokens were dropped."""
        self._generation += 1
        self.revocations += 1
        if not isinstance(message, dict):
            self.clear()
            return 0
        garage_id, user_id = _uuid(message.get("garageId")), _uuid(message.get("userId"))
        token_id = _uuid(message.get("tokenId"))
        if garage_id is None and user_id is None and token_id is None:
            dropped = len(self._entries)
            self.clear()  # an unreadable message: forget everything rather than keep what it meant to end
            return dropped

        def named(entry: _Entry) -> bool:
            actor = entry.actor
            if garage_id is not None and actor.garage_id != garage_id:
                return False
            if token_id is not None:
                return entry.token_id == token_id
            if user_id is not None:
                return actor.user_id == user_id
            return True

        doomed = [token for token, entry in self._entries.items() if named(entry)]
        for token in doomed:
            del self._entries[token]
        return len(doomed)

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()

    async def follow(self, pubsub) -> None:
        """Follows the revocation channel until cancelled (the app's lifespan runs it as a task); forgets every
        entry whenever the subscription breaks, and uses none until it is back."""
        while True:
            try:
                async with pubsub.subscribe(AUTH_REVOKED, on_overflow=self.clear) as messages:
                    self.following = True
                    async for message in messages:
                        self.revoke(message)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - fell behind, or Redis went away: read users again until back
                log.warning("following %s stopped; reading users from the database until it is back",
                            AUTH_REVOKED, exc_info=True)
            finally:
                self.following = False
                self.clear()
            await asyncio.sleep(RESUBSCRIBE_AFTER)


@contextlib.asynccontextmanager
async def following(cache: AuthCache, pubsub):
    """Runs `cache.follow(pubsub)` for the duration of the block (an app's lifespan)."""
    task = asyncio.create_task(cache.follow(pubsub))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
