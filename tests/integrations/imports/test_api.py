"""The admin's import through GraphQL, on both databases: upload in parts, preview, preset, dry run, real run,
progress and the rows' problems in en and th; the vehicle's history; roles; two garages."""

from __future__ import annotations

import base64
import uuid

import pytest
from sqlalchemy import func, select

from backend.core.permissions import ROLE_PERMISSIONS, Permission, Role
from backend.customers.models import Customer
from backend.integrations.imports import tasks
from tests.conftest import error_codes
from tests.integrations.imports.helpers import csv_bytes, run

UPLOAD = """mutation Up($input: UploadImportFileInput!) { uploadImportFile(input: $input) {
  file { id name size complete } errors { field code message } } }"""
PREVIEW = """query P($f: ID!, $k: ImportKind!) { importPreview(fileId: $f, kind: $k) {
  columns rows totalRows format encoding delimiter suggested { column field } } }"""
SAVE_PRESET = """mutation S($input: SaveImportPresetInput!) { saveImportPreset(input: $input) {
  preset { id key name builtin mapping { column field } } errors { code message } } }"""
PRESETS = """query Ps($k: ImportKind) { importPresets(kind: $k) { key name builtin source mapping { column field } } }"""
START = """mutation St($input: StartImportInput!) { startImport(input: $input) {
  job { id status dryRun totalRows } errors { field code message } } }"""
JOB = """query J($id: ID!) { importJob(id: $id) { id status dryRun totalRows rowsDone createdCount updatedCount
  unchangedCount errorRows errors { row column code message } } }"""

ROWS = [["Cust no", "Full name", "Mobile", "E-mail"],
        ["A1", "Somchai Jaidee", "081-234-5678", "somchai@example.com"],
        ["A2", "Bad Phone", "12345", ""],
        ["A3", "", "", ""]]


@pytest.fixture
def storage_dir(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app.state.services.settings, "file_storage_dir", tmp_path / "files")
    return tmp_path / "files"


async def upload(gql, token, data: bytes, *, part: int = 20, name: str = "export.csv") -> str:
    file_id = str(uuid.uuid4())
    pieces = [data[i:i + part] for i in range(0, len(data), part)]
    for index, piece in enumerate(pieces):
        body = await gql(UPLOAD, {"input": {"fileId": file_id, "name": name, "index": index, "last":
                                            index == len(pieces) - 1, "data": base64.b64encode(piece).decode()}},
                         token=token)
        assert body["data"]["uploadImportFile"]["errors"] == []
    assert body["data"]["uploadImportFile"]["file"] == {"id": file_id, "name": name, "size": len(data),
                                                        "complete": True}
    return file_id


async def finished(gql, token, job_id: str, lang: str = "en") -> dict:
    await tasks.wait_in_process()
    return (await gql(JOB, {"id": job_id}, token=token, lang=lang))["data"]["importJob"]


async def count_customers(db, garage_id) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(Customer).where(Customer.garage_id == garage_id))


async def test_upload_preview_preset_dry_run_then_real_run_twice(gql, db, garage, storage_dir):
    admin = garage.token(Role.ADMIN)
    file_id = await upload(gql, admin, csv_bytes(ROWS, delimiter=";"))
    # a part sent again (a retry) changes nothing
    again = await gql(UPLOAD, {"input": {"fileId": file_id, "name": "x", "index": 0, "last": False,
                                         "data": base64.b64encode(b"junk").decode()}}, token=admin)
    assert again["data"]["uploadImportFile"]["file"]["size"] == len(csv_bytes(ROWS, delimiter=";"))

    preview = (await gql(PREVIEW, {"f": file_id, "k": "CUSTOMERS"}, token=admin))["data"]["importPreview"]
    assert preview["columns"] == ROWS[0] and preview["totalRows"] == 3
    assert preview["rows"] == [[cell or None for cell in row] for row in ROWS[1:]]  # blank cells: null
    assert (preview["format"], preview["delimiter"], preview["encoding"]) == ("csv", ";", "utf-8")

    mapping = [{"column": "Cust no", "field": "source_id"}, {"column": "Full name", "field": "name"},
               {"column": "Mobile", "field": "phone"}, {"column": "E-mail", "field": "email"}]
    saved = (await gql(SAVE_PRESET, {"input": {"kind": "CUSTOMERS", "name": "Old DMS", "mapping": mapping,
                                               "source": "old-dms"}}, token=admin))["data"]["saveImportPreset"]
    assert saved["errors"] == [] and saved["preset"]["key"] == "Old DMS"
    presets = (await gql(PRESETS, {"k": "CUSTOMERS"}, token=admin))["data"]["importPresets"]
    assert [(p["key"], p["builtin"]) for p in presets] == [("gem-car-customers", True), ("Old DMS", False)]
    assert presets[0]["source"] == "gem-car" and {"column": "Telephone", "field": "phone"} in presets[0]["mapping"]

    start = (await gql(START, {"input": {"fileId": file_id, "kind": "CUSTOMERS", "dryRun": True,
                                         "preset": "Old DMS"}}, token=admin))["data"]["startImport"]
    assert start["errors"] == [] and start["job"]["status"] == "QUEUED" and start["job"]["totalRows"] == 3
    job = await finished(gql, admin, start["job"]["id"], "th")
    assert (job["status"], job["rowsDone"], job["totalRows"], job["createdCount"], job["errorRows"]) == \
        ("DONE", 3, 3, 1, 2)
    assert job["errors"] == [
        {"row": 3, "column": "Mobile", "code": "INVALID_PHONE", "message": "กรุณากรอกหมายเลขโทรศัพท์ให้ถูกต้อง"},
        {"row": 4, "column": "Full name", "code": "REQUIRED", "message": "ต้องกรอกช่องนี้"}]
    english = (await gql(JOB, {"id": job["id"]}, token=admin, lang="en"))["data"]["importJob"]
    assert [e["message"] for e in english["errors"]] == ["Enter a valid phone number.", "This field is required."]
    assert await count_customers(db, garage.id) == 0  # the dry run changed nothing

    for expected in ((1, 0), (0, 1)):  # a real run, then the same file again: nothing new, nothing changed
        start = (await gql(START, {"input": {"fileId": file_id, "kind": "CUSTOMERS", "dryRun": False,
                                             "preset": "Old DMS"}}, token=admin))["data"]["startImport"]
        job = await finished(gql, admin, start["job"]["id"])
        assert (job["createdCount"], job["unchangedCount"]) == expected
        assert await count_customers(db, garage.id) == 1


async def test_mapping_and_upload_problems_are_refused_in_the_readers_language(gql, garage, storage_dir):
    admin = garage.token(Role.ADMIN)
    file_id = await upload(gql, admin, csv_bytes(ROWS))
    refused = (await gql(START, {"input": {"fileId": file_id, "kind": "VEHICLES", "dryRun": True}}, token=admin,
                         lang="th"))["data"]["startImport"]
    assert refused["job"] is None
    assert [e["message"] for e in refused["errors"]] == [
        "เลือกคอลัมน์สำหรับ “รหัสในระบบเดิม” ด้วย ช่องนี้จำเป็นต้องมี",
        "เลือกคอลัมน์สำหรับ “ทะเบียนรถ” ด้วย ช่องนี้จำเป็นต้องมี"]
    unknown = (await gql(START, {"input": {"fileId": file_id, "kind": "CUSTOMERS", "dryRun": True,
                                           "preset": "nope"}}, token=admin))["data"]["startImport"]
    assert [e["message"] for e in unknown["errors"]] == ["There is no preset “nope” for this kind of import."]
    gap = await gql(UPLOAD, {"input": {"fileId": str(uuid.uuid4()), "name": "a.csv", "index": 1, "last": True,
                                       "data": base64.b64encode(b"x").decode()}}, token=admin)
    assert [e["message"] for e in gap["data"]["uploadImportFile"]["errors"]] == [
        "Part 1 of the file arrived out of order; part 0 was expected."]
    big = base64.b64encode(b"x" * (512 * 1024 + 1)).decode()
    too_big = await gql(UPLOAD, {"input": {"fileId": str(uuid.uuid4()), "name": "a.csv", "index": 0, "last": True,
                                           "data": big}}, token=admin, lang="th")
    assert [e["message"] for e in too_big["data"]["uploadImportFile"]["errors"]] == [
        "ไฟล์แต่ละส่วนมีขนาดได้ไม่เกิน 512 KB กรุณาแบ่งไฟล์ส่งเป็นส่วนที่เล็กลง"]


async def test_a_file_over_the_cap_is_refused_part_way(gql, garage, storage_dir, monkeypatch):
    from backend.integrations.imports import service

    monkeypatch.setattr(service, "MAX_FILE_BYTES", 1024 * 1024)
    file_id, part = str(uuid.uuid4()), base64.b64encode(b"a,b\r\n" * (100 * 1024)).decode()  # 500 KiB a part
    answers = [(await gql(UPLOAD, {"input": {"fileId": file_id, "name": "a.csv", "index": i, "last": False,
                                             "data": part}}, token=garage.token(Role.ADMIN)))
               ["data"]["uploadImportFile"] for i in range(3)]
    assert [a["errors"] for a in answers[:2]] == [[], []]
    assert [e["message"] for e in answers[2]["errors"]] == ["The file is too large: at most 1 MB."]
    assert answers[2]["file"] is None


async def test_imported_service_history_is_in_the_vehicles_history(gql, db, garage):
    await run(db, garage, "customers", csv_bytes([["id", "name"], ["C1", "Somchai"]]))
    await run(db, garage, "vehicles", csv_bytes([["id", "registration", "c"], ["V1", "กข 1234", "C1"]]),
              mapping={"c": "customer_ref"})
    await run(db, garage, "service_history", csv_bytes([
        ["id", "vehicle", "date", "km", "work", "by", "hours", "labour", "parts"],
        ["H1", "V1", "2024-01-15", "40000", "Brake pads", "Somsak", "2", "1200", "2500"],
        ["H2", "V1", "31/03/2024", "45210", "Oil change", "Somsak", "0.5", "300", "900.50"]]),
        mapping={"vehicle": "vehicle_ref", "date": "visited_on", "km": "mileage", "work": "description",
                 "by": "technician", "hours": "billed_hours", "labour": "labour_amount", "parts": "parts_amount"})
    body = await gql("""{ vehicleByRegistration(registration: "กข-1234") { registration serviceHistory {
        visitedOn mileage description technicianName billedHours labourAmount partsAmount totalAmount currency
        source } } }""", token=garage.token(Role.SITE_MANAGER))
    vehicle = body["data"]["vehicleByRegistration"]
    assert vehicle["registration"] == "กข1234"
    assert vehicle["serviceHistory"] == [
        {"visitedOn": "2024-03-31", "mileage": 45210, "description": "Oil change", "technicianName": "Somsak",
         "billedHours": "0.50", "labourAmount": 30000, "partsAmount": 90050, "totalAmount": 120050,
         "currency": "THB", "source": "import"},
        {"visitedOn": "2024-01-15", "mileage": 40000, "description": "Brake pads", "technicianName": "Somsak",
         "billedHours": "2.00", "labourAmount": 120000, "partsAmount": 250000, "totalAmount": 370000,
         "currency": "THB", "source": "import"}]


@pytest.mark.parametrize("role", list(Role))
async def test_only_admins_import(gql, garage, storage_dir, role):
    allowed = Permission.IMPORTS_MANAGE in ROLE_PERMISSIONS[role]
    assert allowed == (role == Role.ADMIN)
    data = base64.b64encode(csv_bytes(ROWS)).decode()
    body = await gql(UPLOAD, {"input": {"fileId": str(uuid.uuid4()), "name": "a.csv", "index": 0, "last": True,
                                        "data": data}}, token=garage.token(role), expect_errors=True)
    listed = await gql("{ importJobs { id } importPresets { key } }", token=garage.token(role), expect_errors=True)
    if allowed:
        assert body["data"]["uploadImportFile"]["errors"] == [] and listed["data"]["importJobs"] == []
    else:
        assert error_codes(body) == ["FORBIDDEN"] and body["data"] is None
        assert set(error_codes(listed)) == {"FORBIDDEN"}


async def test_another_garages_file_and_jobs_are_not_found(gql, garage, other_garage, storage_dir):
    file_id = await upload(gql, garage.token(Role.ADMIN), csv_bytes(ROWS))
    start = (await gql(START, {"input": {"fileId": file_id, "kind": "CUSTOMERS", "dryRun": True, "mapping": [
        {"column": "Cust no", "field": "source_id"}, {"column": "Full name", "field": "name"}]}},
        token=garage.token(Role.ADMIN)))["data"]["startImport"]
    assert start["errors"] == []
    await tasks.wait_in_process()
    other = other_garage.token(Role.ADMIN)
    assert (await gql(PREVIEW, {"f": file_id, "k": "CUSTOMERS"}, token=other))["data"]["importPreview"] is None
    stolen = (await gql(START, {"input": {"fileId": file_id, "kind": "CUSTOMERS", "dryRun": False}},
                        token=other))["data"]["startImport"]
    assert stolen["job"] is None and [e["code"] for e in stolen["errors"]] == ["NOT_FOUND"]
    assert (await gql(JOB, {"id": start["job"]["id"]}, token=other))["data"]["importJob"] is None
    assert (await gql("{ importJobs { id } }", token=other))["data"]["importJobs"] == []
    # and a part of "their" file id cannot be added from the other garage
    part = await gql(UPLOAD, {"input": {"fileId": file_id, "name": "a.csv", "index": 5, "last": True,
                                        "data": base64.b64encode(b"x").decode()}}, token=other)
    assert [e["code"] for e in part["data"]["uploadImportFile"]["errors"]] == ["NOT_FOUND"]


async def test_the_history_of_a_page_of_vehicles_is_read_in_the_same_statements_for_1_or_10(gql, db, garage,
                                                                                           count_statements):
    query = "{ vehicles(first: 50) { edges { node { registration serviceHistory { visitedOn totalAmount } } } } }"
    token = garage.token(Role.ADMIN)
    counts = []
    for n in (1, 10):
        await run(db, garage, "vehicles", csv_bytes([["id", "registration"]] + [[f"V{i}", f"AA{i}"] for i in range(n)]))
        await run(db, garage, "service_history", csv_bytes(
            [["id", "vehicle", "date", "total"]] + [[f"H{i}-{k}", f"V{i}", f"2024-0{k + 1}-01", "100"]
                                                    for i in range(n) for k in range(2)]),
            mapping={"vehicle": "vehicle_ref", "date": "visited_on", "total": "total_amount"})
        with count_statements() as counter:
            body = await gql(query, token=token)
        nodes = [e["node"] for e in body["data"]["vehicles"]["edges"]]
        assert len(nodes) == n and all(len(v["serviceHistory"]) == 2 for v in nodes)
        counts.append(counter.count)
    assert counts[0] == counts[1]
