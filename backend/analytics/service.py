"""Analytics writes: a job's service advisor, a technician's hourly cost, monthly goals, and the goal alerts.

Goal alerts: a goal is judged once a day per local day of its month, on the month-to-date figure up to that day
(`check_goals`). A day the figure misses the goal (below it; above it for the comeback rate) extends the current run
of days off goal; a day on goal ends the run. When a run reaches the goal's `alert_days`, every active admin of the
garage gets one message through the outbox (push when they have a device registered, else mail) - once per run:
the next alert needs the figure back on goal first and a new run. A day with nothing to judge (no jobs: no ratio)
neither extends nor ends a run.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Garage, Site, User
from backend.analytics import kpis as k
from backend.analytics.models import Goal
from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.errors import Collector, DomainError, ErrorCode
from backend.core.i18n import translate
from backend.core.ids import new_id
from backend.core.permissions import Permission, Role

_UNSET = object()
MAX_HOURLY_COST = 100_000_000  # minor units: ฿1,000,000.00 an hour is a typo, not a wage
MAX_ALERT_DAYS = 31


# ------------------------------------------------------------------------------------------------ advisor, cost


async def set_job_advisor(session: AsyncSession, actor: Actor, job_id: object, advisor_id: object,
                          expected_version: int | None = None):
    """Change who is the job's service advisor (any active member of staff but a technician)."""
    from backend.workshop.models import JobStatus
    from backend.workshop.service.common import job_changed, load_job

    job = await load_job(session, actor, job_id, for_update=True)
    if expected_version is not None and job.version != expected_version:
        raise DomainError(ErrorCode.CONFLICT, "expectedVersion")
    if job.status == JobStatus.CANCELLED:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "jobId", status=job.status)
    uid = v.parse_id(advisor_id, "advisorId")
    user = (await session.execute(select(User).where(User.id == uid, User.garage_id == actor.garage_id))
            ).scalar_one_or_none()
    if user is None:
        raise DomainError(ErrorCode.NOT_FOUND, "advisorId")
    if not user.active or user.role == Role.TECHNICIAN:
        raise DomainError(ErrorCode.INVALID_VALUE, "advisorId")
    if job.advisor_id != user.id:
        before = {"advisor_id": str(job.advisor_id) if job.advisor_id else None}
        job.advisor_id = user.id
        job.version += 1
        audit.record(session, actor, "Job", job.id, "set_advisor",
                     {"advisor_id": {"before": before["advisor_id"], "after": str(user.id)}})
        job_changed(session, job)
        await session.flush()
    return job, user


async def set_hourly_cost(session: AsyncSession, actor: Actor, user_id: object, hourly_cost: object) -> User:
    if not actor.can(Permission.LABOUR_COSTS):
        raise PermissionError("hourly costs need LABOUR_COSTS")
    uid = v.parse_id(user_id, "userId")
    user = (await session.execute(select(User).where(User.id == uid, User.garage_id == actor.garage_id)
                                  .with_for_update())).scalar_one_or_none()
    if user is None:
        raise DomainError(ErrorCode.NOT_FOUND, "userId")
    if hourly_cost is not None and (isinstance(hourly_cost, bool) or not isinstance(hourly_cost, int)
                                    or hourly_cost < 0 or hourly_cost > MAX_HOURLY_COST):
        raise DomainError(ErrorCode.INVALID_VALUE, "hourlyCost")
    if user.hourly_cost != hourly_cost:
        audit.record(session, actor, "User", user.id, "set_hourly_cost",
                     {"hourly_cost": {"before": user.hourly_cost, "after": hourly_cost}})
        user.hourly_cost = hourly_cost
        await session.flush()
    return user


# ------------------------------------------------------------------------------------------------ goals


@dataclass
class GoalData:
    kpi: object = None
    scope: object = None  # SITE | TECHNICIAN
    subject_id: object = None
    month: object = None  # any day of the month
    target: object = None
    alert_days: object = 3


def _target(errors: Collector, kpi: k.Kpi | None, value: object) -> Decimal | None:
    try:
        target = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.add(ErrorCode.INVALID_VALUE, "target")
        return None
    if not target.is_finite() or target < 0 or target >= Decimal("1e11"):
        errors.add(ErrorCode.INVALID_VALUE, "target")
        return None
    if kpi is not None and k.DEFINITIONS[kpi].unit is k.Unit.RATIO and target > 10:
        errors.add(ErrorCode.INVALID_VALUE, "target")  # a ratio: 0.85 is 85 %
        return None
    return target.quantize(Decimal("0.0001"))


async def set_goal(session: AsyncSession, actor: Actor, data: GoalData, goal_id: uuid.UUID | None = None) -> Goal:
    """Set (create or replace) the goal of one KPI for one site or technician and month."""
    errors = Collector()
    kpi = scope = None
    try:
        kpi = k.Kpi(data.kpi.value if hasattr(data.kpi, "value") else data.kpi)
    except ValueError:
        errors.add(ErrorCode.INVALID_VALUE, "kpi")
    scope = data.scope.value if hasattr(data.scope, "value") else data.scope
    if scope not in ("SITE", "TECHNICIAN"):
        errors.add(ErrorCode.INVALID_VALUE, "scope")
        scope = None
    if not isinstance(data.month, dt.date):
        errors.add(ErrorCode.REQUIRED, "month")
    target = _target(errors, kpi, data.target)
    days = data.alert_days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_ALERT_DAYS:
        errors.add(ErrorCode.INVALID_VALUE, "alertDays")
    subject = v.try_parse_id(data.subject_id)
    if subject is None:
        errors.add(ErrorCode.NOT_FOUND, "subjectId")
    errors.raise_if_any()
    if scope == "SITE":
        found = (await session.execute(select(Site.id).where(Site.id == subject, Site.garage_id == actor.garage_id))
                 ).scalar_one_or_none()
    else:
        found = (await session.execute(select(User.id).where(
            User.id == subject, User.garage_id == actor.garage_id, User.role == Role.TECHNICIAN))
        ).scalar_one_or_none()
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "subjectId")
    month = data.month.replace(day=1)
    goal = (await session.execute(select(Goal).where(
        Goal.garage_id == actor.garage_id, Goal.kpi == kpi.value, Goal.subject_id == subject, Goal.month == month)
        .with_for_update())).scalar_one_or_none()
    if goal is None:
        await v.ensure_new_id(session, Goal, goal_id)
        goal = Goal(id=goal_id or new_id(), garage_id=actor.garage_id, kpi=kpi.value, scope=scope,
                    subject_id=subject, month=month, target=target, alert_days=days, alerts_sent=0,
                    created_by_id=actor.user_id, version=1)
        session.add(goal)
        action = "create"
    else:
        if goal.target != target or goal.alert_days != days:
            goal.version += 1
            # a new target is judged afresh: the current run starts again
            goal.off_since = goal.checked_through = goal.alerted_run = None
        goal.target, goal.alert_days = target, days
        action = "update"
    await session.flush()
    audit.record(session, actor, "Goal", goal.id, action,
                 {"kpi": goal.kpi, "subject_id": str(subject), "month": month.isoformat(),
                  "target": str(target), "alert_days": days})
    return goal


async def delete_goal(session: AsyncSession, actor: Actor, goal_id: object) -> uuid.UUID:
    gid = v.parse_id(goal_id, "id")
    goal = (await session.execute(select(Goal).where(Goal.id == gid, Goal.garage_id == actor.garage_id))
            ).scalar_one_or_none()
    if goal is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    await session.delete(goal)
    audit.record(session, actor, "Goal", gid, "delete", {"kpi": goal.kpi})
    await session.flush()
    return gid


async def list_goals(session: AsyncSession, actor: Actor, month: dt.date) -> list[Goal]:
    scope = await k.scope_of(session, actor)
    query = select(Goal).where(Goal.garage_id == actor.garage_id, Goal.month == month.replace(day=1))
    if scope.site_ids is not None:  # a site manager: the goals of their site and of its technicians
        techs = select(User.id).where(User.garage_id == actor.garage_id, User.home_site_id.in_(scope.site_ids))
        query = query.where((Goal.subject_id.in_(scope.site_ids)) | (Goal.subject_id.in_(techs)))
    return list((await session.execute(query.order_by(Goal.kpi, Goal.subject_id))).scalars())


async def find_goal(session: AsyncSession, actor: Actor, goal_id: object) -> Goal | None:
    gid = v.try_parse_id(goal_id)
    if gid is None:
        return None
    return (await session.execute(select(Goal).where(Goal.id == gid, Goal.garage_id == actor.garage_id))
            ).scalar_one_or_none()


# ------------------------------------------------------------------------------------------------ alerts


def _system_actor(garage_id: uuid.UUID) -> Actor:
    return Actor(garage_id=garage_id, permissions=frozenset(Permission), name="analytics")


async def goal_value(session: AsyncSession, goal: Goal, through: dt.date, technicians: dict) -> Decimal | None:
    """The goal's KPI, month to date up to `through`, for its site or technician."""
    actor = _system_actor(goal.garage_id)
    scope = await k.scope_of(session, actor, goal.subject_id if goal.scope == "SITE" else None,
                             goal.subject_id if goal.scope == "TECHNICIAN" else None)
    group = k.Group.SITE if goal.scope == "SITE" else k.Group.TECHNICIAN
    period = k.Period(goal.month, through)
    s = await k.sums(session, scope, group, period, technicians)
    return k.figure(k.Kpi(goal.kpi), s.of(goal.subject_id)).value


async def check_goals(session: AsyncSession, garage_id: uuid.UUID, through: dt.date) -> int:
    """Judge the garage's goals for every local day not yet judged up to `through` (a complete day). Returns the
    number of alerts written to the outbox."""
    from backend.analytics import facts

    await facts.refresh_dirty(session, garage_id)
    goals = list((await session.execute(select(Goal).where(
        Goal.garage_id == garage_id, Goal.month <= through,
        Goal.month >= (through.replace(day=1) - dt.timedelta(days=1)).replace(day=1))
        .order_by(Goal.id).with_for_update())).scalars())
    if not goals:
        return 0
    technicians = await k.technicians_of(session, garage_id)
    sent = 0
    for goal in goals:
        month_end = k._month_end(goal.month)
        day = max(goal.month, (goal.checked_through or goal.month - dt.timedelta(days=1)) + dt.timedelta(days=1))
        last = min(through, month_end)
        while day <= last:
            value = await goal_value(session, goal, day, technicians)
            off = k.off_goal(k.Kpi(goal.kpi), value, goal.target)
            if off is True:
                goal.off_since = goal.off_since or day
                run = (day - goal.off_since).days + 1
                if run >= goal.alert_days and goal.alerted_run != goal.off_since:
                    goal.alerted_run = goal.off_since
                    goal.alerts_sent += 1
                    sent += await _alert(session, goal, value, day, run)
            elif off is False:
                goal.off_since = None
                goal.alerted_run = None
            goal.checked_through = day
            day += dt.timedelta(days=1)
    await session.flush()
    return sent


def format_value(kpi: k.Kpi, value: Decimal | None, currency: str, locale: str) -> str:
    from backend.notifications.messages import money

    if value is None:
        return "-"
    unit = k.DEFINITIONS[kpi].unit
    if unit is k.Unit.RATIO:
        return f"{(value * 100).quantize(Decimal('0.1'))} %"
    if unit in (k.Unit.MONEY, k.Unit.MONEY_PER_HOUR):
        return money(int(value), currency, locale)
    return str(value.normalize() if value == value.to_integral() else value)


async def _alert(session: AsyncSession, goal: Goal, value: Decimal | None, day: dt.date, run: int) -> int:
    from backend.notifications.models import Channel, PushSubscription
    from backend.notifications.outbox import enqueue

    garage = await session.get(Garage, goal.garage_id)
    if goal.scope == "SITE":
        subject = (await session.execute(select(Site.name).where(Site.id == goal.subject_id))).scalar_one_or_none()
    else:
        subject = (await session.execute(select(User.name).where(User.id == goal.subject_id))).scalar_one_or_none()
    admins = list((await session.execute(select(User).where(
        User.garage_id == goal.garage_id, User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)))
        .scalars())
    with_push = set((await session.execute(select(PushSubscription.user_id).where(
        PushSubscription.garage_id == goal.garage_id,
        PushSubscription.user_id.in_([a.id for a in admins])))).scalars()) if admins else set()
    kpi = k.Kpi(goal.kpi)
    count = 0
    for admin in admins:
        locale = (admin.locale.value if admin.locale else garage.default_locale.value) if garage else "en"
        channel = Channel.PUSH if admin.id in with_push else Channel.EMAIL
        context = {"kpi": translate(locale, k.DEFINITIONS[kpi].name), "subject": subject or "",
                   "value": format_value(kpi, value, garage.currency if garage else "THB", locale),
                   "target": format_value(kpi, goal.target, garage.currency if garage else "THB", locale),
                   "days": run, "day": day.isoformat(), "goal_id": str(goal.id), "url": "/analytics"}
        row = await enqueue(session, garage_id=goal.garage_id, event="kpi_off_goal", channel=channel,
                            locale=locale, context=context, user_id=admin.id,
                            recipient=None if channel == Channel.PUSH else admin.email,
                            dedupe_key=f"kpi_off_goal:{goal.id}:{goal.off_since.isoformat()}:{admin.id}")
        count += row is not None
    return count


async def check_all_goals(db, now: dt.datetime | None = None) -> int:
    """The worker's daily judge: each garage's goals up to its yesterday (in its own time zone)."""
    from backend.analytics.facts import zone
    from backend.core.db import utcnow

    now = now or utcnow()
    async with db.read() as session:
        garages = (await session.execute(
            select(Garage.id, Garage.time_zone).where(Garage.id.in_(select(Goal.garage_id).distinct())))).all()
    sent = 0
    for garage_id, tz in garages:
        yesterday = now.astimezone(zone(tz)).date() - dt.timedelta(days=1)
        async with db.transaction() as session:
            sent += await check_goals(session, garage_id, yesterday)
    return sent
