"""The dashboard's exports and drill-down over the hand-made month (tests/analytics/helpers.py, March 2026):
the XLSX's figures are the kpis query's; the PDF reads in Thai (pdftotext); an export shows its progress while it
runs; the jobs behind a figure are the month's invoiced jobs; who may export, download and drill, and two garages
apart; the drill-down's statement count does not grow with the jobs or the technicians."""

from __future__ import annotations

import io
import subprocess
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from sqlalchemy import select

from backend.accounts.models import User
from backend.analytics import exports as ex
from backend.analytics import facts
from backend.analytics.exports.models import ReportExport
from backend.core.permissions import Role
from backend.files.storage import storage_for
from tests.analytics.helpers import hand_month
from tests.analytics.test_goals_and_access import invoiced, small_world
from tests.billing.test_pdf_text import need
from tests.conftest import error_codes

MARCH = {"kind": "MONTH", "date": "2026-03-17"}
KPIS = """query($p: KpiPeriodInput!, $g: KpiGroup!) { kpis(period: $p, group: $g) { currency rows { name jobs
  values { kpi current { value } previous { value } lastYear { value } definition { name formula unit } } } } }"""
START = """mutation($i: StartKpiExportInput!) { startKpiExport(input: $i) {
  export { id status report format rowsDone rowsTotal downloadUrl } errors { field code message } } }"""
EXPORT = """query($id: ID!) { kpiExport(id: $id) { id status rowsDone rowsTotal fileName downloadUrl failure } }"""
JOBS = """query($p: KpiPeriodInput!, $site: ID, $tech: ID, $adv: ID, $first: Int) {
  kpiJobs(period: $p, siteId: $site, technicianId: $tech, advisorId: $adv, first: $first) {
  period { from to } currency total rows { jobId jobNumber invoiceNumber day registration technicianName
  advisorName sales labourSales partsSales billedHours clockedHours cameBack hasInspection imported } } }"""


@pytest.fixture
def storage_dir(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app.state.services.settings, "file_storage_dir", tmp_path / "files")
    return tmp_path / "files"


async def exported(gql, client, token, variables, lang="en") -> tuple[dict, bytes]:
    started = await gql(START, {"i": variables}, token=token, lang=lang)
    payload = started["data"]["startKpiExport"]
    assert payload["errors"] == [], payload
    await ex.wait_in_process()
    body = (await gql(EXPORT, {"id": payload["export"]["id"]}, token=token, lang=lang))["data"]["kpiExport"]
    assert body["status"] == "DONE", body
    response = await client.get(body["downloadUrl"])
    assert response.status_code == 200, response.text
    return body, response.content


def pdf_text(data: bytes) -> str:
    """The PDF's text, without whitespace (a table cell wraps its words onto lines of its own)."""
    need("pdftotext")  # CI (MOTOTRACK_REQUIRE_SERVICES=1) fails rather than skips without it
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True,
                          timeout=60).stdout.decode()
    return "".join(text.split())


async def test_xlsx_figures_are_the_kpis_query(app, db, gql, client, garage, storage_dir):
    from openpyxl import load_workbook

    await hand_month(db, garage)
    token = garage.token(Role.ADMIN)
    figures = (await gql(KPIS, {"p": MARCH, "g": "GARAGE"}, token=token))["data"]["kpis"]
    body, data = await exported(gql, client, token, {"report": "KPIS", "format": "XLSX", "period": MARCH})
    assert body["fileName"].endswith(".xlsx") and body["rowsDone"] == body["rowsTotal"] == 16
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r and r[0] == "Figure"))
    by_name = {r[0]: r for r in rows[header + 1:] if r and r[0]}
    assert len(by_name) == 16
    [garage_row] = figures["rows"]
    for v in garage_row["values"]:
        row = by_name[v["definition"]["name"]]
        for cell, value in zip(row[1:4], (v["current"]["value"], v["previous"]["value"], v["lastYear"]["value"])):
            if value is None:
                assert cell is None, (v["kpi"], row)
            elif v["definition"]["unit"] in ("MONEY", "MONEY_PER_HOUR"):
                assert cell == pytest.approx(value / 100), (v["kpi"], row)  # baht, from satang
            else:
                assert cell == pytest.approx(value), (v["kpi"], row)
        assert row[5] == garage_row["jobs"] == 4 and row[6] == v["definition"]["formula"]
    assert by_name["Sales"][1] == 7200.0 and by_name["Efficiency"][1] == pytest.approx(0.9167)  # worked by hand
    # by technician, in Thai: one line per technician and KPI, the names and formulas in Thai
    th = (await gql(KPIS, {"p": MARCH, "g": "TECHNICIAN"}, token=token, lang="th"))["data"]["kpis"]
    _, data = await exported(gql, client, token, {"report": "KPIS", "format": "XLSX", "period": MARCH,
                                                 "group": "TECHNICIAN"}, lang="th")
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    cells = {(r[0], r[1]): r for r in rows if r and len(r) > 2 and r[2] is not None}
    for tech in th["rows"]:
        for v in tech["values"]:
            if v["current"]["value"] is None:
                continue
            row = cells[(tech["name"], v["definition"]["name"])]
            expected = v["current"]["value"] / 100 if v["definition"]["unit"].startswith("MONEY") else \
                v["current"]["value"]
            assert row[2] == pytest.approx(expected) and row[7] == v["definition"]["formula"]
    assert any("ประสิทธิภาพ" in str(r[1]) for r in rows if r and len(r) > 1)  # Efficiency, in Thai


async def test_pdf_reads_in_thai(app, db, gql, client, garage, storage_dir):
    m = await hand_month(db, garage)
    token = garage.token(Role.ADMIN)
    defs = (await gql("query { kpiDefinitions { kpi name formula } }", token=token, lang="th"))["data"]
    _, data = await exported(gql, client, token, {"report": "KPIS", "format": "PDF", "period": MARCH}, lang="th")
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for d in defs["kpiDefinitions"]:
        assert "".join(d["name"].split()) in text, d["name"]
    assert "7,200.00" in text and "91.7%" in text  # sales and efficiency of the month
    _, data = await exported(gql, client, token, {"report": "JOBS", "format": "PDF", "period": MARCH}, lang="th")
    text = pdf_text(data)
    numbers = [m.jobs[j].number for j in ("j1", "j2", "j3", "j4")]
    assert all(n in text for n in numbers) and m.jobs["j5"].number not in text  # j5 was voided
    assert "2569" in text  # Buddhist-era dates


async def test_progress_is_visible_while_it_runs(app, db, gql, client, garage, storage_dir, monkeypatch):
    handed: list = []

    async def hold(_db, _settings, ident):
        handed.append(ident)

    monkeypatch.setattr(ex, "dispatch", hold)
    await hand_month(db, garage)
    token = garage.token(Role.ADMIN)
    payload = (await gql(START, {"i": {"report": "KPIS", "format": "XLSX", "period": MARCH,
                                       "group": "TECHNICIAN"}}, token=token))["data"]["startKpiExport"]
    assert payload["export"]["status"] == "QUEUED" and payload["export"]["downloadUrl"] is None
    assert [str(i) for i in handed] == [payload["export"]["id"]]
    seen = []

    async def look(done, total):
        seen.append((await gql(EXPORT, {"id": payload["export"]["id"]}, token=token))["data"]["kpiExport"])

    assert await ex.run_export(db, storage_for(app.state.services.settings), handed[0], on_progress=look) == "done"
    assert await ex.run_export(db, storage_for(app.state.services.settings), handed[0]) == "skipped"  # runs once
    technicians = (await gql(KPIS, {"p": MARCH, "g": "TECHNICIAN"}, token=token))["data"]["kpis"]["rows"]
    lines = 16 * len(technicians)  # a line per technician and KPI
    assert seen[0]["status"] == "RUNNING" and seen[0]["rowsDone"] == 0 and seen[0]["rowsTotal"] == lines
    middle = [s for s in seen if 0 < s["rowsDone"] < s["rowsTotal"]]
    assert middle and all(s["status"] == "RUNNING" and s["downloadUrl"] is None for s in middle)
    assert [s["rowsDone"] for s in seen] == sorted(s["rowsDone"] for s in seen)
    final = (await gql(EXPORT, {"id": payload["export"]["id"]}, token=token))["data"]["kpiExport"]
    assert final["status"] == "DONE" and final["rowsDone"] == lines and final["downloadUrl"]


async def test_who_may_export_download_and_drill(app, db, gql, client, garage, other_garage, storage_dir):
    m = await small_world(db, garage)
    await invoiced(db, garage, m, "a", "v0", 60000, 3)
    admin = garage.token(Role.ADMIN)
    request = {"report": "JOBS", "format": "XLSX", "period": MARCH}
    for role in (Role.TECHNICIAN, Role.WORKSHOP_MANAGER, Role.WAREHOUSE_MANAGER, Role.BILLING):
        assert error_codes(await gql(START, {"i": request}, token=garage.token(role), expect_errors=True)) == \
            ["FORBIDDEN"], role
        assert error_codes(await gql(JOBS, {"p": MARCH}, token=garage.token(role), expect_errors=True)) == \
            ["FORBIDDEN"], role
    body, _ = await exported(gql, client, admin, request)
    # another person of the garage, and another garage, do not find it
    async with db.transaction() as session:
        (await session.get(User, garage.users[Role.SITE_MANAGER].id)).home_site_id = m.site.id
    for token in (garage.token(Role.SITE_MANAGER), other_garage.token(Role.ADMIN)):
        refused = await gql(EXPORT, {"id": body["id"]}, token=token, expect_errors=True)
        assert refused["data"] is None and refused["errors"][0]["extensions"]["reason"] == "NOT_FOUND"
    # a site the other garage does not have, a bad period: errors in the payload, nothing queued
    async with db.read() as session:
        before = len((await session.execute(select(ReportExport.id))).all())
    cross = await gql(START, {"i": {**request, "siteId": str(m.site.id)}}, token=other_garage.token(Role.ADMIN))
    assert [(e["code"], e["field"]) for e in cross["data"]["startKpiExport"]["errors"]] == [("NOT_FOUND", "siteId")]
    bad = {**request, "period": {"kind": "CUSTOM", "from": "2026-03-10", "to": "2026-03-01"}}
    en = (await gql(START, {"i": bad}, token=admin))["data"]["startKpiExport"]["errors"]
    th = (await gql(START, {"i": bad}, token=admin, lang="th"))["data"]["startKpiExport"]["errors"]
    assert [e["code"] for e in en] == ["INVALID_PERIOD"] and en[0]["message"] != th[0]["message"]
    async with db.read() as session:
        assert len((await session.execute(select(ReportExport.id))).all()) == before
    # the link: tampered, or for a user since deactivated, opens nothing
    url = urlsplit(body["downloadUrl"])
    params = dict(parse_qsl(url.query))
    forged = await client.get(url.path + "?" + urlencode({**params, "u": str(garage.users[Role.SITE_MANAGER].id)}))
    assert forged.status_code == 403
    other_id = await client.get(f"/exports/kpi/{uuid.uuid4()}?{url.query}")
    assert other_id.status_code == 403
    async with db.transaction() as session:
        (await session.get(User, garage.users[Role.ADMIN].id)).active = False
    assert (await client.get(body["downloadUrl"])).status_code == 403
    # drill-down: the other garage sees none of this garage's jobs
    theirs = (await gql(JOBS, {"p": MARCH}, token=other_garage.token(Role.ADMIN)))["data"]["kpiJobs"]
    assert theirs["total"] == 0 and theirs["rows"] == []


async def test_jobs_behind_the_figures(app, db, gql, garage, count_statements):
    m = await hand_month(db, garage)
    token = garage.token(Role.ADMIN)
    found = (await gql(JOBS, {"p": MARCH}, token=token))["data"]["kpiJobs"]
    assert found["total"] == 4 and found["period"] == {"from": "2026-03-01", "to": "2026-03-31"}
    by_number = {r["jobNumber"]: r for r in found["rows"]}
    assert set(by_number) == {m.jobs[j].number for j in ("j1", "j2", "j3", "j4")}
    j1, j2 = by_number[m.jobs["j1"].number], by_number[m.jobs["j2"].number]
    assert (j1["sales"], j1["billedHours"], j1["clockedHours"], j1["cameBack"], j1["hasInspection"]) == \
        (390000, 2.0, 2.5, True, True)  # labour 1,500 + 2 x oil 1,200; j3 came back within 30 days
    assert j2["labourSales"] == 60000 and j2["invoiceNumber"] == m.invoices["j2"].number  # less the credit note
    assert sum(r["sales"] for r in found["rows"]) == 720000  # the Sales tile
    assert [r["day"] for r in found["rows"]] == sorted((r["day"] for r in found["rows"]), reverse=True)
    t2 = (await gql(JOBS, {"p": MARCH, "tech": str(m.t2.id)}, token=token))["data"]["kpiJobs"]
    assert {r["jobNumber"] for r in t2["rows"]} == {m.jobs["j2"].number, m.jobs["j4"].number}
    adv = (await gql(JOBS, {"p": MARCH, "adv": str(garage.users[Role.ADMIN].id)}, token=token))["data"]["kpiJobs"]
    assert [r["jobNumber"] for r in adv["rows"]] == [m.jobs["j4"].number]
    one = (await gql(JOBS, {"p": MARCH, "first": 1}, token=token))["data"]["kpiJobs"]
    assert one["total"] == 4 and len(one["rows"]) == 1
    bad = await gql(JOBS, {"p": MARCH, "first": 501}, token=token, expect_errors=True)
    assert bad["errors"][0]["extensions"]["reason"] == "INVALID_VALUE"

    async def counted() -> int:
        with count_statements() as counter:
            await gql(JOBS, {"p": MARCH}, token=token)
        return counter.count

    few = await counted()
    # eighteen more technicians and more jobs: the same statements
    from tests.analytics.helpers import second_technician

    for _ in range(18):
        await second_technician(db, garage, m.site)
    other = await small_world(db, garage, "Bang Na")
    for i in range(3):
        await invoiced(db, garage, other, f"x{i}", f"v{i}", 10000, 5 + i)
    async with db.transaction() as session:
        await facts.refresh_dirty(session, garage.id)
    assert (await gql(JOBS, {"p": MARCH}, token=token))["data"]["kpiJobs"]["total"] == 7
    assert await counted() == few


async def test_imported_repair_orders_are_listed_with_their_vehicle(app, db, gql, garage):
    from tests.integrations.imports.helpers import csv_bytes, run

    m = await hand_month(db, garage)
    rows = [["Visit", "Plate", "Date", "Mechanic", "Hours", "Labour", "Parts"],
            ["H1", m.vehicles["v2"].registration, "2026-03-18", "Tech Two", "2", "1,000.00", "500.00"]]
    await run(db, garage, "service_history", csv_bytes(rows), mapping={
        "Visit": "source_id", "Plate": "registration", "Date": "visited_on", "Mechanic": "technician",
        "Hours": "billed_hours", "Labour": "labour_amount", "Parts": "parts_amount"})
    found = (await gql(JOBS, {"p": MARCH}, token=garage.token(Role.ADMIN)))["data"]["kpiJobs"]
    assert found["total"] == 5
    [h1] = [r for r in found["rows"] if r["imported"]]
    assert (h1["jobNumber"], h1["day"], h1["sales"], h1["billedHours"], h1["technicianName"]) == \
        ("H1", "2026-03-18", 150000, 2.0, "Tech Two")
    assert h1["registration"] == m.vehicles["v2"].registration_display
    vehicle = (await gql("""query($p: KpiPeriodInput!) { kpiJobs(period: $p) { rows { imported vehicleId } } }""",
                         {"p": MARCH}, token=garage.token(Role.ADMIN)))["data"]["kpiJobs"]["rows"]
    assert {r["vehicleId"] for r in vehicle if r["imported"]} == {str(m.vehicles["v2"].id)}  # opens the vehicle


async def test_receivables_and_capacity_export(app, db, gql, client, garage, storage_dir):
    from openpyxl import load_workbook

    await hand_month(db, garage)
    admin = garage.token(Role.ADMIN)
    owed = (await gql("""query { cashReceivables { currency total { invoices current days1To30 days31To60 days61To90
      over90 total } customers { customerName total } } }""", token=admin))["data"]["cashReceivables"]
    _, data = await exported(gql, client, admin, {"report": "RECEIVABLES", "format": "XLSX", "period": MARCH})
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    total = next(r for r in rows if r and r[0] == "Total")
    t = owed["total"]
    assert list(total[1:8]) == [t["invoices"]] + [pytest.approx(t[b] / 100) for b in (
        "current", "days1To30", "days31To60", "days61To90", "over90", "total")]
    assert t["total"] > 0 and len([r for r in rows if r and r[0] not in (None, "Total")]) >= len(owed["customers"])
    # a site manager neither exports nor downloads what the customers owe
    sm = garage.token(Role.SITE_MANAGER)
    refused = await gql(START, {"i": {"report": "RECEIVABLES", "format": "PDF", "period": MARCH}}, token=sm,
                        expect_errors=True)
    assert error_codes(refused) == ["FORBIDDEN"]
    capacity = (await gql("query { kpiCapacity { weeks { from availableHours bookedHours } } }",
                          token=admin))["data"]["kpiCapacity"]["weeks"]
    _, data = await exported(gql, client, admin, {"report": "CAPACITY", "format": "XLSX", "period": MARCH})
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    weeks = [r for r in rows if r and hasattr(r[0], "isoformat")]
    assert [(r[0].date().isoformat(), r[2], r[3]) for r in weeks] == [
        (w["from"], pytest.approx(w["availableHours"]), pytest.approx(w["bookedHours"])) for w in capacity]
