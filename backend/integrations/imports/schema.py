"""GraphQL for import from an earlier system (admins: imports:manage).

The app uploads the file in parts (`uploadImportFile`, each part base64, under the request cap), reads a preview
(columns, first rows, a suggested mapping), picks or saves a preset, starts a dry run or a real run
(`startImport`), and polls `importJob` for progress (rows done / total) and the rows' problems in the reader's
language. Runs go to the worker (arq) when Redis is configured, else run in-process (embedded mode).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
from decimal import Decimal

import strawberry
from sqlalchemy import select

from backend.api.errors import UserError
from backend.api.loaders import Loader
from backend.api.mutations import given, run
from backend.api.permissions import requires
from backend.core.errors import DomainError, ErrorCode
from backend.core.i18n import translate
from backend.core.permissions import Permission as P
from backend.files.storage import storage_for
from backend.integrations.imports import fields as F
from backend.integrations.imports import service, tasks
from backend.integrations.imports.models import ImportJob as JobRow
from backend.integrations.imports.models import ServiceHistory as HistoryRow

MAX_ERRORS_PAGE = 500


@strawberry.enum(description="What a file holds.")
class ImportKind(enum.Enum):
    CUSTOMERS = "customers"
    VEHICLES = "vehicles"
    SERVICE_HISTORY = "service_history"
    STOCK_ITEMS = "stock_items"


@strawberry.enum(description="QUEUED, RUNNING, then DONE; FAILED when the file could not be run at all.")
class ImportStatus(enum.Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


@strawberry.type(description="One column of the file and the field it fills.")
class ColumnMapping:
    column: str
    field: str


@strawberry.input
class ColumnMappingInput:
    column: str
    field: str = strawberry.field(description="A field name from importFields; empty: the column is not imported.")


@strawberry.type(description="How a file is read. Null: detected (encoding, delimiter) or the default.")
class ImportOptions:
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    date_order: str | None = strawberry.field(default=None, description="DMY (default), MDY or YMD.")


@strawberry.input
class ImportOptionsInput:
    encoding: str | None = strawberry.field(default=None, description="auto, utf-8, cp874 (TIS-620), utf-16, ...")
    delimiter: str | None = None
    sheet: str | None = None
    date_order: str | None = None


def _options(data: ImportOptionsInput | None) -> dict:
    if data is None or data is strawberry.UNSET:
        return {}
    return {k: getattr(data, k) for k in ("encoding", "delimiter", "sheet", "date_order") if getattr(data, k)}


def _mapping(items: list[ColumnMappingInput] | None) -> dict:
    return {m.column: m.field for m in items or []}


def _pairs(mapping: dict) -> list[ColumnMapping]:
    return [ColumnMapping(column=c, field=f) for c, f in mapping.items()]


@strawberry.type(description="A field an import can fill.")
class ImportField:
    name: str
    label: str
    required: bool
    several_columns: bool = strawberry.field(description="Several columns may fill it (joined with commas).")


@strawberry.type(description="A mapping preset: built in (a documented export of another system) or saved.")
class ImportPreset:
    id: strawberry.ID | None
    key: str = strawberry.field(description="What startImport's preset takes.")
    name: str
    kind: ImportKind
    source: str
    builtin: bool
    mapping: list[ColumnMapping]
    options: ImportOptions


def _preset(p: service.PresetView) -> ImportPreset:
    return ImportPreset(id=strawberry.ID(str(p.id)) if p.id else None, key=p.key, name=p.name,
                        kind=ImportKind(p.kind), source=p.source, builtin=p.builtin, mapping=_pairs(p.mapping),
                        options=ImportOptions(**{k: p.options.get(k) for k in ("encoding", "delimiter", "sheet",
                                                                                 "date_order")}))


@strawberry.type(description="An uploaded file (complete once its last part has arrived).")
class ImportFile:
    id: strawberry.ID
    name: str
    size: int
    complete: bool


@strawberry.type(description="The first rows of a file as read, and a mapping guessed from its column names.")
class ImportPreview:
    columns: list[str]
    rows: list[list[str | None]]
    total_rows: int
    format: str
    encoding: str | None
    delimiter: str | None
    suggested: list[ColumnMapping]


@strawberry.type(description="One problem of one row: the row as a spreadsheet numbers it (the header is 1).")
class ImportRowError:
    row: int
    column: str | None
    code: str
    message: str = strawberry.field(description="In the reader's language.")


@strawberry.type(description="A dry run or a real run of an import, with its progress.")
class ImportJob:
    id: strawberry.ID
    kind: ImportKind
    status: ImportStatus
    dry_run: bool
    file_name: str
    source: str
    total_rows: int
    rows_done: int
    created_count: int = strawberry.field(description="New records (a dry run: that would be made).")
    updated_count: int
    unchanged_count: int
    error_rows: int = strawberry.field(description="Rows with problems (not imported).")
    failure: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @strawberry.field
    def mapping(self) -> list[ColumnMapping]:
        return _pairs(self.mapping)  # type: ignore[arg-type]

    @strawberry.field(description="The rows' problems, by row (the first 5,000 are kept).")
    def errors(self, info: strawberry.Info, first: int = 100, offset: int = 0) -> list[ImportRowError]:
        first = max(0, min(first, MAX_ERRORS_PAGE))
        locale = info.context.locale
        out = []
        for item in (self.errors or [])[max(offset, 0):max(offset, 0) + first]:  # type: ignore[attr-defined]
            problem = F.Problem.from_dict(item)
            out.append(ImportRowError(row=problem.row, column=problem.column, code=problem.code,
                                      message=problem.message(locale)))
        return out


@strawberry.type(description="A past visit imported from an earlier system (history, not an invoice).")
class ServiceHistoryEntry:
    id: strawberry.ID
    visited_on: dt.date
    mileage: int | None
    description: str | None
    technician_name: str | None
    billed_hours: Decimal | None
    labour_amount: int | None = strawberry.field(description="Minor units of currency.")
    parts_amount: int | None
    total_amount: int | None
    currency: str
    source: str


class HistoryByVehicle(Loader):
    """vehicle id -> its imported past visits, newest first: one statement for every vehicle on the page."""

    async def batch_load_fn(self, keys):
        rows = await self.rows(select(HistoryRow).where(HistoryRow.garage_id == self.garage_id,
                                                        HistoryRow.vehicle_id.in_(list(keys)))
                               .order_by(HistoryRow.visited_on.desc(), HistoryRow.id.desc()))
        out: dict = {k: [] for k in keys}
        for r in rows:
            out[r.vehicle_id].append(r)
        return [out[k] for k in keys]


def _vehicle_history(root, info: strawberry.Info) -> list[ServiceHistoryEntry]:
    return info.context.loader(HistoryByVehicle).load(root.id)


vehicle_service_history = strawberry.field(
    resolver=_vehicle_history, extensions=requires(P.JOBS_READ),
    description="Past visits imported from an earlier system, newest first (kept as history, not as jobs).")


@strawberry.input
class UploadImportFileInput:
    file_id: strawberry.ID = strawberry.field(description="Chosen by the client; the same for every part.")
    name: str
    index: int = strawberry.field(description="0, 1, 2, ... in order; a part sent again changes nothing.")
    data: str = strawberry.field(description="The part's bytes in base64 (at most 512 KiB of bytes).")
    last: bool


@strawberry.type
class UploadImportFilePayload:
    file: ImportFile | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SaveImportPresetInput:
    kind: ImportKind
    name: str
    mapping: list[ColumnMappingInput]
    options: ImportOptionsInput | None = None
    source: str | None = None
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class ImportPresetPayload:
    preset: ImportPreset | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class DeleteImportPresetInput:
    id: strawberry.ID
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class StartImportInput:
    file_id: strawberry.ID
    kind: ImportKind
    dry_run: bool = strawberry.field(description="Check every row and change nothing.")
    preset: str | None = None
    mapping: list[ColumnMappingInput] | None = strawberry.field(
        default=None, description="column=field pairs; on top of the preset's (without one, of a guess).")
    options: ImportOptionsInput | None = None
    source: str | None = strawberry.field(default=None, description="The earlier system's short name; a row's "
                                          "id is unique per source (default: the preset's, else 'import').")
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class StartImportPayload:
    job: ImportJob | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _decode(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(ErrorCode.INVALID_VALUE, "data") from None


async def _find_job(session, actor, ref):
    return await service.get_job(session, actor, ref)


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.IMPORTS_MANAGE), description="The fields an import of a kind can fill.")
    def import_fields(self, info: strawberry.Info, kind: ImportKind) -> list[ImportField]:
        locale = info.context.locale
        return [ImportField(name=f.name, label=translate(locale, f.label), required=f.required,
                            several_columns=f.joinable) for f in F.FIELDS[kind.value]]

    @strawberry.field(extensions=requires(P.IMPORTS_MANAGE), description="Built-in and saved presets.")
    async def import_presets(self, info: strawberry.Info, kind: ImportKind | None = None) -> list[ImportPreset]:
        async with info.context.read() as session:
            rows = await service.list_presets(session, info.context.actor, kind.value if kind else None)
        return [_preset(p) for p in rows]

    @strawberry.field(extensions=requires(P.IMPORTS_MANAGE),
                      description="Columns and first rows of an uploaded file; null when it is not found.")
    async def import_preview(self, info: strawberry.Info, file_id: strawberry.ID, kind: ImportKind,
                             options: ImportOptionsInput | None = None) -> ImportPreview | None:
        storage = storage_for(info.context.settings)
        try:
            async with info.context.read() as session:
                p = await service.preview(session, info.context.actor, storage, file_id, kind.value,
                                          _options(options))
        except DomainError as exc:
            if exc.code == ErrorCode.NOT_FOUND:
                return None
            raise _public(exc, info.context.locale) from None
        return ImportPreview(columns=p.columns, rows=p.rows, total_rows=p.total_rows, format=p.format,
                             encoding=p.encoding, delimiter=p.delimiter, suggested=_pairs(p.suggested))

    @strawberry.field(extensions=requires(P.IMPORTS_MANAGE), description="One import job (poll it for progress).")
    async def import_job(self, info: strawberry.Info, id: strawberry.ID) -> ImportJob | None:
        async with info.context.read() as session:
            return _job_view(await service.get_job(session, info.context.actor, id))

    @strawberry.field(extensions=requires(P.IMPORTS_MANAGE), description="The latest import jobs, newest first.")
    async def import_jobs(self, info: strawberry.Info) -> list[ImportJob]:
        async with info.context.read() as session:
            return [_job_view(j) for j in await service.list_jobs(session, info.context.actor)]


def _public(exc: DomainError, locale: str):
    from backend.api.errors import PublicError

    return PublicError(exc.message(locale), extensions={"code": exc.code.value, "field": exc.field})


def _job_view(row: JobRow | None):
    if row is None:
        return None
    return _JobView(row)


class _JobView:
    """The job row with its enums as GraphQL wants them."""

    def __init__(self, row: JobRow) -> None:
        self._row = row

    def __getattr__(self, name):
        return getattr(self._row, name)

    @property
    def kind(self):
        return ImportKind(self._row.kind)

    @property
    def status(self):
        return ImportStatus(self._row.status)


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.IMPORTS_MANAGE),
                         description="Upload a file for import, one part at a time (see the input's fields).")
    async def upload_import_file(self, info: strawberry.Info, input: UploadImportFileInput
                                 ) -> UploadImportFilePayload:
        storage = storage_for(info.context.settings)

        async def call(session, actor):
            return await service.upload_chunk(session, actor, storage, input.file_id, input.name, input.index,
                                              _decode(input.data), input.last)

        row, errors = await run(info, call)
        return UploadImportFilePayload(file=row, errors=errors)

    @strawberry.mutation(extensions=requires(P.IMPORTS_MANAGE),
                         description="Save a mapping preset for a kind under a name (the same name replaces it).")
    async def save_import_preset(self, info: strawberry.Info, input: SaveImportPresetInput) -> ImportPresetPayload:
        async def call(session, actor):
            return await service.save_preset(session, actor, input.kind.value, input.name, _mapping(input.mapping),
                                             _options(input.options), input.source)

        row, errors = await run(info, call, client_mutation_id=given(input.client_mutation_id))
        if row is None:
            return ImportPresetPayload(errors=errors)
        view = service.PresetView(row.name, row.name, row.kind, row.source, row.mapping, row.options, False, row.id)
        return ImportPresetPayload(preset=_preset(view), errors=errors)

    @strawberry.mutation(extensions=requires(P.IMPORTS_MANAGE), description="Delete a saved preset.")
    async def delete_import_preset(self, info: strawberry.Info, input: DeleteImportPresetInput
                                   ) -> ImportPresetPayload:
        row, errors = await run(info, service.delete_preset, input.id,
                                client_mutation_id=given(input.client_mutation_id))
        return ImportPresetPayload(errors=errors)

    @strawberry.mutation(extensions=requires(P.IMPORTS_MANAGE),
                         description="Start a dry run or a real run of an uploaded file; poll importJob.")
    async def start_import(self, info: strawberry.Info, input: StartImportInput) -> StartImportPayload:
        ctx = info.context
        storage = storage_for(ctx.settings)
        request = service.JobRequest(kind=input.kind.value, mapping=_mapping(input.mapping),
                                     options=_options(input.options), preset=input.preset, source=input.source,
                                     dry_run=input.dry_run)

        async def call(session, actor):
            return await service.start_job(session, actor, storage, input.file_id, request)

        job, errors = await run(info, call, client_mutation_id=given(input.client_mutation_id), replay=_find_job)
        if job is not None and not errors and job.status == "QUEUED":
            ident = job.id
            ctx.after_commit(lambda: tasks.dispatch(ctx.db, ctx.settings, ident))
        return StartImportPayload(job=_job_view(job), errors=errors)


