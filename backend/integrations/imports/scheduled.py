"""Scheduled imports (issue 17): a shop that still runs another system drops its export in the server's import
folder (setting MOTOTRACK_IMPORT_DIR) and MotoTrack imports it once a day at the garage's local time.

An admin (imports:manage) sets, per garage and kind, the file (a path inside the import folder: `..`, absolute paths
elsewhere and symlinks out of it are refused), the mapping preset, the local time of day and on/off
(`setScheduledImport`), and reads it with its last run (`scheduledImports`).

`run_due(db, settings, now)` is the daily check: the worker's cron (backend/worker.py, every 5 minutes) and the
in-process runner in embedded mode call it. A schedule is due once per local day, from its time on. The file is
imported as the CLI does (service.run_local: idempotent by source id) only when its fingerprint (size, mtime and
SHA-256) changed since the last run; the run's counts are recorded on the schedule. A failed run is recorded with its
error and the garage's admins get one message through the outbox (template scheduled_import_failed).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import hashlib
import logging
import os
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import strawberry
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, Time, Date, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, IdMixin, utcnow
from backend.core.errors import DomainError, DomainErrors
from backend.core.i18n import N_
from backend.integrations.imports import service
from backend.integrations.imports.service import ImportInputError

log = logging.getLogger("mototrack.imports")

SCHEDULED_KINDS = ("customers", "vehicles", "service_history")
MAX_PATH = 500
EVENT = "scheduled_import_failed"

MSG_NO_FOLDER = N_("Scheduled imports are not set up on this server: the import folder (MOTOTRACK_IMPORT_DIR) is "
                   "not configured.")
MSG_OUTSIDE = N_("The file must be inside the server's import folder; give its path within that folder, without "
                 "“..”.")
MSG_BAD_KIND = N_("A scheduled import can bring in customers, vehicles or service history.")
MSG_BAD_TIME = N_("Give the time of day as HH:MM, for example 02:30.")
MSG_FILE_MISSING = N_("The file {path} is not in the import folder.")


class ScheduledImport(IdMixin, Base):
    """One garage's daily import of one kind from a file in the import folder, with the outcome of its last run."""

    __tablename__ = "scheduled_imports"
    __table_args__ = (UniqueConstraint("garage_id", "kind"),)

    garage_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("garages.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(String(MAX_PATH))  # relative to the import folder
    preset: Mapped[str | None] = mapped_column(String(100))
    local_time: Mapped[dt.time] = mapped_column(Time)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    checked_on: Mapped[dt.date | None] = mapped_column(Date)  # the local day of the last check
    fingerprint: Mapped[str | None] = mapped_column(String(100))  # size:mtime_ns:sha256 of the file last run
    last_run_at: Mapped[dt.datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(16))  # DONE / FAILED
    last_job_id: Mapped[uuid.UUID | None]
    last_created: Mapped[int] = mapped_column(Integer, default=0)
    last_updated: Mapped[int] = mapped_column(Integer, default=0)
    last_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    last_error_rows: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# ------------------------------------------------------------------------------------------------ the folder


def import_dir(settings) -> Path | None:
    value = getattr(settings, "import_dir", None) or os.environ.get("MOTOTRACK_IMPORT_DIR")
    return Path(value).resolve() if value else None


def resolve_path(root: Path | None, given: str) -> Path:
    """The file `given` (relative to the import folder, or absolute inside it), refused when it leads out of it."""
    if root is None:
        raise ImportInputError(MSG_NO_FOLDER, "path")
    text = (given or "").strip()
    if not text or len(text) > MAX_PATH or "\x00" in text:
        raise ImportInputError(MSG_OUTSIDE, "path")
    raw = Path(text)
    if ".." in raw.parts:
        raise ImportInputError(MSG_OUTSIDE, "path")
    full = (raw if raw.is_absolute() else root / raw).resolve()  # follows symlinks: one pointing out is refused
    if full == root or not full.is_relative_to(root):
        raise ImportInputError(MSG_OUTSIDE, "path")
    return full


def fingerprint(path: Path) -> tuple[str, bytes]:
    data = path.read_bytes()
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}:{hashlib.sha256(data).hexdigest()[:40]}", data


# ------------------------------------------------------------------------------------------------ settings


def _parse_time(value: str) -> dt.time:
    try:
        hours, minutes = (value or "").strip().split(":")
        return dt.time(int(hours), int(minutes))
    except (ValueError, TypeError):
        raise ImportInputError(MSG_BAD_TIME, "time") from None


async def save_schedule(session: AsyncSession, actor, settings, kind: str, path: str, preset: str | None,
                        time_of_day: str, enabled: bool) -> ScheduledImport:
    if kind not in SCHEDULED_KINDS:
        raise ImportInputError(MSG_BAD_KIND, "kind")
    full = resolve_path(import_dir(settings), path)
    at = _parse_time(time_of_day)
    preset = (preset or "").strip() or None
    if preset:
        await service.find_preset(session, actor, kind, preset)
    row = (await session.execute(select(ScheduledImport).where(ScheduledImport.garage_id == actor.garage_id,
                                                               ScheduledImport.kind == kind))).scalar_one_or_none()
    if row is None:
        row = ScheduledImport(garage_id=actor.garage_id, kind=kind)
        session.add(row)
    rel = str(full.relative_to(import_dir(settings)))
    if row.path != rel or row.preset != preset:
        row.fingerprint = None  # another file or mapping: the next run imports it whatever it holds
    row.path, row.preset, row.local_time, row.enabled, row.updated_at = rel, preset, at, bool(enabled), utcnow()
    await session.flush()
    return row


async def list_schedules(session: AsyncSession, actor) -> list[ScheduledImport]:
    return list((await session.execute(select(ScheduledImport).where(ScheduledImport.garage_id == actor.garage_id)
                                       .order_by(ScheduledImport.kind))).scalars())


# ------------------------------------------------------------------------------------------------ the daily run


def _local(now: dt.datetime, tz: str) -> dt.datetime:
    try:
        return now.astimezone(ZoneInfo(tz))
    except Exception:  # noqa: BLE001 - an unknown zone: the server's UTC
        return now.astimezone(dt.timezone.utc)


async def due(db, now: dt.datetime) -> list[tuple[uuid.UUID, dt.date]]:
    """The enabled schedules whose local time has come today and that were not checked today (id, local day)."""
    from backend.accounts.models import Garage

    async with db.read() as session:
        rows = (await session.execute(select(ScheduledImport.id, ScheduledImport.local_time,
                                             ScheduledImport.checked_on, Garage.time_zone)
                                      .join(Garage, Garage.id == ScheduledImport.garage_id)
                                      .where(ScheduledImport.enabled.is_(True)))).all()
    out = []
    for ident, at, checked_on, tz in rows:
        local = _local(now, tz or "UTC")
        if local.time().replace(tzinfo=None) >= at and checked_on != local.date():
            out.append((ident, local.date()))
    return out


async def run_due(db, settings, now: dt.datetime | None = None) -> list[str]:
    """Run every due schedule; returns each one's outcome: "done", "unchanged" or "failed"."""
    now = now or utcnow()
    return [await run_one(db, settings, ident, day, now) for ident, day in await due(db, now)]


async def run_one(db, settings, ident: uuid.UUID, day: dt.date, now: dt.datetime) -> str:
    from backend.accounts.models import Garage
    from backend.core.i18n import translate

    async with db.transaction() as session:  # claim the day: a second check at once finds it checked
        row = await session.get(ScheduledImport, ident, with_for_update=True)
        if row is None or row.checked_on == day:
            return "skipped"
        row.checked_on = day
        garage = await session.get(Garage, row.garage_id)
        locale = garage.default_locale.value if garage is not None else "en"
        kind, rel, preset, garage_id, last_print = row.kind, row.path, row.preset, row.garage_id, row.fingerprint
    error = None
    try:
        full = resolve_path(import_dir(settings), rel)
        try:
            stamp, data = await asyncio.to_thread(fingerprint, full)
        except OSError:
            raise ImportInputError(MSG_FILE_MISSING, "path", path=rel) from None
        if stamp == last_print:
            return "unchanged"
        request = service.JobRequest(kind=kind, preset=preset, dry_run=False)
        job, outcome = await service.run_local(db, garage_id, data, full.name, request)
    except (DomainError, DomainErrors) as exc:
        errors = exc.errors if isinstance(exc, DomainErrors) else [exc]
        error = " ".join(e.message(locale) for e in errors)
    except Exception as exc:  # noqa: BLE001 - recorded and told to the admins; the next day runs again
        log.exception("scheduled import %s crashed", ident)
        error = translate(locale, N_("The import stopped unexpectedly: {error}"), error=type(exc).__name__)
    async with db.transaction() as session:
        row = await session.get(ScheduledImport, ident, with_for_update=True)
        row.last_run_at = now
        if error is None:
            row.fingerprint, row.last_status, row.last_job_id, row.last_error = stamp, "DONE", job.id, None
            row.last_created, row.last_updated = outcome.created, outcome.updated
            row.last_unchanged, row.last_error_rows = outcome.unchanged, outcome.error_rows
            return "done"
        row.last_status, row.last_error = "FAILED", error[:2000]
        await _tell_admins(session, row, garage_id, error, now)
    return "failed"


async def _tell_admins(session: AsyncSession, row: ScheduledImport, garage_id: uuid.UUID, error: str,
                       now: dt.datetime) -> None:
    from backend.accounts.models import Garage, User
    from backend.core.permissions import Role
    from backend.notifications.models import Channel
    from backend.notifications.outbox import enqueue

    garage = await session.get(Garage, garage_id)
    default = garage.default_locale.value if garage is not None else "en"
    admins = (await session.execute(select(User).where(User.garage_id == garage_id, User.role == Role.ADMIN,
                                                       User.active.is_(True)))).scalars()
    for admin in admins:
        await enqueue(session, garage_id=garage_id, event=EVENT, channel=Channel.EMAIL,
                      locale=admin.locale.value if admin.locale else default, recipient=admin.email, user_id=admin.id,
                      dedupe_key=f"{EVENT}:{row.id}:{row.checked_on}:{admin.id}",
                      context={"import_file": row.path, "import_error": error,
                               "garage_name": garage.name if garage else "", "link": "/admin/import"})


async def scheduled_import_task(ctx) -> int:
    """The worker's cron (every 5 minutes): the due schedules of every garage."""
    from backend.core.settings import get_settings

    return len(await run_due(ctx["db"], get_settings()))


CHECK_SECONDS = 300.0


def start_scheduled_imports(db, settings, interval: float = CHECK_SECONDS) -> asyncio.Task:
    """Embedded mode: the same check in-process every `interval` seconds; cancel the task to stop it."""

    async def loop() -> None:
        while True:
            try:
                await run_due(db, settings)
            except Exception:  # noqa: BLE001 - a database hiccup must not stop the schedule
                log.exception("scheduled imports check failed")
            await asyncio.sleep(interval)

    return asyncio.get_running_loop().create_task(loop(), name="scheduled-imports")


# ------------------------------------------------------------------------------------------------ GraphQL

from backend.api.errors import UserError  # noqa: E402
from backend.api.mutations import given, run  # noqa: E402
from backend.api.permissions import requires  # noqa: E402
from backend.api.queries import read  # noqa: E402
from backend.core.permissions import Permission as P  # noqa: E402


@strawberry.enum
class ScheduledImportKind(enum.Enum):
    CUSTOMERS = "customers"
    VEHICLES = "vehicles"
    SERVICE_HISTORY = "service_history"


@strawberry.type(description="A garage's daily import of one kind from a file in the server's import folder.")
class ScheduledImportView:
    id: strawberry.ID
    kind: ScheduledImportKind
    path: str = strawberry.field(description="The file, relative to the server's import folder.")
    preset: str | None
    time_of_day: str = strawberry.field(description="Local time (the garage's time zone), HH:MM.")
    enabled: bool
    last_run_at: dt.datetime | None
    last_status: str | None = strawberry.field(description="DONE or FAILED; null before the first run.")
    last_created: int
    last_updated: int
    last_unchanged: int
    last_error_rows: int
    last_error: str | None
    last_job_id: strawberry.ID | None


def _view(row: ScheduledImport) -> ScheduledImportView:
    return ScheduledImportView(
        id=strawberry.ID(str(row.id)), kind=ScheduledImportKind(row.kind), path=row.path, preset=row.preset,
        time_of_day=row.local_time.strftime("%H:%M"), enabled=row.enabled, last_run_at=row.last_run_at,
        last_status=row.last_status, last_created=row.last_created or 0, last_updated=row.last_updated or 0,
        last_unchanged=row.last_unchanged or 0, last_error_rows=row.last_error_rows or 0, last_error=row.last_error,
        last_job_id=strawberry.ID(str(row.last_job_id)) if row.last_job_id else None)


@strawberry.input
class SetScheduledImportInput:
    kind: ScheduledImportKind
    path: str
    time_of_day: str
    preset: str | None = None
    enabled: bool = True
    client_mutation_id: str | None = None


@strawberry.type
class SetScheduledImportPayload:
    scheduled_import: ScheduledImportView | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.IMPORTS_MANAGE),
                      description="This garage's scheduled imports with their last run.")
    async def scheduled_imports(self, info: strawberry.Info) -> list[ScheduledImportView]:
        return [_view(r) for r in await read(info, list_schedules)]


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.IMPORTS_MANAGE),
                         description="Set this garage's daily import of one kind (the same kind replaces it).")
    async def set_scheduled_import(self, info: strawberry.Info, input: SetScheduledImportInput
                                   ) -> SetScheduledImportPayload:
        settings = info.context.settings

        async def call(session, actor):
            return await save_schedule(session, actor, settings, input.kind.value, input.path, input.preset,
                                       input.time_of_day, input.enabled)

        row, errors = await run(info, call, client_mutation_id=given(input.client_mutation_id))
        return SetScheduledImportPayload(scheduled_import=_view(row) if row is not None else None, errors=errors)
