"""Small reads the warehouse manager's screens need beside the purchasing and warehouse API (issue 18): the items
named by a list of ids (the usage report names each item it lists), in one garage-scoped query."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy import select

from backend.api.permissions import requires
from backend.api.queries import read
from backend.core import validate as v
from backend.core.errors import DomainError, ErrorCode
from backend.core.permissions import Permission as P
from backend.inventory.models import WarehouseItem as ItemModel

MAX_IDS = 200
ItemRef = Annotated["WarehouseItem", strawberry.lazy("backend.inventory.schema")]  # noqa: F821


async def items_by_ids(session, actor, ids: list[object]) -> list[ItemModel]:
    """The garage's items among `ids`, in the order asked; unknown, malformed and other garages' ids are left out."""
    if len(ids) > MAX_IDS:
        raise DomainError(ErrorCode.INVALID_VALUE, "ids")
    wanted = [i for i in (v.try_parse_id(raw) for raw in ids) if i is not None]
    if not wanted:
        return []
    rows = (await session.execute(select(ItemModel).where(ItemModel.garage_id == actor.garage_id,
                                                          ItemModel.id.in_(set(wanted))))).scalars()
    found = {r.id: r for r in rows}
    return [found[i] for i in dict.fromkeys(wanted) if i in found]


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.INVENTORY_READ),
                      description="The items with these ids (at most 200), in that order; unknown ones are left out.")
    async def warehouse_items_by_ids(self, info: strawberry.Info, ids: list[strawberry.ID]) -> list[ItemRef]:
        return await read(info, items_by_ids, list(ids))
