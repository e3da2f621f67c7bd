"""The job sheet for the bay: a PDF from the job card's signed link (Job.jobSheetUrl) with the vehicle, the complaint,
the tasks, the parts and the signature lines, in English and Thai, with no prices; a technician's link opens only
their own job, and a tampered, expired or foreign link opens nothing."""

from __future__ import annotations

import time
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from backend.core.enums import OperationsStream
from backend.core.permissions import Role
from backend.inventory.models import WarehouseItem
from backend.workshop.models import JobTask, PartsRequest
from backend.workshop.service import jobs as jobs_service
from tests.billing.test_pdf_text import poppler_text
from tests.workshop.helpers import make_site, make_technician, make_vehicle, token_for

SHEET = "query($id: ID!, $l: Locale) { job(id: $id) { number jobSheetUrl(locale: $l) } }"


def flat(text: str) -> str:
    return "".join(text.split())


async def _job(db, garage):
    site = await make_site(db, garage)
    vehicle = await make_vehicle(db, garage, registration="1กข 2345", owner_name="Somchai Jaidee")
    sm, tech = garage.actor(Role.SITE_MANAGER), garage.actor(Role.TECHNICIAN)
    async with db.transaction() as session:
        item = WarehouseItem(garage_id=garage.id, sku="BRK-PAD-01", name_en="Front brake pads",
                             name_th="ผ้าเบรกหน้า", quantity_on_hand=10, cost_price=45600, sale_price=98700)
        session.add(item)
        await session.flush()
        job = await jobs_service.create_job(session, sm, jobs_service.CreateJobData(
            site_id=site.id, vehicle_id=vehicle.id, operations_stream=OperationsStream.MECHANICAL,
            revenue_stream="WALK_IN", issues_reported="Squeal from the front brakes", complaint="Brakes squeal"))
        await jobs_service.assign_job(session, sm, job.id, garage.users[Role.TECHNICIAN].id)
        await jobs_service.start_job(session, tech, job.id)
        session.add_all([
            JobTask(garage_id=garage.id, job_id=job.id, name="Brake pad replacement", name_th="เปลี่ยนผ้าเบรก",
                    billed_hours=Decimal("1.5"), labour_cost=123400),
            PartsRequest(garage_id=garage.id, job_id=job.id, item_id=item.id, quantity=2),
        ])
        await session.flush()
        return job


async def _sheet(gql, client, job_id, token, locale=None):
    body = await gql(SHEET, {"id": str(job_id), "l": locale}, token=token)
    url = body["data"]["job"]["jobSheetUrl"]
    assert url.startswith(f"/documents/job-sheet/{job_id}.pdf?")
    return url, await client.get(url)


@pytest.mark.parametrize("role", [Role.SITE_MANAGER, Role.TECHNICIAN])
async def test_the_job_sheet_in_english(gql, client, db, garage, role, tmp_path):
    job = await _job(db, garage)
    _, response = await _sheet(gql, client, job.id, garage.token(role), "EN")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = flat(poppler_text(response.content, tmp_path))
    for phrase in ("Job sheet", job.number, "1กข 2345", "Squeal from the front brakes", "Brakes squeal",
                   "Brake pad replacement", "1.5", "Front brake pads", "BRK-PAD-01", "Pending",
                   "Technician's signature and date", "Customer's signature on collection", "Complaint", "Cause",
                   "Correction"):
        assert flat(phrase) in text, (phrase, text)
    # the bay's sheet carries no price: neither the labour charge nor the part's cost or sale price
    for amount in ("1,234.00", "1234", "456.00", "456", "987.00", "987"):
        assert amount not in text
    # the owner's name only for a role that reads customers
    assert ("SomchaiJaidee" in text) == (role == Role.SITE_MANAGER)


async def test_the_job_sheet_in_thai(gql, client, db, garage, tmp_path):
    job = await _job(db, garage)
    _, response = await _sheet(gql, client, job.id, garage.token(Role.TECHNICIAN), "TH")
    assert response.status_code == 200 and response.headers["content-language"] == "th"
    text = flat(poppler_text(response.content, tmp_path))
    for phrase in ("ใบสั่งงาน", job.number, "เปลี่ยนผ้าเบรก", "ผ้าเบรกหน้า", "อาการที่ลูกค้าแจ้ง", "สาเหตุ",
                   "การแก้ไข", "อาการเสีย", "ลายมือชื่อช่างและวันที่", "ลายมือชื่อลูกค้าเมื่อรับรถ", "รออนุมัติ"):
        assert flat(phrase) in text, (phrase, text)
    assert "Jobsheet" not in text and "Technician'ssignature" not in text


async def test_the_reader_language_is_the_default(gql, client, db, garage, tmp_path):
    job = await _job(db, garage)
    body = await gql(SHEET, {"id": str(job.id)}, token=garage.token(Role.SITE_MANAGER), lang="th")
    response = await client.get(body["data"]["job"]["jobSheetUrl"])
    assert "ใบสั่งงาน" in flat(poppler_text(response.content, tmp_path))


async def test_a_link_opens_only_what_it_was_signed_for(app, gql, client, db, garage, other_garage):
    job = await _job(db, garage)
    url, response = await _sheet(gql, client, job.id, garage.token(Role.SITE_MANAGER))
    assert response.status_code == 200
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query))
    # tampered: another job's path with this signature, or a changed user
    forged = await client.get(f"/documents/job-sheet/{other_garage.id}.pdf?{parts.query}")
    assert forged.status_code == 403
    params_u = {**params, "u": str(garage.users[Role.TECHNICIAN].id)}
    assert (await client.get(f"{parts.path}?{urlencode(params_u)}")).status_code == 403
    # expired
    params_e = {**params, "exp": str(int(time.time()) - 10)}
    assert (await client.get(f"{parts.path}?{urlencode(params_e)}")).status_code in (403, 410)
    # not a UUID
    assert (await client.get("/documents/job-sheet/not-a-job.pdf")).status_code == 404


async def test_another_technician_cannot_print_the_job(app, gql, client, db, garage):
    job = await _job(db, garage)
    other = await make_technician(db, garage)
    body = await gql(SHEET, {"id": str(job.id)}, token=await token_for(app, other))
    assert body["data"]["job"] is None  # the job card itself is not theirs to see
    # a link signed for them (as if from an older assignment) still opens nothing
    from backend.billing.documents import signing
    from backend.workshop.jobsheet import job_sheet_path

    url = signing.sign_url(job_sheet_path(job.id), garage_id=garage.id, user_id=other.id, ttl_seconds=60,
                           secret=app.state.services.settings.secret_key, lang="en")
    assert (await client.get(url)).status_code == 404


async def test_an_api_key_gets_no_job_sheet_link(gql, db, garage):
    job = await _job(db, garage)
    key = await gql("""mutation { createApiKey(input: {name: "DMS", scopes: [WORKSHOP_READ]}) { secret } }""",
                    token=garage.token())
    body = await gql(SHEET, {"id": str(job.id)}, token=key["data"]["createApiKey"]["secret"])
    assert body["data"]["job"]["number"] == job.number and body["data"]["job"]["jobSheetUrl"] is None
