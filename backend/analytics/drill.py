"""The jobs behind a figure: the invoiced jobs (job facts) of a period that a KPI tile or row is made of, for the
garage, one site, one technician or one service advisor, with what each brought in. A repair order imported from
another system (a service-history row, imported=True) is listed with its number there and its vehicle, having no job
card. Read in three statements whatever the number of jobs or technicians (the scope, the rows with their names,
the count)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from backend.accounts.models import User
from backend.analytics import kpis as k
from backend.analytics.models import JobFact
from backend.billing.models import Invoice
from backend.core.actor import Actor
from backend.core.errors import DomainError, ErrorCode
from backend.core.validate import parse_id
from backend.customers.models import Vehicle
from backend.integrations.imports.models import ServiceHistory
from backend.workshop.models import Job

MAX_ROWS = 500


@dataclasses.dataclass(frozen=True)
class DrillRow:
    job_id: uuid.UUID  # the job, or the imported repair order's service-history row
    job_number: str | None
    invoice_id: uuid.UUID | None
    invoice_number: str | None
    day: dt.date
    registration: str | None
    technician: str | None
    advisor: str | None
    labour_sales: int
    parts_sales: int
    other_sales: int
    billed_seconds: int
    clocked_seconds: int
    has_inspection: bool
    came_back: bool
    imported: bool
    vehicle_id: uuid.UUID | None = None

    @property
    def sales(self) -> int:
        return self.labour_sales + self.parts_sales + self.other_sales


@dataclasses.dataclass(frozen=True)
class Drill:
    period: k.Period
    currency: str
    total: int
    rows: list[DrillRow]


async def kpi_jobs(session: AsyncSession, actor: Actor, *, kind: k.PeriodKind, date: dt.date | None = None,
                   date_from: dt.date | None = None, date_to: dt.date | None = None, site: object | None = None,
                   technician: object | None = None, advisor: object | None = None,
                   limit: int | None = 100) -> Drill:
    """The invoiced jobs of the period in the actor's sites (a site manager: their home site), newest first.
    `limit` None: every one (exports)."""
    if limit is not None and (isinstance(limit, bool) or not 1 <= limit <= MAX_ROWS):
        raise DomainError(ErrorCode.INVALID_VALUE, "first")
    period = k.resolve_period(kind, date, date_from, date_to)
    advisor_id = parse_id(advisor, "advisorId") if advisor is not None else None
    scope = await k.scope_of(session, actor, site, technician)
    f = JobFact
    tech, adv = aliased(User), aliased(User)
    where = [f.garage_id == scope.garage_id, f.day >= period.start, f.day <= period.end]
    if scope.site_ids is not None:
        where.append(f.site_id.in_(scope.site_ids))
    if scope.technician_id is not None:
        where.append(f.technician_id == scope.technician_id)
    if advisor_id is not None:
        where.append(f.advisor_id == advisor_id)
    query = (
        select(f.job_id, func.coalesce(Job.number, ServiceHistory.source_id), f.invoice_id, Invoice.number, f.day,
               Vehicle.registration_display, func.coalesce(tech.name, ServiceHistory.technician_name), adv.name,
               f.labour_sales, f.parts_sales, f.other_sales, f.billed_seconds, f.clocked_seconds, f.has_inspection,
               f.came_back, f.imported, f.vehicle_id)
        .outerjoin(Job, and_(Job.id == f.job_id, f.imported.is_(False)))
        .outerjoin(ServiceHistory, and_(ServiceHistory.id == f.job_id, f.imported.is_(True)))
        .outerjoin(Invoice, Invoice.id == f.invoice_id)
        .outerjoin(Vehicle, Vehicle.id == f.vehicle_id)
        .outerjoin(tech, tech.id == f.technician_id)
        .outerjoin(adv, adv.id == f.advisor_id)
        .where(*where)
        .order_by(f.day.desc(), f.job_id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    rows = [DrillRow(*r) for r in (await session.execute(query)).all()]
    total = int((await session.execute(select(func.count()).select_from(f).where(*where))).scalar_one())
    return Drill(period, scope.currency, total, rows)
