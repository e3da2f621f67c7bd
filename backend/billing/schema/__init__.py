"""Billing's GraphQL: quotes, invoices, payments, credit notes (and the reports, when that module is there)."""

from __future__ import annotations

import importlib.util

from strawberry.tools import merge_types

from backend.billing import models  # noqa: F401  (the schema module imports every domain's models)
from backend.billing.schema import invoices, live, quotes

_parts = [quotes, invoices, live]
if importlib.util.find_spec("backend.billing.schema.reports") is not None:
    from backend.billing.schema import reports

    _parts.append(reports)


def _merge(name: str):
    types = tuple(t for t in (getattr(p, name, None) for p in _parts) if t is not None)
    return merge_types(f"Billing{name}", types) if types else None


Query = _merge("Query")
Mutation = _merge("Mutation")
Subscription = _merge("Subscription")

