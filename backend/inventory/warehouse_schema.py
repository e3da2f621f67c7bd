"""GraphQL for warehouses: the garage's warehouses, stock per item and warehouse, and transfers between them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import strawberry
from sqlalchemy import select

from backend.api import connections
from backend.api.connections import Connection
from backend.api.errors import UserError
from backend.api.loaders import Loader, by_id, grouped
from backend.api.mutations import client_id, given, is_conflict, run
from backend.api.permissions import requires
from backend.api.queries import read
from backend.core.i18n import N_, translate
from backend.core.permissions import Permission as P
from backend.inventory import stock as stock_service
from backend.inventory import transfers as service
from backend.inventory import counts, reports, whereabouts
from backend.inventory.models import Transfer as TransferModel
from backend.inventory.models import TransferLine as TransferLineModel
from backend.inventory.models import TransferStatus as TransferStatusEnum
from backend.inventory.models import Warehouse as WarehouseModel
from backend.inventory.models import WarehouseKind as WarehouseKindEnum
from backend.inventory.models import WarehouseStock as WarehouseStockModel

WarehouseKind = strawberry.enum(WarehouseKindEnum, name="WarehouseKind",
                                description="CENTRAL (the garage's main store) or SITE (a site's own shelf).")
TransferStatus = strawberry.enum(
    TransferStatusEnum, name="TransferStatus",
    description="REQUESTED (a site asks the central warehouse) -> APPROVED -> DISPATCHED (in transit, available "
                "nowhere) -> RECEIVED; DRAFT (the warehouse manager's own) -> DISPATCHED; CANCELLED before it leaves.")

CENTRAL_LABEL = N_("Central warehouse")


class WarehouseLoader(Loader):
    async def batch_load_fn(self, keys):
        rows = await self.rows(select(WarehouseModel).where(WarehouseModel.id.in_(keys),
                                                            WarehouseModel.garage_id == self.garage_id))
        return by_id(rows, keys)


class TransferLinesLoader(Loader):
    async def batch_load_fn(self, keys):
        rows = await self.rows(select(TransferLineModel).where(
            TransferLineModel.transfer_id.in_(keys), TransferLineModel.garage_id == self.garage_id)
            .order_by(TransferLineModel.position, TransferLineModel.id))
        return grouped(rows, keys, "transfer_id")


class ItemStockLoader(Loader):
    """An item's stock rows in every warehouse."""

    async def batch_load_fn(self, keys):
        rows = await self.rows(select(WarehouseStockModel).where(
            WarehouseStockModel.item_id.in_(keys), WarehouseStockModel.garage_id == self.garage_id)
            .order_by(WarehouseStockModel.warehouse_id))
        return grouped(rows, keys, "item_id")


@strawberry.type(description="A store room: the garage's central warehouse or a site's own.")
class Warehouse:
    id: strawberry.ID
    kind: WarehouseKind
    site_id: strawberry.ID | None
    active: bool

    @strawberry.field(description="The site's name, or 'Central warehouse' in the reader's language.")
    def name(self, info: strawberry.Info) -> str:
        if self.kind == WarehouseKindEnum.CENTRAL:
            return translate(info.context.locale, CENTRAL_LABEL)
        return self.name  # type: ignore[attr-defined]


@strawberry.type(description="An item's stock in one warehouse: available = onHand - reserved (held for approved "
                             "parts requests).")
class WarehouseStock:
    item_id: strawberry.ID
    warehouse_id: strawberry.ID
    on_hand: int
    reserved: int
    min_level: int | None
    max_level: int | None

    @strawberry.field
    def available(self) -> int:
        return self.on_hand - self.reserved

    @strawberry.field
    def warehouse(self, info: strawberry.Info) -> Warehouse | None:
        return info.context.loader(WarehouseLoader).load(self.warehouse_id)


@strawberry.type
class TransferLine:
    id: strawberry.ID
    item_id: strawberry.ID
    quantity: int
    parts_request_id: strawberry.ID | None = strawberry.field(description="The job's request it is on its way for.")

    @strawberry.field
    def item(self, info: strawberry.Info) -> Annotated[
            "WarehouseItem", strawberry.lazy("backend.inventory.schema")] | None:  # noqa: F821
        from backend.inventory.loaders import WarehouseItemLoader

        return info.context.loader(WarehouseItemLoader).load(self.item_id)


@strawberry.type(description="Stock moving between two warehouses of the garage.")
class Transfer:
    id: strawberry.ID
    number: str
    status: TransferStatus
    from_warehouse_id: strawberry.ID
    to_warehouse_id: strawberry.ID
    note: str | None
    cancel_reason: str | None
    created_at: dt.datetime
    approved_at: dt.datetime | None
    dispatched_at: dt.datetime | None
    received_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    version: int

    @strawberry.field
    def from_warehouse(self, info: strawberry.Info) -> Warehouse | None:
        return info.context.loader(WarehouseLoader).load(self.from_warehouse_id)

    @strawberry.field
    def to_warehouse(self, info: strawberry.Info) -> Warehouse | None:
        return info.context.loader(WarehouseLoader).load(self.to_warehouse_id)

    @strawberry.field
    def lines(self, info: strawberry.Info) -> list[TransferLine]:
        return info.context.loader(TransferLinesLoader).load(self.id)


@strawberry.input
class TransferLineInput:
    item_id: strawberry.ID
    quantity: int
    parts_request_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input(description="A transfer: the warehouse manager's DRAFT, or (requestTransfer) a site's request "
                              "to the central warehouse.")
class CreateTransferInput:
    id: strawberry.ID | None = strawberry.UNSET
    from_warehouse_id: strawberry.ID
    to_warehouse_id: strawberry.ID
    lines: list[TransferLineInput]
    note: str | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class TransferActionInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class CancelTransferInput:
    id: strawberry.ID
    reason: str
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class TransferPayload:
    transfer: Transfer | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _replay(session, actor, ref):
    return await service.find_transfer(session, actor, ref)


def _lines(input: CreateTransferInput) -> list[service.LineInput]:
    return [service.LineInput(line.item_id, line.quantity, given(line.parts_request_id)) for line in input.lines]


async def _list_warehouses(session, actor):
    rows = (await session.execute(select(WarehouseModel).where(WarehouseModel.garage_id == actor.garage_id))).scalars()
    return sorted(rows, key=lambda w: (w.kind != WarehouseKindEnum.CENTRAL, w.name.lower(), str(w.id)))


async def _stock(session, actor, warehouse_id, item_id):
    query = select(WarehouseStockModel).where(WarehouseStockModel.garage_id == actor.garage_id)
    if warehouse_id is not None:
        query = query.where(WarehouseStockModel.warehouse_id == (
            await stock_service.get_warehouse(session, actor, warehouse_id)).id)
    if item_id is not None:
        from backend.core import validate as v

        query = query.where(WarehouseStockModel.item_id == v.parse_id(item_id, "itemId"))
    return list((await session.execute(query.order_by(WarehouseStockModel.warehouse_id,
                                                      WarehouseStockModel.item_id).limit(1000))).scalars())


async def _transition(info, fn, input, *args) -> TransferPayload:
    transfer, errors = await run(info, fn, input.id, *args, given(input.expected_version),
                                 client_mutation_id=given(input.client_mutation_id), replay=_replay)
    if errors and (is_conflict(errors) or transfer is None):
        transfer, _ = await run(info, service.find_transfer, input.id)
    return TransferPayload(transfer=transfer, errors=errors)


PartLocation = strawberry.enum(whereabouts.PartLocation, name="PartLocation",
                               description="Where a job's part is: ISSUED, ON_SHELF (held or available at the job's "
                                           "site), IN_TRANSIT, TRANSFER_PLANNED, ON_ORDER, NOT_AVAILABLE.")


@strawberry.type(description="Where a parts request's part is, with the transfer or order that brings it.")
class PartWhereabouts:
    parts_request_id: strawberry.ID
    location: PartLocation
    transfer_number: str | None
    purchase_order_number: str | None
    expected_date: dt.date | None


@strawberry.type
class ValuationLine:
    item_id: strawberry.ID
    on_hand: int
    unit_cost: int = strawberry.field(description="The item's moving weighted average cost (minor units).")
    value: int

    @strawberry.field
    def item(self, info: strawberry.Info) -> Annotated[
            "WarehouseItem", strawberry.lazy("backend.inventory.schema")] | None:  # noqa: F821
        from backend.inventory.loaders import WarehouseItemLoader

        return info.context.loader(WarehouseItemLoader).load(self.item_id)


@strawberry.type(description="A warehouse's stock at the moving weighted average cost.")
class WarehouseValuation:
    warehouse: Warehouse
    total: int
    lines: list[ValuationLine]


@strawberry.type(description="What was used of an item at a warehouse over a period: issued to jobs less returned, "
                             "plus sold over the counter.")
class UsageLine:
    item_id: strawberry.ID
    warehouse_id: strawberry.ID
    issued: int
    returned: int
    sold: int
    used: int


@strawberry.type
class CountSheetLine:
    item_id: strawberry.ID
    expected: int = strawberry.field(description="What the ledger has on the warehouse's shelf.")

    @strawberry.field
    def item(self, info: strawberry.Info) -> Annotated[
            "WarehouseItem", strawberry.lazy("backend.inventory.schema")] | None:  # noqa: F821
        from backend.inventory.loaders import WarehouseItemLoader

        return info.context.loader(WarehouseItemLoader).load(self.item_id)


@strawberry.type
class CountVariance:
    item_id: strawberry.ID
    expected: int
    counted: int
    variance: int


@strawberry.input
class CountLineInput:
    item_id: strawberry.ID
    counted: int


@strawberry.input(description="A stock count of a warehouse: each line's counted quantity; the variances are posted "
                              "as adjustments with the reason, all or none.")
class PostStockCountInput:
    warehouse_id: strawberry.ID
    lines: list[CountLineInput]
    reason: str
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class PostStockCountPayload:
    variances: list[CountVariance] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WarehouseQuery:
    @strawberry.field(extensions=requires(P.INVENTORY_MANAGE),
                      description="The items to count in a warehouse, by bin and SKU, with what the ledger has there.")
    async def stock_count_sheet(self, info: strawberry.Info, warehouse_id: strawberry.ID) -> list[CountSheetLine]:
        rows = await read(info, counts.count_sheet, warehouse_id)
        return [CountSheetLine(item_id=item.id, expected=on_hand) for item, on_hand in rows]

    @strawberry.field(extensions=requires(P.COSTS_READ),
                      description="Stock value per warehouse (or of one), at the moving weighted average cost.")
    async def stock_valuation(self, info: strawberry.Info,
                              warehouse_id: strawberry.ID | None = None) -> list[WarehouseValuation]:
        rows = await read(info, reports.valuation, warehouse_id)
        return [WarehouseValuation(warehouse=r.warehouse, total=r.total, lines=[
            ValuationLine(item_id=line.item.id, on_hand=line.on_hand, unit_cost=line.unit_cost, value=line.value)
            for line in r.lines]) for r in rows]

    @strawberry.field(extensions=requires(P.INVENTORY_MANAGE),
                      description="Usage per item and warehouse in [from, to) (at most 366 days), the most used first.")
    async def stock_usage(self, info: strawberry.Info, from_: Annotated[dt.datetime, strawberry.argument(name="from")],
                          to: dt.datetime, warehouse_id: strawberry.ID | None = None) -> list[UsageLine]:
        rows = await read(info, reports.usage, from_, to, warehouse_id)
        return [UsageLine(item_id=r.item_id, warehouse_id=r.warehouse_id, issued=r.issued, returned=r.returned,
                          sold=r.sold, used=r.used) for r in rows]

    @strawberry.field(extensions=requires(P.PARTS_READ),
                      description="Where each of these parts requests' parts is (at most 100; a technician: of "
                                  "their own jobs; unknown ones are left out).")
    async def part_whereabouts(self, info: strawberry.Info,
                               parts_request_ids: list[strawberry.ID]) -> list[PartWhereabouts]:
        rows = await read(info, whereabouts.part_whereabouts, list(parts_request_ids))
        return [PartWhereabouts(parts_request_id=r.parts_request_id, location=r.location,
                                transfer_number=r.transfer_number, purchase_order_number=r.purchase_order_number,
                                expected_date=r.expected_date) for r in rows]

    @strawberry.field(extensions=requires(P.INVENTORY_READ), description="The central warehouse first, then sites'.")
    async def warehouses(self, info: strawberry.Info) -> list[Warehouse]:
        return await read(info, _list_warehouses)

    @strawberry.field(extensions=requires(P.INVENTORY_READ),
                      description="Stock per item and warehouse, of one warehouse and/or one item (at most 1000).")
    async def warehouse_stock(self, info: strawberry.Info, warehouse_id: strawberry.ID | None = None,
                              item_id: strawberry.ID | None = None) -> list[WarehouseStock]:
        return await read(info, _stock, warehouse_id, item_id)

    @strawberry.field(extensions=requires(P.INVENTORY_READ), description="Transfers, newest first.")
    async def transfers(self, info: strawberry.Info, status: TransferStatus | None = None,
                        warehouse_id: strawberry.ID | None = None, first: int | None = None,
                        after: str | None = None) -> Connection[Transfer]:
        limit = connections.page_size(info, first)
        values = connections.decode_cursor(after, 1, info.context.locale)
        rows = await read(info, service.list_transfers, status=status, warehouse_id=warehouse_id, limit=limit,
                          after=values[0] if values is not None else None)
        return connections.build(rows, limit, key=lambda r: (r.id,))

    @strawberry.field(extensions=requires(P.INVENTORY_READ), description="A transfer; null when unknown.")
    async def transfer(self, info: strawberry.Info, id: strawberry.ID) -> Transfer | None:
        return await read(info, service.find_transfer, id)


@strawberry.type
class WarehouseMutation:
    @strawberry.mutation(extensions=requires(P.INVENTORY_MANAGE),
                         description="Post a stock count: the variances become ADJUST movements, all or none.")
    async def post_stock_count(self, info: strawberry.Info, input: PostStockCountInput) -> PostStockCountPayload:
        lines = [counts.CountLine(line.item_id, line.counted) for line in input.lines]
        rows, errors = await run(info, counts.post_count, input.warehouse_id, lines, input.reason,
                                 client_mutation_id=given(input.client_mutation_id))
        return PostStockCountPayload(variances=[CountVariance(item_id=r.item_id, expected=r.expected,
                                                              counted=r.counted, variance=r.variance)
                                                for r in rows or []], errors=errors)

    @strawberry.mutation(extensions=requires(P.TRANSFERS_MANAGE),
                         description="A DRAFT transfer; each line must be available at the source.")
    async def create_transfer(self, info: strawberry.Info, input: CreateTransferInput) -> TransferPayload:
        async def call(session, actor):
            return await service.create_transfer(session, actor, input.from_warehouse_id, input.to_warehouse_id,
                                                 _lines(input), given(input.note), client_id(input.id))

        transfer, errors = await run(info, call, client_mutation_id=given(input.client_mutation_id), replay=_replay)
        return TransferPayload(transfer=transfer, errors=errors)

    @strawberry.mutation(extensions=requires(P.TRANSFERS_REQUEST),
                         description="A site asks the central warehouse for stock: REQUESTED, to be approved.")
    async def request_transfer(self, info: strawberry.Info, input: CreateTransferInput) -> TransferPayload:
        async def call(session, actor):
            return await service.create_transfer(session, actor, input.from_warehouse_id, input.to_warehouse_id,
                                                 _lines(input), given(input.note), client_id(input.id),
                                                 request=True)

        transfer, errors = await run(info, call, client_mutation_id=given(input.client_mutation_id), replay=_replay)
        return TransferPayload(transfer=transfer, errors=errors)

    @strawberry.mutation(extensions=requires(P.TRANSFERS_MANAGE), description="REQUESTED -> APPROVED.")
    async def approve_transfer(self, info: strawberry.Info, input: TransferActionInput) -> TransferPayload:
        return await _transition(info, service.approve_transfer, input)

    @strawberry.mutation(extensions=requires(P.TRANSFERS_MANAGE),
                         description="DRAFT or APPROVED -> DISPATCHED: the stock leaves the source (in transit).")
    async def dispatch_transfer(self, info: strawberry.Info, input: TransferActionInput) -> TransferPayload:
        return await _transition(info, service.dispatch_transfer, input)

    @strawberry.mutation(extensions=requires(P.TRANSFERS_REQUEST),
                         description="DISPATCHED -> RECEIVED: the stock is on the destination's shelf.")
    async def receive_transfer(self, info: strawberry.Info, input: TransferActionInput) -> TransferPayload:
        return await _transition(info, service.receive_transfer, input)

    @strawberry.mutation(extensions=requires(P.TRANSFERS_MANAGE),
                         description="Before it leaves, with a reason; nothing had moved.")
    async def cancel_transfer(self, info: strawberry.Info, input: CancelTransferInput) -> TransferPayload:
        return await _transition(info, service.cancel_transfer, input, input.reason)


__all__ = ["WarehouseQuery", "WarehouseMutation", "Warehouse", "WarehouseStock", "Transfer", "uuid"]
