"""Helpers for thin resolvers: run one service call in the operation's transaction, turn failures into payload
data, and make offline-queued mutations idempotent through their clientMutationId."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import uuid
from typing import Any

import strawberry

from backend.api.errors import user_errors
from backend.core import audit, idempotency
from backend.core import events as core_events
from backend.core.errors import DomainError, DomainErrors, ErrorCode
from backend.core.validate import parse_id

UNSET_SERVICE = object()
MAX_KEY = 100

Replay = Callable[[Any, Any, str], Awaitable[Any]]


def _ref(result: Any) -> str | None:
    if result is None:
        return None
    if isinstance(result, tuple):
        result = result[0]
    ident = getattr(result, "id", None)
    return str(ident) if ident is not None else None


def _errors_to_store(exc: DomainError | DomainErrors) -> list[dict]:
    items = exc.errors if isinstance(exc, DomainErrors) else [exc]
    return [{"code": e.code.value, "field": e.field, "params": {k: audit._plain(v) for k, v in e.params.items()}}
            for e in items]


def _errors_from_store(stored: list[dict]) -> DomainErrors:
    return DomainErrors([DomainError(ErrorCode(e["code"]), e.get("field"), **(e.get("params") or {}))
                         for e in stored])


async def run(info, fn, *args, client_mutation_id: str | None = None, replay: Replay | None = None,
              **kwargs) -> tuple[Any, list]:
    """Call `fn(session, actor, *args)` inside a savepoint: on a DomainError nothing it did remains.

    With a clientMutationId the first outcome is stored in the same transaction; a replay (also one arriving at
    the same moment) changes nothing and answers with the stored errors or, through `replay(session, actor, ref)`,
    with the record the first call produced as it is now.
    """
    ctx = info.context
    # a document may hold several mutations, run one after the other: each payload must show the state after its
    # own change, not rows the loaders cached while answering the one before
    ctx.clear_loaders()
    session = await ctx.session()
    key = (client_mutation_id or "").strip() if client_mutation_id not in (None, strawberry.UNSET) else ""
    if key:
        if len(key) > MAX_KEY:
            return None, user_errors(DomainError(ErrorCode.TOO_LONG, "clientMutationId", max=MAX_KEY), ctx.locale)
        garage_id = ctx.actor.garage_id
        stored = await idempotency.lookup(session, garage_id, key)
        if stored is None and not await idempotency.claim(session, garage_id, key, info.field_name):
            stored = await idempotency.lookup(session, garage_id, key)
        if stored is not None:
            return await _replay(info, session, stored, replay)
    position = core_events.mark(session)
    try:
        async with session.begin_nested():
            result = await fn(session, ctx.actor, *args, **kwargs)
    except (DomainError, DomainErrors) as exc:
        core_events.forget_since(session, position)
        if key:
            await idempotency.store(session, ctx.actor.garage_id, key, {"errors": _errors_to_store(exc)})
        return None, user_errors(exc, ctx.locale)
    if key:
        await idempotency.store(session, ctx.actor.garage_id, key, {"ref": _ref(result)})
    return result, []


async def _replay(info, session, stored, replay: Replay | None) -> tuple[Any, list]:
    ctx = info.context
    if stored.operation != info.field_name:
        return None, user_errors(DomainError(ErrorCode.ALREADY_EXISTS, "clientMutationId"), ctx.locale)
    result = stored.result or {}
    if result.get("errors"):
        return None, user_errors(_errors_from_store(result["errors"]), ctx.locale)
    if replay is None or not result.get("ref"):
        return None, []
    try:
        return await replay(session, ctx.actor, result["ref"]), []
    except (DomainError, DomainErrors) as exc:
        return None, user_errors(exc, ctx.locale)


def given(value):
    """An optional input field: strawberry.UNSET (not sent) reads as None."""
    return None if value is strawberry.UNSET else value


def client_id(value) -> uuid.UUID | None:
    """The id a client chose for a new record (parse it inside `run`: a malformed one is a NOT_FOUND error)."""
    if value is None or value is strawberry.UNSET:
        return None
    return parse_id(value)


def is_conflict(errors: list) -> bool:
    """Whether a mutation was refused as stale (its payload then carries the current record)."""
    return any(e.code == ErrorCode.CONFLICT for e in errors)


async def run_input(info, input, fn, *args, find: Replay | None = None, current_id: Any = None,
                    stale: Callable[[list], bool] = is_conflict, **kwargs) -> tuple[Any, list]:
    """`run(info, fn, *args, **kwargs)` for a mutation's `input`: idempotent through its clientMutationId, a replay
    answered with the record `find(session, actor, ref)` gives. When the call is refused as stale (`stale(errors)`:
    a CONFLICT unless told otherwise) and `current_id` is given, the record as it is now, `find(session, actor,
    current_id)`, comes back with the errors."""
    result, errors = await run(info, fn, *args, client_mutation_id=given(input.client_mutation_id), replay=find,
                               **kwargs)
    if current_id is not None and find is not None and stale(errors):
        result, _ = await run(info, find, current_id)
    return result, errors


def fields_of(data: object, target_cls: type, renames: dict[str, str] | None = None) -> Any:
    """Copy the given (non-UNSET) fields of a Strawberry input into a service dataclass."""
    target = target_cls()
    renames = renames or {}
    for name in target.__dataclass_fields__:
        source_name = renames.get(name, name)
        value = getattr(data, source_name, strawberry.UNSET)
        if value is not strawberry.UNSET:
            setattr(target, name, value)
    return target
