"""Shared set-up for the inspection tests: a started job of the garage's technician, templates, GraphQL documents."""

from __future__ import annotations

import io
import uuid

from PIL import Image
from sqlalchemy import func, select

from backend.core.enums import OperationsStream
from backend.core.permissions import Role
from backend.inspections import demo, service
from backend.workshop.service import jobs as jobs_service
from tests.files.test_attachments import upload  # noqa: F401  (re-exported for the tests)
from tests.workshop.helpers import make_site, make_vehicle

RESULT = """itemKey sectionKey title kind unit photoRequired condition value note quoted
  photos { id name url thumbnailUrl } previous { value condition recordedAt }"""
INSPECTION = f"""id version status jobId startedAt completedAt startedBy {{ id }}
  template {{ id name nameEn nameTh sections {{ key title items {{ key title kind unit adviseAt urgentAt
  higherIsBetter photoRequired }} }} }}
  results {{ {RESULT} }} counts {{ good advise urgent }}"""
PAYLOAD = f"inspection {{ {INSPECTION} }} errors {{ field code message }}"
START = f"mutation($input: StartInspectionInput!) {{ startInspection(input: $input) {{ {PAYLOAD} }} }}"
RECORD = f"""mutation($input: RecordInspectionResultInput!) {{ recordInspectionResult(input: $input) {{
  {PAYLOAD} }} }}"""
COMPLETE = f"mutation($input: CompleteInspectionInput!) {{ completeInspection(input: $input) {{ {PAYLOAD} }} }}"
JOB_INSPECTIONS = f"query($id: ID!) {{ job(id: $id) {{ id inspections {{ {INSPECTION} }} }} }}"


async def count_rows(db, model) -> int:
    async with db.read() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


def jpeg(colour=(30, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, "JPEG")
    return out.getvalue()


async def started_job(db, garage, vehicle=None, site=None):
    """A job on `vehicle` assigned to the garage's technician and started (IN_PROGRESS)."""
    site = site or await make_site(db, garage)
    vehicle = vehicle or await make_vehicle(db, garage)
    sm, tech = garage.actor(Role.SITE_MANAGER), garage.actor(Role.TECHNICIAN)
    async with db.transaction() as session:
        job = await jobs_service.create_job(session, sm, jobs_service.CreateJobData(
            site_id=site.id, vehicle_id=vehicle.id, operations_stream=OperationsStream.MECHANICAL,
            revenue_stream="WALK_IN"))
        await jobs_service.assign_job(session, sm, job.id, garage.users[Role.TECHNICIAN].id)
        await jobs_service.start_job(session, tech, job.id)
    return job


async def demo_templates(db, garage):
    """The demo's multi-point and body templates, made in this garage."""
    async with db.transaction() as session:
        return await demo.seed(session, garage.actor(Role.ADMIN))


async def template_with(db, garage, n_items: int, photo_required: bool = False):
    """One section of `n_items` condition items (keys item_0 ...)."""
    data = service.TemplateData(name_en=f"{n_items} items", sections=[service.SectionData(
        key="main", title_en="Main", items=[service.ItemData(key=f"item_{i}", title_en=f"Item {i}", kind="CONDITION",
                                                             photo_required=photo_required)
                                            for i in range(n_items)])])
    async with db.transaction() as session:
        return await service.create_template(session, garage.actor(Role.ADMIN), data)


async def start(gql, token, job_id, template_id, inspection_id=None, lang=None, **extra) -> dict:
    body = await gql(START, {"input": {"id": str(inspection_id or uuid.uuid4()), "jobId": str(job_id),
                                       "templateId": str(template_id), "clientMutationId": str(uuid.uuid4()),
                                       **extra}}, token=token, lang=lang)
    return body["data"]["startInspection"]


async def record(gql, token, inspection_id, item_key, lang=None, **fields) -> dict:
    fields.setdefault("clientMutationId", str(uuid.uuid4()))
    body = await gql(RECORD, {"input": {"inspectionId": str(inspection_id), "itemKey": item_key, **fields}},
                     token=token, lang=lang)
    return body["data"]["recordInspectionResult"]


def result_of(inspection: dict, item_key: str) -> dict:
    return next(r for r in inspection["results"] if r["itemKey"] == item_key)


def ok(payload: dict) -> dict:
    assert payload["errors"] == [], payload["errors"]
    return payload["inspection"]
