"""GraphQL for the owner and the accountant: financialReport, receivables and accountingExport (a signed link)."""

from __future__ import annotations

import datetime as dt

import strawberry

from backend.accounts.schema import OperationsStream
from backend.api.permissions import requires
from backend.api.queries import read
from backend.api.scalars import Amount
from backend.billing import exports, reports
from backend.billing.models import PaymentMethod as PaymentMethodEnum
from backend.core.permissions import Permission as P
from backend.workshop.schema.jobs import RevenueStream

ReportGroupBy = strawberry.enum(reports.GroupBy, name="ReportGroupBy",
                                description="Buckets of a report: days, ISO weeks (from Monday) or calendar months, "
                                            "in the garage's time zone.")
ExportFormat = strawberry.enum(exports.ExportFormat, name="ExportFormat",
                               description="QUICKBOOKS_CSV and XERO_CSV import into those programs; XLSX is a "
                                           "workbook with Invoices, Lines and Payments sheets.")
ExportSubject = strawberry.enum(exports.ExportWhat, name="ExportSubject",
                                description="What a CSV export holds (an XLSX export always holds both).")


def _shared_enum(py_enum, name: str):
    """The GraphQL enum of a Python enum another schema may already expose (one definition per name)."""
    if getattr(py_enum, "_enum_definition", None) is not None:
        return py_enum
    return strawberry.enum(py_enum, name=name)


PaymentMethod = _shared_enum(PaymentMethodEnum, "PaymentMethod")


@strawberry.input(description="A period of local dates in the garage's time zone, both days included.")
class PeriodInput:
    from_: dt.date = strawberry.field(name="from")
    to: dt.date


@strawberry.type(description="A period of local dates, both days included.")
class ReportPeriod:
    from_: dt.date = strawberry.field(name="from")
    to: dt.date


@strawberry.type(description="Figures of a period, a bucket or a stream. Amounts are minor units of the garage's "
                             "currency. Revenue is net of tax: issued invoices minus credit notes.")
class ReportFigures:
    invoiced: Amount = strawberry.field(description="Net (before tax) of invoices issued.")
    credited: Amount = strawberry.field(description="Net (before tax) of credit notes issued.")
    revenue: Amount = strawberry.field(description="invoiced - credited.")
    tax_collected: Amount = strawberry.field(description="Tax of invoices issued minus tax of credit notes.")
    gross: Amount = strawberry.field(description="Revenue plus tax collected.")
    invoices_issued: int
    invoices_paid: int = strawberry.field(description="Of the invoices issued, how many are fully paid now.")
    credit_notes: int
    payments_received: Amount = strawberry.field(description="Money received (not counting tax withheld).")
    withholding: Amount = strawberry.field(description="Tax withheld by customers from their payments.")
    payments: int = strawberry.field(description="Number of payments received.")
    refunds: Amount = strawberry.field(description="Money paid back with credit notes.")

    @staticmethod
    def of(f: reports.Figures) -> ReportFigures:
        return ReportFigures(invoiced=f.invoiced.net, credited=f.credited.net, revenue=f.revenue,
                             tax_collected=f.tax_collected, gross=f.gross, invoices_issued=f.invoices_issued,
                             invoices_paid=f.invoices_paid, credit_notes=f.credit_notes,
                             payments_received=f.payments_received, withholding=f.withholding,
                             payments=f.payments_count, refunds=f.refunds)


@strawberry.type(description="One day, week or month of the report, clipped to the period.")
class ReportBucket:
    start: dt.date
    end: dt.date
    figures: ReportFigures


@strawberry.type
class RevenueStreamFigures:
    stream: RevenueStream
    figures: ReportFigures


@strawberry.type
class OperationsStreamFigures:
    stream: OperationsStream | None = strawberry.field(description="Null: invoices not tied to a stream.")
    figures: ReportFigures


@strawberry.type
class PaymentMethodFigures:
    method: PaymentMethod
    amount: Amount = strawberry.field(description="Money received.")
    withholding: Amount
    count: int
    refunds: Amount = strawberry.field(description="Money paid back by this method with credit notes.")


@strawberry.type(description="Revenue, tax, credit notes and payments of a period, in the garage's time zone.")
class FinancialReport:
    period: ReportPeriod
    site_id: strawberry.ID | None
    group_by: ReportGroupBy
    currency: str
    totals: ReportFigures
    buckets: list[ReportBucket]
    by_revenue_stream: list[RevenueStreamFigures]
    by_operations_stream: list[OperationsStreamFigures]
    payments_by_method: list[PaymentMethodFigures]


@strawberry.type(description="Balances by how long they are past due on asOf (by due date; the issue date when "
                             "there is none). Minor units.")
class AgingBuckets:
    current: Amount = strawberry.field(description="Not yet past due.")
    days_1_to_30: Amount
    days_31_to_60: Amount
    days_61_to_90: Amount
    over_90: Amount
    total: Amount

    @staticmethod
    def of(a: reports.Aging) -> AgingBuckets:
        return AgingBuckets(current=a.current, days_1_to_30=a.days_1_30, days_31_to_60=a.days_31_60,
                            days_61_to_90=a.days_61_90, over_90=a.over_90, total=a.total)


@strawberry.type(description="What one customer owes.")
class CustomerReceivable:
    customer_id: strawberry.ID | None = strawberry.field(description="Null: invoices without a customer account.")
    name: str | None
    balances: AgingBuckets
    invoices: int = strawberry.field(description="Invoices with a balance on asOf.")
    oldest_due_date: dt.date | None


@strawberry.type(description="Outstanding balances on a date, per customer, largest first, with totals.")
class Receivables:
    as_of: dt.date
    site_id: strawberry.ID | None
    currency: str
    totals: AgingBuckets
    invoices: int
    customers: list[CustomerReceivable]


@strawberry.type(description="A file to download: the URL works for a few minutes and needs no bearer token.")
class ExportFile:
    url: str
    filename: str
    content_type: str
    expires_at: dt.datetime


def _report(r: reports.FinancialReport) -> FinancialReport:
    return FinancialReport(
        period=ReportPeriod(from_=r.period.start, to=r.period.end),
        site_id=strawberry.ID(str(r.site_id)) if r.site_id else None,
        group_by=r.group_by, currency=r.currency, totals=ReportFigures.of(r.totals),
        buckets=[ReportBucket(start=b.start, end=b.end, figures=ReportFigures.of(b.figures)) for b in r.buckets],
        by_revenue_stream=[RevenueStreamFigures(stream=s.stream, figures=ReportFigures.of(s.figures))
                           for s in r.by_revenue_stream],
        by_operations_stream=[OperationsStreamFigures(stream=s.stream, figures=ReportFigures.of(s.figures))
                              for s in r.by_operations_stream],
        payments_by_method=[PaymentMethodFigures(method=m.method, amount=m.amount, withholding=m.withholding,
                                                 count=m.count, refunds=m.refunds) for m in r.by_method],
    )


def _receivables(r: reports.Receivables) -> Receivables:
    return Receivables(
        as_of=r.as_of, site_id=strawberry.ID(str(r.site_id)) if r.site_id else None, currency=r.currency,
        totals=AgingBuckets.of(r.totals), invoices=r.invoices,
        customers=[CustomerReceivable(customer_id=strawberry.ID(str(c.customer_id)) if c.customer_id else None,
                                      name=c.name, balances=AgingBuckets.of(c.aging), invoices=c.invoices,
                                      oldest_due_date=c.oldest_due_date) for c in r.customers],
    )


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.FINANCIAL_REPORTS),
                      description="Revenue (net of tax: invoices issued minus credit notes, by their dates) by day, "
                                  "week or month, by revenue and operations stream; tax collected; payments by "
                                  "method with tax withheld. `site` narrows to one site.")
    async def financial_report(self, info: strawberry.Info, period: PeriodInput, group_by: ReportGroupBy,
                               site: strawberry.ID | None = None) -> FinancialReport:
        result = await read(info, reports.financial_report, date_from=period.from_, date_to=period.to, site=site,
                            group_by=group_by)
        return _report(result)

    @strawberry.field(extensions=requires(P.FINANCIAL_REPORTS),
                      description="Outstanding balances on `asOf` per customer, aged 0 (current), 1-30, 31-60, "
                                  "61-90 and over 90 days past the due date.")
    async def receivables(self, info: strawberry.Info, as_of: dt.date, site: strawberry.ID | None = None
                          ) -> Receivables:
        return _receivables(await read(info, reports.receivables, as_of=as_of, site=site))

    @strawberry.field(extensions=requires(P.FINANCIAL_REPORTS),
                      description="A short-lived link to the invoices or payments of a period as a QuickBooks "
                                  "Online or Xero CSV, or an XLSX workbook. Invoices by issue date, payments by the "
                                  "day they were received.")
    async def accounting_export(self, info: strawberry.Info, period: PeriodInput, format: ExportFormat,
                                what: ExportSubject = exports.ExportWhat.INVOICES,
                                site: strawberry.ID | None = None) -> ExportFile:
        ctx = info.context
        url, request, expires = await read(info, exports.export_link, date_from=period.from_, date_to=period.to,
                                           format=format, what=what, site=site, locale=ctx.locale,
                                           secret=ctx.settings.secret_key)
        return ExportFile(url=url, filename=request.filename, content_type=request.content_type, expires_at=expires)
