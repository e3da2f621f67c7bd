"""Inspections: templates (admin), inspections on a job (technicians on their own jobs, managers), results, photos,
carry-forward and findings turned into quote lines.

Colours: a condition item is rated GOOD / ADVISE / URGENT by the technician; a measurement's rating comes from its
limits. With `higher_is_better` (tread depth, pad thickness, battery health) a value at or below `urgent_at` is
URGENT, at or below `advise_at` ADVISE, else GOOD; the other way round (wear, play, runout) at or above.

Photos: a result names its photos by the upload id of `POST /files/upload` (ownerType `job`, the inspection's job,
kind PHOTO). The file and the result may reach the server in either order: a photo shows once both are there, and
only a live (not deleted) attachment of the inspection's own job counts, so no one links another job's file.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from decimal import Decimal, InvalidOperation

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import audit
from backend.core import validate as v
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import Collector, DomainError, DomainErrors, ErrorCode
from backend.core.ids import new_id
from backend.core.validate import check_version
from backend.files.models import Attachment
from backend.inspections.models import (
    Condition,
    Inspection,
    InspectionPhoto,
    InspectionResult,
    InspectionStatus,
    InspectionTemplate,
    ItemKind,
)
from backend.workshop.service.common import load_job

MAX_SECTIONS = 30
MAX_ITEMS = 200
MAX_NOTE = 2000
MAX_PHOTOS = 10
MAX_UPLOAD_ID = 100
MAX_VALUE = Decimal("1000000")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
_UNSET = object()


def given(value: object) -> bool:
    return value is not None and value is not _UNSET


# ------------------------------------------------------------------------------------------------------- templates


@dataclasses.dataclass
class ItemData:
    key: object = None
    title_en: object = None
    title_th: object = None
    kind: object = None
    unit: object = None
    advise_at: object = None
    urgent_at: object = None
    higher_is_better: object = True
    photo_required: object = False


@dataclasses.dataclass
class SectionData:
    key: object = None
    title_en: object = None
    title_th: object = None
    items: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class TemplateData:
    name_en: object = _UNSET
    name_th: object = _UNSET
    sections: object = _UNSET


def _limit(errors: Collector, field: str, value: object) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None
    if not number.is_finite() or abs(number) >= MAX_VALUE:
        errors.add(ErrorCode.INVALID_VALUE, field)
        return None
    return number


def _check_sections(sections: object) -> list[dict]:
    """The template's sections as stored, every bad field reported at once."""
    if not isinstance(sections, (list, tuple)) or not sections:
        raise DomainError(ErrorCode.REQUIRED, "sections")
    if len(sections) > MAX_SECTIONS:
        raise DomainError(ErrorCode.INVALID_VALUE, "sections")
    errors = Collector()
    keys: set[str] = set()
    out: list[dict] = []
    count = 0

    def key_of(field: str, value: object) -> str | None:
        key = value.strip() if isinstance(value, str) else ""
        if not _KEY.match(key):
            errors.add(ErrorCode.INVALID_VALUE, field)
            return None
        if key in keys:
            errors.add(ErrorCode.INSPECTION_KEY_TAKEN, field, key=key)
            return None
        keys.add(key)
        return key

    for s_index, section in enumerate(sections):
        f = f"sections.{s_index}"
        s_key = key_of(f"{f}.key", section.key)
        s_title = v.text(errors, f"{f}.titleEn", section.title_en, required=True)
        s_title_th = v.text(errors, f"{f}.titleTh", section.title_th)
        items = []
        if not section.items:
            errors.add(ErrorCode.REQUIRED, f"{f}.items")
        for i_index, item in enumerate(section.items or []):
            count += 1
            fi = f"{f}.items.{i_index}"
            i_key = key_of(f"{fi}.key", item.key)
            title = v.text(errors, f"{fi}.titleEn", item.title_en, required=True)
            title_th = v.text(errors, f"{fi}.titleTh", item.title_th)
            try:
                kind = ItemKind(getattr(item.kind, "value", item.kind))
            except ValueError:
                errors.add(ErrorCode.INVALID_VALUE, f"{fi}.kind")
                continue
            unit = v.text(errors, f"{fi}.unit", item.unit, max_len=16)
            advise = _limit(errors, f"{fi}.adviseAt", item.advise_at)
            urgent = _limit(errors, f"{fi}.urgentAt", item.urgent_at)
            higher = bool(item.higher_is_better) if item.higher_is_better is not None else True
            if kind == ItemKind.MEASUREMENT:
                if unit is None or advise is None or urgent is None or (
                        urgent > advise if higher else urgent < advise):
                    errors.add(ErrorCode.INSPECTION_LIMITS, fi)
            else:
                unit = advise = urgent = None
            items.append({"key": i_key, "title_en": title, "title_th": title_th, "kind": kind.value, "unit": unit,
                          "advise_at": None if advise is None else str(advise),
                          "urgent_at": None if urgent is None else str(urgent),
                          "higher_is_better": higher, "photo_required": bool(item.photo_required)})
        out.append({"key": s_key, "title_en": s_title, "title_th": s_title_th, "items": items})
    if count > MAX_ITEMS:
        errors.add(ErrorCode.INVALID_VALUE, "sections")
    errors.raise_if_any()
    return out


async def list_templates(session: AsyncSession, actor: Actor) -> list[InspectionTemplate]:
    return list((await session.execute(
        select(InspectionTemplate).where(InspectionTemplate.garage_id == actor.garage_id,
                                         InspectionTemplate.archived_at.is_(None))
        .order_by(InspectionTemplate.name_en, InspectionTemplate.id))).scalars())


async def get_template(session: AsyncSession, actor: Actor, template_id: object, field: str = "id", *,
                       live: bool = False, for_update: bool = False) -> InspectionTemplate:
    query = select(InspectionTemplate).where(InspectionTemplate.id == v.parse_id(template_id, field),
                                             InspectionTemplate.garage_id == actor.garage_id)
    if live:
        query = query.where(InspectionTemplate.archived_at.is_(None))
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return row


async def find_template(session: AsyncSession, actor: Actor, template_id: object) -> InspectionTemplate | None:
    try:
        return await get_template(session, actor, template_id)
    except DomainError:
        return None


_TEMPLATE_AUDIT = ("name_en", "name_th", "sections", "archived_at")


async def create_template(session: AsyncSession, actor: Actor, data: TemplateData,
                          template_id: uuid.UUID | None = None) -> InspectionTemplate:
    errors = Collector()
    name = v.text(errors, "nameEn", data.name_en if given(data.name_en) else None, required=True)
    name_th = v.text(errors, "nameTh", data.name_th if given(data.name_th) else None)
    errors.raise_if_any()
    sections = _check_sections(data.sections if given(data.sections) else None)
    await v.ensure_new_id(session, InspectionTemplate, template_id)
    row = InspectionTemplate(id=template_id or new_id(), garage_id=actor.garage_id, name_en=name, name_th=name_th,
                             sections=sections, version=1, created_at=utcnow(), updated_at=utcnow())
    session.add(row)
    await session.flush()
    audit.record(session, actor, "InspectionTemplate", row.id, "create", audit.created(row, _TEMPLATE_AUDIT))
    return row


async def update_template(session: AsyncSession, actor: Actor, template_id: object, data: TemplateData,
                          expected_version: int | None = None) -> InspectionTemplate:
    row = await get_template(session, actor, template_id, live=True, for_update=True)
    check_version(row, expected_version)
    before = audit.snapshot(row, _TEMPLATE_AUDIT)
    errors = Collector()
    if data.name_en is not _UNSET:
        name = v.text(errors, "nameEn", data.name_en, required=True)
    if data.name_th is not _UNSET:
        name_th = v.text(errors, "nameTh", data.name_th)
    errors.raise_if_any()
    sections = _check_sections(data.sections) if data.sections is not _UNSET else None
    if data.name_en is not _UNSET:
        row.name_en = name
    if data.name_th is not _UNSET:
        row.name_th = name_th
    if sections is not None:
        row.sections = sections
    row.version += 1
    row.updated_at = utcnow()
    await session.flush()
    audit.record(session, actor, "InspectionTemplate", row.id, "update",
                 audit.diff(before, audit.snapshot(row, _TEMPLATE_AUDIT)))
    return row


async def archive_template(session: AsyncSession, actor: Actor, template_id: object,
                           expected_version: int | None = None) -> InspectionTemplate:
    """An archived template is no longer offered; inspections made with it keep their own copy."""
    row = await get_template(session, actor, template_id, for_update=True)
    check_version(row, expected_version)
    if row.archived_at is None:
        row.archived_at = utcnow()
        row.version += 1
        await session.flush()
        audit.record(session, actor, "InspectionTemplate", row.id, "archive",
                     {"archived_at": {"before": None, "after": row.archived_at.isoformat()}})
    return row


# ----------------------------------------------------------------------------------------------------- inspections


def items_of(sections: list[dict]) -> list[tuple[dict, dict]]:
    """(section, item) in the template's order."""
    return [(section, item) for section in sections for item in section["items"]]


def find_item(inspection: Inspection, item_key: object) -> tuple[dict, dict]:
    for section, item in items_of(inspection.sections):
        if item["key"] == item_key:
            return section, item
    raise DomainError(ErrorCode.INSPECTION_ITEM_UNKNOWN, "itemKey", key=str(item_key)[:64])


def colour(item: dict, value: Decimal | None) -> Condition | None:
    """A measurement's rating from its limits (None without a value)."""
    if value is None or item.get("advise_at") is None or item.get("urgent_at") is None:
        return None
    advise, urgent = Decimal(item["advise_at"]), Decimal(item["urgent_at"])
    if item.get("higher_is_better", True):
        return Condition.URGENT if value <= urgent else Condition.ADVISE if value <= advise else Condition.GOOD
    return Condition.URGENT if value >= urgent else Condition.ADVISE if value >= advise else Condition.GOOD


def title(entry: dict) -> dict:
    """A title kept in both languages, as an error parameter reads it ({"en", "th"})."""
    return {"en": entry["title_en"], "th": entry.get("title_th") or entry["title_en"]}


async def job_for_work(session: AsyncSession, actor: Actor, job_id: object, field: str = "jobId"):
    return await load_job(session, actor, job_id, field=field)


async def may_work(session: AsyncSession, actor: Actor, *, job_id: object = None, inspection_id: object = None
                   ) -> bool:
    """False only for a technician on a job not assigned to them (what is not found is left to the service)."""
    from backend.workshop.models import Job
    from backend.workshop.service.common import is_technician

    if not is_technician(actor):
        return True
    if inspection_id is not None:
        iid = v.try_parse_id(inspection_id)
        if iid is None:
            return True
        query = select(Job.technician_id).join(Inspection, Inspection.job_id == Job.id).where(
            Inspection.id == iid, Inspection.garage_id == actor.garage_id)
    else:
        jid = v.try_parse_id(job_id)
        if jid is None:
            return True
        query = select(Job.technician_id).where(Job.id == jid, Job.garage_id == actor.garage_id)
    row = (await session.execute(query)).one_or_none()
    return row is None or row[0] == actor.user_id


async def start_inspection(session: AsyncSession, actor: Actor, inspection_id: uuid.UUID | None, job_id: object,
                           template_id: object) -> Inspection:
    from backend.workshop.models import JobStatus

    job = await job_for_work(session, actor, job_id)
    if job.status in (JobStatus.INVOICED, JobStatus.CANCELLED):
        raise DomainError(ErrorCode.JOB_NOT_WORKABLE, "jobId")
    template = await get_template(session, actor, template_id, "templateId", live=True)
    await v.ensure_new_id(session, Inspection, inspection_id)
    row = Inspection(id=inspection_id or new_id(), garage_id=actor.garage_id, job_id=job.id,
                     vehicle_id=job.vehicle_id, template_id=template.id, name_en=template.name_en,
                     name_th=template.name_th, sections=template.sections, status=InspectionStatus.IN_PROGRESS,
                     started_by_id=actor.user_id, started_at=utcnow(), version=1)
    session.add(row)
    await session.flush()
    audit.record(session, actor, "Inspection", row.id, "start",
                 audit.created(row, ("job_id", "template_id", "status")))
    return row


async def get_inspection(session: AsyncSession, actor: Actor, inspection_id: object, field: str = "inspectionId",
                         *, for_update: bool = False) -> Inspection:
    """An inspection of the actor's garage on a job they may work (a technician: their own)."""
    query = select(Inspection).where(Inspection.id == v.parse_id(inspection_id, field),
                                     Inspection.garage_id == actor.garage_id)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    await job_for_work(session, actor, row.job_id, field)
    return row


async def find_inspection(session: AsyncSession, actor: Actor, inspection_id: object) -> Inspection | None:
    try:
        return await get_inspection(session, actor, inspection_id)
    except DomainError:
        return None


def _open(inspection: Inspection, expected_version: int | None) -> None:
    check_version(inspection, expected_version)
    if inspection.status != InspectionStatus.IN_PROGRESS:
        raise DomainError(ErrorCode.INSPECTION_COMPLETED, "inspectionId")


def _upload_ids(errors: Collector, values: object) -> list[str]:
    if not given(values):
        return []
    if not isinstance(values, (list, tuple)) or len(values) > MAX_PHOTOS:
        errors.add(ErrorCode.INVALID_VALUE, "photoUploadIds")
        return []
    out: list[str] = []
    for index, value in enumerate(values):
        text = value.strip() if isinstance(value, str) else ""
        if not text or len(text) > MAX_UPLOAD_ID:
            errors.add(ErrorCode.INVALID_VALUE, f"photoUploadIds.{index}")
        elif text not in out:
            out.append(text)
    return out


@dataclasses.dataclass
class ResultData:
    condition: object = _UNSET
    value: object = _UNSET
    note: object = _UNSET
    photo_upload_ids: object = _UNSET


async def record_result(session: AsyncSession, actor: Actor, inspection_id: object, item_key: object,
                        data: ResultData, expected_version: int | None = None) -> Inspection:
    """Set one item's rating, value and note (what is not sent stays) and add photos by upload id."""
    inspection = await get_inspection(session, actor, inspection_id, for_update=True)
    _open(inspection, expected_version)
    section, item = find_item(inspection, item_key)
    errors = Collector()
    result = (await session.execute(select(InspectionResult).where(
        InspectionResult.inspection_id == inspection.id, InspectionResult.item_key == item["key"]))
    ).scalar_one_or_none()
    condition = result.condition if result else None
    value = result.value if result else None
    note = result.note if result else None
    if item["kind"] == ItemKind.MEASUREMENT.value:
        if given(data.value):
            value = _limit(errors, "value", data.value)
        if value is None and not errors.errors:
            errors.add(ErrorCode.REQUIRED, "value")
        condition = colour(item, value)
    else:
        if given(data.condition):
            try:
                condition = Condition(getattr(data.condition, "value", data.condition))
            except ValueError:
                errors.add(ErrorCode.INVALID_VALUE, "condition")
        if condition is None and not errors.errors:
            errors.add(ErrorCode.REQUIRED, "condition")
    if data.note is not _UNSET:
        note = v.text(errors, "note", data.note, max_len=MAX_NOTE)
    uploads = _upload_ids(errors, data.photo_upload_ids)
    errors.raise_if_any()
    if result is None:
        result = InspectionResult(id=new_id(), garage_id=actor.garage_id, inspection_id=inspection.id,
                                  section_key=section["key"], item_key=item["key"])
        session.add(result)
    result.condition, result.value, result.note = condition, value, note
    result.recorded_at, result.recorded_by_id = utcnow(), actor.user_id
    if uploads:
        known = set((await session.execute(select(InspectionPhoto.upload_id).where(
            InspectionPhoto.inspection_id == inspection.id, InspectionPhoto.item_key == item["key"]))).scalars())
        for upload_id in uploads:
            if upload_id not in known:
                session.add(InspectionPhoto(id=new_id(), garage_id=actor.garage_id, inspection_id=inspection.id,
                                            item_key=item["key"], upload_id=upload_id, created_at=utcnow()))
    inspection.version += 1
    await session.flush()
    audit.record(session, actor, "Inspection", inspection.id, "result", {
        item["key"]: {"before": None, "after": {"condition": condition.value if condition else None,
                                                  "value": None if value is None else str(value), "note": note,
                                                  "photos": uploads}}})
    return inspection


async def complete_inspection(session: AsyncSession, actor: Actor, inspection_id: object,
                              expected_version: int | None = None) -> Inspection:
    """Refused while an item that needs a photo has none stored (each such item named, in the reader's language)."""
    inspection = await get_inspection(session, actor, inspection_id, for_update=True)
    _open(inspection, expected_version)
    needed = [(s, i) for s, i in items_of(inspection.sections) if i.get("photo_required")]
    if needed:
        photos = (await photos_for(session, actor.garage_id, [inspection.id]))[0]
        missing = [DomainError(ErrorCode.INSPECTION_PHOTO_REQUIRED, f"results.{item['key']}", item=title(item))
                   for _, item in needed if not photos.get(item["key"])]
        if len(missing) == 1:
            raise missing[0]
        if missing:
            raise DomainErrors(missing)
    inspection.status = InspectionStatus.COMPLETED
    inspection.completed_at, inspection.completed_by_id = utcnow(), actor.user_id
    inspection.version += 1
    await session.flush()
    audit.record(session, actor, "Inspection", inspection.id, "complete",
                 {"status": {"before": InspectionStatus.IN_PROGRESS.value, "after": inspection.status.value}})
    return inspection


# --------------------------------------------------------------------------------------------------------- reading


async def inspections_of_jobs(session: AsyncSession, garage_id: uuid.UUID, job_ids: list[uuid.UUID]
                              ) -> list[list[Inspection]]:
    rows = (await session.execute(select(Inspection).where(
        Inspection.garage_id == garage_id, Inspection.job_id.in_(set(job_ids)))
        .order_by(Inspection.started_at, Inspection.id))).scalars()
    groups: dict[uuid.UUID, list[Inspection]] = {}
    for row in rows:
        groups.setdefault(row.job_id, []).append(row)
    return [groups.get(k, []) for k in job_ids]


async def results_of(session: AsyncSession, garage_id: uuid.UUID, inspection_ids: list[uuid.UUID]
                     ) -> list[dict[str, InspectionResult]]:
    rows = (await session.execute(select(InspectionResult).where(
        InspectionResult.garage_id == garage_id, InspectionResult.inspection_id.in_(set(inspection_ids))))).scalars()
    groups: dict[uuid.UUID, dict[str, InspectionResult]] = {}
    for row in rows:
        groups.setdefault(row.inspection_id, {})[row.item_key] = row
    return [groups.get(k, {}) for k in inspection_ids]


async def photos_for(session: AsyncSession, garage_id: uuid.UUID, inspection_ids: list[uuid.UUID]
                     ) -> list[dict[str, list[Attachment]]]:
    """Per inspection, item key -> its live photos (stored files of the inspection's own job), in the order sent.
    One statement for every inspection asked about."""
    if not inspection_ids:
        return []
    rows = (await session.execute(
        select(InspectionPhoto.inspection_id, InspectionPhoto.item_key, Attachment)
        .join(Inspection, Inspection.id == InspectionPhoto.inspection_id)
        .join(Attachment, and_(Attachment.garage_id == InspectionPhoto.garage_id,
                               Attachment.upload_id == InspectionPhoto.upload_id,
                               Attachment.owner_type == "job", Attachment.owner_id == Inspection.job_id))
        .where(InspectionPhoto.garage_id == garage_id, InspectionPhoto.inspection_id.in_(set(inspection_ids)),
               Attachment.deleted_at.is_(None))
        .order_by(InspectionPhoto.created_at, InspectionPhoto.id))).all()
    groups: dict[uuid.UUID, dict[str, list[Attachment]]] = {}
    for inspection_id, item_key, attachment in rows:
        groups.setdefault(inspection_id, {}).setdefault(item_key, []).append(attachment)
    return [groups.get(k, {}) for k in inspection_ids]


@dataclasses.dataclass(frozen=True)
class Previous:
    value: Decimal | None
    condition: Condition | None
    recorded_at: object


async def previous_for(session: AsyncSession, garage_id: uuid.UUID, inspections: list[tuple]
                       ) -> list[dict[str, Previous]]:
    """Carry-forward: per (inspection id, vehicle id, started at), item key -> that item in the vehicle's latest
    earlier inspection that has it. One statement for every inspection asked about."""
    if not inspections:
        return []
    vehicles = {vehicle_id for _, vehicle_id, _ in inspections}
    rows = (await session.execute(
        select(Inspection.vehicle_id, Inspection.id, Inspection.started_at, InspectionResult)
        .join(InspectionResult, InspectionResult.inspection_id == Inspection.id)
        .where(Inspection.garage_id == garage_id, Inspection.vehicle_id.in_(vehicles))
        .order_by(Inspection.started_at.desc(), Inspection.id.desc()))).all()
    out: list[dict[str, Previous]] = []
    for inspection_id, vehicle_id, started_at in inspections:
        found: dict[str, Previous] = {}
        for other_vehicle, other_id, other_started, result in rows:
            if other_vehicle != vehicle_id or (other_started, other_id) >= (started_at, inspection_id):
                continue
            found.setdefault(result.item_key, Previous(result.value, result.condition, result.recorded_at))
        out.append(found)
    return out


# ------------------------------------------------------------------------------------------- findings -> quote lines


@dataclasses.dataclass
class FindingData:
    inspection_id: object = None
    item_key: object = None
    labour_action_id: object = _UNSET
    item_id: object = _UNSET
    description: object = _UNSET
    quantity: object = _UNSET
    unit_price: object = _UNSET


def _finding_text(item: dict, result: InspectionResult, locale) -> str:
    from backend.core.enums import Locale

    name = item.get("title_th") if locale == Locale.TH and item.get("title_th") else item["title_en"]
    parts = [name]
    if result.value is not None:
        parts.append(f"{result.value.normalize():f} {item.get('unit') or ''}".strip())
    if result.note:
        parts.append(result.note)
    return ": ".join([parts[0], ", ".join(parts[1:])]) if len(parts) > 1 else name


async def quote_from_findings(session: AsyncSession, actor: Actor, job_id: object, quote_id: object,
                              findings: object, expected_version: int | None = None):
    """Amber and red findings of the job's inspections become lines of a new quote for the job, or of its given draft
    quote: a catalog labour action, a stocked part, or free text with a price; each line carries the finding's photos
    and the finding is marked quoted."""
    from backend.billing.models import QuoteLineAttachment
    from backend.billing.service import quotes as billing
    from backend.billing.service.common import LineInput
    from backend.billing.models import LineKind

    job = await load_job(session, actor, job_id)
    if not isinstance(findings, (list, tuple)) or not findings:
        raise DomainError(ErrorCode.REQUIRED, "findings")
    if len(findings) > 100:
        raise DomainError(ErrorCode.INVALID_VALUE, "findings")
    errors = Collector()
    inspections: dict[uuid.UUID, Inspection] = {}
    ids = {v.try_parse_id(f.inspection_id) for f in findings} - {None}
    if ids:
        for row in (await session.execute(select(Inspection).where(
                Inspection.id.in_(ids), Inspection.garage_id == actor.garage_id, Inspection.job_id == job.id)
                .with_for_update())).scalars():
            inspections[row.id] = row
    results = {}
    if inspections:
        for row in (await session.execute(select(InspectionResult).where(
                InspectionResult.inspection_id.in_(set(inspections))).with_for_update())).scalars():
            results[(row.inspection_id, row.item_key)] = row
    chosen: list[tuple[FindingData, dict, InspectionResult]] = []
    seen: set = set()
    for index, finding in enumerate(findings):
        f = f"findings.{index}"
        inspection = inspections.get(v.try_parse_id(finding.inspection_id))
        if inspection is None:
            errors.add(ErrorCode.NOT_FOUND, f"{f}.inspectionId")
            continue
        try:
            _, item = find_item(inspection, finding.item_key)
        except DomainError as exc:
            exc.field = f"{f}.itemKey"
            errors.errors.append(exc)
            continue
        result = results.get((inspection.id, item["key"]))
        if result is None or result.condition not in (Condition.ADVISE, Condition.URGENT):
            errors.add(ErrorCode.NOT_A_FINDING, f"{f}.itemKey")
        elif result.quote_line_id is not None or (inspection.id, item["key"]) in seen:
            errors.add(ErrorCode.FINDING_ALREADY_QUOTED, f"{f}.itemKey")
        else:
            seen.add((inspection.id, item["key"]))
            chosen.append((finding, item, result))
    errors.raise_if_any()
    quote = None
    if given(quote_id):
        quote = await billing.get_quote(session, actor, quote_id, "quoteId", for_update=True)
        if quote.job_id != job.id:
            raise DomainError(ErrorCode.NOT_FOUND, "quoteId")
        check_version(quote, expected_version)
    from backend.billing.service import common as c

    locale = quote.locale if quote is not None else c.locale_of(
        await billing._customer_locale(session, job.customer_id), await c.garage_of(session, actor))
    lines = []
    for finding, item, result in chosen:
        part = given(finding.item_id)
        lines.append(LineInput(
            kind=LineKind.PART if part else LineKind.LABOUR,
            description=finding.description if given(finding.description) else (
                None if part or given(finding.labour_action_id) else _finding_text(item, result, locale)),
            quantity=finding.quantity if given(finding.quantity) else None,
            unit_price=finding.unit_price if given(finding.unit_price) else None,
            task_action_id=finding.labour_action_id if given(finding.labour_action_id) and not part else None,
            item_id=finding.item_id if part else None,
        ))
    try:
        if quote is None:
            quote = await billing.create_quote(session, actor, billing.QuoteData(job_id=job.id, lines=lines))
            new_lines = await billing.quote_lines(session, quote)
        else:
            quote, new_lines = await billing.append_lines(session, actor, quote, lines)
    except (DomainError, DomainErrors) as exc:  # a line's field is its finding's
        for error in exc.errors if isinstance(exc, DomainErrors) else [exc]:
            if error.field and error.field.startswith("lines."):
                error.field = "findings." + error.field[len("lines."):]
        raise
    by_inspection = dict(zip(inspections, await photos_for(session, actor.garage_id, list(inspections))))
    for (finding, item, result), line in zip(chosen, new_lines):
        result.quote_line_id = line.id
        for position, attachment in enumerate(by_inspection[result.inspection_id].get(item["key"], [])):
            session.add(QuoteLineAttachment(id=new_id(), garage_id=actor.garage_id, quote_line_id=line.id,
                                            attachment_id=attachment.id, position=position))
    for inspection in inspections.values():
        inspection.version += 1
    await session.flush()
    return quote

