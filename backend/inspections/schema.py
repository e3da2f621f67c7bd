"""GraphQL for inspections: templates (admin), Job.inspections, results with photos and carry-forward, the offline
technician's mutations (replay-safe, client-chosen ids) and quoteFromFindings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from backend.accounts.loaders import UserLoader
from backend.api.errors import UserError, forbidden
from backend.api.mutations import client_id, given, run_input
from backend.api.permissions import check, requires
from backend.api.queries import read
from backend.api.scalars import Amount
from backend.core import idempotency
from backend.core.permissions import Permission as P
from backend.inspections import service
from backend.inspections.loaders import (
    InspectionsByJobLoader,
    PhotosByItemLoader,
    PreviousByItemLoader,
    ResultsByInspectionLoader,
)
from backend.inspections.models import Condition as ConditionEnum
from backend.inspections.models import InspectionStatus as InspectionStatusEnum
from backend.inspections.models import ItemKind as ItemKindEnum

if TYPE_CHECKING:
    from backend.accounts.schema import User
    from backend.billing.schema.quotes import QuotePayload
    from backend.files.schema import Attachment

Attachment_ = Annotated["Attachment", strawberry.lazy("backend.files.schema")]
User_ = Annotated["User", strawberry.lazy("backend.accounts.schema")]

InspectionItemKind = strawberry.enum(ItemKindEnum, name="InspectionItemKind", description=(
    "CONDITION: rated by the technician; MEASUREMENT: a value with a unit, rated by the item's limits."))
InspectionCondition = strawberry.enum(ConditionEnum, name="InspectionCondition",
                                      description="GOOD (green), ADVISE (amber), URGENT (red).")
InspectionStatus = strawberry.enum(InspectionStatusEnum, name="InspectionStatus")


def _thai(info: strawberry.Info) -> bool:
    return (info.context.locale or "en").startswith("th")


def _title(info: strawberry.Info, entry: dict) -> str:
    return (entry.get("title_th") if _thai(info) and entry.get("title_th") else None) or entry["title_en"]


def _decimal(value: str | Decimal | None) -> Decimal | None:
    """As typed: 4 not 4.000 (the column keeps three decimals)."""
    if value is None:
        return None
    number = Decimal(value)
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()


@strawberry.type
class _Titled:
    """A section or an item: a key and a title in English and Thai."""

    data: strawberry.Private[dict]

    @strawberry.field
    def key(self) -> str:
        return self.data["key"]

    @strawberry.field(description="In the reader's language.")
    def title(self, info: strawberry.Info) -> str:
        return _title(info, self.data)

    @strawberry.field
    def title_en(self) -> str:
        return self.data["title_en"]

    @strawberry.field
    def title_th(self) -> str | None:
        return self.data.get("title_th")


@strawberry.type(description="One item of a template: a condition to rate, or a measurement with limits.")
class InspectionItem(_Titled):

    @strawberry.field
    def kind(self) -> InspectionItemKind:
        return ItemKindEnum(self.data["kind"])

    @strawberry.field(description="A measurement's unit (mm, %, V).")
    def unit(self) -> str | None:
        return self.data.get("unit")

    @strawberry.field(description="A measurement at or past this value (towards bad) is ADVISE (amber).")
    def advise_at(self) -> Decimal | None:
        return _decimal(self.data.get("advise_at"))

    @strawberry.field(description="A measurement at or past this value (towards bad) is URGENT (red).")
    def urgent_at(self) -> Decimal | None:
        return _decimal(self.data.get("urgent_at"))

    @strawberry.field(description="True: a lower value is worse (tread depth); false: a higher value is worse.")
    def higher_is_better(self) -> bool:
        return bool(self.data.get("higher_is_better", True))

    @strawberry.field(description="The inspection cannot be completed until this item has a photo.")
    def photo_required(self) -> bool:
        return bool(self.data.get("photo_required"))


@strawberry.type
class InspectionSection(_Titled):

    @strawberry.field
    def items(self) -> list[InspectionItem]:
        return [InspectionItem(data=item) for item in self.data["items"]]


def _sections(sections: list[dict]) -> list[InspectionSection]:
    return [InspectionSection(data=s) for s in sections]


@strawberry.type(description="A garage's checklist for inspections, sections and items in English and Thai.")
class InspectionTemplate:
    id: strawberry.ID
    name_en: str
    name_th: str | None
    version: int
    archived_at: dt.datetime | None

    @strawberry.field(description="In the reader's language.")
    def name(self, info: strawberry.Info) -> str:
        th = self.name_th if _thai(info) else None
        return th or self.name_en

    @strawberry.field
    def sections(self) -> list[InspectionSection]:
        return _sections(self.sections)  # type: ignore[arg-type]


@dataclasses.dataclass
class _TemplateCopy:
    """The template as an inspection copied it when it started."""

    id: uuid.UUID
    name_en: str
    name_th: str | None
    sections: list
    version: int = 0
    archived_at: dt.datetime | None = None


@strawberry.type(description="The same item in the vehicle's previous inspection (carry-forward).")
class PreviousResult:
    condition: InspectionCondition | None
    recorded_at: dt.datetime

    @strawberry.field
    def value(self) -> Decimal | None:
        return _decimal(self.value)  # type: ignore[arg-type]


@strawberry.type(description=(
    "One item of an inspection (every item of its template, in order; condition null until recorded). "
    "Photos: upload each with POST /files/upload (ownerType job, ownerId the inspection's job, kind PHOTO, a "
    "client-chosen uploadId) and name the uploadIds in recordInspectionResult.photoUploadIds, in either order: a "
    "photo shows here once both have reached the server."))
class InspectionResult:
    inspection_id: strawberry.Private[uuid.UUID]
    vehicle_key: strawberry.Private[tuple]
    section: strawberry.Private[dict]
    item: strawberry.Private[dict]
    row: strawberry.Private[object]

    @strawberry.field
    def item_key(self) -> str:
        return self.item["key"]

    @strawberry.field
    def section_key(self) -> str:
        return self.section["key"]

    @strawberry.field(description="The item's title in the reader's language.")
    def title(self, info: strawberry.Info) -> str:
        return _title(info, self.item)

    @strawberry.field
    def kind(self) -> InspectionItemKind:
        return ItemKindEnum(self.item["kind"])

    @strawberry.field
    def unit(self) -> str | None:
        return self.item.get("unit")

    @strawberry.field
    def photo_required(self) -> bool:
        return bool(self.item.get("photo_required"))

    @strawberry.field(description="The technician's rating, or for a measurement the one its limits give.")
    def condition(self) -> InspectionCondition | None:
        return self.row.condition if self.row is not None else None

    @strawberry.field
    def value(self) -> Decimal | None:
        return _decimal(self.row.value) if self.row is not None else None

    @strawberry.field
    def note(self) -> str | None:
        return self.row.note if self.row is not None else None

    @strawberry.field
    def recorded_at(self) -> dt.datetime | None:
        return self.row.recorded_at if self.row is not None else None

    @strawberry.field(description="Whether this finding is on a quote line (quoteFromFindings).")
    def quoted(self) -> bool:
        return self.row is not None and self.row.quote_line_id is not None

    @strawberry.field(description="Its stored photos, in the order they were named (deleted ones are gone).")
    def photos(self, info: strawberry.Info) -> list[Attachment_]:
        return info.context.loader(PhotosByItemLoader).load((self.inspection_id, self.item["key"]))

    @strawberry.field(description="The same item in the vehicle's latest earlier inspection that has it.")
    def previous(self, info: strawberry.Info) -> PreviousResult | None:
        return info.context.loader(PreviousByItemLoader).load((self.vehicle_key, self.item["key"]))


@strawberry.type
class InspectionCounts:
    good: int
    advise: int
    urgent: int


@strawberry.type(description="An inspection on a job, filled from the template it started with.")
class Inspection:
    id: strawberry.ID
    version: int
    status: InspectionStatus
    started_at: dt.datetime
    completed_at: dt.datetime | None

    job_id: strawberry.ID

    @strawberry.field(description="The template as it was when the inspection started.")
    def template(self) -> InspectionTemplate:
        return _TemplateCopy(id=self.template_id, name_en=self.name_en, name_th=self.name_th,  # type: ignore
                             sections=self.sections)  # type: ignore[attr-defined]

    @strawberry.field
    def started_by(self, info: strawberry.Info) -> User_ | None:
        user_id = self.started_by_id  # type: ignore[attr-defined]
        return info.context.loader(UserLoader).load(user_id) if user_id else None

    @strawberry.field(description="Every item of the template, in order.")
    async def results(self, info: strawberry.Info) -> list[InspectionResult]:
        rows = await info.context.loader(ResultsByInspectionLoader).load(self.id)
        key = (self.id, self.vehicle_id, self.started_at)  # type: ignore[attr-defined]
        return [InspectionResult(inspection_id=self.id, vehicle_key=key, section=section, item=item,
                                 row=rows.get(item["key"]))
                for section, item in service.items_of(self.sections)]  # type: ignore[attr-defined]

    @strawberry.field(description="How many items are rated good, advise and urgent.")
    async def counts(self, info: strawberry.Info) -> InspectionCounts:
        rows = await info.context.loader(ResultsByInspectionLoader).load(self.id)
        conditions = [r.condition for r in rows.values()]
        return InspectionCounts(good=conditions.count(ConditionEnum.GOOD),
                                advise=conditions.count(ConditionEnum.ADVISE),
                                urgent=conditions.count(ConditionEnum.URGENT))


def _job_inspections(root, info: strawberry.Info) -> list[Inspection]:
    if not info.context.actor.can(P.INSPECTIONS_READ):
        return []
    return info.context.loader(InspectionsByJobLoader).load(root.id)


job_inspections = strawberry.field(resolver=_job_inspections, description=(
    "The job's inspections, oldest first (empty for a role that does not read inspections)."))


# ------------------------------------------------------------------------------------------------------- inputs


@strawberry.input
class InspectionItemInput:
    key: str = strawberry.field(description="Lower-case letters, digits and _, unique in the template.")
    title_en: str
    title_th: str | None = None
    kind: InspectionItemKind
    unit: str | None = None
    advise_at: Decimal | None = None
    urgent_at: Decimal | None = None
    higher_is_better: bool = True
    photo_required: bool = False


@strawberry.input
class InspectionSectionInput:
    key: str
    title_en: str
    title_th: str | None = None
    items: list[InspectionItemInput]


@strawberry.input
class CreateInspectionTemplateInput:
    id: strawberry.ID | None = strawberry.UNSET
    name_en: str
    name_th: str | None = strawberry.UNSET
    sections: list[InspectionSectionInput]
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class UpdateInspectionTemplateInput:
    id: strawberry.ID
    name_en: str | None = strawberry.UNSET
    name_th: str | None = strawberry.UNSET
    sections: list[InspectionSectionInput] | None = strawberry.UNSET
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class ArchiveInspectionTemplateInput:
    id: strawberry.ID
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input(description="Start an inspection on a job; the id is chosen by the phone so it works offline.")
class StartInspectionInput:
    id: strawberry.ID | None = strawberry.UNSET
    job_id: strawberry.ID
    template_id: strawberry.ID
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input(description=(
    "Rate one item: condition for a CONDITION item, value for a MEASUREMENT (its limits give the colour); what is "
    "not sent stays as it was. photoUploadIds are added to the item's photos (the uploadIds of POST /files/upload, "
    "sent before or after this)."))
class RecordInspectionResultInput:
    inspection_id: strawberry.ID
    item_key: str
    condition: InspectionCondition | None = strawberry.UNSET
    value: Decimal | None = strawberry.UNSET
    note: str | None = strawberry.UNSET
    photo_upload_ids: list[str] | None = strawberry.UNSET
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input
class CompleteInspectionInput:
    inspection_id: strawberry.ID
    expected_version: int | None = strawberry.UNSET
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.input(description=(
    "One amber or red finding to quote: a catalog labour action, a stocked part (itemId), or free text "
    "(description and unitPrice; the finding's title, value and note by default)."))
class QuoteFindingInput:
    inspection_id: strawberry.ID
    item_key: str
    labour_action_id: strawberry.ID | None = strawberry.UNSET
    item_id: strawberry.ID | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    quantity: Decimal | None = strawberry.UNSET
    unit_price: Amount | None = strawberry.UNSET


@strawberry.input
class QuoteFromFindingsInput:
    job_id: strawberry.ID
    quote_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description=(
        "A DRAFT quote of this job to add the lines to; else a new quote is made."))
    findings: list[QuoteFindingInput]
    expected_version: int | None = strawberry.field(default=strawberry.UNSET, description=(
        "With quoteId: the draft's version as the advisor saw it (CONFLICT when it changed since)."))
    client_mutation_id: str | None = strawberry.UNSET


@strawberry.type
class InspectionTemplatePayload:
    inspection_template: InspectionTemplate | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class InspectionPayload:
    inspection: Inspection | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _opt(value):
    return service._UNSET if value is strawberry.UNSET else value


def _section_data(sections) -> object:
    if sections is strawberry.UNSET:
        return service._UNSET
    if sections is None:
        return None
    return [service.SectionData(key=s.key, title_en=s.title_en, title_th=s.title_th, items=[
        service.ItemData(key=i.key, title_en=i.title_en, title_th=i.title_th, kind=i.kind, unit=i.unit,
                         advise_at=i.advise_at, urgent_at=i.urgent_at, higher_is_better=i.higher_is_better,
                         photo_required=i.photo_required) for i in s.items]) for s in sections]


def _template_data(input_) -> service.TemplateData:
    return service.TemplateData(name_en=_opt(input_.name_en), name_th=_opt(input_.name_th),
                                sections=_section_data(input_.sections))


async def _template_mutation(info, input_, fn, *args, current: bool = True) -> InspectionTemplatePayload:
    row, errors = await run_input(info, input_, fn, *args, find=service.find_template,
                                  current_id=input_.id if current else None)
    return InspectionTemplatePayload(inspection_template=row, errors=errors)


async def _may_work(info, input_, **target) -> None:
    """A technician on a job not assigned to them: FORBIDDEN (a replay of what they did before is still answered)."""
    ctx = info.context
    session = await ctx.session()
    key = (given(input_.client_mutation_id) or "").strip()
    if key and await idempotency.lookup(session, ctx.actor.garage_id, key) is not None:
        return
    if not await service.may_work(session, ctx.actor, **target):
        raise forbidden(ctx.locale)


async def _inspection_mutation(info, input_, fn, *args) -> InspectionPayload:
    row, errors = await run_input(info, input_, fn, *args, find=service.find_inspection,
                                  current_id=getattr(input_, "inspection_id", None))
    return InspectionPayload(inspection=row, errors=errors)


@strawberry.type
class Query:
    @strawberry.field(extensions=requires(P.GARAGE_READ),
                      description="The garage's inspection templates (not archived), by name.")
    async def inspection_templates(self, info: strawberry.Info) -> list[InspectionTemplate]:
        return await read(info, service.list_templates)

    @strawberry.field(extensions=requires(P.INSPECTIONS_READ),
                      description="An inspection (a technician: on their own jobs); null when unknown.")
    async def inspection(self, info: strawberry.Info, id: strawberry.ID) -> Inspection | None:
        return await read(info, service.find_inspection, id)


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=requires(P.INSPECTION_TEMPLATES_MANAGE), description="A new template.")
    async def create_inspection_template(self, info: strawberry.Info, input: CreateInspectionTemplateInput
                                         ) -> InspectionTemplatePayload:
        async def call(session, actor):
            return await service.create_template(session, actor, _template_data(input), client_id(input.id))

        return await _template_mutation(info, input, call, current=False)

    @strawberry.mutation(extensions=requires(P.INSPECTION_TEMPLATES_MANAGE), description=(
        "Change a template (sections replace all); inspections already started keep their own copy."))
    async def update_inspection_template(self, info: strawberry.Info, input: UpdateInspectionTemplateInput
                                         ) -> InspectionTemplatePayload:
        return await _template_mutation(info, input, service.update_template, input.id, _template_data(input),
                                        given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.INSPECTION_TEMPLATES_MANAGE),
                         description="Stop offering a template (inspections made with it stay).")
    async def archive_inspection_template(self, info: strawberry.Info, input: ArchiveInspectionTemplateInput
                                          ) -> InspectionTemplatePayload:
        return await _template_mutation(info, input, service.archive_template, input.id,
                                        given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.INSPECTIONS_WRITE), description=(
        "Start an inspection on a job (a technician: a job assigned to them, else FORBIDDEN)."))
    async def start_inspection(self, info: strawberry.Info, input: StartInspectionInput) -> InspectionPayload:
        await _may_work(info, input, job_id=input.job_id)

        async def call(session, actor):
            return await service.start_inspection(session, actor, client_id(input.id), input.job_id,
                                                  input.template_id)

        row, errors = await run_input(info, input, call, find=service.find_inspection)
        return InspectionPayload(inspection=row, errors=errors)

    @strawberry.mutation(extensions=requires(P.INSPECTIONS_WRITE), description="Rate one item of an inspection.")
    async def record_inspection_result(self, info: strawberry.Info, input: RecordInspectionResultInput
                                       ) -> InspectionPayload:
        await _may_work(info, input, inspection_id=input.inspection_id)
        data = service.ResultData(condition=_opt(input.condition), value=_opt(input.value), note=_opt(input.note),
                                  photo_upload_ids=_opt(input.photo_upload_ids))
        return await _inspection_mutation(info, input, service.record_result, input.inspection_id, input.item_key,
                                          data, given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.INSPECTIONS_WRITE), description=(
        "IN_PROGRESS -> COMPLETED; refused (INSPECTION_PHOTO_REQUIRED, per item) while an item that needs a photo "
        "has none stored."))
    async def complete_inspection(self, info: strawberry.Info, input: CompleteInspectionInput) -> InspectionPayload:
        await _may_work(info, input, inspection_id=input.inspection_id)
        return await _inspection_mutation(info, input, service.complete_inspection, input.inspection_id,
                                          given(input.expected_version))

    @strawberry.mutation(extensions=requires(P.QUOTES_WRITE), description=(
        "Turn amber and red findings of the job's inspections into quote lines (a new quote, or a given draft), "
        "each line with the finding's photos; the findings are marked quoted."))
    async def quote_from_findings(self, info: strawberry.Info, input: QuoteFromFindingsInput
                                  ) -> Annotated["QuotePayload", strawberry.lazy("backend.billing.schema.quotes")]:
        from backend.billing.schema.quotes import QuotePayload
        from backend.billing.service import quotes as billing

        check(info, P.INSPECTIONS_READ)
        findings = [service.FindingData(
            inspection_id=f.inspection_id, item_key=f.item_key, labour_action_id=_opt(f.labour_action_id),
            item_id=_opt(f.item_id), description=_opt(f.description), quantity=_opt(f.quantity),
            unit_price=_opt(f.unit_price)) for f in input.findings]
        quote, errors = await run_input(info, input, service.quote_from_findings, input.job_id,
                                        _opt(input.quote_id), findings, given(input.expected_version),
                                        find=billing.find_quote, current_id=given(input.quote_id))
        return QuotePayload(quote=quote, errors=errors)

