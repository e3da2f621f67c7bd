"""Import from an earlier system: files, preview, presets, jobs. Services take (session, actor, ...); the run itself
(`run_job`, `run_local`) takes the Database, since it commits batch by batch (engine.py).

Uploading goes through the storage adapter of backend/files in chunks (each under the GraphQL body cap; the whole
file capped at MAX_FILE_BYTES), so a file of 100,000 customers arrives from the app as it does from the CLI.
"""

from __future__ import annotations

import dataclasses
import re
import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.models import Garage
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, DomainErrors, ErrorCode
from backend.core.i18n import N_, translate
from backend.customers.service.phones import garage_country
from backend.files.service import MSG_TOO_LARGE
from backend.integrations.imports import fields as F
from backend.integrations.imports import reader
from backend.integrations.imports.engine import MSG_UNKNOWN_FIELD, MappingError, Outcome, Run, guess_mapping, resolve_mapping
from backend.integrations.imports.models import KINDS, ImportFile, ImportJob, ImportPreset

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_CHUNK_BYTES = 512 * 1024  # base64 of it stays under the 1 MB GraphQL body cap
PREVIEW_ROWS = 10
MAX_NAME = 200
MAX_PRESET_NAME = 100
DEFAULT_SOURCE = "import"
_SOURCE_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
DATE_ORDERS = ("DMY", "MDY", "YMD")

MSG_UNKNOWN_KIND = N_("Choose what the file holds: customers, vehicles, service history or stock items.")
MSG_BAD_SOURCE = N_("The source is a short name of lower-case letters, digits, dots and dashes, such as gem-car.")
MSG_FILE_INCOMPLETE = N_("The file has not finished uploading.")
MSG_CHUNK_ORDER = N_("Part {index} of the file arrived out of order; part {expected} was expected.")
MSG_UNKNOWN_PRESET = N_("There is no preset “{name}” for this kind of import.")
MSG_BAD_OPTION = N_("The reading option “{option}” is not valid.")
MSG_EMPTY_CHUNK = N_("This part of the file is empty.")
MSG_PART_TOO_LARGE = N_("A part of the file can be at most {max} KB; send the file in smaller parts.")


class ImportInputError(DomainError):
    """An expected refusal with the import's own message (the code tells a client what kind of problem it is)."""

    def __init__(self, text: str, field: str | None = None, code: ErrorCode = ErrorCode.INVALID_VALUE,
                 **params: object) -> None:
        super().__init__(code, field, **params)
        self.text = text

    def message(self, locale: str | None) -> str:
        params = {k: translate(locale, p) if k == "label" else p for k, p in self.params.items()}
        return translate(locale, self.text, **params)


def mapping_errors(exc: MappingError) -> DomainErrors:
    return DomainErrors([ImportInputError(text, "mapping", **params) for text, params in exc.problems])


def read_error(exc: reader.ReadError) -> ImportInputError:
    return ImportInputError(exc.message, "file", **exc.params)


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ImportInputError(MSG_UNKNOWN_KIND, "kind")
    return kind


def check_source(source: str | None) -> str:
    source = (v.clean(source) or DEFAULT_SOURCE).lower()
    if not _SOURCE_RE.match(source):
        raise ImportInputError(MSG_BAD_SOURCE, "source")
    return source


def check_options(options: dict | None) -> dict:
    out: dict = {}
    for key, value in (options or {}).items():
        if value in (None, ""):
            continue
        value = str(value)
        ok = {"encoding": value.lower() in reader.ENCODINGS,
              "delimiter": value in ("\\t", "\t") or (len(value) == 1 and value in reader.DELIMITERS),
              "date_order": value.upper() in DATE_ORDERS,
              "format": value.lower() in ("csv", "xlsx"),
              "sheet": len(value) <= 100}.get(key, False)
        if not ok:
            raise ImportInputError(MSG_BAD_OPTION, "options", option=key)
        out[key] = value.upper() if key == "date_order" else value
    return out


async def garage_context(session: AsyncSession, garage_id: uuid.UUID, options: dict) -> F.Context:
    row = (await session.execute(select(Garage.country, Garage.time_zone, Garage.currency)
                                 .where(Garage.id == garage_id))).one()
    return F.Context(region=garage_country(row[0], row[1]), currency=row[2],
                     date_order=options.get("date_order", "DMY"))


# ------------------------------------------------------------------------------------------------ files


def chunk_key(garage_id: uuid.UUID, file_id: uuid.UUID, index: int) -> str:
    return f"imports/{garage_id}/{file_id}/{index}"


async def upload_chunk(session: AsyncSession, actor: Actor, storage, file_id: object, name: str | None, index: int,
                       data: bytes, last: bool) -> ImportFile:
    """Part `index` (0, 1, ...) of file `file_id` (an id the client chose). Sending a part again changes nothing."""
    ident = v.parse_id(file_id, "fileId")
    row = await session.get(ImportFile, ident, with_for_update=True)
    if row is not None and row.garage_id != actor.garage_id:
        raise DomainError(ErrorCode.NOT_FOUND, "fileId")
    if row is not None and (row.complete or index < row.chunks):
        return row  # a replay of a part already stored
    expected = row.chunks if row is not None else 0
    if index != expected:
        raise ImportInputError(MSG_CHUNK_ORDER, "index", index=index, expected=expected)
    if not data:
        raise ImportInputError(MSG_EMPTY_CHUNK, "data")
    if len(data) > MAX_CHUNK_BYTES:
        raise ImportInputError(MSG_PART_TOO_LARGE, "data", code=ErrorCode.TOO_LONG, max=MAX_CHUNK_BYTES // 1024)
    if (row.size if row else 0) + len(data) > MAX_FILE_BYTES:
        raise ImportInputError(MSG_TOO_LARGE, "data", code=ErrorCode.TOO_LONG, max=MAX_FILE_BYTES // (1024 * 1024))
    if row is None:
        clean_name = (v.clean(name) or "import.csv")[:MAX_NAME]
        row = ImportFile(id=ident, garage_id=actor.garage_id, name=clean_name, size=0, chunks=0, complete=False,
                         created_by_id=actor.user_id)
        session.add(row)
    await storage.put(chunk_key(actor.garage_id, ident, index), data)
    row.size += len(data)
    row.chunks += 1
    row.complete = bool(last)
    await session.flush()
    return row


async def file_bytes(storage, row: ImportFile) -> bytes:
    parts = []
    for index in range(row.chunks):
        async for piece in storage.get(chunk_key(row.garage_id, row.id, index)):
            parts.append(piece)
    return b"".join(parts)


async def get_file(session: AsyncSession, actor: Actor, file_id: object) -> ImportFile:
    ident = v.parse_id(file_id, "fileId")
    row = (await session.execute(select(ImportFile).where(ImportFile.id == ident,
                                                          ImportFile.garage_id == actor.garage_id))).scalar_one_or_none()
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "fileId")
    if not row.complete:
        raise ImportInputError(MSG_FILE_INCOMPLETE, "fileId")
    return row


@dataclasses.dataclass
class Preview:
    file: ImportFile
    columns: list[str]
    rows: list[list[str | None]]
    total_rows: int
    format: str
    encoding: str | None
    delimiter: str | None
    suggested: dict[str, str]


async def preview(session: AsyncSession, actor: Actor, storage, file_id: object, kind: str,
                  options: dict | None) -> Preview:
    check_kind(kind)
    opts = check_options(options)
    row = await get_file(session, actor, file_id)
    try:
        table = reader.read_table(await file_bytes(storage, row), opts)
    except reader.ReadError as exc:
        raise read_error(exc) from None
    return Preview(file=row, columns=table.columns,
                   rows=[[F.cell_text(c) for c in r] for r in table.rows[:PREVIEW_ROWS]],
                   total_rows=len(table.rows), format=table.format, encoding=table.encoding,
                   delimiter=table.delimiter, suggested=guess_mapping(kind, table.columns))


# ------------------------------------------------------------------------------------------------ presets


@dataclasses.dataclass
class PresetView:
    key: str  # a built-in's key, or a saved preset's name
    name: str
    kind: str
    source: str
    mapping: dict
    options: dict
    builtin: bool
    id: uuid.UUID | None = None


async def list_presets(session: AsyncSession, actor: Actor, kind: str | None) -> list[PresetView]:
    out = [PresetView(p.key, p.name, p.kind, p.source, p.mapping, p.options, True) for p in F.BUILTIN_PRESETS
           if kind in (None, p.kind)]
    query = select(ImportPreset).where(ImportPreset.garage_id == actor.garage_id)
    if kind:
        query = query.where(ImportPreset.kind == kind)
    for p in (await session.execute(query.order_by(ImportPreset.kind, ImportPreset.name))).scalars():
        out.append(PresetView(p.name, p.name, p.kind, p.source, p.mapping, p.options, False, p.id))
    return out


async def find_preset(session: AsyncSession, actor: Actor, kind: str, key: str) -> PresetView:
    for p in await list_presets(session, actor, kind):
        if p.key == key:
            return p
    raise ImportInputError(MSG_UNKNOWN_PRESET, "preset", code=ErrorCode.NOT_FOUND, name=key)


def _check_mapping_shape(kind: str, mapping: dict) -> dict[str, str]:
    known = F.field_map(kind)
    out = {}
    for column, field in (mapping or {}).items():
        column = v.clean(str(column))
        if not column or not field:
            continue
        if field not in known:
            raise ImportInputError(MSG_UNKNOWN_FIELD, "mapping", name=field)
        out[column[:200]] = field
    return out


async def save_preset(session: AsyncSession, actor: Actor, kind: str, name: str, mapping: dict,
                      options: dict | None, source: str | None) -> ImportPreset:
    check_kind(kind)
    errors = Collector()
    clean_name = v.text(errors, "name", name, required=True, max_len=MAX_PRESET_NAME)
    errors.raise_if_any()
    mapping = _check_mapping_shape(kind, mapping)
    opts = check_options(options)
    src = check_source(source)
    row = (await session.execute(select(ImportPreset).where(
        ImportPreset.garage_id == actor.garage_id, ImportPreset.kind == kind, ImportPreset.name == clean_name)
    )).scalar_one_or_none()
    if row is None:
        row = ImportPreset(garage_id=actor.garage_id, kind=kind, name=clean_name)
        session.add(row)
    row.mapping, row.options, row.source, row.updated_at = mapping, opts, src, utcnow()
    await session.flush()
    return row


async def delete_preset(session: AsyncSession, actor: Actor, preset_id: object) -> ImportPreset:
    ident = v.parse_id(preset_id, "id")
    row = (await session.execute(select(ImportPreset).where(ImportPreset.id == ident,
                                                            ImportPreset.garage_id == actor.garage_id))
           ).scalar_one_or_none()
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    await session.delete(row)
    await session.flush()
    return row


# ------------------------------------------------------------------------------------------------ jobs


@dataclasses.dataclass
class JobRequest:
    kind: str
    mapping: dict | None = None  # column -> field; with a preset, these override its mapping
    options: dict | None = None
    preset: str | None = None
    source: str | None = None
    dry_run: bool = True


async def _settle(session: AsyncSession, actor: Actor, request: JobRequest) -> tuple[dict, dict, str]:
    """(mapping, options, source) from the preset and the request's own overrides."""
    check_kind(request.kind)
    mapping: dict = {}
    options: dict = {}
    source = None
    if request.preset:
        preset = await find_preset(session, actor, request.kind, request.preset)
        mapping, options, source = dict(preset.mapping), dict(preset.options), preset.source
    options.update(check_options(request.options))
    return mapping, check_options(options), check_source(request.source or source)


def _final_mapping(request: JobRequest, base: dict, columns: list[str]) -> dict:
    """The preset's mapping (without one, a guess from the column names), then the request's own column=field."""
    mapping = dict(base) if request.preset else guess_mapping(request.kind, columns)
    overrides = _check_mapping_shape(request.kind, request.mapping or {})
    taken = set(overrides.values())
    mapping = {c: f for c, f in mapping.items() if c not in overrides and (f not in taken or F.field_map(
        request.kind)[f].joinable)}
    mapping.update(overrides)
    return mapping


def _table_and_mapping(data: bytes, request: JobRequest, base: dict, options: dict
                       ) -> tuple[reader.Table, dict]:
    """The file read and the final mapping, checked against its columns (DomainError(s) when either fails)."""
    try:
        table = reader.read_table(data, options)
    except reader.ReadError as exc:
        raise read_error(exc) from None
    mapping = _final_mapping(request, base, table.columns)
    try:
        resolve_mapping(request.kind, table.columns, mapping)
    except MappingError as exc:
        raise mapping_errors(exc) from None
    return table, mapping


def _new_job(garage_id: uuid.UUID, request: JobRequest, source: str, mapping: dict, options: dict, total: int,
             **extra) -> ImportJob:
    return ImportJob(garage_id=garage_id, kind=request.kind, source=source, mapping=mapping, options=options,
                     dry_run=request.dry_run, total_rows=total, rows_done=0, created_count=0, updated_count=0,
                     unchanged_count=0, error_rows=0, errors=[], **extra)


async def start_job(session: AsyncSession, actor: Actor, storage, file_id: object, request: JobRequest) -> ImportJob:
    """A QUEUED job for the file; the caller hands it to the worker (tasks.dispatch) after commit. The mapping is
    checked against the file's columns first: a mapping that does not fit starts nothing."""
    mapping, options, source = await _settle(session, actor, request)
    row = await get_file(session, actor, file_id)
    table, mapping = _table_and_mapping(await file_bytes(storage, row), request, mapping, options)
    job = _new_job(actor.garage_id, request, source, mapping, options, len(table.rows), file_id=row.id,
                   file_name=row.name, status="QUEUED", created_by_id=actor.user_id)
    session.add(job)
    await session.flush()
    return job


async def get_job(session: AsyncSession, actor: Actor, job_id: object) -> ImportJob | None:
    ident = v.try_parse_id(job_id)
    if ident is None:
        return None
    return (await session.execute(select(ImportJob).where(ImportJob.id == ident,
                                                          ImportJob.garage_id == actor.garage_id))
            ).scalar_one_or_none()


async def list_jobs(session: AsyncSession, actor: Actor, limit: int = 20) -> list[ImportJob]:
    return list((await session.execute(select(ImportJob).where(ImportJob.garage_id == actor.garage_id)
                                       .order_by(ImportJob.created_at.desc(), ImportJob.id.desc())
                                       .limit(limit))).scalars())


def import_actor(garage_id: uuid.UUID, user_id: uuid.UUID | None) -> Actor:
    """Whom a run acts for in the services it calls (and their audit entries): the admin who started it."""
    from backend.core.permissions import Permission, Role

    return Actor(garage_id=garage_id, permissions=frozenset(Permission), user_id=user_id, role=Role.ADMIN,
                 name="import")


async def _execute(db, job_id: uuid.UUID, garage_id: uuid.UUID, kind: str, table: reader.Table, mapping: dict,
                   options: dict, source: str, dry_run: bool, progress=None, user_id=None) -> Outcome:
    async with db.read() as session:
        ctx = await garage_context(session, garage_id, options)
    run = Run(db.transaction, garage_id, kind, table, mapping, source=source, dry_run=dry_run, ctx=ctx,
              actor=import_actor(garage_id, user_id), job_id=job_id, progress=progress)
    outcome = await run.run()
    async with db.transaction() as session:
        await session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
            status="DONE", finished_at=utcnow(), rows_done=outcome.done, total_rows=outcome.total))
    return outcome


async def _fail(db, job_id: uuid.UUID, code: str) -> None:
    async with db.transaction() as session:
        await session.execute(update(ImportJob).where(ImportJob.id == job_id).values(
            status="FAILED", failure=code, finished_at=utcnow()))


async def run_job(db, storage, job_id: uuid.UUID) -> str:
    """Run a QUEUED job (the worker's task, or the in-process runner). Claimed by a conditional update, so a job
    handed over twice runs once."""
    async with db.transaction() as session:
        claimed = await session.execute(update(ImportJob).where(ImportJob.id == job_id, ImportJob.status == "QUEUED")
                                        .values(status="RUNNING", started_at=utcnow()))
        if not claimed.rowcount:
            return "skipped"
        job = (await session.execute(select(ImportJob).where(ImportJob.id == job_id))).scalar_one()
        file = await session.get(ImportFile, job.file_id) if job.file_id else None
    if file is None:
        await _fail(db, job_id, "FILE_GONE")
        return "failed"
    try:
        table = reader.read_table(await file_bytes(storage, file), job.options)
        await _execute(db, job.id, job.garage_id, job.kind, table, job.mapping, job.options, job.source,
                       job.dry_run, user_id=job.created_by_id)
    except reader.ReadError:
        await _fail(db, job_id, "UNREADABLE")
        return "failed"
    except Exception:
        await _fail(db, job_id, "CRASHED")
        raise
    return "done"


async def run_local(db, garage_id: uuid.UUID, data: bytes, file_name: str, request: JobRequest,
                    progress=None, actor: Actor | None = None) -> tuple[ImportJob, Outcome]:
    """The CLI's run: a local file, a job record for it, progress to the callback. Raises DomainError(s)."""
    actor = actor or import_actor(garage_id, None)
    async with db.read() as session:
        mapping, options, source = await _settle(session, actor, request)
    table, mapping = _table_and_mapping(data, request, mapping, options)
    async with db.transaction() as session:
        job = _new_job(garage_id, request, source, mapping, options, len(table.rows), file_name=file_name[:MAX_NAME],
                       status="RUNNING", started_at=utcnow())
        session.add(job)
        await session.flush()
    try:
        outcome = await _execute(db, job.id, garage_id, request.kind, table, mapping, options, source,
                                 request.dry_run, progress, actor.user_id)
    except Exception:
        await _fail(db, job.id, "CRASHED")
        raise
    return job, outcome
