"""The job sheet: a printed job card for the bay (vehicle, complaint, tasks, parts, signature lines), no prices.

GET /documents/job-sheet/{job_id}.pdf from a short-lived signed link (Job.jobSheetUrl), like the billing documents:
the link names the garage and the user it was issued to; a technician's link opens only their own job. The HTML
comes from backend/templates/workshop/job_sheet.html through the billing documents' Jinja2 environment (the same
Babel catalogs and filters), and WeasyPrint renders it with the same fonts, lock and Thai text map.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid
from zoneinfo import ZoneInfo

import anyio.to_thread
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.billing.documents import signing
from backend.billing.documents.render import TEMPLATES, _fonts, _render_lock, environment, format_doc_date
from backend.billing.documents.pdftext import fix_text_map
from backend.billing.documents.routes import MSG_NOT_FOUND, LinkRefused, _error, link_user, pdf_response, verified_link
from backend.core.i18n import N_, label, normalize_locale, translate

TEMPLATE = "workshop/job_sheet.html"
TTL_SECONDS = 300

# Words of the sheet that are not in the template (the template's own go through {{ _() }}).
TITLE = N_("Job sheet")
TASK_DONE = N_("Done")


def job_sheet_path(job_id: uuid.UUID) -> str:
    return f"/documents/job-sheet/{job_id}.pdf"


def signed_job_sheet_url(info, job, locale: str | None) -> str | None:
    """The signed link for `job` (Job.jobSheetUrl); the reader's language unless one is asked for. None for an actor
    that is not a member of staff (an API key): the route opens a sheet only for an active user of the garage."""
    actor = info.context.actor
    if actor.user_id is None:
        return None
    lang = normalize_locale(locale) or normalize_locale(info.context.locale) or "en"
    return signing.sign_url(job_sheet_path(job.id), garage_id=job.garage_id, user_id=actor.user_id,
                            ttl_seconds=TTL_SECONDS, secret=info.context.settings.secret_key, lang=lang)


@dataclasses.dataclass(frozen=True)
class SheetTask:
    name: str
    hours: str
    done: bool


@dataclasses.dataclass(frozen=True)
class SheetPart:
    quantity: int
    name: str
    sku: str
    status: str


@dataclasses.dataclass(frozen=True)
class JobSheetView:
    job_id: uuid.UUID
    locale: str
    garage_name: str
    site_name: str
    number: str
    status: str
    stream: str
    opened_on: str
    promised: str
    technician: str
    registration: str
    vehicle: str
    vin: str
    mileage: str
    owner: str
    issues: str
    complaint: str
    cause: str
    correction: str
    work_done: str
    tasks: list[SheetTask]
    parts: list[SheetPart]


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _local(moment: dt.datetime | None, time_zone: str) -> dt.datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(ZoneInfo(time_zone))
    except Exception:  # an unknown zone name: UTC rather than no sheet
        return moment


async def job_sheet_view(session, garage_id: uuid.UUID, job_id: uuid.UUID, user, locale: str) -> JobSheetView | None:
    """The sheet's data, or None when the job is not in the garage or not the user's to see. Six statements."""
    from backend.accounts.models import Garage, Site
    from backend.accounts.models import User as UserModel
    from backend.core.permissions import Permission, Role, permissions_for_role
    from backend.customers.models import Customer, Vehicle
    from backend.inventory.models import WarehouseItem
    from backend.workshop.models import Job, JobTask, PartsRequest

    job = (await session.execute(select(Job).where(Job.id == job_id, Job.garage_id == garage_id))).scalar_one_or_none()
    if job is None or (user.role == Role.TECHNICIAN and job.technician_id != user.id):
        return None
    garage, site = (await session.execute(
        select(Garage, Site).join(Site, Site.garage_id == Garage.id).where(Garage.id == garage_id,
                                                                           Site.id == job.site_id))).one()
    vehicle = (await session.execute(select(Vehicle).where(Vehicle.id == job.vehicle_id,
                                                           Vehicle.garage_id == garage_id))).scalar_one()
    owner = ""
    if job.customer_id and Permission.CUSTOMERS_READ in permissions_for_role(user.role):
        owner = (await session.execute(select(Customer.name).where(
            Customer.id == job.customer_id, Customer.garage_id == garage_id))).scalar_one_or_none() or ""
    technician = ""
    if job.technician_id:
        technician = (await session.execute(select(UserModel.name).where(
            UserModel.id == job.technician_id, UserModel.garage_id == garage_id))).scalar_one_or_none() or ""
    tasks = list((await session.execute(select(JobTask).where(
        JobTask.job_id == job.id, JobTask.garage_id == garage_id).order_by(JobTask.position, JobTask.id))).scalars())
    parts = list((await session.execute(
        select(PartsRequest, WarehouseItem).join(WarehouseItem, WarehouseItem.id == PartsRequest.item_id)
        .where(PartsRequest.job_id == job.id, PartsRequest.garage_id == garage_id)
        .order_by(PartsRequest.created_at, PartsRequest.id))).all())

    opened = _local(job.created_at, garage.time_zone)
    promised = _local(job.promised_at, garage.time_zone)

    def name_of(en: str, th: str | None) -> str:
        return th if locale == "th" and th else en

    return JobSheetView(
        job_id=job.id, locale=locale, garage_name=garage.name, site_name=site.name, number=job.number,
        status=_first_upper(label(locale, job.status)), stream=_first_upper(label(locale, job.operations_stream)),
        opened_on=format_doc_date(opened.date(), locale) if opened else "",
        promised=(f"{format_doc_date(promised.date(), locale)} {promised:%H:%M}" if promised else ""),
        technician=technician, registration=vehicle.registration_display,
        vehicle=" ".join(str(p) for p in (vehicle.make, vehicle.model, vehicle.year, vehicle.colour) if p),
        vin=vehicle.vin or "", mileage=f"{job.mileage_in:,}" if job.mileage_in is not None else "",
        owner=owner, issues=job.issues_reported or "", complaint=job.complaint or "", cause=job.cause or "",
        correction=job.correction or "", work_done=job.work_done_notes or "",
        tasks=[SheetTask(name=name_of(t.name, t.name_th), hours=f"{t.billed_hours.normalize():f}",
                         done=t.status.value == "COMPLETED") for t in tasks],
        parts=[SheetPart(quantity=p.quantity, name=name_of(i.name_en, i.name_th), sku=i.sku,
                         status=_first_upper(label(locale, p.status))) for p, i in parts],
    )


def render_job_sheet_html(view: JobSheetView) -> str:
    template = environment(view.locale).get_template(TEMPLATE)
    return template.render(doc=view, locale=view.locale, title=translate(view.locale, TITLE),
                           done_label=translate(view.locale, TASK_DONE))


def render_job_sheet_pdf(view: JobSheetView) -> bytes:
    """The sheet as PDF bytes; the same job and content always give the same bytes (no clock in the file)."""
    from weasyprint import HTML

    html = render_job_sheet_html(view)
    fonts = _fonts()
    identifier = hashlib.sha256(f"job_sheet:{view.job_id}:{view.number}".encode()).digest()[:16]
    with _render_lock:
        return HTML(string=html, base_url=str(TEMPLATES)).write_pdf(
            font_config=fonts, pdf_identifier=identifier, finisher=fix_text_map)


def job_sheet_routes(services) -> list[Route]:
    settings = services.settings

    async def job_sheet(request: Request) -> Response:
        try:
            job_id = uuid.UUID(request.path_params["job_id"])
        except ValueError:
            return _error(request, 404, MSG_NOT_FOUND)
        try:
            signed = verified_link(request, job_sheet_path(job_id), settings.secret_key)
            locale = "th" if normalize_locale(signed.params.get("lang")) == "th" else "en"
            async with services.db.read() as session:
                user = await link_user(request, session, signed)  # removed or deactivated since: 403
                view = await job_sheet_view(session, signed.garage_id, job_id, user, locale)
        except LinkRefused as refused:
            return refused.response
        if view is None:
            return _error(request, 404, MSG_NOT_FOUND)
        pdf = await anyio.to_thread.run_sync(render_job_sheet_pdf, view)
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in view.number)
        return pdf_response(pdf, f"{safe}-sheet.pdf", locale)

    return [Route("/documents/job-sheet/{job_id}.pdf", job_sheet, methods=["GET"])]
