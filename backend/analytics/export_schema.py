"""GraphQL for the dashboard's drill-down (kpiJobs: the jobs behind a figure) and its exports (startKpiExport,
kpiExport: progress and, once done, a signed download link)."""

from __future__ import annotations

import datetime as dt

import strawberry

from backend.analytics import drill
from backend.analytics import exports as ex
from backend.analytics import kpis as k
from backend.analytics.schema import KpiDateRange, KpiGroup, KpiPeriodInput, _fresh
from backend.api.errors import UserError
from backend.api.mutations import client_id, given, run
from backend.api.permissions import check, requires
from backend.api.queries import read
from backend.core.permissions import Permission as P

KpiExportReport = strawberry.enum(ex.ExportReport, name="KpiExportReport", description=(
    "KPIS: the figures of a period by garage, site, technician or advisor; TREND: the 12 months to the period's "
    "end; JOBS: the invoiced jobs the figures come from; RECEIVABLES: what each customer owes by age today "
    "(admins: cash:manage); CAPACITY: the technicians' next four weeks."))
KpiExportFormat = strawberry.enum(ex.ExportFormat, name="KpiExportFormat")
KpiExportStatus = strawberry.enum(ex.ExportStatus, name="KpiExportStatus")


@strawberry.type(description="An invoiced job a figure comes from (money in minor units, before tax, net of "
                             "credit notes).")
class KpiJob:
    job_id: strawberry.ID = strawberry.field(description="The job; for an imported repair order (imported) its "
                                                         "row of the vehicle's imported visits, not a job.")
    job_number: str | None = strawberry.field(description="An imported repair order's number in the other system.")
    vehicle_id: strawberry.ID | None
    invoice_id: strawberry.ID | None
    invoice_number: str | None
    day: dt.date = strawberry.field(description="The invoice's issue date (garage time zone).")
    registration: str | None
    technician_name: str | None
    advisor_name: str | None
    sales: int
    labour_sales: int
    parts_sales: int
    billed_hours: float
    clocked_hours: float
    has_inspection: bool
    came_back: bool
    imported: bool


@strawberry.type
class KpiJobList:
    period: KpiDateRange
    currency: str
    total: int = strawberry.field(description="Every job of the period in scope (rows holds the newest `first`).")
    rows: list[KpiJob]


def _job(r: drill.DrillRow) -> KpiJob:
    return KpiJob(job_id=strawberry.ID(str(r.job_id)), job_number=r.job_number,
                  vehicle_id=strawberry.ID(str(r.vehicle_id)) if r.vehicle_id else None,
                  invoice_id=strawberry.ID(str(r.invoice_id)) if r.invoice_id else None,
                  invoice_number=r.invoice_number, day=r.day, registration=r.registration,
                  technician_name=r.technician, advisor_name=r.advisor, sales=r.sales, labour_sales=r.labour_sales,
                  parts_sales=r.parts_sales, billed_hours=round(r.billed_seconds / 3600, 2),
                  clocked_hours=round(r.clocked_seconds / 3600, 2), has_inspection=r.has_inspection,
                  came_back=r.came_back, imported=r.imported)


@strawberry.type(description="An export of a dashboard report: its progress, then a short-lived download link.")
class KpiExport:
    id: strawberry.ID
    report: KpiExportReport
    format: KpiExportFormat
    status: KpiExportStatus
    rows_done: int
    rows_total: int = strawberry.field(description="Known once the export has started (0 before).")
    file_name: str | None
    download_url: str | None = strawberry.field(description="When DONE: a signed link, valid for five minutes "
                                                            "(ask again for a fresh one).")
    failure: str | None
    created_at: dt.datetime


def _export(row, secret: str) -> KpiExport:
    return KpiExport(id=strawberry.ID(str(row.id)), report=ex.ExportReport(row.report),
                     format=ex.ExportFormat(row.format), status=ex.ExportStatus(row.status), rows_done=row.rows_done,
                     rows_total=row.rows_total, file_name=row.file_name or None,
                     download_url=ex.download_url(row, secret=secret), failure=row.failure, created_at=row.created_at)


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.ANALYTICS_READ), description=(
        "The invoiced jobs of a period behind the figures, newest first: the garage's, or one site's, technician's "
        "or service advisor's. A site manager sees their home site only."))
    async def kpi_jobs(self, info: strawberry.Info, period: KpiPeriodInput, site_id: strawberry.ID | None = None,
                       technician_id: strawberry.ID | None = None, advisor_id: strawberry.ID | None = None,
                       first: int = 100) -> KpiJobList:
        await _fresh(info)
        found = await read(info, drill.kpi_jobs, kind=period.kind, date=period.date, date_from=period.from_,
                           date_to=period.to, site=site_id, technician=technician_id, advisor=advisor_id,
                           limit=first)
        return KpiJobList(period=KpiDateRange(from_=found.period.start, to=found.period.end),
                          currency=found.currency, total=found.total, rows=[_job(r) for r in found.rows])

    @strawberry.field(extensions=requires(P.ANALYTICS_READ), description="One of your exports.")
    async def kpi_export(self, info: strawberry.Info, id: strawberry.ID) -> KpiExport:
        row = await read(info, ex.find_export, id)
        return _export(row, info.context.settings.secret_key)


@strawberry.input(description="Export a dashboard report as XLSX or PDF in the reader's language; poll kpiExport.")
class StartKpiExportInput:
    id: strawberry.ID | None = strawberry.UNSET
    report: KpiExportReport
    format: KpiExportFormat
    period: KpiPeriodInput
    group: KpiGroup = k.Group.GARAGE
    site_id: strawberry.ID | None = None
    technician_id: strawberry.ID | None = None
    advisor_id: strawberry.ID | None = None
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class StartKpiExportPayload:
    export: KpiExport | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _replay(session, actor, ref):
    return await ex.find_export(session, actor, ref)


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.ANALYTICS_READ), description=StartKpiExportInput.__doc__)
    async def start_kpi_export(self, info: strawberry.Info, input: StartKpiExportInput) -> StartKpiExportPayload:
        ctx = info.context
        if input.report is ex.ExportReport.RECEIVABLES:
            check(info, P.CASH_MANAGE)  # the garage's money: admins only, as cashReceivables
        p = input.period
        request = ex.ExportRequest(report=input.report, format=input.format, kind=p.kind, date=p.date,
                                   date_from=p.from_, date_to=p.to, group=input.group, site=input.site_id,
                                   technician=input.technician_id, advisor=input.advisor_id)

        async def call(session, actor):
            return await ex.start_export(session, actor, request, ctx.locale, client_id(input.id))

        row, errors = await run(info, call, client_mutation_id=given(input.client_mutation_id), replay=_replay)
        if row is not None and not errors and row.status == ex.ExportStatus.QUEUED.value:
            ident = row.id
            ctx.after_commit(lambda: ex.dispatch(ctx.db, ctx.settings, ident))
        return StartKpiExportPayload(export=_export(row, ctx.settings.secret_key) if row is not None else None,
                                     errors=errors)
