"""The per-operation GraphQL context: who is acting, in which language, a loader registry and one write session."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import events as core_events
from backend.core.actor import Actor

L = TypeVar("L")
log = logging.getLogger("mototrack.graphql")


class Services:
    """Process-wide things a request needs: database, settings, rate limiter, pub/sub."""

    def __init__(self, db, settings, limiter, pubsub) -> None:
        self.db = db
        self.settings = settings
        self.limiter = limiter
        self.pubsub = pubsub
        self.authenticate = None  # async (token) -> Actor | None, set by the app
        self.live = None  # the live subscriptions (backend.api.events.LiveSubscriptions), made at the first one
        self.auth_cache = None  # the app's AuthCache: a committed revocation drops its entries before the answer


class Context:
    def __init__(self, services: Services, *, request: Any = None, actor: Actor | None = None,
                 locale: str = "en", accept_locale: str | None = None, client_address: str | None = None,
                 screen_locale: str | None = None) -> None:
        self.services = services
        self.db = services.db
        self.settings = services.settings
        self.request = request
        self.actor = actor
        self.locale = locale
        self.accept_locale = accept_locale
        self.screen_locale = screen_locale
        self.client_address = client_address
        self.connection_params: dict | None = None
        self.token: str | None = None
        self.response: Any = None  # the HTTP response being prepared (its status may be set), None on a WebSocket
        self.reset()

    def reset(self) -> None:
        """Fresh per-operation state (a WebSocket connection runs many operations on one context)."""
        self._loaders: dict[type, Any] = {}
        self._loader_owner: Context = self
        self._session: AsyncSession | None = None
        self._after_commit: list[Callable[[], Awaitable[None]]] = []
        self._session_lock = asyncio.Lock()
        self.share_reads = False  # a query operation: one read session serves all its resolvers and loader batches
        self._read: _SharedRead | None = None

    @property
    def has_session(self) -> bool:
        return self._session is not None

    def clear_loaders(self) -> None:
        """Forget cached rows (a subscription does this before answering each event with fresh state)."""
        self._loaders = {}
        self._loader_owner = self

    def share_loaders(self, registry: dict, owner: Context) -> None:
        """Read through `registry`, loaders bound to `owner` (another context with the same loader scope): a live
        event's subscribers share one set of loaders, so what it carries is loaded once, not once per subscriber."""
        self._loaders = registry
        self._loader_owner = owner

    def loader(self, cls: type[L]) -> L:
        """One DataLoader of each kind per operation; each batch reads in its own short session."""
        instance = self._loaders.get(cls)
        if instance is None:
            instance = cls(self._loader_owner)
            self._loaders[cls] = instance
        return instance

    async def session(self) -> AsyncSession:
        """The operation's write session and transaction (mutations). Committed once, at the end."""
        if self._session is None:
            self._session = self.db.write_sessions()
            await self._session.begin()
        return self._session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only session for a query resolver or loader batch: in a query operation the operation's one read
        session (concurrent resolvers take turns statement by statement), else a short session of its own."""
        if self.share_reads and self._session is None:
            if self._read is None:
                self._read = _SharedRead(self.db.read_sessions(), self.db)
            yield self._read  # type: ignore[misc]
            return
        async with self.db.read() as session:
            yield session

    @asynccontextmanager
    async def loader_session(self) -> AsyncIterator[AsyncSession]:
        """Where a DataLoader batch reads: the query operation's read session (see read); in a mutation the
        operation's uncommitted session (so a payload shows what the mutation just wrote), one batch at a time."""
        if self._session is None:
            async with self.read() as session:
                yield session
            return
        async with self._session_lock:
            yield self._session

    def after_commit(self, fn: Callable[[], Awaitable[None]]) -> None:
        self._after_commit.append(fn)

    async def finish(self, ok: bool) -> None:
        shared, self._read, self.share_reads = self._read, None, False
        if shared is not None:
            await shared.close()
        session, self._session = self._session, None
        callbacks, self._after_commit = self._after_commit, []
        events: list = []
        if session is not None:
            try:
                if ok:
                    await session.commit()
                    events = core_events.take(session)
                else:
                    await session.rollback()
            finally:
                await session.close()
        if ok:
            # the write is committed: whatever happens to its live events and follow-ups, the caller is told it
            # succeeded (a client told "error" for a saved change would retry it or give up on saved work)
            for channel, message in events:
                if channel == core_events.AUTH_REVOKED and self.services.auth_cache is not None:
                    self.services.auth_cache.revoke(message)  # this process at once; the others through pub/sub
                try:
                    await self.services.pubsub.publish(channel, message)
                except Exception:  # noqa: BLE001
                    log.exception("publishing %s after commit failed", channel)
            for fn in callbacks:
                try:
                    await fn()
                except Exception:  # noqa: BLE001
                    log.exception("an after-commit step failed")

    def set_actor(self, actor: Actor | None) -> None:
        self.actor = actor
        self.locale = pick_locale(actor, self.accept_locale, self.screen_locale)


class _SharedRead:
    """One read session shared by the resolvers of a query operation (one pool checkout per operation instead of
    one per batch). Resolvers run concurrently, so each statement holds a lock while it runs: results come back
    buffered, so nothing else touches the connection between statements.

    A resolver can outlive its operation (graphql-core lets the siblings of a failed field run on): a statement it
    sends once the operation has finished runs in a short session of its own, never on the closed shared one
    (which would check a new connection out that nothing ever returns to the pool)."""

    def __init__(self, session: AsyncSession, db) -> None:
        self._session = session
        self._db = db
        self._lock = asyncio.Lock()
        self._closed = False

    async def _call(self, name: str, *args, **kwargs):
        async with self._lock:
            if not self._closed:
                return await getattr(self._session, name)(*args, **kwargs)
        async with self._db.read() as session:
            return await getattr(session, name)(*args, **kwargs)

    async def execute(self, *args, **kwargs):
        return await self._call("execute", *args, **kwargs)

    async def scalar(self, *args, **kwargs):
        return await self._call("scalar", *args, **kwargs)

    async def scalars(self, *args, **kwargs):
        return await self._call("scalars", *args, **kwargs)

    async def get(self, *args, **kwargs):
        return await self._call("get", *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._session, name)

    async def close(self) -> None:
        async with self._lock:
            self._closed = True
            await self._session.close()


def pick_locale(actor: Actor | None, accept_locale: str | None, screen_locale: str | None = None) -> str:
    """The language of the screen that sent the request (the PWA's X-MotoTrack-Locale: what the person is reading
    right now, even while their new preference is still being saved), else the user's preference, else
    Accept-Language, else the garage default, else English."""
    if screen_locale:
        return screen_locale
    if actor is not None and actor.locale:
        return actor.locale
    if accept_locale:
        return accept_locale
    if actor is not None and actor.extra.get("garage_locale"):
        return actor.extra["garage_locale"]
    return "en"
