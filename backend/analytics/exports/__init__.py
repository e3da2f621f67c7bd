"""Exports of the dashboard's reports to XLSX (openpyxl) and PDF (WeasyPrint, the invoices' Thai fonts), en and th.

An export is a job: `start_export` checks the request (period, sites the actor may see) and commits a QUEUED row;
the worker (`run_kpi_export`, arq job id "kpi-export:<id>") or, in embedded mode, an asyncio task of this process
claims it QUEUED -> RUNNING (so a job handed over twice runs once), writes the rows while it records the progress
(rows done of rows total) on the row, stores the file through the storage adapter and marks it DONE. The reader
polls `kpiExport` and, once done, gets a short-lived signed link (backend.billing.documents.signing) to
GET /exports/kpi/<id>; the route checks the signature, that the user is still active, still reads analytics and is
the one who asked, and streams the file.

Reports:
- KPIS: every KPI of the period by garage, site, technician or advisor (the `kpis` query), against the previous
  period and the same period a year before, with the goal, formula and explanation;
- TREND: the 12 months to the period's end (the `kpiTrend` query), month by KPI;
- JOBS: the invoiced jobs a figure comes from (the `kpiJobs` query);
- RECEIVABLES: what each customer owes by age today (the `cashReceivables` query; admins only, cash:manage);
- CAPACITY: the technicians' next four weeks, available against booked hours (the `kpiCapacity` query).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import enum
import html
import io
import logging
import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.analytics import drill
from backend.analytics import kpis as k
from backend.billing.documents import signing
from backend.core.actor import Actor
from backend.analytics.exports.models import ReportExport
from backend.core.db import utcnow
from backend.core.errors import DomainError, ErrorCode
from backend.core.i18n import N_, normalize_locale, translate
from backend.core.money import minor_exponent, to_major
from backend.core.permissions import Permission, permissions_for_role

log = logging.getLogger("mototrack.analytics.exports")

DOWNLOAD_PATH = "/exports/kpi/{id}"
LINK_TTL_SECONDS = 300
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
STALE_QUEUED = dt.timedelta(minutes=2)
PROGRESS_STEPS = 20  # the progress is written about this many times in a run (each a short transaction)


class ExportReport(enum.Enum):
    KPIS = "KPIS"
    TREND = "TREND"
    JOBS = "JOBS"
    RECEIVABLES = "RECEIVABLES"
    CAPACITY = "CAPACITY"


class ExportFormat(enum.Enum):
    XLSX = "XLSX"
    PDF = "PDF"


class ExportStatus(enum.Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


# ------------------------------------------------------------------------------------------------ words

TITLES = {ExportReport.KPIS: N_("Key figures"), ExportReport.TREND: N_("Key figures month by month"),
          ExportReport.JOBS: N_("Invoiced jobs"), ExportReport.RECEIVABLES: N_("Receivables by age"),
          ExportReport.CAPACITY: N_("Technician capacity, the next four weeks")}
GROUP_WORDS = {k.Group.GARAGE: N_("Whole garage"), k.Group.SITE: N_("Site"), k.Group.TECHNICIAN: N_("Technician"),
               k.Group.ADVISOR: N_("Service advisor")}
W_PERIOD = N_("Period")
W_PREVIOUS = N_("Previous period")
W_LAST_YEAR = N_("Same period last year")
W_FIGURE = N_("Figure")
W_GOAL = N_("Goal")
W_FORMULA = N_("Formula")
W_EXPLANATION = N_("What it means")
W_MONTH = N_("Month")
W_JOBS = N_("Jobs")
W_JOB = N_("Job")
W_INVOICE = N_("Invoice")
W_DATE = N_("Date")
W_VEHICLE = N_("Vehicle")
W_TECHNICIAN = N_("Technician")
W_ADVISOR = N_("Service advisor")
W_SALES = N_("Sales")
W_LABOUR = N_("Labour")
W_PARTS = N_("Parts")
W_BILLED = N_("Billed hours")
W_CLOCKED = N_("Clocked hours")
W_CAME_BACK = N_("Came back")
W_YES = N_("Yes")
W_CUSTOMER = N_("Customer")
W_INVOICES = N_("Invoices")
W_CURRENT = N_("Not yet due")
W_D1_30 = N_("1–30 days")
W_D31_60 = N_("31–60 days")
W_D61_90 = N_("61–90 days")
W_OVER_90 = N_("Over 90 days")
W_TOTAL = N_("Total")
W_NO_CUSTOMER = N_("No customer")
W_AS_OF = N_("As of {date}")
W_FROM = N_("From")
W_TO = N_("To")
W_AVAILABLE = N_("Available hours")
W_BOOKED = N_("Booked hours")
W_FREE = N_("Free hours")
W_LOAD = N_("Load")
W_METHOD = N_("Method: {method}")
W_CURRENCY = N_("Amounts in {currency}, before tax")
LINK_EXPIRED = N_("This download link has expired. Ask for the export again.")
LINK_INVALID = N_("This download link is not valid.")
LINK_FORBIDDEN = N_("You do not have permission to do this.")
NOT_READY = N_("The export is not ready yet.")


# ------------------------------------------------------------------------------------------------ the request


@dataclasses.dataclass(frozen=True)
class ExportRequest:
    report: ExportReport
    format: ExportFormat
    kind: k.PeriodKind
    date: dt.date | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    group: k.Group = k.Group.GARAGE
    site: object | None = None
    technician: object | None = None
    advisor: object | None = None

    def params(self) -> dict:
        def iso(d):
            return d.isoformat() if d else None

        return {"kind": self.kind.value, "date": iso(self.date), "from": iso(self.date_from),
                "to": iso(self.date_to), "group": self.group.value,
                "site": str(self.site) if self.site else None,
                "technician": str(self.technician) if self.technician else None,
                "advisor": str(self.advisor) if self.advisor else None}


def _request_of(row: ReportExport) -> ExportRequest:
    p = row.params

    def day(v):
        return dt.date.fromisoformat(v) if v else None

    return ExportRequest(ExportReport(row.report), ExportFormat(row.format), k.PeriodKind(p["kind"]), day(p["date"]),
                         day(p["from"]), day(p["to"]), k.Group(p["group"]), p.get("site"), p.get("technician"),
                         p.get("advisor"))


def _require(actor: Actor) -> None:
    if not actor.can(Permission.ANALYTICS_READ):
        raise PermissionError("exports need ANALYTICS_READ")


async def start_export(session: AsyncSession, actor: Actor, request: ExportRequest, locale: str,
                       export_id: uuid.UUID | None = None) -> ReportExport:
    """Check the request as the report itself would (a bad period or a site not the actor's is an error now, not a
    failed job) and queue the export. Three statements and the insert."""
    _require(actor)
    if actor.user_id is None:  # the file is fetched by the person who asked for it (no API key reads analytics)
        raise PermissionError("an export is asked for by a member of staff")
    k.resolve_period(request.kind, request.date, request.date_from, request.date_to)
    if request.advisor is not None:
        from backend.core.validate import parse_id

        request = dataclasses.replace(request, advisor=parse_id(request.advisor, "advisorId"))
    scope = await k.scope_of(session, actor, request.site, request.technician)
    request = dataclasses.replace(request, site=scope.site_ids[0] if request.site else None,
                                  technician=scope.technician_id)
    if export_id is not None and await session.get(ReportExport, export_id) is not None:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "id")
    row = ReportExport(garage_id=actor.garage_id, created_by_id=actor.user_id, report=request.report.value,
                       format=request.format.value, locale="th" if locale == "th" else "en", params=request.params(),
                       status=ExportStatus.QUEUED.value)
    if export_id is not None:
        row.id = export_id
    session.add(row)
    await session.flush()
    return row


async def find_export(session: AsyncSession, actor: Actor, export_id: object) -> ReportExport:
    """One of the actor's own exports (another person's, or another garage's, is not found)."""
    from backend.core.validate import parse_id

    _require(actor)
    ident = parse_id(export_id, "id")
    row = (await session.execute(select(ReportExport).where(
        ReportExport.id == ident, ReportExport.garage_id == actor.garage_id,
        ReportExport.created_by_id == actor.user_id))).scalar_one_or_none()
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    return row


def download_url(row: ReportExport, *, secret: str) -> str | None:
    if row.status != ExportStatus.DONE.value:
        return None
    return signing.sign_url(DOWNLOAD_PATH.format(id=row.id), garage_id=row.garage_id, user_id=row.created_by_id,
                            ttl_seconds=LINK_TTL_SECONDS, secret=secret)


# ------------------------------------------------------------------------------------------------ the tables


@dataclasses.dataclass
class Table:
    """What a file shows: a title, lines under it, column headings and rows of cells. A cell is text, a number, or
    (value, kind) with kind "ratio" (0.85 shown 85.0 %), "money" (major units), "hours"."""

    title: str
    lines: list[str]
    headings: list[str]
    rows: list[list]
    name: str
    wrap: int = 0  # the last `wrap` columns are long text that wraps; the others keep to one line


def _period_text(p: k.Period) -> str:
    return f"{p.start.isoformat()} – {p.end.isoformat()}"


def _cell(value, unit: k.Unit, currency: str):
    if value is None:
        return None
    if unit is k.Unit.RATIO:
        return (float(value), "ratio")
    if unit in (k.Unit.MONEY, k.Unit.MONEY_PER_HOUR):
        return (float(to_major(int(value), currency)), "money")
    if unit is k.Unit.HOURS:
        return (float(value), "hours")
    return (int(value), "count")


def _hours(seconds: int) -> tuple:
    return (round(seconds / 3600, 2), "hours")


async def build_table(session: AsyncSession, actor: Actor, request: ExportRequest, locale: str) -> Table:
    """The report's table from the same functions the dashboard's queries call (so the figures are the same)."""
    def _(text, **params):
        return translate(locale, text, **params)

    title = _(TITLES[request.report])
    if request.report is ExportReport.JOBS:
        found = await drill.kpi_jobs(session, actor, kind=request.kind, date=request.date,
                                     date_from=request.date_from, date_to=request.date_to, site=request.site,
                                     technician=request.technician, advisor=request.advisor, limit=None)
        cur = found.currency
        rows = [[r.day, r.job_number or "", r.invoice_number or "", r.registration or "", r.technician or "",
                 r.advisor or "", (float(to_major(r.sales, cur)), "money"),
                 (float(to_major(r.labour_sales, cur)), "money"), (float(to_major(r.parts_sales, cur)), "money"),
                 _hours(r.billed_seconds), _hours(r.clocked_seconds), _(W_YES) if r.came_back else ""]
                for r in found.rows]
        return Table(title, [f"{_(W_PERIOD)}: {_period_text(found.period)}", _(W_CURRENCY, currency=cur)],
                     [_(W_DATE), _(W_JOB), _(W_INVOICE), _(W_VEHICLE), _(W_TECHNICIAN), _(W_ADVISOR), _(W_SALES),
                      _(W_LABOUR), _(W_PARTS), _(W_BILLED), _(W_CLOCKED), _(W_CAME_BACK)], rows, "jobs")
    if request.report is ExportReport.RECEIVABLES:
        from backend.analytics import cash

        scope, customers, total = await cash.receivables(session, actor, site=request.site)
        cur = scope.currency

        def amounts(a) -> list:
            return [a.invoices] + [(float(to_major(getattr(a, b), cur)), "money") for b in cash.BUCKETS] + [
                (float(to_major(a.total, cur)), "money")]

        rows = [[a.customer_name or _(W_NO_CUSTOMER)] + amounts(a) for a in customers]
        rows.append([_(W_TOTAL)] + amounts(total))
        return Table(title, [_(W_AS_OF, date=scope.today.isoformat()), _(W_CURRENCY, currency=cur)],
                     [_(W_CUSTOMER), _(W_INVOICES), _(W_CURRENT), _(W_D1_30), _(W_D31_60), _(W_D61_90), _(W_OVER_90),
                      _(W_TOTAL)], rows, "receivables")
    if request.report is ExportReport.CAPACITY:
        from backend.analytics import forecast

        weeks = await forecast.capacity(session, actor, site=request.site, technician=request.technician)
        rows = [[w.start, w.end, (float(w.available_hours), "hours"), (float(w.booked_hours), "hours"),
                 (float(w.free_hours), "hours"), (float(w.load), "ratio") if w.load is not None else None]
                for w in weeks]
        return Table(title, [_(W_METHOD, method=_(forecast.CAPACITY_METHOD))],
                     [_(W_FROM), _(W_TO), _(W_AVAILABLE), _(W_BOOKED), _(W_FREE), _(W_LOAD)], rows, "capacity")
    if request.report is ExportReport.TREND:
        period = k.resolve_period(request.kind, request.date, request.date_from, request.date_to)
        points = await k.kpi_trend(session, actor, end_month=period.end, months=12, site=request.site,
                                   technician=request.technician)
        scope = await k.scope_of(session, actor)
        kpis = [v.kpi for v in points[0][1]] if points else []
        headings = [_(W_MONTH)] + [_(k.DEFINITIONS[kpi].name) for kpi in kpis]
        rows = [[month.strftime("%Y-%m")] + [_cell(v.current.value, k.DEFINITIONS[v.kpi].unit, scope.currency)
                                              for v in values] for month, values in points]
        return Table(title, [f"{_(W_PERIOD)}: {points[0][0].isoformat()} – {period.end.isoformat()}",
                             _(W_CURRENCY, currency=scope.currency)], headings, rows, "trend")
    report = await k.kpi_report(session, actor, group=request.group, kind=request.kind, date=request.date,
                                date_from=request.date_from, date_to=request.date_to, site=request.site,
                                technician=request.technician)
    cur = report.currency
    grouped = request.group is not k.Group.GARAGE
    headings = ([_(GROUP_WORDS[request.group])] if grouped else []) + [
        _(W_FIGURE), _(W_PERIOD), _(W_PREVIOUS), _(W_LAST_YEAR), _(W_GOAL), _(W_JOBS), _(W_FORMULA),
        _(W_EXPLANATION)]
    rows = []
    for row in report.rows:
        for v in row.values:
            d = k.DEFINITIONS[v.kpi]
            rows.append(([row.name or ""] if grouped else []) + [
                _(d.name), _cell(v.current.value, d.unit, cur), _cell(v.previous.value, d.unit, cur),
                _cell(v.last_year.value, d.unit, cur), _cell(v.goal, d.unit, cur), row.jobs, _(d.formula),
                _(d.explanation)])
    lines = [f"{_(W_PERIOD)}: {_period_text(report.period)}", f"{_(W_PREVIOUS)}: {_period_text(report.previous)}",
             f"{_(W_LAST_YEAR)}: {_period_text(report.last_year)}", _(W_CURRENCY, currency=cur)]
    return Table(title, lines, headings, rows, "kpis", wrap=2)


# ------------------------------------------------------------------------------------------------ files


def _plain(cell):
    if isinstance(cell, tuple):
        return cell[0]
    return cell


def _formatted(cell, locale: str) -> str:
    if cell is None:
        return "–"
    if isinstance(cell, tuple):
        value, kind = cell
        if kind == "ratio":
            return f"{value * 100:,.1f} %"
        if kind == "money":
            return f"{value:,.2f}"
        if kind == "hours":
            return f"{value:,.2f}"
        return f"{value:,}"
    if isinstance(cell, dt.date):
        from backend.billing.documents.render import format_doc_date

        return format_doc_date(cell, locale)
    return str(cell)


NUMBER_FORMATS = {"ratio": "0.0%", "money": "#,##0.00", "hours": "0.00", "count": "0"}


async def write_xlsx(table: Table, progress) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = table.name
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True, size=14)
    for line in table.lines:
        sheet.append([line])
    sheet.append([])
    sheet.append(table.headings)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    first = sheet.max_row + 1  # max_row walks every cell: read once, not per row (that was quadratic)
    widths = [len(str(h)) for h in table.headings]
    for i, row in enumerate(table.rows):
        for j, value in enumerate(row, start=1):
            cell = sheet.cell(row=first + i, column=j, value=_plain(value))
            if isinstance(value, tuple):
                cell.number_format = NUMBER_FORMATS[value[1]]
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            if j <= len(widths):
                widths[j - 1] = max(widths[j - 1], len(str(_plain(value) if value is not None else "")))
        await progress(i + 1)
    from openpyxl.utils import get_column_letter

    for j, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(j)].width = min(60, max(10, width + 2))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


PDF_CSS = """
@page { size: A4 landscape; margin: 12mm; }
html { font-family: "Sarabun", "Laksaman", "Loma", "Garuda", "Norasi", sans-serif; font-size: 9pt; }
html[lang="en"] { font-family: "Loma", "Laksaman", "Garuda", "DejaVu Sans", sans-serif; }
h1 { font-size: 15pt; margin: 0 0 2mm; }
p { margin: 0 0 1mm; color: #333; }
table { border-collapse: collapse; width: 100%; margin-top: 4mm; }
th, td { border-bottom: 0.3mm solid #ccc; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eee; }
td { white-space: nowrap; }
td.n { text-align: right; }
td.w { white-space: normal; }
"""


async def write_pdf(table: Table, locale: str, progress) -> bytes:
    parts = [f'<!doctype html><html lang="{locale}"><head><meta charset="utf-8"><style>{PDF_CSS}</style></head>'
             f"<body><h1>{html.escape(table.title)}</h1>"]
    parts += [f"<p>{html.escape(line)}</p>" for line in table.lines]
    parts.append("<table><thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in table.headings)
                 + "</tr></thead><tbody>")
    first_wrapped = len(table.headings) - table.wrap

    def css(i: int, cell) -> str:
        return "n" if isinstance(cell, tuple) else "w" if i >= first_wrapped else ""

    for i, row in enumerate(table.rows):
        parts.append("<tr>" + "".join(f'<td class="{css(j, c)}">{html.escape(_formatted(c, locale))}</td>'
                                      for j, c in enumerate(row)) + "</tr>")
        await progress(i + 1)
    parts.append("</tbody></table></body></html>")
    document = "".join(parts)

    def render() -> bytes:
        from weasyprint import HTML

        from backend.billing.documents.pdftext import fix_text_map
        from backend.billing.documents.render import _fonts, _render_lock

        with _render_lock:
            return HTML(string=document).write_pdf(font_config=_fonts(), finisher=fix_text_map)

    return await asyncio.to_thread(render)


# ------------------------------------------------------------------------------------------------ the run


async def _actor_of(session: AsyncSession, row: ReportExport) -> Actor | None:
    """The person who asked, as they are now (deactivated or no longer allowed: nothing is exported)."""
    from backend.accounts.models import User

    if row.created_by_id is None:
        return None
    found = (await session.execute(select(User.role).where(
        User.id == row.created_by_id, User.garage_id == row.garage_id, User.active.is_(True)))).first()
    if found is None:
        return None
    actor = Actor(garage_id=row.garage_id, permissions=permissions_for_role(found[0]), user_id=row.created_by_id,
                  role=found[0])
    if row.report == ExportReport.RECEIVABLES.value and not actor.can(Permission.CASH_MANAGE):
        return None  # the garage's money: admins only
    return actor if actor.can(Permission.ANALYTICS_READ) else None


def storage_key(row: ReportExport) -> str:
    return f"exports/{row.garage_id}/{row.id}.{row.format.lower()}"


async def _set(db, export_id: uuid.UUID, **values) -> None:
    async with db.transaction() as session:
        await session.execute(update(ReportExport).where(ReportExport.id == export_id).values(**values))


async def run_export(db, storage, export_id: uuid.UUID, *, on_progress=None) -> str:
    """Run a QUEUED export (the worker's task or the in-process runner). `on_progress(done, total)` is awaited
    after each progress write (a test looks at the row then)."""
    async with db.transaction() as session:
        claimed = await session.execute(update(ReportExport).where(
            ReportExport.id == export_id, ReportExport.status == ExportStatus.QUEUED.value)
            .values(status=ExportStatus.RUNNING.value, started_at=utcnow()))
        if not claimed.rowcount:
            return "skipped"
        row = (await session.execute(select(ReportExport).where(ReportExport.id == export_id))).scalar_one()
        actor = await _actor_of(session, row)
    if actor is None:
        await _set(db, export_id, status=ExportStatus.FAILED.value, failure="FORBIDDEN", finished_at=utcnow())
        return "failed"
    try:
        from backend.analytics import facts

        async with db.transaction() as session:  # the figures as the dashboard shows them: what changed recounted
            if await facts.has_dirty(session, row.garage_id):
                await facts.refresh_dirty(session, row.garage_id)
        request = _request_of(row)
        async with db.read() as session:
            table = await build_table(session, actor, request, row.locale)
        total = len(table.rows)
        await _set(db, export_id, rows_total=total, rows_done=0)
        if on_progress is not None:
            await on_progress(0, total)
        step = max(1, total // PROGRESS_STEPS)

        async def progress(done: int) -> None:
            if done % step == 0 or done == total:
                await _set(db, export_id, rows_done=done)
                if on_progress is not None:
                    await on_progress(done, total)
            else:
                await asyncio.sleep(0)

        if request.format is ExportFormat.XLSX:
            data = await write_xlsx(table, progress)
        else:
            data = await write_pdf(table, row.locale, progress)
        key = storage_key(row)
        await storage.put(key, data)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
        name = f"{table.name}-{stamp}.{row.format.lower()}"
        await _set(db, export_id, status=ExportStatus.DONE.value, rows_done=total, file_key=key, file_name=name,
                   size=len(data), finished_at=utcnow())
        return "done"
    except DomainError as exc:
        await _set(db, export_id, status=ExportStatus.FAILED.value, failure=exc.code.value, finished_at=utcnow())
        return "failed"
    except Exception:
        await _set(db, export_id, status=ExportStatus.FAILED.value, failure="CRASHED", finished_at=utcnow())
        raise


_running: set[asyncio.Task] = set()


def job_key(export_id) -> str:
    return f"kpi-export:{export_id}"


async def dispatch(db, settings, export_id: uuid.UUID) -> None:
    """Hand a committed QUEUED export over: to the worker (arq) when there is Redis, else to this process."""
    if settings.redis_url:
        from arq import create_pool
        from arq.connections import RedisSettings

        pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
        try:
            await pool.enqueue_job("run_kpi_export", str(export_id), _job_id=job_key(export_id))
        finally:
            await pool.aclose()
        return
    from backend.files.storage import storage_for

    async def in_process() -> None:
        try:
            await run_export(db, storage_for(settings), export_id)
        except Exception:  # noqa: BLE001 - marked FAILED by run_export
            log.exception("export %s failed", export_id)

    task = asyncio.get_running_loop().create_task(in_process())
    _running.add(task)
    task.add_done_callback(_running.discard)


async def wait_in_process() -> None:
    while _running:
        await asyncio.gather(*list(_running), return_exceptions=True)


async def run_kpi_export(ctx, export_id: str) -> str:
    from backend.core.settings import get_settings
    from backend.files.storage import storage_for

    return await run_export(ctx["db"], storage_for(get_settings()), uuid.UUID(export_id))


async def sweep_exports(ctx) -> int:
    """Exports still QUEUED a while after they were asked for (their hand-over was lost): hand them over again."""
    from backend.core.settings import get_settings

    async with ctx["db"].read() as session:
        ids = list((await session.execute(select(ReportExport.id).where(
            ReportExport.status == ExportStatus.QUEUED.value,
            ReportExport.created_at < utcnow() - STALE_QUEUED))).scalars())
    for ident in ids:
        await dispatch(ctx["db"], get_settings(), ident)
    return len(ids)


# ------------------------------------------------------------------------------------------------ the download


def download_routes(services) -> list:
    from starlette.responses import PlainTextResponse, StreamingResponse
    from starlette.routing import Route

    settings = services.settings

    async def download(request):
        locale = normalize_locale(request.headers.get("accept-language", "")[:2]) or "en"
        try:
            export_id = uuid.UUID(request.path_params["export_id"])
            signed = signing.verify_url(DOWNLOAD_PATH.format(id=export_id), request.query_params,
                                        secret=settings.secret_key)
        except signing.SignatureError as exc:
            expired = isinstance(exc, signing.SignatureExpired)
            return PlainTextResponse(translate(locale, LINK_EXPIRED if expired else LINK_INVALID),
                                     status_code=exc.status_code)
        except ValueError:
            return PlainTextResponse(translate(locale, LINK_INVALID), status_code=403)
        async with services.db.read() as session:
            row = (await session.execute(select(ReportExport).where(
                ReportExport.id == export_id, ReportExport.garage_id == signed.garage_id))).scalar_one_or_none()
            actor = await _actor_of(session, row) if row is not None else None
        if row is None or actor is None or row.created_by_id != signed.user_id:
            return PlainTextResponse(translate(locale, LINK_FORBIDDEN), status_code=403)
        if row.status != ExportStatus.DONE.value or not row.file_key:
            return PlainTextResponse(translate(row.locale, NOT_READY), status_code=409)
        from backend.files.storage import storage_for

        storage = storage_for(settings)
        media = XLSX_TYPE if row.format == ExportFormat.XLSX.value else PDF_TYPE
        return StreamingResponse(storage.get(row.file_key), media_type=media, headers={
            "Content-Disposition": f'attachment; filename="{row.file_name}"', "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff"})

    return [Route("/exports/kpi/{export_id}", download, methods=["GET"])]
