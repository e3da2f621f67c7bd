"""Inspections (issue 15): templates per garage, colours from limits, carry-forward, replays, who may inspect.
Both databases."""

from __future__ import annotations

import uuid

from backend.core.permissions import Role
from backend.inspections.models import Inspection, InspectionResult, InspectionTemplate
from tests.conftest import error_codes
from tests.inspections.helpers import (
    count_rows,
    COMPLETE,
    JOB_INSPECTIONS,
    RECORD,
    demo_templates,
    ok,
    record,
    result_of,
    start,
    started_job,
    template_with,
)
from tests.workshop.helpers import make_site, make_technician, make_vehicle, token_for

TEMPLATES = "{ inspectionTemplates { id name nameEn nameTh sections { key title items { key title kind } } } }"
CREATE_TEMPLATE = """mutation($input: CreateInspectionTemplateInput!) { createInspectionTemplate(input: $input) {
  inspectionTemplate { id name version sections { key items { key kind unit adviseAt urgentAt higherIsBetter
  photoRequired } } } errors { field code message } } }"""
ARCHIVE = """mutation($input: ArchiveInspectionTemplateInput!) { archiveInspectionTemplate(input: $input) {
  inspectionTemplate { id archivedAt } errors { code } } }"""


def _template_input(**item):
    return {"nameEn": "Quick check", "nameTh": "ตรวจด่วน", "clientMutationId": str(uuid.uuid4()), "sections": [
        {"key": "tyres", "titleEn": "Tyres", "titleTh": "ยาง", "items": [
            {"key": "tread", "titleEn": "Tread", "titleTh": "ดอกยาง", "kind": "MEASUREMENT", "unit": "mm",
             "adviseAt": "3", "urgentAt": "1.6", **item}]}]}


async def test_templates_belong_to_their_garage_and_read_in_the_readers_language(gql, db, garage, other_garage):
    made = (await gql(CREATE_TEMPLATE, {"input": _template_input()}, token=garage.token()))[
        "data"]["createInspectionTemplate"]
    assert made["errors"] == []
    template = made["inspectionTemplate"]
    assert template["sections"][0]["items"][0] == {
        "key": "tread", "kind": "MEASUREMENT", "unit": "mm", "adviseAt": "3", "urgentAt": "1.6",
        "higherIsBetter": True, "photoRequired": False}
    # every member of staff reads them, in their language
    en = (await gql(TEMPLATES, token=garage.token(Role.TECHNICIAN)))["data"]["inspectionTemplates"]
    th = (await gql(TEMPLATES, token=garage.token(Role.WAREHOUSE_MANAGER), lang="th"))["data"]["inspectionTemplates"]
    assert [t["name"] for t in en] == ["Quick check"] and [t["name"] for t in th] == ["ตรวจด่วน"]
    assert th[0]["sections"][0]["title"] == "ยาง" and th[0]["sections"][0]["items"][0]["title"] == "ดอกยาง"
    # another garage sees none of them and cannot start an inspection with one
    assert (await gql(TEMPLATES, token=other_garage.token()))["data"]["inspectionTemplates"] == []
    other_job = await started_job(db, other_garage)
    refused = await start(gql, other_garage.token(), other_job.id, template["id"])
    assert [e["code"] for e in refused["errors"]] == ["NOT_FOUND"] and refused["inspection"] is None
    # only the administrator manages templates
    body = await gql(CREATE_TEMPLATE, {"input": _template_input()}, token=garage.token(Role.SITE_MANAGER),
                     expect_errors=True)
    assert error_codes(body) == ["FORBIDDEN"]
    # archived: no longer offered
    archived = (await gql(ARCHIVE, {"input": {"id": template["id"]}}, token=garage.token()))[
        "data"]["archiveInspectionTemplate"]
    assert archived["inspectionTemplate"]["archivedAt"] is not None
    assert (await gql(TEMPLATES, token=garage.token()))["data"]["inspectionTemplates"] == []


async def test_bad_template_is_refused_in_english_and_thai_and_nothing_is_saved(gql, db, garage):
    before = await count_rows(db, InspectionTemplate)
    # the urgent limit on the good side of the advise limit (tread: lower is worse)
    bad = _template_input(urgentAt="4")
    en = (await gql(CREATE_TEMPLATE, {"input": bad}, token=garage.token()))["data"]["createInspectionTemplate"]
    th = (await gql(CREATE_TEMPLATE, {"input": {**bad, "clientMutationId": str(uuid.uuid4())}},
                    token=garage.token(), lang="th"))["data"]["createInspectionTemplate"]
    assert [e["code"] for e in en["errors"]] == ["INSPECTION_LIMITS"]
    assert en["errors"][0]["field"] == "sections.0.items.0"
    assert "limit" in en["errors"][0]["message"] and th["errors"][0]["message"] != en["errors"][0]["message"]
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in th["errors"][0]["message"])
    twice = _template_input()
    twice["sections"].append({**twice["sections"][0], "key": "more"})
    dup = (await gql(CREATE_TEMPLATE, {"input": twice}, token=garage.token()))["data"]["createInspectionTemplate"]
    assert [e["code"] for e in dup["errors"]] == ["INSPECTION_KEY_TAKEN"] and "tread" in dup["errors"][0]["message"]
    assert await count_rows(db, InspectionTemplate) == before


async def test_measurements_take_their_colour_from_the_limits(gql, db, garage):
    multi, _ = await demo_templates(db, garage)
    job = await started_job(db, garage)
    tech = garage.token(Role.TECHNICIAN)
    inspection = ok(await start(gql, tech, job.id, multi.id))
    assert inspection["status"] == "IN_PROGRESS" and len(inspection["results"]) == 18
    assert all(r["condition"] is None for r in inspection["results"])
    expected = {("tyre_fl", "4"): "GOOD", ("tyre_fr", "3"): "ADVISE", ("tyre_rl", "1.6"): "URGENT",
                ("tyre_rr", "0.9"): "URGENT", ("battery", "71"): "GOOD", ("pads_front", "2.5"): "ADVISE",
                # steering play: a higher value is worse
                ("steering_play", "19"): "GOOD", ("steering_play", "25"): "ADVISE"}
    for (key, value), colour in expected.items():
        result = result_of(ok(await record(gql, tech, inspection["id"], key, value=value)), key)
        assert (result["condition"], result["value"]) == (colour, value), key
    # a condition item is rated by the technician; a note is kept
    done = ok(await record(gql, tech, inspection["id"], "wipers", condition="URGENT", note="Split rubber"))
    assert result_of(done, "wipers")["condition"] == "URGENT" and result_of(done, "wipers")["note"] == "Split rubber"
    assert done["counts"] == {"good": 2, "advise": 3, "urgent": 3}
    # in Thai, the item titles are Thai
    body = await gql(JOB_INSPECTIONS, {"id": str(job.id)}, token=tech, lang="th")
    assert result_of(body["data"]["job"]["inspections"][0], "tyre_fl")["title"] == "ดอกยางหน้าซ้าย"


async def test_bad_results_are_refused_and_change_nothing(gql, db, garage):
    multi, _ = await demo_templates(db, garage)
    job = await started_job(db, garage)
    tech = garage.token(Role.TECHNICIAN)
    inspection = ok(await start(gql, tech, job.id, multi.id))
    cases = [("tyre_fl", {}, "REQUIRED", "value"), ("wipers", {"value": "3"}, "REQUIRED", "condition"),
             ("no_such_item", {"condition": "GOOD"}, "INSPECTION_ITEM_UNKNOWN", "itemKey"),
             ("tyre_fl", {"value": "1e9"}, "INVALID_VALUE", "value"),
             ("wipers", {"condition": "GOOD", "note": "x" * 2001}, "TOO_LONG", "note")]
    for key, fields, code, field in cases:
        payload = await record(gql, tech, inspection["id"], key, **fields)
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)], key
    th = await record(gql, tech, inspection["id"], "no_such_item", lang="th", condition="GOOD")
    assert "no_such_item" in th["errors"][0]["message"] and th["errors"][0]["message"].startswith("การตรวจ")
    assert await count_rows(db, InspectionResult) == 0
    body = await gql(JOB_INSPECTIONS, {"id": str(job.id)}, token=tech)
    assert body["data"]["job"]["inspections"][0]["version"] == inspection["version"]


async def test_carry_forward_shows_the_vehicles_previous_values(gql, db, garage):
    multi, _ = await demo_templates(db, garage)
    site = await make_site(db, garage)
    vehicle = await make_vehicle(db, garage)
    tech = garage.token(Role.TECHNICIAN)
    first_job = await started_job(db, garage, vehicle, site)
    first = ok(await start(gql, tech, first_job.id, multi.id))
    assert all(r["previous"] is None for r in first["results"])  # the vehicle's first inspection
    ok(await record(gql, tech, first["id"], "tyre_fl", value="5.5"))
    ok(await record(gql, tech, first["id"], "wipers", condition="ADVISE"))
    # another vehicle's inspections are not carried over
    ok(await start(gql, tech, (await started_job(db, garage, site=site)).id, multi.id))
    second_job = await started_job(db, garage, vehicle, site)
    second = ok(await start(gql, tech, second_job.id, multi.id))
    previous = result_of(second, "tyre_fl")["previous"]
    assert previous["value"] == "5.5" and previous["condition"] == "GOOD" and previous["recordedAt"]
    assert result_of(second, "wipers")["previous"]["condition"] == "ADVISE"
    assert result_of(second, "tyre_fr")["previous"] is None
    # the new value does not change what the first inspection shows
    ok(await record(gql, tech, second["id"], "tyre_fl", value="4.1"))
    body = await gql(JOB_INSPECTIONS, {"id": str(first_job.id)}, token=tech)
    assert result_of(body["data"]["job"]["inspections"][0], "tyre_fl")["previous"] is None
    body = await gql(JOB_INSPECTIONS, {"id": str(second_job.id)}, token=tech)
    result = result_of(body["data"]["job"]["inspections"][0], "tyre_fl")
    assert (result["value"], result["previous"]["value"]) == ("4.1", "5.5")


async def test_replays_change_nothing(gql, db, garage):
    multi, _ = await demo_templates(db, garage)
    job = await started_job(db, garage)
    tech = garage.token(Role.TECHNICIAN)
    inspection_id, key = str(uuid.uuid4()), str(uuid.uuid4())
    first = ok(await start(gql, tech, job.id, multi.id, inspection_id=inspection_id, clientMutationId=key))
    again = ok(await start(gql, tech, job.id, multi.id, inspection_id=inspection_id, clientMutationId=key))
    assert again["id"] == first["id"] == inspection_id
    assert await count_rows(db, Inspection) == 1
    # the same id with another key: already taken, nothing made
    taken = await start(gql, tech, job.id, multi.id, inspection_id=inspection_id)
    assert [e["code"] for e in taken["errors"]] == ["ALREADY_EXISTS"]
    record_key = str(uuid.uuid4())
    recorded = ok(await record(gql, tech, inspection_id, "tyre_fl", value="2", clientMutationId=record_key))
    replay = ok(await record(gql, tech, inspection_id, "tyre_fl", value="8", clientMutationId=record_key))
    assert result_of(replay, "tyre_fl")["value"] == "2" and replay["version"] == recorded["version"]
    # a stale expectedVersion is a CONFLICT with the inspection as it is now
    stale = await record(gql, garage.token(Role.SITE_MANAGER), inspection_id, "tyre_fr", value="9",
                         expectedVersion=1)
    assert [e["code"] for e in stale["errors"]] == ["CONFLICT"]
    assert stale["inspection"]["version"] == recorded["version"] and result_of(stale["inspection"], "tyre_fr")[
        "value"] is None
    simple = ok(await start(gql, tech, job.id, (await template_with(db, garage, 2)).id))
    ok(await record(gql, tech, simple["id"], "item_0", condition="GOOD"))
    complete_key = str(uuid.uuid4())
    for _ in range(2):
        payload = (await gql(COMPLETE, {"input": {"inspectionId": simple["id"], "clientMutationId": complete_key}},
                             token=tech))["data"]["completeInspection"]
        assert ok(payload)["status"] == "COMPLETED"
    # completed: no further change, said clearly; completing again (a new key) is refused the same way
    late = await record(gql, tech, simple["id"], "item_1", condition="URGENT")
    assert [e["code"] for e in late["errors"]] == ["INSPECTION_COMPLETED"]
    again = (await gql(COMPLETE, {"input": {"inspectionId": simple["id"]}}, token=tech))["data"]["completeInspection"]
    assert [e["code"] for e in again["errors"]] == ["INSPECTION_COMPLETED"]
    assert await count_rows(db, InspectionResult) == 2


async def test_a_technician_not_assigned_is_forbidden_and_other_roles_by_the_table(app, gql, db, garage):
    multi, _ = await demo_templates(db, garage)
    job = await started_job(db, garage)
    inspection = ok(await start(gql, garage.token(Role.TECHNICIAN), job.id, multi.id))
    stranger = await token_for(app, await make_technician(db, garage))
    for document, variables in (
            (RECORD, {"input": {"inspectionId": inspection["id"], "itemKey": "wipers", "condition": "GOOD"}}),
            (COMPLETE, {"input": {"inspectionId": inspection["id"]}})):
        body = await gql(document, variables, token=stranger, expect_errors=True)
        assert error_codes(body) == ["FORBIDDEN"]
    body = await gql(JOB_INSPECTIONS.replace("query(", "query Q("), {"id": str(job.id)}, token=stranger)
    assert body["data"]["job"] is None  # not theirs to read either
    from tests.inspections.helpers import START

    variables = {"input": {"id": str(uuid.uuid4()), "jobId": str(job.id), "templateId": str(multi.id)}}
    assert error_codes(await gql(START, variables, token=stranger, expect_errors=True)) == ["FORBIDDEN"]
    # the warehouse does not inspect; billing reads but does not record
    assert error_codes(await gql(START, variables, token=garage.token(Role.WAREHOUSE_MANAGER),
                                 expect_errors=True)) == ["FORBIDDEN"]
    assert error_codes(await gql(RECORD, {"input": {"inspectionId": inspection["id"], "itemKey": "wipers",
                                                    "condition": "GOOD"}},
                                 token=garage.token(Role.BILLING), expect_errors=True)) == ["FORBIDDEN"]
    body = await gql(JOB_INSPECTIONS, {"id": str(job.id)}, token=garage.token(Role.BILLING))
    assert [i["id"] for i in body["data"]["job"]["inspections"]] == [inspection["id"]]
    assert await count_rows(db, InspectionResult) == 0 and await count_rows(db, Inspection) == 1
    # the workshop manager may record on anyone's job
    assert ok(await record(gql, garage.token(Role.WORKSHOP_MANAGER), inspection["id"], "wipers", condition="GOOD"))


async def test_another_garage_never_sees_an_inspection(gql, db, garage, other_garage):
    multi, _ = await demo_templates(db, garage)
    job = await started_job(db, garage)
    inspection = ok(await start(gql, garage.token(Role.TECHNICIAN), job.id, multi.id))
    body = await gql("query($id: ID!) { inspection(id: $id) { id } }", {"id": inspection["id"]},
                     token=other_garage.token())
    assert body["data"]["inspection"] is None
    refused = await record(gql, other_garage.token(), inspection["id"], "wipers", condition="GOOD")
    assert [e["code"] for e in refused["errors"]] == ["NOT_FOUND"]
    assert await count_rows(db, InspectionResult) == 0
