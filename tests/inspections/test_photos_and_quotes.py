"""Inspection photos (linked whichever reaches the server first), the photo a required item needs, findings turned
into quote lines with their photos, and the statements Job.inspections costs. Both databases."""

from __future__ import annotations

import uuid
from decimal import Decimal

from backend.billing.models import QuoteLine, QuoteLineAttachment
from backend.core.permissions import Role
from backend.files.models import Attachment
from backend.inspections.models import InspectionResult
from backend.inventory import service as inventory
from backend.workshop.service import tasks as tasks_service
from tests.inspections.helpers import (
    count_rows,
    COMPLETE,
    JOB_INSPECTIONS,
    demo_templates,
    jpeg,
    ok,
    record,
    result_of,
    start,
    started_job,
    template_with,
    upload,
)

QUOTE_FROM_FINDINGS = """mutation($input: QuoteFromFindingsInput!) { quoteFromFindings(input: $input) {
  quote { id number status total subtotal version lines { id kind description quantity unitPrice net total taskActionId
  itemId photos { id name url thumbnailUrl } } } errors { field code message } } }"""


async def test_photos_link_whichever_arrives_first(client, gql, db, garage, storage_dir):
    multi, _ = await demo_templates(db, garage)
    job = await started_job(db, garage)
    tech = garage.token(Role.TECHNICIAN)
    inspection = ok(await start(gql, tech, job.id, multi.id))
    early, late = str(uuid.uuid4()), str(uuid.uuid4())
    # the first photo reaches the server before the result that names it
    assert (await upload(client, tech, job.id, jpeg(), upload_id=early, name="disc-1.jpg")).status_code == 201
    recorded = ok(await record(gql, tech, inspection["id"], "discs", condition="ADVISE", photoUploadIds=[early, late]))
    assert [p["name"] for p in result_of(recorded, "discs")["photos"]] == ["disc-1.jpg"]
    # the second after it; the phone's outbox delivers it twice: stored once, shown once
    for _ in range(2):
        assert (await upload(client, tech, job.id, jpeg((9, 9, 9)), upload_id=late, name="disc-2.jpg")
                ).status_code in (200, 201)
    body = await gql(JOB_INSPECTIONS, {"id": str(job.id)}, token=garage.token(Role.SITE_MANAGER))
    photos = result_of(body["data"]["job"]["inspections"][0], "discs")["photos"]
    assert [p["name"] for p in photos] == ["disc-1.jpg", "disc-2.jpg"]
    assert await count_rows(db, Attachment) == 2
    served = await client.get(photos[1]["url"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    # naming the same upload again (a new result for the item) adds nothing
    again = ok(await record(gql, tech, inspection["id"], "discs", note="Scored", photoUploadIds=[late]))
    assert len(result_of(again, "discs")["photos"]) == 2
    # a photo of another job is never shown here, even when its upload id is named
    other_job = await started_job(db, garage)
    stray = str(uuid.uuid4())
    assert (await upload(client, tech, other_job.id, jpeg(), upload_id=stray)).status_code == 201
    named = ok(await record(gql, tech, inspection["id"], "leaks", condition="GOOD", photoUploadIds=[stray]))
    assert result_of(named, "leaks")["photos"] == []
    # a deleted photo is gone from the result
    deleted = await gql("""mutation($input: DeleteAttachmentInput!) { deleteAttachment(input: $input) {
      errors { code } } }""", {"input": {"id": photos[0]["id"]}}, token=tech)
    assert deleted["data"]["deleteAttachment"]["errors"] == []
    body = await gql(JOB_INSPECTIONS, {"id": str(job.id)}, token=tech)
    assert [p["name"] for p in result_of(body["data"]["job"]["inspections"][0], "discs")["photos"]] == ["disc-2.jpg"]


async def test_an_item_that_needs_a_photo_blocks_completion_until_it_has_one(client, gql, db, garage, storage_dir):
    _, body_template = await demo_templates(db, garage)
    job = await started_job(db, garage)
    tech = garage.token(Role.TECHNICIAN)
    inspection = ok(await start(gql, tech, job.id, body_template.id))
    pending = str(uuid.uuid4())
    ok(await record(gql, tech, inspection["id"], "front_bumper", condition="URGENT", photoUploadIds=[pending]))
    complete = {"input": {"inspectionId": inspection["id"]}}
    en = (await gql(COMPLETE, complete, token=tech))["data"]["completeInspection"]
    th = (await gql(COMPLETE, complete, token=tech, lang="th"))["data"]["completeInspection"]
    assert [e["code"] for e in en["errors"]] == ["INSPECTION_PHOTO_REQUIRED"] * 3
    assert [e["message"] for e in en["errors"]] == [
        "“Front bumper” needs a photo before the inspection can be completed.",
        "“Rear bumper” needs a photo before the inspection can be completed.",
        "“Windscreen chips or cracks” needs a photo before the inspection can be completed."]
    assert th["errors"][0]["message"] == "ต้องถ่ายรูป “กันชนหน้า” ก่อนจึงจะปิดการตรวจได้"
    assert [e["field"] for e in th["errors"]] == ["results.front_bumper", "results.rear_bumper", "results.windscreen"]
    body = await gql(JOB_INSPECTIONS, {"id": str(job.id)}, token=tech)
    assert body["data"]["job"]["inspections"][0]["status"] == "IN_PROGRESS"  # nothing changed
    # the pending photo arrives; the other two items get theirs (upload after naming, and before)
    assert (await upload(client, tech, job.id, jpeg(), upload_id=pending)).status_code == 201
    for key in ("rear_bumper", "windscreen"):
        upload_id = str(uuid.uuid4())
        assert (await upload(client, tech, job.id, jpeg(), upload_id=upload_id)).status_code == 201
        ok(await record(gql, tech, inspection["id"], key, condition="GOOD", photoUploadIds=[upload_id]))
    done = ok((await gql(COMPLETE, complete, token=tech))["data"]["completeInspection"])
    assert done["status"] == "COMPLETED" and done["completedAt"]


async def _catalog(db, garage):
    admin = garage.actor(Role.ADMIN)
    async with db.transaction() as session:
        action = await tasks_service.create_task_action(session, admin, tasks_service.TaskActionInput(
            stream="MECHANICAL", name_en="Replace front brake pads", name_th="เปลี่ยนผ้าเบรกหน้า",
            default_labour_cost=90000, standard_hours=Decimal("1.5")))
        item = await inventory.create_item(session, admin, inventory.ItemInput(
            sku="WB-600", name_en="Wiper blade 600 mm", name_th="ใบปัดน้ำฝน 600 มม.", unit="pcs", cost_price=15000,
            sale_price=35000))
    return action, item


async def test_quote_from_findings_makes_priced_lines_with_the_photos(client, gql, db, garage, storage_dir):
    multi, _ = await demo_templates(db, garage)
    action, item = await _catalog(db, garage)
    job = await started_job(db, garage)
    tech, advisor = garage.token(Role.TECHNICIAN), garage.token(Role.SITE_MANAGER)
    inspection = ok(await start(gql, tech, job.id, multi.id))
    photo_ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    for upload_id in photo_ids:
        assert (await upload(client, tech, job.id, jpeg(), upload_id=upload_id)).status_code == 201
    ok(await record(gql, tech, inspection["id"], "pads_front", value="2.5", photoUploadIds=photo_ids))
    ok(await record(gql, tech, inspection["id"], "wipers", condition="URGENT"))
    ok(await record(gql, tech, inspection["id"], "tyre_fl", value="1.2", note="Worn on the inside edge"))
    ok(await record(gql, tech, inspection["id"], "battery", value="90"))
    findings = [{"inspectionId": inspection["id"], "itemKey": "pads_front", "labourActionId": str(action.id)},
                {"inspectionId": inspection["id"], "itemKey": "wipers", "itemId": str(item.id), "quantity": "2"},
                {"inspectionId": inspection["id"], "itemKey": "tyre_fl", "unitPrice": 250000}]
    key = str(uuid.uuid4())
    made = (await gql(QUOTE_FROM_FINDINGS, {"input": {"jobId": str(job.id), "findings": findings,
                                                      "clientMutationId": key}}, token=advisor))["data"][
        "quoteFromFindings"]
    assert made["errors"] == []
    quote = made["quote"]
    lines = quote["lines"]
    assert [(line["kind"], line["description"], line["unitPrice"]) for line in lines] == [
        ("LABOUR", "Replace front brake pads", 90000),
        ("PART", "Wiper blade 600 mm (WB-600)", 35000),
        ("LABOUR", "Front left tyre tread: 1.2 mm, Worn on the inside edge", 250000)]
    assert Decimal(lines[1]["quantity"]) == 2 and lines[1]["net"] == 70000 and lines[0]["taskActionId"] == str(action.id)
    assert quote["status"] == "DRAFT" and quote["subtotal"] == 90000 + 70000 + 250000
    assert len(lines[0]["photos"]) == 2 and lines[1]["photos"] == [] and lines[2]["photos"] == []
    assert all(p["url"] and p["thumbnailUrl"] for p in lines[0]["photos"])
    assert (await client.get(lines[0]["photos"][0]["thumbnailUrl"])).status_code == 200
    body = await gql(JOB_INSPECTIONS, {"id": str(job.id)}, token=advisor)
    seen = body["data"]["job"]["inspections"][0]
    assert {r["itemKey"] for r in seen["results"] if r["quoted"]} == {"pads_front", "wipers", "tyre_fl"}
    # a replay changes nothing and answers with the same quote
    replay = (await gql(QUOTE_FROM_FINDINGS, {"input": {"jobId": str(job.id), "findings": findings,
                                                        "clientMutationId": key}}, token=advisor))["data"][
        "quoteFromFindings"]
    assert replay["quote"]["id"] == quote["id"] and await count_rows(db, QuoteLine) == 3
    # quoted once only; a green item is not a finding; a new free-text line needs its price
    refused = (await gql(QUOTE_FROM_FINDINGS, {"input": {"jobId": str(job.id), "findings": [
        findings[0], {"inspectionId": inspection["id"], "itemKey": "battery", "unitPrice": 1}]}},
        token=advisor, lang="th"))["data"]["quoteFromFindings"]
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        ("findings.0.itemKey", "FINDING_ALREADY_QUOTED"), ("findings.1.itemKey", "NOT_A_FINDING")]
    assert refused["errors"][0]["message"] == "รายการที่ตรวจพบนี้อยู่ในใบเสนอราคาแล้ว"
    ok(await record(gql, tech, inspection["id"], "tyre_fr", value="2"))
    unpriced = (await gql(QUOTE_FROM_FINDINGS, {"input": {"jobId": str(job.id), "findings": [
        {"inspectionId": inspection["id"], "itemKey": "tyre_fr"}]}}, token=advisor))["data"]["quoteFromFindings"]
    assert [(e["field"], e["code"]) for e in unpriced["errors"]] == [("findings.0.unitPrice", "REQUIRED")]
    assert await count_rows(db, QuoteLine) == 3 and await count_rows(db, QuoteLineAttachment) == 2
    # into the existing draft: appended after its lines, the total grows (a stale version is a CONFLICT first)
    more = [{"inspectionId": inspection["id"], "itemKey": "tyre_fr", "unitPrice": 240000,
             "description": "Replace front right tyre"}]
    stale = (await gql(QUOTE_FROM_FINDINGS, {"input": {"jobId": str(job.id), "quoteId": quote["id"], "findings": more,
                                                       "expectedVersion": quote["version"] - 1}}, token=advisor))[
        "data"]["quoteFromFindings"]
    assert [e["code"] for e in stale["errors"]] == ["CONFLICT"] and stale["quote"]["version"] == quote["version"]
    added = (await gql(QUOTE_FROM_FINDINGS, {"input": {"jobId": str(job.id), "quoteId": quote["id"], "findings": more,
                                                       "expectedVersion": quote["version"]}}, token=advisor))[
        "data"]["quoteFromFindings"]
    assert added["errors"] == [] and added["quote"]["id"] == quote["id"]
    assert [line["description"] for line in added["quote"]["lines"]][-1] == "Replace front right tyre"
    assert added["quote"]["subtotal"] == quote["subtotal"] + 240000
    # a technician does not quote
    body = await gql(QUOTE_FROM_FINDINGS, {"input": {"jobId": str(job.id), "findings": findings}}, token=tech,
                     expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_job_inspections_cost_the_same_statements_whatever_the_number_of_items(
        client, gql, db, garage, count_statements, storage_dir):
    tech = garage.token(Role.TECHNICIAN)
    counts = {}
    for n in (2, 20):
        template = await template_with(db, garage, n)
        job = await started_job(db, garage)
        for _ in range(2):  # two inspections on the job, every item rated with a photo
            inspection = ok(await start(gql, tech, job.id, template.id))
            for i in range(n):
                upload_id = str(uuid.uuid4())
                assert (await upload(client, tech, job.id, jpeg(), upload_id=upload_id)).status_code == 201
                ok(await record(gql, tech, inspection["id"], f"item_{i}", condition="ADVISE",
                                photoUploadIds=[upload_id]))
        with count_statements() as counter:
            body = await gql(JOB_INSPECTIONS, {"id": str(job.id)}, token=tech)
        shown = body["data"]["job"]["inspections"]
        assert [len(i["results"]) for i in shown] == [n, n]
        assert all(len(r["photos"]) == 1 and r["previous"] is None for r in shown[0]["results"])
        assert all(r["previous"]["condition"] == "ADVISE" for r in shown[1]["results"])
        counts[n] = counter.count
    assert counts[2] == counts[20], counts
    assert await count_rows(db, InspectionResult) == 2 * (2 + 20)
