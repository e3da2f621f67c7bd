"""GraphQL for returns to suppliers, core charges, and parts ordered for jobs (issue 18)."""

from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy import select

from backend.api import connections
from backend.api.connections import Connection
from backend.api.errors import UserError
from backend.api.loaders import Loader, grouped
from backend.api.mutations import client_id, given, is_conflict, run
from backend.api.permissions import requires
from backend.api.queries import read
from backend.core.permissions import Permission as P
from backend.purchasing import job_parts, returns
from backend.purchasing.models import CoreStatus as CoreStatusEnum
from backend.purchasing.models import ReturnStatus as ReturnStatusEnum
from backend.purchasing.models import SupplierReturnLine as ReturnLineModel
from backend.core.validate import try_parse_id
from backend.purchasing.schema import (
    ItemRef,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Supplier,
    SupplierLoader,
    WarehouseRef,
    _item,
)

SupplierReturnStatus = strawberry.enum(ReturnStatusEnum, name="SupplierReturnStatus",
                                       description="RETURNED (stock has left, credit awaited) -> CREDITED.")
CoreChargeStatus = strawberry.enum(CoreStatusEnum, name="CoreChargeStatus",
                                   description="OPEN (old part owed) -> RETURNED (sent back) -> CREDITED.")


class ReturnLinesLoader(Loader):
    async def batch_load_fn(self, keys):
        rows = await self.rows(select(ReturnLineModel).where(ReturnLineModel.return_id.in_(keys),
                                                             ReturnLineModel.garage_id == self.garage_id)
                               .order_by(ReturnLineModel.id))
        return grouped(rows, keys, "return_id")


@strawberry.type
class SupplierReturnLine:
    id: strawberry.ID
    item_id: strawberry.ID
    quantity: int
    unit_cost: int = strawberry.field(description="The item's average cost when it left (minor units).")

    @strawberry.field
    def item(self, info: strawberry.Info) -> ItemRef | None:
        return _item(info, self.item_id)


@strawberry.type(description="Items sent back to a supplier from a warehouse, tracked to the supplier's credit.")
class SupplierReturn:
    id: strawberry.ID
    number: str
    status: SupplierReturnStatus
    supplier_id: strawberry.ID
    warehouse_id: strawberry.ID
    order_id: strawberry.ID | None
    reason: str
    total: int = strawberry.field(description="Quantity x cost of the lines (minor units).")
    credit_note_number: str | None
    credit_amount: int | None
    credited_at: dt.datetime | None
    created_at: dt.datetime
    version: int

    @strawberry.field
    def supplier(self, info: strawberry.Info) -> Supplier | None:
        return info.context.loader(SupplierLoader).load(self.supplier_id)

    @strawberry.field
    def warehouse(self, info: strawberry.Info) -> WarehouseRef | None:
        from backend.inventory.warehouse_schema import WarehouseLoader

        return info.context.loader(WarehouseLoader).load(self.warehouse_id)

    @strawberry.field
    def lines(self, info: strawberry.Info) -> list[SupplierReturnLine]:
        return info.context.loader(ReturnLinesLoader).load(self.id)


@strawberry.type(description="The old part of an item fitted on a job, owed back to the supplier for its deposit.")
class CoreCharge:
    id: strawberry.ID
    status: CoreChargeStatus
    supplier_id: strawberry.ID
    item_id: strawberry.ID
    job_id: strawberry.ID | None
    parts_request_id: strawberry.ID | None
    quantity: int
    unit_value: int = strawberry.field(description="The deposit per unit (minor units).")
    returned_at: dt.datetime | None
    credit_note_number: str | None
    credit_amount: int | None
    credited_at: dt.datetime | None
    created_at: dt.datetime
    version: int

    @strawberry.field(description="quantity x unit value (minor units).")
    def value(self) -> int:
        return self.quantity * self.unit_value

    @strawberry.field
    def supplier(self, info: strawberry.Info) -> Supplier | None:
        return info.context.loader(SupplierLoader).load(self.supplier_id)

    @strawberry.field
    def item(self, info: strawberry.Info) -> ItemRef | None:
        return _item(info, self.item_id)


@strawberry.type(description="Every core still owed to a supplier (OPEN or RETURNED), and what they are worth.")
class OpenCoresReport:
    cores: list[CoreCharge]
    total_value: int = strawberry.field(description="Minor units.")


@strawberry.type(description="A line of an open order that brings a part for a job.")
class JobPartOnOrder:
    line: PurchaseOrderLine
    order_id: strawberry.ID
    order_number: str
    order_status: PurchaseOrderStatus
    supplier_name: str
    expected_date: dt.date | None = strawberry.field(
        description="The order's expected date once sent, else the order's date plus the supplier's lead time.")


@strawberry.input
class SupplierReturnLineInput:
    item_id: strawberry.ID
    quantity: int


@strawberry.input
class CreateSupplierReturnInput:
    id: strawberry.ID | None = strawberry.UNSET
    supplier_id: strawberry.ID
    warehouse_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET,
                                                          description="From; the central warehouse if not given.")
    order_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET,
                                                      description="The purchase order the items came on, if any.")
    lines: list[SupplierReturnLineInput]
    reason: str
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class RecordCreditInput:
    id: strawberry.ID
    credit_note_number: str
    amount: int = strawberry.field(description="Minor units credited by the supplier.")
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class CoreChargeActionInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class OrderPartsRequestInput:
    parts_request_id: strawberry.ID
    supplier_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET,
                                                         description="The item's preferred supplier if not given.")
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class OrderPartNotInCatalogInput:
    job_id: strawberry.ID
    description: str
    quantity: int
    supplier_id: strawberry.ID
    unit_cost: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class SupplierReturnPayload:
    supplier_return: SupplierReturn | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CoreChargePayload:
    core_charge: CoreCharge | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class OrderLinePayload:
    line: PurchaseOrderLine | None = None
    purchase_order_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _replay_return(session, actor, ref):
    return await returns.find_return(session, actor, ref)


async def _replay_core(session, actor, ref):
    return await returns.find_core(session, actor, ref)


async def _replay_line(session, actor, ref):
    from backend.purchasing.models import PurchaseOrderLine as LineModel

    lid = try_parse_id(ref)
    if lid is None:
        return None
    return (await session.execute(select(LineModel).where(LineModel.id == lid,
                                                          LineModel.garage_id == actor.garage_id))).scalar_one_or_none()


def _part(p: job_parts.PartOnOrder) -> JobPartOnOrder:
    return JobPartOnOrder(line=p.line, order_id=p.order.id, order_number=p.order.number,
                          order_status=p.order.status, supplier_name=p.supplier_name,
                          expected_date=p.expected_date)


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.PURCHASING_READ), description="Returns to suppliers, newest first.")
    async def supplier_returns(self, info: strawberry.Info, status: SupplierReturnStatus | None = None,
                               first: int | None = None, after: str | None = None) -> Connection[SupplierReturn]:
        limit = connections.page_size(info, first)
        values = connections.decode_cursor(after, 1, info.context.locale)
        rows = await read(info, returns.list_returns, status=status, limit=limit,
                          after=values[0] if values is not None else None)
        return connections.build(rows, limit, key=lambda r: (r.id,))

    @strawberry.field(extensions=requires(P.PURCHASING_READ))
    async def supplier_return(self, info: strawberry.Info, id: strawberry.ID) -> SupplierReturn | None:
        return await read(info, returns.find_return, id)

    @strawberry.field(extensions=requires(P.PURCHASING_READ),
                      description="Cores still owed to suppliers (of one supplier when given), with their value.")
    async def open_core_charges(self, info: strawberry.Info,
                                supplier_id: strawberry.ID | None = None) -> OpenCoresReport:
        rows = await read(info, returns.open_cores, supplier_id=supplier_id)
        return OpenCoresReport(cores=rows, total_value=sum(r.quantity * r.unit_value for r in rows))

    @strawberry.field(extensions=requires(P.PARTS_READ),
                      description="What open purchase orders bring for a job, and when it is expected.")
    async def job_parts_on_order(self, info: strawberry.Info, job_id: strawberry.ID) -> list[JobPartOnOrder]:
        return [_part(p) for p in await read(info, job_parts.parts_on_order, job_id)]


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.PURCHASING_MANAGE),
                         description="Send items back to a supplier: the stock leaves the warehouse now.")
    async def create_supplier_return(self, info: strawberry.Info,
                                     input: CreateSupplierReturnInput) -> SupplierReturnPayload:
        lines = [returns.ReturnLineInput(line.item_id, line.quantity) for line in input.lines]

        async def call(session, actor):
            return await returns.create_return(session, actor, input.supplier_id, lines, reason=input.reason,
                                               warehouse_id=given(input.warehouse_id), order_id=given(input.order_id),
                                               return_id=client_id(input.id))

        record, errors = await run(info, call, client_mutation_id=given(input.client_mutation_id),
                                   replay=_replay_return)
        return SupplierReturnPayload(supplier_return=record, errors=errors)

    @strawberry.mutation(extensions=requires(P.PURCHASING_MANAGE),
                         description="The supplier's credit note for a return: RETURNED -> CREDITED.")
    async def record_supplier_return_credit(self, info: strawberry.Info,
                                            input: RecordCreditInput) -> SupplierReturnPayload:
        record, errors = await run(info, returns.record_return_credit, input.id, input.credit_note_number,
                                   input.amount, given(input.expected_version),
                                   client_mutation_id=given(input.client_mutation_id), replay=_replay_return)
        if errors and (is_conflict(errors) or record is None):
            record, _ = await run(info, returns.find_return, input.id)
        return SupplierReturnPayload(supplier_return=record, errors=errors)

    @strawberry.mutation(extensions=requires(P.PURCHASING_MANAGE),
                         description="The old part was sent back to the supplier: OPEN -> RETURNED.")
    async def return_core_charge(self, info: strawberry.Info, input: CoreChargeActionInput) -> CoreChargePayload:
        core, errors = await run(info, returns.return_core, input.id, given(input.expected_version),
                                 client_mutation_id=given(input.client_mutation_id), replay=_replay_core)
        if errors and (is_conflict(errors) or core is None):
            core, _ = await run(info, returns.find_core, input.id)
        return CoreChargePayload(core_charge=core, errors=errors)

    @strawberry.mutation(extensions=requires(P.PURCHASING_MANAGE),
                         description="The supplier credited the old part: RETURNED -> CREDITED.")
    async def credit_core_charge(self, info: strawberry.Info, input: RecordCreditInput) -> CoreChargePayload:
        core, errors = await run(info, returns.credit_core, input.id, input.credit_note_number, input.amount,
                                 given(input.expected_version), client_mutation_id=given(input.client_mutation_id),
                                 replay=_replay_core)
        if errors and (is_conflict(errors) or core is None):
            core, _ = await run(info, returns.find_core, input.id)
        return CoreChargePayload(core_charge=core, errors=errors)

    @strawberry.mutation(extensions=requires(P.PURCHASING_MANAGE),
                         description="Order what a parts request still lacks on a draft order for its job.")
    async def order_parts_request(self, info: strawberry.Info, input: OrderPartsRequestInput) -> OrderLinePayload:
        line, errors = await run(info, job_parts.order_request, input.parts_request_id, given(input.supplier_id),
                                 client_mutation_id=given(input.client_mutation_id), replay=_replay_line)
        return OrderLinePayload(line=line, purchase_order_id=line.order_id if line else None, errors=errors)

    @strawberry.mutation(extensions=requires(P.PURCHASING_MANAGE),
                         description="A part not in the catalog, for a job: a parts request of the job (the job waits "
                                     "for it) and a line of a draft order to the supplier for it.")
    async def order_part_not_in_catalog(self, info: strawberry.Info,
                                        input: OrderPartNotInCatalogInput) -> OrderLinePayload:
        line, errors = await run(info, job_parts.order_part_not_in_catalog, input.job_id, input.description,
                                 input.quantity, input.supplier_id, given(input.unit_cost),
                                 client_mutation_id=given(input.client_mutation_id), replay=_replay_line)
        return OrderLinePayload(line=line, purchase_order_id=line.order_id if line else None, errors=errors)
