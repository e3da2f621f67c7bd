"""DataLoaders for inventory: one garage-scoped query per batch (the workshop's parts requests use the item one)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select

from backend.api.loaders import Loader
from backend.inventory.models import WarehouseItem


class WarehouseItemLoader(Loader):
    """Warehouse item by id (None for an unknown id or another garage's)."""

    async def batch_load_fn(self, keys):
        rows = await self.rows(
            select(WarehouseItem).where(WarehouseItem.id.in_(keys), WarehouseItem.garage_id == self.garage_id))
        found = {r.id: r for r in rows}
        return [found.get(k) for k in keys]


@dataclass
class SiteStock:
    """An item's stock at the warehouse a parts request is issued from (its job's site): on hand, available
    (on hand - reserved) and what of it is held for this request. warehouse_id is None when the site has no
    warehouse yet (nothing on its shelf)."""

    warehouse_id: object
    warehouse_name: str
    on_hand: int
    available: int
    held: int


class SiteStockForRequestLoader(Loader):
    """The job's site-warehouse stock of a parts request's item, by request id: one statement per batch."""

    async def batch_load_fn(self, keys):
        from backend.accounts.models import Site
        from backend.inventory.models import StockReservation, Warehouse, WarehouseKind, WarehouseStock
        from backend.workshop.models import Job, PartsRequest

        held = (select(func.coalesce(func.sum(StockReservation.quantity), 0))
                .where(StockReservation.parts_request_id == PartsRequest.id,
                       StockReservation.warehouse_id == Warehouse.id)
                .correlate(PartsRequest, Warehouse).scalar_subquery())
        query = (select(PartsRequest.id, Warehouse.id, func.coalesce(Warehouse.name, Site.name),
                        func.coalesce(WarehouseStock.on_hand, 0), func.coalesce(WarehouseStock.reserved, 0), held)
                 .join(Job, Job.id == PartsRequest.job_id)
                 .join(Site, Site.id == Job.site_id)
                 .outerjoin(Warehouse, and_(Warehouse.site_id == Job.site_id, Warehouse.garage_id == self.garage_id,
                                            Warehouse.kind == WarehouseKind.SITE))
                 .outerjoin(WarehouseStock, and_(WarehouseStock.warehouse_id == Warehouse.id,
                                                 WarehouseStock.item_id == PartsRequest.item_id))
                 .where(PartsRequest.id.in_(keys), PartsRequest.garage_id == self.garage_id))
        async with self.session() as s:
            found = {rid: SiteStock(warehouse_id=wid, warehouse_name=name, on_hand=on_hand,
                                    available=max(0, on_hand - reserved), held=int(held or 0))
                     for rid, wid, name, on_hand, reserved, held in (await s.execute(query))}
        return [found.get(k) for k in keys]
