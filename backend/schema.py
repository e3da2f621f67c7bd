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


class MotoTrackSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        """Expected errors (sign-in, permission, bad input) are not logged; ShapeErrors logs unexpected ones."""


def build_schema(extra_extensions: list | None = None) -> strawberry.Schema:
    return MotoTrackSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[OperationScope, *(extra_extensions or []), ShapeErrors],
    )


schema = build_schema()
