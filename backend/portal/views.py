"""What the customer sees of their job, read in a fixed number of statements whatever the number of quotes, lines,
inspections or files (tests/portal/test_portal_reads.py counts them)."""

from __future__ import annotations

import dataclasses
import uuid

from sqlalchemy import or_, select

from backend.billing.documents import signing
from backend.core.actor import Actor
from backend.core.db import Base

FILE_LINK_TTL = 300
PDF_LINK_TTL = 3600


def portal_file_url(settings, attachment, variant: str, actor: Actor) -> str:
    """A 5-minute link to a file for this portal link only (`pl`: the link's id, `pj`: its job), never a user."""
    from backend.files.routes import file_path

    return signing.sign_url(file_path(attachment.id, variant), garage_id=attachment.garage_id, user_id=None,
                            ttl_seconds=FILE_LINK_TTL, secret=settings.secret_key,
                            pl=str(actor.extra["portal_link_id"]), pj=str(actor.extra["job_id"]))


def _table(name: str):
    return Base.metadata.tables.get(name)


@dataclasses.dataclass
class PortalData:
    garage: object
    site: object
    job: object
    vehicle: object
    events: list
    quotes: list
    lines: dict  # quote id -> [QuoteLine]
    line_photos: dict  # quote line id -> [Attachment]
    invoices: list
    payments: dict  # invoice id -> [Payment]
    documents: list
    inspections: list
    results: dict  # inspection id -> [InspectionResult]
    photos: dict  # (inspection id, item key) -> [Attachment]


async def shared_or_job_photo_ids(session, actor: Actor) -> set[uuid.UUID]:
    """Every attachment this link may fetch: shared ones of its job, vehicle and customer, its job's inspection
    photos and its quotes' line photos."""
    data = await load(session, actor)
    out = {a.id for a in data.documents}
    out |= {a.id for photos in data.photos.values() for a in photos}
    out |= {a.id for photos in data.line_photos.values() for a in photos}
    return out


async def load(session, actor: Actor) -> PortalData:
    from backend.accounts.models import Garage, Site
    from backend.billing.models import Invoice, InvoiceStatus, Payment, Quote, QuoteLine, QuoteStatus
    from backend.customers.models import Vehicle
    from backend.files.models import Attachment
    from backend.workshop.models import Job, JobEvent, JobEventKind

    garage_id, job_id = actor.garage_id, actor.extra["job_id"]
    job = (await session.execute(select(Job).where(Job.id == job_id, Job.garage_id == garage_id))).scalar_one()
    garage = await session.get(Garage, garage_id)
    site = await session.get(Site, job.site_id)
    vehicle = await session.get(Vehicle, job.vehicle_id)
    events = list((await session.execute(select(JobEvent).where(
        JobEvent.job_id == job.id, JobEvent.garage_id == garage_id,
        JobEvent.kind.in_([JobEventKind.CREATED, JobEventKind.STATUS_CHANGED])).order_by(JobEvent.at))).scalars())
    quotes = list((await session.execute(select(Quote).where(
        Quote.garage_id == garage_id, Quote.job_id == job.id,
        Quote.status.in_([QuoteStatus.SENT, QuoteStatus.APPROVED, QuoteStatus.PARTIALLY_APPROVED,
                          QuoteStatus.DECLINED])).order_by(Quote.created_at, Quote.id))).scalars())
    lines: dict = {q.id: [] for q in quotes}
    line_photos: dict = {}
    if quotes:
        for line in (await session.execute(select(QuoteLine).where(QuoteLine.quote_id.in_(list(lines)))
                                           .order_by(QuoteLine.position, QuoteLine.id))).scalars():
            lines[line.quote_id].append(line)
        links = _table("quote_line_attachments")
        line_ids = [line.id for ls in lines.values() for line in ls]
        if links is not None and line_ids:
            rows = await session.execute(select(links.c.quote_line_id, Attachment).join(
                Attachment, Attachment.id == links.c.attachment_id).where(
                links.c.quote_line_id.in_(line_ids), Attachment.garage_id == garage_id,
                Attachment.deleted_at.is_(None)).order_by(links.c.position))
            for line_id, attachment in rows:
                line_photos.setdefault(line_id, []).append(attachment)
    invoices = list((await session.execute(select(Invoice).where(
        Invoice.garage_id == garage_id, Invoice.job_id == job.id,
        Invoice.status.in_([InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID]))
        .order_by(Invoice.created_at))).scalars())
    payments: dict = {i.id: [] for i in invoices}
    if invoices:
        for p in (await session.execute(select(Payment).where(Payment.invoice_id.in_(list(payments)))
                                        .order_by(Payment.created_at))).scalars():
            payments[p.invoice_id].append(p)
    owners = [(Attachment.owner_type == "job") & (Attachment.owner_id == job.id),
              (Attachment.owner_type == "vehicle") & (Attachment.owner_id == job.vehicle_id)]
    if job.customer_id is not None:
        owners.append((Attachment.owner_type == "customer") & (Attachment.owner_id == job.customer_id))
    documents = list((await session.execute(select(Attachment).where(
        Attachment.garage_id == garage_id, Attachment.deleted_at.is_(None), Attachment.shared_with_customer,
        or_(*owners)).order_by(Attachment.created_at))).scalars())
    inspections, results, photos = await _inspections(session, garage_id, job.id)
    return PortalData(garage=garage, site=site, job=job, vehicle=vehicle, events=events, quotes=quotes, lines=lines,
                      line_photos=line_photos, invoices=invoices, payments=payments, documents=documents,
                      inspections=inspections, results=results, photos=photos)


async def _inspections(session, garage_id: uuid.UUID, job_id: uuid.UUID):
    try:
        from backend.inspections.models import Inspection, InspectionPhoto, InspectionResult
    except ImportError:  # pragma: no cover - the inspections domain is part of the product
        return [], {}, {}
    from backend.files.models import Attachment

    inspections = list((await session.execute(select(Inspection).where(
        Inspection.garage_id == garage_id, Inspection.job_id == job_id).order_by(Inspection.started_at))).scalars())
    results: dict = {i.id: [] for i in inspections}
    photos: dict = {}
    if inspections:
        for r in (await session.execute(select(InspectionResult).where(
                InspectionResult.inspection_id.in_(list(results))))).scalars():
            results[r.inspection_id].append(r)
        rows = await session.execute(select(InspectionPhoto.inspection_id, InspectionPhoto.item_key, Attachment)
                                     .join(Attachment, (Attachment.upload_id == InspectionPhoto.upload_id)
                                           & (Attachment.garage_id == InspectionPhoto.garage_id))
                                     .where(InspectionPhoto.inspection_id.in_(list(results)),
                                            Attachment.deleted_at.is_(None))
                                     .order_by(InspectionPhoto.created_at))
        for inspection_id, item_key, attachment in rows:
            photos.setdefault((inspection_id, item_key), []).append(attachment)
    return inspections, results, photos
