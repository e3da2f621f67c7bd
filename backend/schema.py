"""Assembles the GraphQL schema from each domain's schema.py (the only module that knows them all)."""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types

from backend.accounts import schema as accounts
from backend.api.extensions import OperationScope, ShapeErrors
from backend.customers import schema as customers

Query = merge_types("Query", (accounts.Query, customers.Query))
Mutation = merge_types("Mutation", (accounts.Mutation, customers.Mutation))
Subscription = customers.Subscription


def build_schema(extra_extensions: list | None = None) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[OperationScope, *(extra_extensions or []), ShapeErrors],
    )


schema = build_schema()
