"""Exports for the accountant: the signed link from GraphQL, then the file itself over HTTP, read back the way the
accountant's program (csv) or Excel (openpyxl) would read it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit

import openpyxl
import pytest
from sqlalchemy import update

from backend.accounts.models import User
from backend.billing import exports
from backend.billing.documents import signing
from backend.billing.models import InvoiceStatus
from backend.core.permissions import Role
from tests.billing.test_reports import COUNTED, MARCH_APRIL, store_book
from tests.conftest import error_codes

EXPORT = """
query($period: PeriodInput!, $format: ExportFormat!, $what: ExportSubject!, $site: ID) {
  accountingExport(period: $period, format: $format, what: $what, site: $site) {
    url filename contentType expiresAt
  }
}"""
START, END = dt.date(2026, 3, 1), dt.date(2026, 4, 30)


@pytest.fixture
async def book(db, garage):
    return await store_book(db, garage)


async def link(gql, garage, fmt, what="INVOICES", role=Role.BILLING, lang=None, site=None, period=MARCH_APRIL):
    body = await gql(EXPORT, {"period": period, "format": fmt, "what": what, "site": site}, token=garage.token(role),
                     lang=lang)
    return body["data"]["accountingExport"]


async def fetch_csv(client, url: str) -> tuple[list[str], list[dict]]:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # the UTF-8 BOM Excel needs to read Thai
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    return list(reader.fieldnames or []), list(reader)


def in_period(book, site=None):
    return [i for i in book.invoices if i.status in COUNTED and START <= i.issue_date <= END
            and (site is None or i.site == site)]


def baht(satang: int) -> str:
    return f"{satang // 100}.{satang % 100:02d}"


def dmy(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


async def test_quickbooks_invoices(gql, client, garage, book):
    got = await link(gql, garage, "QUICKBOOKS_CSV")
    assert got["filename"] == "quickbooks-invoices-2026-03-01-2026-04-30.csv"
    columns, rows = await fetch_csv(client, got["url"])
    assert columns == exports.QUICKBOOKS_INVOICE_COLUMNS
    invoices = in_period(book)
    assert [r["InvoiceNo"] for r in rows] == [i.number for i in invoices for _ in i.lines]
    for inv in invoices:
        mine = [r for r in rows if r["InvoiceNo"] == inv.number]
        assert sum(Decimal(r["ItemAmount"]) for r in mine) == Decimal(inv.subtotal) / 100
        assert sum(Decimal(r["ItemTaxAmount"]) for r in mine) == Decimal(inv.tax) / 100
        for r in mine:
            assert Decimal(r["ItemQuantity"]) * Decimal(r["ItemRate"]) == Decimal(r["ItemAmount"])
            assert r["InvoiceDate"] == dmy(inv.issue_date) and r["DueDate"] == dmy(inv.due_date)
            assert r["ItemTaxCode"] == "VAT 7%" and r["Currency"] == "THB"
    first = rows[0]
    assert first["Customer"] == "Bee Co" and first["Item(Product/Service)"] == "Labour"
    assert (first["ItemDescription"], first["ItemQuantity"], first["ItemRate"], first["ItemAmount"]) == \
        ("Service labour", "1.5", "1000.00", "1500.00")
    # 3 x 333.33 less a 10.00 discount is 989.99, which 3 does not divide: one line of 989.99
    oil = next(r for r in rows if r["ItemDescription"] == "Oil filter")
    assert (oil["ItemQuantity"], oil["ItemRate"], oil["ItemAmount"], oil["ItemTaxAmount"]) == \
        ("1", "989.99", "989.99", "69.30")
    assert next(r for r in rows if r["InvoiceNo"] == book.by_key("i3").number)["Customer"] == "Walk-in customer"


async def test_xero_invoices(gql, client, garage, book):
    got = await link(gql, garage, "XERO_CSV")
    columns, rows = await fetch_csv(client, got["url"])
    assert columns == exports.XERO_INVOICE_COLUMNS
    invoices = in_period(book)
    assert len(rows) == sum(len(i.lines) for i in invoices) == 7
    for inv in invoices:
        mine = [r for r in rows if r["*InvoiceNumber"] == inv.number]
        net = sum(Decimal(r["*Quantity"]) * Decimal(r["*UnitAmount"]) for r in mine)
        assert net == Decimal(inv.subtotal) / 100
        assert sum(Decimal(r["TaxAmount"]) for r in mine) == Decimal(inv.tax) / 100
        assert {r["*InvoiceDate"] for r in mine} == {dmy(inv.issue_date)}
        assert {r["TrackingOption1"] for r in mine} == {inv.revenue.value}
        assert {r["TrackingOption2"] for r in mine} == {inv.operations.value if inv.operations else ""}
    acme = next(r for r in rows if r["*ContactName"] == "Acme Co")
    assert (acme["EmailAddress"], acme["POAddressLine1"], acme["POAddressLine2"], acme["POAddressLine3"]) == \
        ("acme@example.com", "1 Sukhumvit Rd", "Khlong Toei", "Bangkok 10110")
    assert acme["*AccountCode"] == "200" and acme["*TaxType"] == "VAT 7%" and acme["Currency"] == "THB"


async def test_payment_files(gql, client, garage, book):
    pays = [(i, p) for i in book.invoices for p in i.payments if START <= p.paid_on <= END]
    assert len(pays) == 3  # the QR payment of 1 May is outside
    columns, rows = await fetch_csv(client, (await link(gql, garage, "QUICKBOOKS_CSV", "PAYMENTS"))["url"])
    assert columns == exports.QUICKBOOKS_PAYMENT_COLUMNS
    assert [(r["Invoice No"], r["Payment Date"], r["Amount Received"], r["Withholding Tax"]) for r in rows] == \
        [(i.number, dmy(p.paid_on), baht(p.amount), baht(p.withholding))
         for i, p in sorted(pays, key=lambda x: (x[1].paid_on, x[0].number))]
    transfer = next(r for r in rows if r["Payment Method"] == "Bank Transfer")
    assert (transfer["Amount Received"], transfer["Withholding Tax"], transfer["Reference No"],
            transfer["Deposit To"], transfer["Customer"]) == ("2000.00", "150.00", "TRF-88", "Undeposited Funds",
                                                              "Acme Co")

    columns, rows = await fetch_csv(client, (await link(gql, garage, "XERO_CSV", "PAYMENTS"))["url"])
    assert columns == exports.XERO_PAYMENT_COLUMNS
    assert sum(Decimal(r["*Amount"]) for r in rows) == Decimal(sum(p.amount for _i, p in pays)) / 100
    assert {r["Reference"] for r in rows} == {i.number for i, _p in pays}


async def test_xlsx_holds_the_same_rows(gql, client, garage, book):
    got = await link(gql, garage, "XLSX", lang="th")
    assert got["filename"] == "accounts-2026-03-01-2026-04-30.xlsx"
    response = await client.get(got["url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == exports.XLSX_TYPE
    assert 'filename="accounts-2026-03-01-2026-04-30.xlsx"' in response.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["ใบแจ้งหนี้", "รายการ", "การชำระเงิน"]  # asked for in Thai
    inv_sheet, line_sheet, pay_sheet = (list(ws.iter_rows(values_only=True)) for ws in wb.worksheets)
    assert inv_sheet[0][0] == "เลขที่ใบแจ้งหนี้"
    invoices = in_period(book)
    assert [r[0] for r in inv_sheet[1:]] == [i.number for i in invoices]
    for row, inv in zip(inv_sheet[1:], invoices, strict=True):
        assert row[1] == dt.datetime.combine(inv.issue_date, dt.time())  # a real date cell
        assert (Decimal(str(row[10])), Decimal(str(row[11])), Decimal(str(row[12]))) == \
            (Decimal(inv.subtotal) / 100, Decimal(inv.tax) / 100, Decimal(inv.total) / 100)
        assert row[6] == inv.status.value
    assert len(line_sheet) - 1 == sum(len(i.lines) for i in invoices)
    assert sum(Decimal(str(r[8])) for r in line_sheet[1:]) == Decimal(sum(i.subtotal for i in invoices)) / 100
    pays = [p for i in book.invoices for p in i.payments if START <= p.paid_on <= END]
    assert len(pay_sheet) - 1 == len(pays)
    assert sum(Decimal(str(r[5])) for r in pay_sheet[1:]) == Decimal(sum(p.withholding for p in pays)) / 100
    cell = wb.worksheets[0].cell(row=2, column=13)
    assert isinstance(cell.value, int | float) and cell.number_format == "#,##0.00"


async def test_one_site_and_another_garage(gql, client, db, garage, other_garage, book):
    theirs = await store_book(db, other_garage, prefix="OTH")
    _c, rows = await fetch_csv(client, (await link(gql, garage, "QUICKBOOKS_CSV"))["url"])
    assert not any(r["InvoiceNo"].startswith("OTH") for r in rows) and rows
    _c, rows = await fetch_csv(client, (await link(gql, garage, "XERO_CSV", site=str(book.sites["north"])))["url"])
    assert {r["*InvoiceNumber"] for r in rows} == {i.number for i in in_period(book, "north")}
    body = await gql(EXPORT, {"period": MARCH_APRIL, "format": "XLSX", "what": "INVOICES",
                              "site": str(theirs.sites["main"])}, token=garage.token(Role.BILLING),
                     expect_errors=True)
    assert body["errors"][0]["extensions"]["reason"] == "NOT_FOUND"


async def test_technician_is_forbidden(gql, garage, book):
    body = await gql(EXPORT, {"period": MARCH_APRIL, "format": "XLSX", "what": "INVOICES"},
                     token=garage.token(Role.TECHNICIAN), expect_errors=True)
    assert error_codes(body) == ["FORBIDDEN"] and body["data"] is None


async def test_bad_period_is_localized(gql, garage):
    body = await gql(EXPORT, {"period": {"from": "2026-05-01", "to": "2026-04-01"}, "format": "XLSX",
                              "what": "INVOICES"}, token=garage.token(Role.BILLING), lang="th", expect_errors=True)
    assert body["errors"][0]["extensions"]["reason"] == "INVALID_PERIOD"
    assert body["errors"][0]["message"] == "วันสิ้นสุดของช่วงเวลาต้องไม่ก่อนวันเริ่มต้น"


async def test_link_is_checked_on_download(gql, client, db, app, garage, book):
    url = (await link(gql, garage, "QUICKBOOKS_CSV"))["url"]
    path, query = urlsplit(url).path, dict(parse_qsl(urlsplit(url).query))
    # a changed period breaks the signature
    tampered = {**query, "start": "2020-01-01"}
    response = await client.get(f"{path}?{urlencode(tampered)}")
    assert response.status_code == 403 and "is not valid" in response.text
    # a link past its time
    secret = app.state.services.settings.secret_key
    old = signing.sign_url(exports.EXPORT_PATH, garage_id=garage.id, user_id=garage.users[Role.BILLING].id,
                           secret=secret, now=time.time() - 3600, start="2026-03-01", end="2026-04-30",
                           format="XERO_CSV", what="INVOICES", lang="en")
    response = await client.get(old)
    assert response.status_code == 410 and "expired" in response.text
    # someone who lost the right since the link was made gets nothing
    async with db.transaction() as s:
        await s.execute(update(User).where(User.id == garage.users[Role.BILLING].id).values(role=Role.TECHNICIAN))
    response = await client.get(url)
    assert response.status_code == 403 and b"InvoiceNo" not in response.content


async def test_void_and_draft_invoices_are_not_exported(gql, client, garage, book):
    _c, rows = await fetch_csv(client, (await link(gql, garage, "QUICKBOOKS_CSV"))["url"])
    exported = {r["InvoiceNo"] for r in rows}
    assert book.by_key("void").number not in exported and book.by_key("void").status is InvoiceStatus.VOID
    assert "Draft" not in {r["ItemDescription"] for r in rows}
