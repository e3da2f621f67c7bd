"""Billing's GraphQL fields (filled in as the domain grows)."""

from strawberry.tools import merge_types

from backend.billing import models  # noqa: F401  (the schema module imports every domain's models)
from backend.billing.schema import reports

_PARTS = (reports,)


def _merge(name: str):
    types = tuple(t for t in (getattr(m, name, None) for m in _PARTS) if t is not None)
    return merge_types(name, types) if types else None


Query = _merge("Query")
Mutation = _merge("Mutation")
