"""GraphQL for purchasing: suppliers and their items, purchase orders (approval, sending, receiving, undo of a
receipt), the garage's approval amount, stock levels and reorder suggestions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from sqlalchemy import select

from backend.api import connections
from backend.api.connections import Connection
from backend.api.errors import UserError
from backend.api.loaders import Loader, by_id, grouped
from backend.api.mutations import client_id, fields_of, given, is_conflict, run
from backend.api.permissions import requires
from backend.api.queries import read
from backend.core.permissions import Permission as P
from backend.purchasing import service
from backend.purchasing.models import OrderStatus as OrderStatusEnum
from backend.purchasing.models import PurchaseOrderLine as LineModel
from backend.purchasing.models import PurchaseReceipt as ReceiptModel
from backend.purchasing.models import Supplier as SupplierModel
from backend.purchasing.models import SupplierLocale as SupplierLocaleEnum

PurchaseOrderStatus = strawberry.enum(
    OrderStatusEnum, name="PurchaseOrderStatus",
    description="DRAFT -> PENDING_APPROVAL (above the garage's approval amount) -> APPROVED -> SENT -> "
                "PARTIALLY_RECEIVED -> RECEIVED, or CANCELLED before anything arrived.")
SupplierLocale = strawberry.enum(SupplierLocaleEnum, name="SupplierLocale")
ItemRef = Annotated["WarehouseItem", strawberry.lazy("backend.inventory.schema")]  # noqa: F821
WarehouseRef = Annotated["Warehouse", strawberry.lazy("backend.inventory.warehouse_schema")]  # noqa: F821


class SupplierLoader(Loader):
    async def batch_load_fn(self, keys):
        return by_id(await self.rows(select(SupplierModel).where(SupplierModel.id.in_(keys),
                                                                 SupplierModel.garage_id == self.garage_id)), keys)


class OrderLinesLoader(Loader):
    async def batch_load_fn(self, keys):
        rows = await self.rows(select(LineModel).where(LineModel.order_id.in_(keys),
                                                       LineModel.garage_id == self.garage_id)
                               .order_by(LineModel.position, LineModel.id))
        return grouped(rows, keys, "order_id")


class OrderReceiptsLoader(Loader):
    async def batch_load_fn(self, keys):
        rows = await self.rows(select(ReceiptModel).where(ReceiptModel.order_id.in_(keys),
                                                          ReceiptModel.garage_id == self.garage_id)
                               .order_by(ReceiptModel.id))
        return grouped(rows, keys, "order_id")


def _item(info, item_id):
    from backend.inventory.loaders import WarehouseItemLoader

    return info.context.loader(WarehouseItemLoader).load(item_id)


@strawberry.type
class Supplier:
    id: strawberry.ID
    name: str
    contact_name: str | None
    email: str | None
    phone: str | None
    tax_id: str | None
    address: str | None
    payment_terms_days: int
    lead_time_days: int
    locale: SupplierLocale = strawberry.field(description="The language of its purchase orders.")
    active: bool
    version: int


@strawberry.type(description="What a supplier sells us of an item.")
class SupplierItem:
    id: strawberry.ID
    supplier_id: strawberry.ID
    item_id: strawberry.ID
    supplier_code: str | None
    price: int = strawberry.field(description="Minor units per unit of the item.")
    pack_size: int
    preferred: bool
    core_charge: int = strawberry.field(description="Minor units per unit: the deposit on the old part, owed back to "
                                                    "this supplier when the item is fitted.")

    @strawberry.field
    def item(self, info: strawberry.Info) -> ItemRef | None:
        return _item(info, self.item_id)


@strawberry.type(description="A line of an order: an item of the catalog, or (ordered for a job) a part that is "
                             "not in it, by its description.")
class PurchaseOrderLine:
    id: strawberry.ID
    item_id: strawberry.ID | None
    description: str | None = strawberry.field(description="A part not in the catalog; null for a catalog item.")
    job_id: strawberry.ID | None = strawberry.field(description="The job it was ordered for.")
    quantity: int
    unit_cost: int
    received_quantity: int
    parts_request_id: strawberry.ID | None

    @strawberry.field
    def outstanding(self) -> int:
        return max(0, self.quantity - self.received_quantity)

    @strawberry.field
    def item(self, info: strawberry.Info) -> ItemRef | None:
        return _item(info, self.item_id) if self.item_id is not None else None


@strawberry.type(description="One delivery of one line; a reversal has a negative quantity and names the receipt "
                             "it undoes.")
class PurchaseReceipt:
    id: strawberry.ID
    line_id: strawberry.ID
    quantity: int
    unit_cost: int
    delivery_note: str | None
    override_reason: str | None
    reverses_id: strawberry.ID | None
    reversed: bool
    created_at: dt.datetime


@strawberry.type
class PurchaseOrder:
    id: strawberry.ID
    number: str
    status: PurchaseOrderStatus
    supplier_id: strawberry.ID
    warehouse_id: strawberry.ID
    total: int
    note: str | None
    cancel_reason: str | None
    expected_date: dt.date | None
    approved_at: dt.datetime | None
    sent_at: dt.datetime | None
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
    def lines(self, info: strawberry.Info) -> list[PurchaseOrderLine]:
        return info.context.loader(OrderLinesLoader).load(self.id)

    @strawberry.field
    def receipts(self, info: strawberry.Info) -> list[PurchaseReceipt]:
        return info.context.loader(OrderReceiptsLoader).load(self.id)

    @strawberry.field(description="A short-lived signed link to the order's PDF, in the supplier's language "
                                  "(null for an API key).")
    def pdf_url(self, info: strawberry.Info) -> str | None:
        from backend.purchasing.documents import signed_pdf_url

        return signed_pdf_url(info, self)


@strawberry.type
class ReorderSuggestion:
    item_id: strawberry.ID
    warehouse_id: strawberry.ID
    on_hand: int
    on_order: int
    min_level: int
    max_level: int
    quantity: int = strawberry.field(description="max - on hand - on order, rounded up to the pack size.")
    pack_size: int
    supplier_id: strawberry.ID | None = strawberry.field(description="The preferred supplier; null when none.")

    @strawberry.field
    def item(self, info: strawberry.Info) -> ItemRef | None:
        return _item(info, self.item_id)


# ------------------------------------------------------------------------------------------------ inputs


@strawberry.input
class SupplierInput:
    id: strawberry.ID | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    contact_name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    tax_id: str | None = strawberry.UNSET
    address: str | None = strawberry.UNSET
    payment_terms_days: int | None = strawberry.UNSET
    lead_time_days: int | None = strawberry.UNSET
    locale: SupplierLocale | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class SetSupplierItemInput:
    supplier_id: strawberry.ID
    item_id: strawberry.ID
    supplier_code: str | None = strawberry.UNSET
    price: int = 0
    pack_size: int = 1
    preferred: bool = False
    core_charge: int = strawberry.field(default=0, description="Minor units per unit: the deposit on the old part, "
                                                               "owed back to this supplier when the item is fitted.")
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class PurchaseOrderLineInput:
    item_id: strawberry.ID
    quantity: int
    unit_cost: int | None = strawberry.UNSET
    parts_request_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input
class CreatePurchaseOrderInput:
    id: strawberry.ID | None = strawberry.UNSET
    supplier_id: strawberry.ID
    warehouse_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET,
                                                          description="Delivered to; the central warehouse if not given.")
    lines: list[PurchaseOrderLineInput]
    note: str | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class PurchaseOrderActionInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class CancelPurchaseOrderInput:
    id: strawberry.ID
    reason: str
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class ReceiptLineInput:
    line_id: strawberry.ID
    quantity: int
    unit_cost: int | None = strawberry.UNSET


@strawberry.input
class ReceivePurchaseOrderInput:
    id: strawberry.ID
    lines: list[ReceiptLineInput]
    delivery_note: str | None = strawberry.UNSET
    override_reason: str | None = strawberry.field(default=strawberry.UNSET,
                                                   description="Why more than ordered is kept; required for that.")
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class ReverseReceiptInput:
    receipt_id: strawberry.ID
    reason: str
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class SetStockLevelsInput:
    item_id: strawberry.ID
    warehouse_id: strawberry.ID
    min_level: int | None = None
    max_level: int | None = None
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class DraftReordersInput:
    warehouse_id: strawberry.ID | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class SupplierPayload:
    supplier: Supplier | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SupplierItemPayload:
    supplier_item: SupplierItem | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PurchaseOrderPayload:
    purchase_order: PurchaseOrder | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DraftReordersPayload:
    purchase_orders: list[PurchaseOrder] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class StockLevelsPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ApprovalThresholdPayload:
    approval_threshold: int | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _replay_order(session, actor, ref):
    return await service.find_order(session, actor, ref)


async def _replay_supplier(session, actor, ref):
    return await service.find_supplier(session, actor, ref)


async def _order_after(info, fn, input, *args) -> PurchaseOrderPayload:
    order, errors = await run(info, fn, input.id, *args, given(input.expected_version),
                              client_mutation_id=given(input.client_mutation_id), replay=_replay_order)
    if errors and (is_conflict(errors) or order is None):
        order, _ = await run(info, service.find_order, input.id)
    return PurchaseOrderPayload(purchase_order=order, errors=errors)


def _suggestion(s: service.Suggestion) -> ReorderSuggestion:
    return ReorderSuggestion(item_id=s.item.id, warehouse_id=s.warehouse_id, on_hand=s.on_hand, on_order=s.on_order,
                             min_level=s.min_level, max_level=s.max_level, quantity=s.quantity,
                             pack_size=s.pack_size, supplier_id=s.supplier_id)


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.PURCHASING_READ), description="Suppliers by name.")
    async def suppliers(self, info: strawberry.Info, first: int | None = None,
                        after: str | None = None) -> Connection[Supplier]:
        limit = connections.page_size(info, first)
        values = connections.decode_cursor(after, 2, info.context.locale)
        rows = await read(info, service.list_suppliers, limit=limit,
                          after=(values[0], values[1]) if values is not None else None)
        return connections.build(rows, limit, key=lambda r: (r.name, r.id))

    @strawberry.field(extensions=requires(P.PURCHASING_READ))
    async def supplier(self, info: strawberry.Info, id: strawberry.ID) -> Supplier | None:
        return await read(info, service.find_supplier, id)

    @strawberry.field(extensions=requires(P.PURCHASING_READ), description="Of a supplier and/or an item.")
    async def supplier_items(self, info: strawberry.Info, supplier_id: strawberry.ID | None = None,
                             item_id: strawberry.ID | None = None) -> list[SupplierItem]:
        return await read(info, service.supplier_items, supplier_id=supplier_id, item_id=item_id)

    @strawberry.field(extensions=requires(P.PURCHASING_READ), description="Purchase orders, newest first.")
    async def purchase_orders(self, info: strawberry.Info, status: PurchaseOrderStatus | None = None,
                              supplier_id: strawberry.ID | None = None, first: int | None = None,
                              after: str | None = None) -> Connection[PurchaseOrder]:
        limit = connections.page_size(info, first)
        values = connections.decode_cursor(after, 1, info.context.locale)
        rows = await read(info, service.list_orders, status=status, supplier_id=supplier_id, limit=limit,
                          after=values[0] if values is not None else None)
        return connections.build(rows, limit, key=lambda r: (r.id,))

    @strawberry.field(extensions=requires(P.PURCHASING_READ))
    async def purchase_order(self, info: strawberry.Info, id: strawberry.ID) -> PurchaseOrder | None:
        return await read(info, service.find_order, id)

    @strawberry.field(extensions=requires(P.PURCHASING_READ),
                      description="What to order for a warehouse (the central one when not given).")
    async def reorder_suggestions(self, info: strawberry.Info,
                                  warehouse_id: strawberry.ID | None = None) -> list[ReorderSuggestion]:
        return [_suggestion(s) for s in await read(info, service.reorder_suggestions, warehouse_id)]

    @strawberry.field(extensions=requires(P.PURCHASING_READ),
                      description="Orders above this total (minor units) wait for approval; null: none do.")
    async def purchase_approval_threshold(self, info: strawberry.Info) -> int | None:
        async def call(session, actor):
            return await service.approval_threshold(session, actor.garage_id)

        return await read(info, call)


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.PURCHASING_MANAGE))
    async def create_supplier(self, info: strawberry.Info, input: SupplierInput) -> SupplierPayload:
        async def call(session, actor):  # the client's id is read inside run: a malformed one is a user error
            return await service.create_supplier(session, actor, fields_of(input, service.SupplierInput),
                                                 client_id(input.id))

        supplier, errors = await run(info, call, client_mutation_id=given(input.client_mutation_id),
                                     replay=_replay_supplier)
        return SupplierPayload(supplier=supplier, errors=errors)

    @strawberry.mutation(extensions=requires(P.PURCHASING_MANAGE))
    async def update_supplier(self, info: strawberry.Info, input: SupplierInput) -> SupplierPayload:
        supplier, errors = await run(info, service.update_supplier, given(input.id),
                                     fields_of(input, service.SupplierInput), given(input.expected_version),
                                     client_mutation_id=given(input.client_mutation_id), replay=_replay_supplier)
        if is_conflict(errors):
            supplier, _ = await run(info, service.find_supplier, given(input.id))
        return SupplierPayload(supplier=supplier, errors=errors)

    @strawberry.mutation(extensions=requires(P.PURCHASING_MANAGE))
    async def set_supplier_item(self, info: strawberry.Info, input: SetSupplierItemInput) -> SupplierItemPayload:
        row, errors = await run(info, service.set_supplier_item, input.supplier_id, input.item_id,
                                supplier_code=given(input.supplier_code), price=input.price,
                                pack_size=input.pack_size, preferred=input.preferred, core_charge=input.core_charge,
                                client_mutation_id=given(input.client_mutation_id))
        return SupplierItemPayload(supplier_item=row, errors=errors)

    @strawberry.mutation(extensions=requires(P.PURCHASING_MANAGE), description="A DRAFT order; it takes its number.")
    async def create_purchase_order(self, info: strawberry.Info,
                                    input: CreatePurchaseOrderInput) -> PurchaseOrderPayload:
        lines = [service.OrderLineInput(line.item_id, line.quantity, given(line.unit_cost),
                                        given(line.parts_request_id)) for line in input.lines]

        async def call(session, actor):
            return await service.create_order(session, actor, input.supplier_id, lines,
                                              warehouse_id=given(input.warehouse_id), note=given(input.note),
                                              order_id=client_id(input.id))

        order, errors = await run(info, call, client_mutation_id=given(input.client_mutation_id),
                                  replay=_replay_order)
        return PurchaseOrderPayload(purchase_order=order, errors=errors)

    @strawberry.mutation(extensions=requires(P.PURCHASING_MANAGE),
                         description="DRAFT -> PENDING_APPROVAL above the approval amount, else APPROVED.")
    async def submit_purchase_order(self, info: strawberry.Info,
                                    input: PurchaseOrderActionInput) -> PurchaseOrderPayload:
        return await _order_after(info, service.submit_order, input)

    @strawberry.mutation(extensions=requires(P.PURCHASING_APPROVE), description="PENDING_APPROVAL -> APPROVED.")
    async def approve_purchase_order(self, info: strawberry.Info,
                                     input: PurchaseOrderActionInput) -> PurchaseOrderPayload:
        return await _order_after(info, service.approve_order, input)

    @strawberry.mutation(extensions=requires(P.PURCHASING_MANAGE), description="APPROVED -> SENT.")
    async def send_purchase_order(self, info: strawberry.Info,
                                  input: PurchaseOrderActionInput) -> PurchaseOrderPayload:
        return await _order_after(info, service.send_order, input)

    @strawberry.mutation(extensions=requires(P.PURCHASING_MANAGE), description="Before anything arrived.")
    async def cancel_purchase_order(self, info: strawberry.Info,
                                    input: CancelPurchaseOrderInput) -> PurchaseOrderPayload:
        return await _order_after(info, service.cancel_order, input, input.reason)

    @strawberry.mutation(extensions=requires(P.PURCHASING_MANAGE),
                         description="A delivery: per line the quantity and cost that came.")
    async def receive_purchase_order(self, info: strawberry.Info,
                                     input: ReceivePurchaseOrderInput) -> PurchaseOrderPayload:
        lines = [service.ReceiptLineInput(line.line_id, line.quantity, given(line.unit_cost)) for line in input.lines]

        async def call(session, actor):
            await service.receive_order(session, actor, input.id, lines, delivery_note=given(input.delivery_note),
                                        override_reason=given(input.override_reason),
                                        expected_version=given(input.expected_version))
            return await service.get_order(session, actor, input.id)

        order, errors = await run(info, call, client_mutation_id=given(input.client_mutation_id),
                                  replay=_replay_order)
        if errors:
            order, _ = await run(info, service.find_order, input.id)
        return PurchaseOrderPayload(purchase_order=order, errors=errors)

    @strawberry.mutation(extensions=requires(P.PURCHASING_MANAGE),
                         description="Undo a wrong receipt by a reversing movement.")
    async def reverse_purchase_receipt(self, info: strawberry.Info,
                                       input: ReverseReceiptInput) -> PurchaseOrderPayload:
        async def call(session, actor):
            reversal = await service.reverse_receipt(session, actor, input.receipt_id, input.reason)
            return await service.get_order(session, actor, reversal.order_id)

        order, errors = await run(info, call, client_mutation_id=given(input.client_mutation_id),
                                  replay=_replay_order)
        return PurchaseOrderPayload(purchase_order=order, errors=errors)

    @strawberry.mutation(extensions=requires(P.INVENTORY_MANAGE),
                         description="Reorder levels of an item in a warehouse (both null clears them).")
    async def set_stock_levels(self, info: strawberry.Info, input: SetStockLevelsInput) -> StockLevelsPayload:
        row, errors = await run(info, service.set_stock_levels, input.item_id, input.warehouse_id,
                                input.min_level, input.max_level,
                                client_mutation_id=given(input.client_mutation_id))
        return StockLevelsPayload(ok=row is not None and not errors, errors=errors)

    @strawberry.mutation(extensions=requires(P.PURCHASING_MANAGE),
                         description="The reorder suggestions as draft orders, one per preferred supplier.")
    async def draft_reorders(self, info: strawberry.Info, input: DraftReordersInput) -> DraftReordersPayload:
        orders, errors = await run(info, service.draft_reorders, given(input.warehouse_id),
                                   client_mutation_id=given(input.client_mutation_id))
        return DraftReordersPayload(purchase_orders=orders or [], errors=errors)

    @strawberry.mutation(extensions=requires(P.PURCHASING_APPROVE),
                         description="Orders above this total (minor units) wait for approval; null: none do.")
    async def set_purchase_approval_threshold(self, info: strawberry.Info,
                                              amount: int | None = None) -> ApprovalThresholdPayload:
        value, errors = await run(info, service.set_approval_threshold, amount)
        return ApprovalThresholdPayload(approval_threshold=value, errors=errors)


Subscription = None
