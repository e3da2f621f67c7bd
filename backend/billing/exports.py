"""Exports for the accountant: invoices and payments of a period as QuickBooks Online or Xero CSV, or as XLSX.

The column mapping is documented in README.md ("Exports for the accountant"). Amounts leave as decimal strings in
major units ("1234.50"; no currency symbol, no thousands separator), dates as DD/MM/YYYY, which both importers
accept for a non-US company. A CSV starts with a UTF-8 byte order mark so Excel opens Thai text correctly.

Invoices exported are those issued in the period (ISSUED, PARTIALLY_PAID, PAID by issue date); DRAFT and VOID ones
are not (an accountant's import would create a debt that does not exist). Payments are those received in the period
(by `paid_on`).

The GraphQL field hands out a short-lived signed URL (backend.billing.documents.signing); GET /exports/accounting
checks the signature, checks again that the user (or API key) may still read financial reports, and streams the file.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import datetime as dt
import enum
import io
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from decimal import Decimal

from sqlalchemy import and_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import ApiKey, Site, User
from backend.billing.documents import signing
from backend.billing.models import Invoice, InvoiceLine, LineKind, Payment, PaymentMethod
from backend.billing.reports import COUNTED, Period, check_period, garage_and_site
from backend.core.actor import Actor
from backend.core.i18n import N_, translate
from backend.core.money import minor_exponent
from backend.core.permissions import ApiScope, Permission, permissions_for_role, permissions_for_scopes
from backend.customers.models import Customer, Vehicle

EXPORT_PATH = "/exports/accounting"
LINK_TTL_SECONDS = 300
BATCH = 500
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"


class ExportFormat(enum.Enum):
    QUICKBOOKS_CSV = "QUICKBOOKS_CSV"
    XERO_CSV = "XERO_CSV"
    XLSX = "XLSX"


class ExportWhat(enum.Enum):
    INVOICES = "INVOICES"
    PAYMENTS = "PAYMENTS"


# What an importer calls things it must already know (tax codes, accounts, items). The accountant maps these once.
XERO_SALES_ACCOUNT = "200"  # "Sales" in Xero's default chart of accounts
QBO_DEPOSIT_TO = "Undeposited Funds"  # QuickBooks Online's default holding account for received payments
ITEM_NAMES = {LineKind.LABOUR: "Labour", LineKind.PART: "Parts", LineKind.OTHER: "Other"}
METHOD_NAMES = {PaymentMethod.CASH: "Cash", PaymentMethod.CARD: "Credit Card", PaymentMethod.TRANSFER: "Bank Transfer",
                PaymentMethod.QR: "QR Payment", PaymentMethod.OTHER: "Other"}
NO_CUSTOMER = "Walk-in customer"

QUICKBOOKS_INVOICE_COLUMNS = [
    "InvoiceNo", "Customer", "InvoiceDate", "DueDate", "Terms", "Location", "Memo", "Item(Product/Service)",
    "ItemDescription", "ItemQuantity", "ItemRate", "ItemAmount", "ItemTaxCode", "ItemTaxAmount", "Currency",
    "Service Date",
]
XERO_INVOICE_COLUMNS = [
    "*ContactName", "EmailAddress", "POAddressLine1", "POAddressLine2", "POAddressLine3", "POAddressLine4", "POCity",
    "PORegion", "POPostalCode", "POCountry", "*InvoiceNumber", "Reference", "*InvoiceDate", "*DueDate",
    "InventoryItemCode", "*Description", "*Quantity", "*UnitAmount", "Discount", "*AccountCode", "*TaxType",
    "TaxAmount", "TrackingName1", "TrackingOption1", "TrackingName2", "TrackingOption2", "Currency", "BrandingTheme",
]
QUICKBOOKS_PAYMENT_COLUMNS = [
    "Payment Date", "Customer", "Payment Method", "Deposit To", "Invoice No", "Amount Received", "Reference No",
    "Memo", "Currency", "Withholding Tax",
]
XERO_PAYMENT_COLUMNS = [
    "*Date", "*Amount", "Payee", "Description", "Reference", "InvoiceNumber", "PaymentMethod", "WithholdingTax",
    "Currency",
]


# ------------------------------------------------------------------------------------------------ formatting


def decimal_amount(minor: int, currency: str) -> Decimal:
    exponent = minor_exponent(currency)
    return Decimal(int(minor)).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


def money(minor: int, currency: str) -> str:
    """1234550 satang -> "12345.50"; yen -> "1200". Never a symbol or a thousands separator."""
    return format(decimal_amount(minor, currency), "f")


def day(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def quantity_text(value: Decimal) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text


def qty_rate_amount(quantity: Decimal, unit_price: int, discount: int, net: int, currency: str
                    ) -> tuple[str, str, str]:
    """Quantity, rate and amount such that quantity x rate is exactly the line's net amount (both importers check
    it or compute it). A discount folds into the rate when that stays exact to 4 decimals, else the line becomes
    1 x net."""
    quantity = Decimal(quantity)
    amount = decimal_amount(net, currency)
    exponent = minor_exponent(currency)
    if quantity > 0:
        rate = amount / quantity
        places = max(exponent, -min(0, rate.normalize().as_tuple().exponent))
        if rate * quantity == amount and places <= 4:
            return (quantity_text(quantity), format(rate.quantize(Decimal(1).scaleb(-places)), "f"),
                    format(amount, "f"))
    return "1", format(amount, "f"), format(amount, "f")


def tax_code(label: str, rate: Decimal) -> str:
    """"VAT 7%", "GST 18%": the name of the tax rate to create (or map to) in the accounting program."""
    return f"{label} {format(Decimal(rate).normalize(), 'f')}%"


def address_lines(address: str | None, count: int = 4) -> list[str]:
    parts = [p.strip() for p in (address or "").replace("\r", "").split("\n") if p.strip()]
    if len(parts) > count:
        parts = parts[:count - 1] + [", ".join(parts[count - 1:])]
    return parts + [""] * (count - len(parts))


# ------------------------------------------------------------------------------------------------ reading


@dataclasses.dataclass(frozen=True)
class ExportRequest:
    period: Period
    format: ExportFormat
    what: ExportWhat
    site_id: uuid.UUID | None = None
    locale: str = "en"

    @property
    def filename(self) -> str:
        tool = {ExportFormat.QUICKBOOKS_CSV: "quickbooks", ExportFormat.XERO_CSV: "xero",
                ExportFormat.XLSX: "accounts"}[self.format]
        subject = "" if self.format is ExportFormat.XLSX else f"-{self.what.value.lower()}"
        ext = "xlsx" if self.format is ExportFormat.XLSX else "csv"
        return f"{tool}{subject}-{self.period.start.isoformat()}-{self.period.end.isoformat()}.{ext}"

    @property
    def content_type(self) -> str:
        return XLSX_TYPE if self.format is ExportFormat.XLSX else CSV_TYPE


def _invoice_lines_query(actor: Actor, request: ExportRequest):
    where = [Invoice.garage_id == actor.garage_id, Invoice.status.in_(COUNTED),
             Invoice.issue_date >= request.period.start, Invoice.issue_date <= request.period.end]
    if request.site_id is not None:
        where.append(Invoice.site_id == request.site_id)
    return (
        select(Invoice.number, Invoice.issue_date, Invoice.due_date, Invoice.currency, Invoice.tax_label,
               Invoice.tax_rate, Invoice.buyer_name, Invoice.buyer_address, Invoice.revenue_stream,
               Invoice.operations_stream, Customer.name, Customer.email, Site.name, Vehicle.registration,
               InvoiceLine.kind, InvoiceLine.description, InvoiceLine.quantity, InvoiceLine.unit_price,
               InvoiceLine.discount, InvoiceLine.net, InvoiceLine.tax)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .join(Site, Site.id == Invoice.site_id)
        .outerjoin(Customer, Customer.id == Invoice.customer_id)
        .outerjoin(Vehicle, Vehicle.id == Invoice.vehicle_id)
        .where(*where, InvoiceLine.garage_id == actor.garage_id)
        .order_by(Invoice.issue_date, Invoice.number, InvoiceLine.position, InvoiceLine.id)
    )


def _payments_query(actor: Actor, request: ExportRequest):
    where = [Payment.garage_id == actor.garage_id, Payment.paid_on >= request.period.start,
             Payment.paid_on <= request.period.end]
    if request.site_id is not None:
        where.append(Invoice.site_id == request.site_id)
    return (
        select(Payment.paid_on, Payment.amount, Payment.withholding_amount, Payment.method, Payment.reference,
               Invoice.number, Invoice.currency, Invoice.buyer_name, Customer.name)
        .join(Invoice, and_(Invoice.id == Payment.invoice_id, Invoice.garage_id == actor.garage_id))
        .outerjoin(Customer, Customer.id == Invoice.customer_id)
        .where(*where)
        .order_by(Payment.paid_on, Invoice.number, Payment.created_at, Payment.id)
    )


def _contact(buyer_name: str | None, customer_name: str | None) -> str:
    return buyer_name or customer_name or NO_CUSTOMER


def quickbooks_invoice_row(r) -> list[str]:
    (number, issue_date, due_date, currency, tax_label, tax_rate, buyer_name, _address, _rs, _ops, customer_name,
     _email, site_name, registration, kind, description, quantity, unit_price, discount, net, tax) = r
    qty, rate, amount = qty_rate_amount(quantity, unit_price, discount, net, currency)
    return [number, _contact(buyer_name, customer_name), day(issue_date), day(due_date or issue_date), "",
            site_name or "", registration or "", ITEM_NAMES[kind], description, qty, rate, amount,
            tax_code(tax_label, tax_rate), money(tax, currency), currency, day(issue_date)]


def xero_invoice_row(r) -> list[str]:
    (number, issue_date, due_date, currency, tax_label, tax_rate, buyer_name, address, rs, ops, customer_name,
     email, _site, registration, kind, description, quantity, unit_price, discount, net, tax) = r
    qty, rate, _amount = qty_rate_amount(quantity, unit_price, discount, net, currency)
    return [_contact(buyer_name, customer_name), email or "", *address_lines(address), "", "", "", "", number,
            registration or "", day(issue_date), day(due_date or issue_date), "", description, qty, rate, "",
            XERO_SALES_ACCOUNT, tax_code(tax_label, tax_rate), money(tax, currency),
            "Revenue stream", rs.value, "Operations stream", ops.value if ops else "", currency, ""]


def quickbooks_payment_row(r) -> list[str]:
    paid_on, amount, withheld, method, reference, number, currency, buyer_name, customer_name = r
    memo = f"Withholding tax {money(withheld, currency)}" if withheld else ""
    return [day(paid_on), _contact(buyer_name, customer_name), METHOD_NAMES[method], QBO_DEPOSIT_TO, number,
            money(amount, currency), reference or "", memo, currency, money(withheld, currency)]


def xero_payment_row(r) -> list[str]:
    paid_on, amount, withheld, method, reference, number, currency, buyer_name, customer_name = r
    description = f"Payment for {number}" + (f" ({reference})" if reference else "")
    return [day(paid_on), money(amount, currency), _contact(buyer_name, customer_name), description, number, number,
            METHOD_NAMES[method], money(withheld, currency), currency]


CSV_LAYOUTS = {
    (ExportFormat.QUICKBOOKS_CSV, ExportWhat.INVOICES): (QUICKBOOKS_INVOICE_COLUMNS, quickbooks_invoice_row),
    (ExportFormat.XERO_CSV, ExportWhat.INVOICES): (XERO_INVOICE_COLUMNS, xero_invoice_row),
    (ExportFormat.QUICKBOOKS_CSV, ExportWhat.PAYMENTS): (QUICKBOOKS_PAYMENT_COLUMNS, quickbooks_payment_row),
    (ExportFormat.XERO_CSV, ExportWhat.PAYMENTS): (XERO_PAYMENT_COLUMNS, xero_payment_row),
}


def _csv_text(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue()


async def csv_chunks(session: AsyncSession, actor: Actor, request: ExportRequest) -> AsyncIterator[bytes]:
    """The CSV in pieces of BATCH rows, read through a server-side cursor: memory stays flat for a year of work."""
    columns, shape = CSV_LAYOUTS[(request.format, request.what)]
    query = _invoice_lines_query(actor, request) if request.what is ExportWhat.INVOICES \
        else _payments_query(actor, request)
    yield (BOM + _csv_text([columns])).encode("utf-8")
    result = await session.stream(query.execution_options(yield_per=BATCH))
    async for part in result.partitions():
        yield _csv_text(shape(r) for r in part).encode("utf-8")


# ------------------------------------------------------------------------------------------------ XLSX

SHEET_INVOICES = N_("Invoices")
SHEET_LINES = N_("Lines")
SHEET_PAYMENTS = N_("Payments")
H_NUMBER = N_("Invoice number")
H_ISSUE_DATE = N_("Issue date")
H_DUE_DATE = N_("Due date")
H_CUSTOMER = N_("Customer")
H_TAX_ID = N_("Tax ID")
H_SITE = N_("Site")
H_STATUS = N_("Status")
H_REVENUE_STREAM = N_("Revenue stream")
H_OPERATIONS_STREAM = N_("Operations stream")
H_CURRENCY = N_("Currency")
H_SUBTOTAL = N_("Subtotal")
H_TAX = N_("Tax")
H_TOTAL = N_("Total")
H_PAID = N_("Paid")
H_WITHHOLDING = N_("Withholding tax")
H_CREDITED = N_("Credited")
H_BALANCE = N_("Balance due")
H_LINE = N_("Line")
H_KIND = N_("Kind")
H_DESCRIPTION = N_("Description")
H_QUANTITY = N_("Quantity")
H_UNIT_PRICE = N_("Unit price")
H_DISCOUNT = N_("Discount")
H_NET = N_("Net")
H_PAID_ON = N_("Paid on")
H_METHOD = N_("Method")
H_AMOUNT = N_("Amount received")
H_REFERENCE = N_("Reference")


async def xlsx_bytes(session: AsyncSession, actor: Actor, request: ExportRequest) -> bytes:
    """One workbook with an Invoices, a Lines and a Payments sheet; numbers and dates are typed cells.

    The rows are read here (three statements); the workbook is written in a worker thread, because openpyxl's
    XML writing is CPU work that would otherwise stall every other request of the process."""
    g = actor.garage_id
    period = request.period
    inv_where = [Invoice.garage_id == g, Invoice.status.in_(COUNTED), Invoice.issue_date >= period.start,
                 Invoice.issue_date <= period.end]
    if request.site_id is not None:
        inv_where.append(Invoice.site_id == request.site_id)
    invoice_query = (
        select(Invoice.number, Invoice.issue_date, Invoice.due_date, Invoice.buyer_name, Customer.name,
               Invoice.buyer_tax_id, Site.name, Invoice.status, Invoice.revenue_stream, Invoice.operations_stream,
               Invoice.currency, Invoice.subtotal, Invoice.tax_total, Invoice.total, Invoice.paid_total,
               Invoice.withholding_total, Invoice.credited_total, Invoice.balance_due)
        .join(Site, Site.id == Invoice.site_id).outerjoin(Customer, Customer.id == Invoice.customer_id)
        .where(*inv_where).order_by(Invoice.issue_date, Invoice.number))
    line_query = (
        select(Invoice.number, Invoice.issue_date, InvoiceLine.position, InvoiceLine.kind, InvoiceLine.description,
               InvoiceLine.quantity, Invoice.currency, InvoiceLine.unit_price, InvoiceLine.discount, InvoiceLine.net,
               InvoiceLine.tax, InvoiceLine.total)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(*inv_where, InvoiceLine.garage_id == g)
        .order_by(Invoice.issue_date, Invoice.number, InvoiceLine.position, InvoiceLine.id))
    sheets = []
    for query in (invoice_query, line_query, _payments_query(actor, request)):
        sheets.append((await session.execute(query)).all())
    return await asyncio.to_thread(write_workbook, request.locale, *sheets)


def write_workbook(locale: str, invoice_rows, line_rows, payment_rows) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    t = lambda message: translate(locale, message)  # noqa: E731
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    money_formats: dict[str, str] = {}

    def header(sheet, names: list[str]) -> None:
        row = []
        for name in names:
            cell = WriteOnlyCell(sheet, value=t(name))
            cell.font = bold
            row.append(cell)
        sheet.append(row)

    def date_cell(sheet, value):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell

    def money_cell(sheet, minor: int, currency: str):
        fmt = money_formats.get(currency)
        if fmt is None:
            exponent = minor_exponent(currency)
            fmt = money_formats[currency] = "#,##0" + ("." + "0" * exponent if exponent else "")
        cell = WriteOnlyCell(sheet, value=decimal_amount(minor, currency))
        cell.number_format = fmt
        return cell

    invoices = workbook.create_sheet(t(SHEET_INVOICES))
    header(invoices, [H_NUMBER, H_ISSUE_DATE, H_DUE_DATE, H_CUSTOMER, H_TAX_ID, H_SITE, H_STATUS, H_REVENUE_STREAM,
                      H_OPERATIONS_STREAM, H_CURRENCY, H_SUBTOTAL, H_TAX, H_TOTAL, H_PAID, H_WITHHOLDING,
                      H_CREDITED, H_BALANCE])
    for (number, issued, due, buyer, customer, tax_id, site, status, rs, ops, currency, *amounts) in invoice_rows:
        invoices.append([number, date_cell(invoices, issued), date_cell(invoices, due), _contact(buyer, customer),
                         tax_id, site, status.value, rs.value, ops.value if ops else None, currency,
                         *(money_cell(invoices, a, currency) for a in amounts)])

    lines = workbook.create_sheet(t(SHEET_LINES))
    header(lines, [H_NUMBER, H_ISSUE_DATE, H_LINE, H_KIND, H_DESCRIPTION, H_QUANTITY, H_UNIT_PRICE, H_DISCOUNT,
                   H_NET, H_TAX, H_TOTAL, H_CURRENCY])
    for number, issued, position, kind, description, quantity, currency, *amounts in line_rows:
        lines.append([number, date_cell(lines, issued), position + 1, kind.value, description, Decimal(quantity),
                      *(money_cell(lines, a, currency) for a in amounts), currency])

    payments = workbook.create_sheet(t(SHEET_PAYMENTS))
    header(payments, [H_PAID_ON, H_NUMBER, H_CUSTOMER, H_METHOD, H_AMOUNT, H_WITHHOLDING, H_REFERENCE, H_CURRENCY])
    for paid_on, amount, withheld, method, reference, number, currency, buyer, customer in payment_rows:
        payments.append([date_cell(payments, paid_on), number, _contact(buyer, customer), method.value,
                         money_cell(payments, amount, currency), money_cell(payments, withheld, currency),
                         reference, currency])

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------------------ links


def _require(actor: Actor) -> None:
    if not actor.can(Permission.FINANCIAL_REPORTS):
        raise PermissionError("exports need FINANCIAL_REPORTS")


async def export_link(session: AsyncSession, actor: Actor, *, date_from: dt.date | None, date_to: dt.date | None,
                      format: ExportFormat, what: ExportWhat, site: object | None, locale: str, secret: str
                      ) -> tuple[str, ExportRequest, dt.datetime]:
    """Check the request now (bad input is an error here, not a broken download) and sign a link to the file."""
    _require(actor)
    period = check_period(date_from, date_to)
    _currency, site_id = await garage_and_site(session, actor, site)
    request = ExportRequest(period, format, what, site_id, locale)
    url = signing.sign_url(
        EXPORT_PATH, garage_id=actor.garage_id, user_id=actor.user_id, ttl_seconds=LINK_TTL_SECONDS, secret=secret,
        start=period.start.isoformat(), end=period.end.isoformat(), format=format.value, what=what.value,
        site=str(site_id) if site_id else None, lang=locale,
        key=str(actor.api_key_id) if actor.api_key_id else None)
    expires = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=LINK_TTL_SECONDS)
    return url, request, expires


async def signed_actor(session: AsyncSession, signed: signing.SignedUrl) -> Actor | None:
    """Who the link was issued to, as they are now: a deactivated user or a revoked key downloads nothing."""
    if signed.user_id is not None:
        row = (await session.execute(select(User.role).where(
            User.id == signed.user_id, User.garage_id == signed.garage_id, User.active.is_(True)))).first()
        if row is None:
            return None
        return Actor(garage_id=signed.garage_id, permissions=permissions_for_role(row[0]), user_id=signed.user_id,
                     role=row[0])
    key_id = signed.params.get("key")
    if not key_id:
        return None
    try:
        key_uuid = uuid.UUID(key_id)
    except ValueError:
        return None
    row = (await session.execute(select(ApiKey.scopes).where(
        ApiKey.id == key_uuid, ApiKey.garage_id == signed.garage_id, ApiKey.revoked_at.is_(None)))).first()
    if row is None:
        return None
    scopes = {ApiScope(s) for s in row[0] if s in {x.value for x in ApiScope}}
    return Actor(garage_id=signed.garage_id, permissions=permissions_for_scopes(scopes), api_key_id=key_uuid)


def request_from_signed(signed: signing.SignedUrl) -> ExportRequest:
    p = signed.params
    site = p.get("site")
    return ExportRequest(
        Period(dt.date.fromisoformat(p["start"]), dt.date.fromisoformat(p["end"])),
        ExportFormat(p["format"]), ExportWhat(p["what"]), uuid.UUID(site) if site else None, p.get("lang") or "en")


@asynccontextmanager
async def export_session(db) -> AsyncIterator[AsyncSession]:
    """Where an export reads. PostgreSQL: a read-only repeatable-read transaction (server-side cursors need one, and
    the three sheets of a workbook see one snapshot). SQLite: a plain read connection (a write transaction there
    would hold the database's one write lock for the whole download)."""
    if db.is_sqlite:
        async with db.read() as session:
            yield session
        return
    async with db.write_sessions() as session:
        async with session.begin():
            await session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
            yield session


async def download(request):
    """GET /exports/accounting?...&sig=...: the file, as an attachment."""
    from starlette.responses import PlainTextResponse, Response, StreamingResponse

    services = request.app.state.services
    try:
        signed = signing.verify_url(EXPORT_PATH, request.query_params, secret=services.settings.secret_key)
        export = request_from_signed(signed)
    except signing.SignatureError as exc:
        return PlainTextResponse(translate(None, LINK_EXPIRED if isinstance(exc, signing.SignatureExpired)
                                           else LINK_INVALID), status_code=exc.status_code)
    except (KeyError, ValueError):
        return PlainTextResponse(translate(None, LINK_INVALID), status_code=403)
    async with services.db.read() as session:
        actor = await signed_actor(session, signed)
    db = services.db
    if actor is None or not actor.can(Permission.FINANCIAL_REPORTS):
        return PlainTextResponse(translate(export.locale, LINK_FORBIDDEN), status_code=403)
    headers = {"Content-Disposition": f'attachment; filename="{export.filename}"', "Cache-Control": "no-store"}
    if export.format is ExportFormat.XLSX:
        async with export_session(db) as session:
            body = await xlsx_bytes(session, actor, export)
        return Response(body, media_type=XLSX_TYPE, headers=headers)

    async def body_chunks():
        async with export_session(db) as session:
            async for chunk in csv_chunks(session, actor, export):
                yield chunk

    return StreamingResponse(body_chunks(), media_type=CSV_TYPE, headers=headers)


LINK_EXPIRED = N_("This download link has expired. Ask for the export again.")
LINK_INVALID = N_("This download link is not valid.")
LINK_FORBIDDEN = N_("You do not have permission to do this.")
