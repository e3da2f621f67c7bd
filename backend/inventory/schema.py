"""GraphQL for the warehouse: items, the stock ledger, low-stock lists, receiving and adjusting stock."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncGenerator

import strawberry

from backend.api import connections
from backend.api.connections import Connection
from backend.api.errors import UserError
from backend.api.mutations import client_id, fields_of, given, is_conflict, run
from backend.api.permissions import requires
from backend.api.queries import read
from backend.core.permissions import Permission as P
from backend.core.validate import try_parse_id
from backend.inventory import service
from backend.inventory.loaders import WarehouseItemLoader
from backend.inventory.models import MovementKind as MovementKindEnum
from backend.inventory.warehouse_schema import ItemStockLoader, WarehouseMutation, WarehouseQuery, WarehouseStock

MovementKind = strawberry.enum(MovementKindEnum, name="MovementKind",
                               description="RECEIVE (a delivery), ISSUE (to a job), RETURN (from a job), ADJUST (a "
                                           "stock-count correction, with a reason), SALE (over the counter), "
                                           "TRANSFER_OUT / TRANSFER_IN (between warehouses), REVERSAL (undoes a "
                                           "wrong receipt).")


@strawberry.type(description="A stocked item. The quantity on hand changes only through stock movements.")
class WarehouseItem:
    id: strawberry.ID
    sku: str = strawberry.field(description="Unique in the garage; stored trimmed and upper case.")
    name_en: str
    name_th: str | None
    unit: str
    sale_price: int = strawberry.field(description="Minor units of the garage's currency.")
    quantity_on_hand: int = strawberry.field(description="The garage's total on the shelves of all its warehouses "
                                                         "(stock in transit is on none).")
    reorder_point: int
    bin_location: str | None
    active: bool
    one_off: bool = strawberry.field(description="A part not in the catalog, made an item for the job that asked for "
                                                 "it: never reordered nor low on stock.")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @strawberry.field(description="The name in the reader's language: Thai when it is Thai and there is one.")
    def name(self, info: strawberry.Info) -> str:
        if info.context.locale == "th" and self.name_th:
            return self.name_th
        return self.name_en

    @strawberry.field(description="Its stock in each warehouse that has held it.")
    def stock(self, info: strawberry.Info) -> list[WarehouseStock]:
        return info.context.loader(ItemStockLoader).load(self.id)

    @strawberry.field(description="Active and at or under the reorder point.")
    def low_stock(self) -> bool:
        return self.active and self.quantity_on_hand <= self.reorder_point

    @strawberry.field(extensions=requires(P.COSTS_READ),
                      description="Minor units of the garage's currency (satang, pence). Null with a FORBIDDEN error "
                                  "unless you may read costs (costs:read).")
    def cost_price(self) -> int | None:
        return self.cost_price  # type: ignore[attr-defined]


def _sees_ledger_detail(info: strawberry.Info) -> bool:
    actor = info.context.actor
    return actor is not None and (actor.can(P.INVENTORY_MANAGE) or actor.can(P.PARTS_APPROVE))


@strawberry.type(description="One line of the stock ledger. quantity is signed (+ in, - out); balanceAfter is the "
                             "quantity on hand right after it.")
class StockMovement:
    id: strawberry.ID
    kind: MovementKind
    quantity: int
    balance_after: int = strawberry.field(description="The warehouse's quantity on hand right after it.")
    reason: str | None
    created_at: dt.datetime
    warehouse_id: strawberry.ID = strawberry.field(description="The warehouse whose shelf it moved.")
    transfer_id: strawberry.ID | None = strawberry.field(description="The transfer it belongs to, if any.")

    # Who moved it, for which job, and at what cost: for those who manage stock or approve parts. Everyone else (a
    # technician checking what is on the shelf) sees the quantities, not other people's jobs or the cost prices.
    # (the ledger keeps its own convention: a line's hidden details are null without an error, so a technician's
    # stock check reads the rest; who sees the cost is the one costs:read rule all cost fields use)
    @strawberry.field(description="Cost price per unit (null unless you may read costs: costs:read).")
    def unit_cost(self, info: strawberry.Info) -> int | None:
        actor = info.context.actor
        return self.unit_cost if actor is not None and actor.can(P.COSTS_READ) else None  # type: ignore[attr-defined]

    @strawberry.field(description="The job it went to or came from (null unless you manage stock or approve parts).")
    def job_id(self, info: strawberry.Info) -> strawberry.ID | None:
        return self.job_id if _sees_ledger_detail(info) else None  # type: ignore[attr-defined]

    @strawberry.field(description="The parts request it served (null unless you manage stock or approve parts).")
    def parts_request_id(self, info: strawberry.Info) -> strawberry.ID | None:
        return self.parts_request_id if _sees_ledger_detail(info) else None  # type: ignore[attr-defined]

    @strawberry.field(description="Who moved it (null unless you manage stock or approve parts).")
    def actor_user_id(self, info: strawberry.Info) -> strawberry.ID | None:
        return self.actor_user_id if _sees_ledger_detail(info) else None  # type: ignore[attr-defined]

    @strawberry.field
    def item(self, info: strawberry.Info) -> WarehouseItem | None:
        return info.context.loader(WarehouseItemLoader).load(self.item_id)  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------------ inputs / payloads


@strawberry.input
class CreateWarehouseItemInput:
    id: strawberry.ID | None = strawberry.UNSET
    sku: str
    name_en: str
    name_th: str | None = strawberry.UNSET
    unit: str | None = strawberry.UNSET
    cost_price: int | None = strawberry.UNSET
    sale_price: int | None = strawberry.UNSET
    reorder_point: int | None = strawberry.UNSET
    bin_location: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
    initial_quantity: int | None = strawberry.field(
        default=strawberry.UNSET, description="Opening stock, entered in the ledger as a RECEIVE at the cost price.")
    reason: str | None = strawberry.field(default=strawberry.UNSET, description="A note for the opening stock.")
    warehouse_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Where the opening stock is; the central warehouse when not given.")
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input(description="Change an item's details. The quantity on hand changes with receiveStock and "
                              "adjustStock.")
class UpdateWarehouseItemInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.UNSET
    sku: str | None = strawberry.UNSET
    name_en: str | None = strawberry.UNSET
    name_th: str | None = strawberry.UNSET
    unit: str | None = strawberry.UNSET
    cost_price: int | None = strawberry.UNSET
    sale_price: int | None = strawberry.UNSET
    reorder_point: int | None = strawberry.UNSET
    bin_location: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class ReceiveStockInput:
    item_id: strawberry.ID
    quantity: int
    unit_cost: int | None = strawberry.field(default=strawberry.UNSET,
                                             description="Minor units; the item's cost price when not given.")
    reason: str | None = strawberry.field(default=strawberry.UNSET,
                                          description="A note or reference, e.g. the supplier's delivery note.")
    warehouse_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Where it arrives; the central warehouse when not given.")
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class AdjustStockInput:
    item_id: strawberry.ID
    quantity_change: int = strawberry.field(description="Signed, not zero: +2 found on a recount, -1 damaged.")
    reason: str | None = strawberry.field(default=strawberry.UNSET, description="Required: why the count changed.")
    warehouse_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Whose count; the central warehouse when not given.")
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class WarehouseItemPayload:
    warehouse_item: WarehouseItem | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="The movement written and the item as it is now (also when the change was refused).")
class StockMovementPayload:
    stock_movement: StockMovement | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
    item_id: strawberry.Private[uuid.UUID | None] = None

    @strawberry.field
    def warehouse_item(self, info: strawberry.Info) -> WarehouseItem | None:
        item_id = self.stock_movement.item_id if self.stock_movement is not None else self.item_id
        if item_id is None:
            return None
        return info.context.loader(WarehouseItemLoader).load(item_id)








async def _replay_item(session, actor, ref):
    return await service.find_item(session, actor, ref)


async def _replay_movement(session, actor, ref):
    return await service.get_movement(session, actor, ref)


def _item_after(info: strawberry.Info, after: str | None) -> tuple[str, str] | None:
    values = connections.decode_cursor(after, 2, info.context.locale)
    return (values[0], values[1]) if values is not None else None


# ------------------------------------------------------------------------------------------------ operations


@strawberry.type
class Query(WarehouseQuery):
    @strawberry.field(extensions=requires(P.INVENTORY_READ),
                      description="Items by English name. `search` matches SKU and the English or Thai name (partial, "
                                  "any case); `lowStock: true` keeps active items at or under their reorder point.")
    async def warehouse_items(self, info: strawberry.Info, search: str | None = None, low_stock: bool | None = None,
                              first: int | None = None, after: str | None = None) -> Connection[WarehouseItem]:
        limit = connections.page_size(info, first)
        rows = await read(info, service.list_items, search=search, low_stock=low_stock, limit=limit,
                          after=_item_after(info, after))
        return connections.build(rows, limit, key=lambda r: (r.name_en, r.id))

    @strawberry.field(extensions=requires(P.INVENTORY_READ), description="An item; null when unknown.")
    async def warehouse_item(self, info: strawberry.Info, id: strawberry.ID) -> WarehouseItem | None:
        return await read(info, service.find_item, id)

    @strawberry.field(extensions=requires(P.INVENTORY_READ),
                      description="Active items at or under their reorder point, the emptiest first.")
    async def low_stock_items(self, info: strawberry.Info) -> list[WarehouseItem]:
        return await read(info, service.low_stock_items)

    @strawberry.field(extensions=requires(P.INVENTORY_READ), description="An item's stock ledger, newest first.")
    async def stock_movements(self, info: strawberry.Info, item_id: strawberry.ID, first: int | None = None,
                              after: str | None = None) -> Connection[StockMovement]:
        limit = connections.page_size(info, first)
        values = connections.decode_cursor(after, 1, info.context.locale)
        rows = await read(info, service.list_movements, item_id, limit=limit,
                          after=values[0] if values is not None else None)
        return connections.build(rows, limit, key=lambda r: (r.id,))


@strawberry.type
class Mutation(WarehouseMutation):
    @strawberry.mutation(extensions=requires(P.INVENTORY_MANAGE),
                         description="A new item; an initialQuantity enters the ledger as a RECEIVE.")
    async def create_warehouse_item(self, info: strawberry.Info,
                                    input: CreateWarehouseItemInput) -> WarehouseItemPayload:
        async def call(session, actor):
            return await service.create_item(session, actor, fields_of(input, service.ItemInput),
                                              client_id(input.id), initial_quantity=given(input.initial_quantity),
                                              reason=given(input.reason), warehouse_id=given(input.warehouse_id))

        item, errors = await run(info, call, client_mutation_id=given(input.client_mutation_id),
                                 replay=_replay_item)
        return WarehouseItemPayload(warehouse_item=item, errors=errors)

    @strawberry.mutation(extensions=requires(P.INVENTORY_MANAGE),
                         description="With expectedVersion, a stale edit gets CONFLICT and the current record.")
    async def update_warehouse_item(self, info: strawberry.Info,
                                    input: UpdateWarehouseItemInput) -> WarehouseItemPayload:
        item, errors = await run(info, service.update_item, input.id, fields_of(input, service.ItemInput),
                                 given(input.expected_version), client_mutation_id=given(input.client_mutation_id),
                                 replay=_replay_item)
        if is_conflict(errors):
            item, _ = await run(info, service.find_item, input.id)
        return WarehouseItemPayload(warehouse_item=item, errors=errors)

    @strawberry.mutation(extensions=requires(P.INVENTORY_MANAGE), description="Stock arrives: a RECEIVE movement.")
    async def receive_stock(self, info: strawberry.Info, input: ReceiveStockInput) -> StockMovementPayload:
        movement, errors = await run(info, service.receive_stock, input.item_id, input.quantity,
                                     given(input.unit_cost), given(input.reason), given(input.expected_version),
                                     given(input.warehouse_id), client_mutation_id=given(input.client_mutation_id), replay=_replay_movement)
        return StockMovementPayload(stock_movement=movement, errors=errors, item_id=try_parse_id(input.item_id))

    @strawberry.mutation(extensions=requires(P.INVENTORY_MANAGE),
                         description="A stock-count correction with a reason; never takes stock below zero.")
    async def adjust_stock(self, info: strawberry.Info, input: AdjustStockInput) -> StockMovementPayload:
        movement, errors = await run(info, service.adjust_stock, input.item_id, input.quantity_change,
                                     given(input.reason),
                                     given(input.expected_version), given(input.warehouse_id),
                                     client_mutation_id=given(input.client_mutation_id), replay=_replay_movement)
        return StockMovementPayload(stock_movement=movement, errors=errors, item_id=try_parse_id(input.item_id))


@strawberry.type(description="An item's stock figures in one warehouse right after they moved.")
class StockFigures:
    item_id: strawberry.ID
    warehouse_id: strawberry.ID
    on_hand: int
    reserved: int
    available: int
    garage_on_hand: int = strawberry.field(description="The item's total on all the garage's shelves.")


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Stock figures each time stock moves anywhere in the garage (receipts, "
                                         "issues, transfers, reservations, counts).")
    async def stock_changed(self, info: strawberry.Info,
                            warehouse_id: strawberry.ID | None = None) -> AsyncGenerator[StockFigures, None]:
        from backend.api.events import subscribe
        from backend.api.permissions import check
        from backend.inventory.stock import inventory_channel

        check(info, P.INVENTORY_READ)
        wanted = None if warehouse_id is None else str(try_parse_id(warehouse_id))
        async for message in subscribe(info, P.INVENTORY_READ, inventory_channel(info.context.actor.garage_id)):
            if wanted is not None and message.get("warehouseId") != wanted:
                continue
            yield StockFigures(item_id=message["itemId"], warehouse_id=message["warehouseId"],
                               on_hand=message["onHand"], reserved=message["reserved"],
                               available=message["available"], garage_on_hand=message["garageOnHand"])
