"""GraphQL for global search: `search(query, first)`."""

from __future__ import annotations

import strawberry

from backend.api.permissions import requires
from backend.api.queries import read
from backend.search import service
from backend.search.service import HitKind

SearchHitKindEnum = strawberry.enum(HitKind, name="SearchHitKind", description="What a search hit is.")


@strawberry.type(description="One thing the global search found; the client opens the screen of its kind and id.")
class SearchHit:
    kind: SearchHitKindEnum
    id: strawberry.ID
    title: str = strawberry.field(description="Job or invoice number, registration, or the customer's name.")
    subtitle: str | None = strawberry.field(description="What tells it apart: vehicle, owner, phone.")
    status: str | None = strawberry.field(description="A job's or invoice's status.")


@strawberry.type
class Query:
    @strawberry.field(
        extensions=requires(None),
        description="Jobs (number, registration), vehicles (registration, VIN), customers (name, phone, email) and "
                    "invoices (number) matching `query`, of the kinds your role may read; exact matches first. "
                    "`query` needs 2 to 100 characters, `first` is at most 25.",
    )
    async def search(self, info: strawberry.Info, query: str, first: int | None = 10) -> list[SearchHit]:
        hits = await read(info, service.search, query, 10 if first is None else first)
        return [SearchHit(kind=h.kind, id=strawberry.ID(str(h.id)), title=h.title, subtitle=h.subtitle,
                          status=h.status) for h in hits]
