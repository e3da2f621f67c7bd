"""DataLoaders for inventory: one garage-scoped query per batch (the workshop's parts requests use the item one)."""

from __future__ import annotations

from sqlalchemy import select

from backend.api.loaders import Loader
from backend.inventory.models import WarehouseItem


class WarehouseItemLoader(Loader):
    """Warehouse item by id (None for an unknown id or another garage's)."""

    async def batch_load_fn(self, keys):
        rows = await self.rows(
            select(WarehouseItem).where(WarehouseItem.id.in_(keys), WarehouseItem.garage_id == self.garage_id))
        found = {r.id: r for r in rows}
        return [found.get(k) for k in keys]
