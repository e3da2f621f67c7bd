"""The purchase order as PDF, in the supplier's language: mailed to the supplier when the order is SENT, and
downloadable from the order by a short-lived signed link (PurchaseOrder.pdfUrl).

It shows the garage (name, address, tax ID and branch), the supplier (name, contact, address, tax ID), the delivery
warehouse and its address, the order and expected dates, the payment terms, each line with the supplier's code, and
the total. The HTML comes from backend/templates/purchasing/purchase_order.html through the billing documents'
Jinja2 environment (the same Babel catalogs and filters); WeasyPrint renders it with the same fonts, lock and Thai
text map, so the Thai text extracts as printed. The same order and content always give the same bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import uuid

import anyio.to_thread
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.billing.documents import signing
from backend.billing.documents.pdftext import fix_text_map
from backend.billing.documents.render import (
    TEMPLATES,
    _fonts,
    _render_lock,
    branch_text,
    environment,
    format_amount,
    format_doc_date,
)
from backend.billing.documents.routes import MSG_NOT_FOUND, LinkRefused, _error, link_user, pdf_response, verified_link
from backend.core.i18n import N_, translate

TEMPLATE = "purchasing/purchase_order.html"
TTL_SECONDS = 300
EVENT = "purchase_order_sent"
PAYMENT_TERMS = N_("{days} days from delivery")
PAYMENT_ON_DELIVERY = N_("On delivery")


def pdf_path(order_id: uuid.UUID) -> str:
    return f"/documents/purchase-order/{order_id}.pdf"


def order_locale(supplier) -> str:
    return "th" if getattr(supplier.locale, "value", supplier.locale) == "TH" else "en"


def signed_pdf_url(info, order) -> str | None:
    """PurchaseOrder.pdfUrl: the PDF in the supplier's language, for a member of staff (an API key gets none)."""
    actor = info.context.actor
    if actor.user_id is None:
        return None
    return signing.sign_url(pdf_path(order.id), garage_id=order.garage_id, user_id=actor.user_id,
                            ttl_seconds=TTL_SECONDS, secret=info.context.settings.secret_key)


@dataclasses.dataclass(frozen=True)
class OrderLineView:
    supplier_code: str
    description: str
    quantity: int
    unit_price: str
    amount: str


@dataclasses.dataclass(frozen=True)
class PurchaseOrderView:
    order_id: uuid.UUID
    locale: str
    number: str
    garage_name: str
    garage_address: str
    garage_tax_id: str
    garage_branch: str
    supplier_name: str
    supplier_contact: str
    supplier_address: str
    supplier_tax_id: str
    warehouse_name: str
    delivery_address: str
    order_date: str
    expected_date: str
    payment_terms: str
    currency: str
    lines: tuple[OrderLineView, ...]
    total: str
    note: str


async def purchase_order_view(session, garage_id: uuid.UUID, order_id: uuid.UUID,
                              locale: str | None = None) -> PurchaseOrderView | None:
    """The order's printed data in `locale` (the supplier's language when None); None when not the garage's.
    Four statements."""
    from backend.accounts.models import Garage, Site
    from backend.billing.service.common import zone_of
    from backend.inventory.models import Warehouse, WarehouseItem
    from backend.purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier, SupplierItem

    row = (await session.execute(
        select(PurchaseOrder, Supplier, Warehouse, Garage)
        .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .join(Warehouse, Warehouse.id == PurchaseOrder.warehouse_id)
        .join(Garage, Garage.id == PurchaseOrder.garage_id)
        .where(PurchaseOrder.id == order_id, PurchaseOrder.garage_id == garage_id))).first()
    if row is None:
        return None
    order, supplier, warehouse, garage = row
    locale = locale if locale in ("en", "th") else order_locale(supplier)
    delivery = garage.address or ""
    if warehouse.site_id is not None:
        site_address = (await session.execute(select(Site.address).where(Site.id == warehouse.site_id))
                        ).scalar_one_or_none()
        delivery = site_address or delivery
    lines = (await session.execute(
        select(PurchaseOrderLine, WarehouseItem, SupplierItem.supplier_code)
        .outerjoin(WarehouseItem, WarehouseItem.id == PurchaseOrderLine.item_id)
        .outerjoin(SupplierItem, (SupplierItem.item_id == PurchaseOrderLine.item_id)
                   & (SupplierItem.supplier_id == order.supplier_id))
        .where(PurchaseOrderLine.order_id == order.id)
        .order_by(PurchaseOrderLine.position, PurchaseOrderLine.id))).all()
    currency = garage.currency

    def describe(line, item) -> str:
        if item is None:
            return line.description or ""
        name = item.name_th if locale == "th" and item.name_th else item.name_en
        return f"{name} ({item.sku})"

    zone = zone_of(garage)
    terms = (translate(locale, PAYMENT_TERMS, days=supplier.payment_terms_days) if supplier.payment_terms_days
             else translate(locale, PAYMENT_ON_DELIVERY))
    return PurchaseOrderView(
        order_id=order.id, locale=locale, number=order.number, garage_name=garage.name,
        garage_address=garage.address or "", garage_tax_id=garage.tax_id or "",
        garage_branch=branch_text(garage.branch, locale) if garage.tax_id else "",
        supplier_name=supplier.name, supplier_contact=supplier.contact_name or "",
        supplier_address=supplier.address or "", supplier_tax_id=supplier.tax_id or "",
        warehouse_name=warehouse.name, delivery_address=delivery,
        order_date=format_doc_date(order.created_at.astimezone(zone).date(), locale),
        expected_date=format_doc_date(order.expected_date, locale) if order.expected_date else "",
        payment_terms=terms, currency=currency,
        lines=tuple(OrderLineView(supplier_code=code or "", description=describe(line, item), quantity=line.quantity,
                                  unit_price=format_amount(line.unit_cost, currency),
                                  amount=format_amount(line.quantity * line.unit_cost, currency))
                    for line, item, code in lines),
        total=format_amount(order.total, currency), note=order.note or "")


def render_html(view: PurchaseOrderView) -> str:
    return environment(view.locale).get_template(TEMPLATE).render(doc=view, locale=view.locale)


def render_pdf(view: PurchaseOrderView) -> bytes:
    """PDF bytes; no clock in the file (CPU work: call it in a worker thread)."""
    from weasyprint import HTML

    html = render_html(view)
    fonts = _fonts()
    identifier = hashlib.sha256(f"purchase_order:{view.order_id}:{view.number}".encode()).digest()[:16]
    with _render_lock:
        return HTML(string=html, base_url=str(TEMPLATES)).write_pdf(
            font_config=fonts, pdf_identifier=identifier, finisher=fix_text_map)


def filename(view: PurchaseOrderView) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", view.number) + ".pdf"


async def pdf_for_notification(db, garage_id: uuid.UUID, order_id: uuid.UUID, locale: str) -> tuple[str, bytes]:
    """(filename, bytes) for the supplier's mail, rendered at send time. LookupError when the order is gone."""
    async with db.read() as session:
        view = await purchase_order_view(session, garage_id, order_id, locale)
    if view is None:
        raise LookupError(f"purchase order {order_id} not found in garage {garage_id}")
    return filename(view), await anyio.to_thread.run_sync(render_pdf, view)


async def notify_supplier(session, order, supplier, garage_name: str) -> object | None:
    """The SENT order goes to the supplier's mail address through the outbox, its PDF attached in their language
    (rendered at send time); once per order. None when the supplier has no address."""
    from backend.notifications.models import Channel
    from backend.notifications.outbox import enqueue

    if not supplier.email:
        return None
    locale = order_locale(supplier)
    return await enqueue(session, garage_id=order.garage_id, event=EVENT, channel=Channel.EMAIL, locale=locale,
                         recipient=supplier.email, dedupe_key=f"{EVENT}:{order.id}",
                         context={"order_id": str(order.id), "order_number": order.number,
                                  "supplier_name": supplier.contact_name or supplier.name,
                                  "garage_name": garage_name,
                                  "expected_date": format_doc_date(order.expected_date, locale)
                                  if order.expected_date else ""})


def purchase_order_routes(services) -> list[Route]:
    settings = services.settings

    async def purchase_order_pdf(request: Request) -> Response:
        from backend.core.permissions import Permission

        try:
            order_id = uuid.UUID(request.path_params["order_id"])
        except ValueError:
            return _error(request, 404, MSG_NOT_FOUND)
        try:
            signed = verified_link(request, pdf_path(order_id), settings.secret_key)
            async with services.db.read() as session:
                await link_user(request, session, signed, Permission.PURCHASING_READ)
                view = await purchase_order_view(session, signed.garage_id, order_id)
        except LinkRefused as refused:
            return refused.response
        if view is None:
            return _error(request, 404, MSG_NOT_FOUND)
        pdf = await anyio.to_thread.run_sync(render_pdf, view)
        return pdf_response(pdf, filename(view), view.locale)

    return [Route("/documents/purchase-order/{order_id}.pdf", purchase_order_pdf, methods=["GET"])]
