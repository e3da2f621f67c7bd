"""Live events: published after the transaction commits, delivered to subscribers on every API process.

A subscriber that falls behind (its bounded queue overflows, see backend/core/pubsub.py) is dropped: its WebSocket is
closed with close code 4410 and the reason below, so the client resubscribes and reloads what it shows. The code and
reason are part of the API (README, "WebSocket close codes"); the PWA acts on them.

Fan-out is done once per event, not once per subscriber (DESIGN.md, performance rules):
- every subscriber of a channel in a process receives the same event object (backend/core/pubsub.py), and the
  subscribers whose loaders would read the same rows (`loader_scope`: the garage, and for a technician their
  own id) share ONE set of DataLoaders for that event: the record it names and every nested field are read
  once, whatever the number of subscribers; each still applies its own visibility rules; and the answer is
  executed once per (record, document, variables, actor, language) (`SharedEventExecution`, the schema's
  execution context), so identical subscribers share it and no one is handed another role's, user's or language's;
- the sign-in is not re-read per event: each live subscription re-checks its token every `live_recheck_seconds`, and
  ends at once (UNAUTHENTICATED) when an `auth.revoked` message names its user, its token or its garage (one
  listener per process, see `LiveSubscriptions`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from backend.api.context import Context
from backend.api.errors import PublicError, unauthenticated
from backend.api.permissions import check
from backend.core import security
from backend.core.events import AUTH_REVOKED  # {"userId", "garageId", "tokenId", "reason"}, from the accounts services
from backend.core.i18n import N_, translate
from backend.core.permissions import Permission, Role
from backend.core.pubsub import Event, Subscriber, SubscriberFellBehind

log = logging.getLogger("mototrack.events")

FELL_BEHIND_CLOSE_CODE = 4410
FELL_BEHIND_REASON = "Subscriber fell behind; resubscribe and reload"
FELL_BEHIND_MESSAGE = N_("Live updates fell behind; reload to see the latest.")


_closing: set[asyncio.Task] = set()  # close tasks in flight (a task nobody references may be collected)


def publish(ctx, channel: str, message: dict[str, Any]) -> None:
    """Queue an event for after the commit; a rollback drops it."""
    pubsub = ctx.services.pubsub

    async def send() -> None:
        await pubsub.publish(channel, message)

    ctx.after_commit(send)


def garage_channel(garage_id, topic: str) -> str:
    return f"{garage_id}:{topic}"


def _websocket(ctx):
    request = ctx.request
    scope = getattr(request, "scope", None)
    return request if isinstance(scope, dict) and scope.get("type") == "websocket" else None


def _close_fallen_behind(ctx) -> None:
    """Called by the publisher (never awaited by it): close the subscriber's WebSocket with 4410."""
    websocket = _websocket(ctx)
    if websocket is None:
        return

    async def close() -> None:
        try:
            await websocket.close(code=FELL_BEHIND_CLOSE_CODE, reason=FELL_BEHIND_REASON)
        except Exception:  # noqa: BLE001 - already closed or gone: nothing more to tell it
            log.debug("closing a fallen-behind subscriber's WebSocket failed", exc_info=True)

    task = asyncio.get_running_loop().create_task(close())
    _closing.add(task)
    task.add_done_callback(_closing.discard)


def loader_scope(actor) -> tuple:
    """What a DataLoader's rows depend on besides the keys: two subscribers with the same scope read the same rows.
    Loaders scope by garage, and a technician's by their own id (backend/workshop/loaders.py JobLoader,
    backend/customers/loaders.py); permissions, role and language are applied by the resolvers, per subscriber, on
    the shared rows. An actor whose loaders narrow by anything else (a portal token's job, say) puts it in
    `actor.extra["loader_scope"]`."""
    own = actor.user_id if actor.role == Role.TECHNICIAN else None
    return actor.garage_id, own, actor.extra.get("loader_scope")


def share_event_loaders(ctx, message: dict) -> None:
    """Point `ctx`'s loaders at the ones this event's other subscribers of the same scope use (fresh for each event,
    so each event is answered with the state after its commit). A message that is not a pub/sub `Event` (nothing to
    share it with) gets fresh loaders of its own."""
    if not isinstance(message, Event):
        ctx.clear_loaders()
        return
    key = ("loaders", loader_scope(ctx.actor))
    shared = message.shared.get(key)
    if shared is None:
        owner = Context(ctx.services, actor=ctx.actor, locale=ctx.locale)
        shared = message.shared[key] = (owner, {})
    ctx.share_loaders(shared[1], shared[0])


class SharedEventExecution(StrawberryGraphQLCoreExecutionContext):
    """The schema's execution context: a subscription event's answer is executed once per (loaded record, document,
    variables, actor, language) and handed to every subscriber it is the same for, instead of once per subscriber.

    The record is the one the subscription's resolver yielded for this event (shared by a loader scope, see
    `share_event_loaders`), and the whole actor (user or key, role, permissions) and the language are in the key,
    so what a resolver shows by role, by user (a signed link) or by language is never handed to anyone else. Only
    events of `subscribe()` are shared (the cache lives on the event); queries, mutations and other streams execute
    as before."""

    _per_event = False
    _document_key: tuple | None = None  # the document, operation and variables: the same for every event

    def build_per_event_executor(self, payload: Any):
        if self._document_key is None:
            operation = self.operation
            try:
                variables = json.dumps(self.variable_values, sort_keys=True, default=str)
            except (TypeError, ValueError):
                variables = object()  # not comparable: this subscription's answers are its own
            self._document_key = (operation.loc.source.body if operation.loc is not None else id(operation),
                                  operation.name.value if operation.name else None, variables)
        executor = super().build_per_event_executor(payload)
        executor._per_event = True
        return executor

    def execute_operation(self, serially: bool | None = None):
        ctx = self.context_value
        event = getattr(ctx, "live_event", None) if self._per_event else None
        if not isinstance(event, Event) or getattr(ctx, "actor", None) is None:
            return super().execute_operation(serially)
        key = ("result", id(self.root_value), self._document_key, ctx.actor, loader_scope(ctx.actor), ctx.locale)
        entry = event.shared.get(key)
        if entry is not None and entry[0] is self.root_value:
            result = entry[1]
            if not isinstance(result, asyncio.Future):
                return result
            if result.done() and not result.cancelled() and result.exception() is None:
                return result.result()
            return asyncio.shield(result)
        result = super().execute_operation(serially)
        if self.is_awaitable(result):
            result = asyncio.ensure_future(result)
            event.shared[key] = (self.root_value, result)
            return asyncio.shield(result)  # one subscriber going away does not cancel the others' answer
        event.shared[key] = (self.root_value, result)
        return result


class _Live:
    __slots__ = ("ctx", "subscriber", "token_ids", "timer", "checking")

    def __init__(self, ctx, subscriber: Subscriber, token_ids: frozenset[str]) -> None:
        self.ctx = ctx
        self.subscriber = subscriber
        self.token_ids = token_ids
        self.timer: asyncio.TimerHandle | None = None
        self.checking: asyncio.Task | None = None


def _token_ids(settings, actor, token: str | None) -> frozenset[str]:
    """The ids an `auth.revoked` message may name this sign-in by: an API key's id, an access token's sign-in
    (refresh family) and its own id."""
    ids = set()
    if actor.api_key_id is not None:
        ids.add(str(actor.api_key_id))
    if token and not security.looks_like_api_key(token):
        claims = security.read_access_token(settings.secret_key, token) or {}
        ids.update(str(claims[k]) for k in ("sid", "jti") if claims.get(k))
    return frozenset(ids)


class LiveSubscriptions:
    """The live subscriptions of this process, so their sign-in is re-checked without a database read per event:
    on a timer (`live_recheck_seconds`, one timer per subscription) and at once on `auth.revoked` (one listener per
    process, on the same pub/sub as the events, so a sign-out on any API process ends the subscriptions on every
    one). An ended subscription's iterator raises UNAUTHENTICATED in the subscriber's language."""

    def __init__(self, services) -> None:
        self.services = services
        self._by_garage: dict[uuid.UUID, set[_Live]] = defaultdict(set)
        self._listener: asyncio.Task | None = None
        self._listening = asyncio.Event()

    @property
    def recheck_seconds(self) -> float:
        return float(getattr(self.services.settings, "live_recheck_seconds", 60) or 60)

    def count(self) -> int:
        return sum(len(v) for v in self._by_garage.values())

    async def _ensure_listener(self) -> None:
        if self._listener is None or self._listener.done():
            self._listening.clear()
            self._listener = asyncio.get_running_loop().create_task(self._listen(), name="mototrack-auth-revoked")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._listening.wait(), 5)

    async def _listen(self) -> None:
        while True:
            try:
                async with self.services.pubsub.subscribe(AUTH_REVOKED) as messages:
                    self._listening.set()
                    async for message in messages:
                        self.revoked(message)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - fell behind or Redis went away: revocations may have been missed
                log.warning("the auth.revoked listener stopped; re-checking every live subscription", exc_info=True)
            self._listening.clear()
            for lives in list(self._by_garage.values()):
                for live in list(lives):
                    self._check_soon(live)
            await asyncio.sleep(1)

    def revoked(self, message: dict) -> int:
        """End the live subscriptions an `auth.revoked` message names (its garage's; its user's, or its token's,
        or, naming neither, all of the garage's). Returns how many."""
        try:
            garage_id = uuid.UUID(str(message.get("garageId")))
        except ValueError:
            return 0
        user_id, token_id = message.get("userId"), message.get("tokenId")
        ended = 0
        for live in list(self._by_garage.get(garage_id, ())):
            actor = live.ctx.actor
            if token_id:
                hit = str(token_id) in live.token_ids
            elif user_id:
                hit = str(actor.user_id) == str(user_id)
            else:
                hit = True
            if hit:
                self._end(live)
                ended += 1
        return ended

    def _end(self, live: _Live) -> None:
        live.subscriber.end(unauthenticated(live.ctx.locale))

    def _arm(self, live: _Live) -> None:
        loop = asyncio.get_running_loop()
        live.timer = loop.call_later(self.recheck_seconds, self._check_soon, live)

    def _check_soon(self, live: _Live) -> None:
        if live.checking is None or live.checking.done():
            live.checking = asyncio.get_running_loop().create_task(self._recheck(live))

    async def _recheck(self, live: _Live) -> None:
        authenticate = self.services.authenticate
        ctx = live.ctx
        if authenticate is None or ctx.token is None or live.subscriber.ended is not None:
            return
        try:
            actor = await authenticate(ctx.token)
        except Exception:  # noqa: BLE001 - the database is away: try again at the next tick
            log.warning("re-checking a live subscription's sign-in failed", exc_info=True)
            actor = ctx.actor
        if actor is None:
            self._end(live)
            return
        if live.timer is not None:
            live.timer.cancel()
        self._arm(live)

    @contextlib.asynccontextmanager
    async def watch(self, ctx, subscriber: Subscriber) -> AsyncIterator[None]:
        await self._ensure_listener()
        live = _Live(ctx, subscriber, _token_ids(self.services.settings, ctx.actor, ctx.token))
        garage = ctx.actor.garage_id
        self._by_garage[garage].add(live)
        if ctx.token is not None:
            self._arm(live)
        try:
            yield
        finally:
            if live.timer is not None:
                live.timer.cancel()
            if live.checking is not None and not live.checking.done():
                live.checking.cancel()
            lives = self._by_garage.get(garage)
            if lives is not None:
                lives.discard(live)
                if not lives:
                    self._by_garage.pop(garage, None)

    async def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener


def live_subscriptions(services) -> LiveSubscriptions:
    """The process's LiveSubscriptions (one per Services)."""
    live = getattr(services, "live", None)
    if live is None:
        live = services.live = LiveSubscriptions(services)
    return live


async def subscribe(info, permission: Permission | None, channel: str) -> AsyncIterator[dict]:
    """Messages of one channel, for a signed-in actor holding `permission`: the fan-out every subscription uses.

    For each message the subscriber's loaders are the event's shared ones for its loader scope
    (`share_event_loaders`): a resolver that loads what the message names (`info.context.loader(X).load(id)`) and
    every nested field read the database once per event and scope, however many subscribe. A subscription built on
    this (the portal's job timeline, say) therefore only filters the message by its own rules, loads through a
    loader of its context, and yields; an actor whose loaders narrow by more than garage and technician sets
    `actor.extra["loader_scope"]` (see `loader_scope`). The sign-in is re-checked on a timer and on `auth.revoked`
    (LiveSubscriptions), never per event."""
    check(info, permission)
    ctx = info.context
    async with ctx.services.pubsub.subscribe(channel, on_overflow=lambda: _close_fallen_behind(ctx)) as messages:
        async with live_subscriptions(ctx.services).watch(ctx, messages):
            try:
                async for message in messages:
                    share_event_loaders(ctx, message)
                    ctx.live_event = message  # SharedEventExecution answers it once for every identical subscriber
                    yield message
            except SubscriberFellBehind:
                log.info("a subscriber of %s fell behind and was dropped", channel)
                raise PublicError(translate(ctx.locale, FELL_BEHIND_MESSAGE),
                                  extensions={"code": "SUBSCRIBER_FELL_BEHIND"}) from None
            finally:
                ctx.clear_loaders()
                ctx.live_event = None
