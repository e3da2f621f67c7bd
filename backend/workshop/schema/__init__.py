"""Workshop GraphQL, split by subject (jobs, tasks and time, parts requests); merged here for backend/schema.py."""

from __future__ import annotations

from strawberry.tools import merge_types

from backend.workshop.schema import jobs, parts, tasks

_PARTS = (jobs, tasks, parts)


def _merge(name: str):
    types = tuple(t for t in (getattr(m, name, None) for m in _PARTS) if t is not None)
    return merge_types(name, types) if types else None


Query = _merge("Query")
Mutation = _merge("Mutation")
Subscription = _merge("Subscription")
