"""Scheduled imports (issue 17): a file in the server's import folder imported once a day at the garage's local
time, only when it changed, the run recorded; KPIs see the rows; bad paths refused in en and th; admins only; a
broken file recorded as failed with one message to the admins."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from sqlalchemy import func, select

from backend.analytics import facts
from backend.analytics import kpis as k
from backend.core.permissions import Role
from backend.integrations.imports import scheduled, service
from backend.integrations.imports.models import ImportJob, ServiceHistory
from backend.notifications.models import Notification
from tests.conftest import error_codes
from tests.integrations.imports.helpers import csv_bytes, run
from tests.workshop.helpers import make_site

SET = """mutation S($input: SetScheduledImportInput!) { setScheduledImport(input: $input) {
  scheduledImport { kind path preset timeOfDay enabled lastStatus } errors { field code message } } }"""
LIST = """{ scheduledImports { kind path timeOfDay enabled lastRunAt lastStatus lastCreated lastUpdated lastUnchanged
  lastErrorRows lastError } }"""
HEAD = ["Visit", "Plate", "Date", "Mechanic", "Hours", "Labour"]
MAPPING = {"Visit": "source_id", "Plate": "registration", "Date": "visited_on", "Mechanic": "technician",
           "Hours": "billed_hours", "Labour": "labour_amount"}
# Asia/Bangkok is UTC+7: 02:00 local on 21 March is 19:00 UTC on 20 March
BEFORE = dt.datetime(2026, 3, 20, 18, 55, tzinfo=dt.timezone.utc)
AT = dt.datetime(2026, 3, 20, 19, 3, tzinfo=dt.timezone.utc)
NEXT_DAY = AT + dt.timedelta(days=1)


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    root = tmp_path / "imports"
    (root / "daily").mkdir(parents=True)
    monkeypatch.setattr(app.state.services.settings, "import_dir", str(root), raising=False)
    return root


async def _setup(db, garage, gql, folder):
    await make_site(db, garage)  # imported repair orders count at the garage's site
    await run(db, garage, "customers", csv_bytes([["id", "name"], ["C1", "Somchai"]]))
    await run(db, garage, "vehicles", csv_bytes([["id", "registration", "customer"], ["V1", "กข 1", "C1"]]),
              mapping={"customer": "customer_ref"})
    async with db.transaction() as session:
        await service.save_preset(session, garage.actor(Role.ADMIN), "service_history", "old-shop", MAPPING, {},
                                  "old-shop")
    (folder / "daily" / "history.csv").write_bytes(csv_bytes([HEAD, ["H1", "กข 1", "2026-03-18", "Somsak", "2",
                                                                     "1,000.00"]]))
    body = await gql(SET, {"input": {"kind": "SERVICE_HISTORY", "path": "daily/history.csv", "preset": "old-shop",
                                     "timeOfDay": "02:00"}}, token=garage.token(Role.ADMIN))
    assert body["data"]["setScheduledImport"]["errors"] == []
    assert body["data"]["setScheduledImport"]["scheduledImport"] == {
        "kind": "SERVICE_HISTORY", "path": "daily/history.csv", "preset": "old-shop", "timeOfDay": "02:00",
        "enabled": True, "lastStatus": None}


async def _counts(db, garage):
    async with db.read() as session:
        jobs = (await session.execute(select(func.count()).select_from(ImportJob).where(
            ImportJob.garage_id == garage.id))).scalar_one()
        visits = (await session.execute(select(ServiceHistory.source_id, ServiceHistory.billed_hours,
                                               ServiceHistory.labour_amount).where(
            ServiceHistory.garage_id == garage.id).order_by(ServiceHistory.source_id))).all()
    return jobs, [(s, str(h), a) for s, h, a in visits]


async def test_a_file_is_imported_once_a_day_when_it_changed_and_kpis_see_it(app, db, gql, garage, folder):
    await _setup(db, garage, gql, folder)
    settings = app.state.services.settings
    jobs_before, _ = await _counts(db, garage)
    assert await scheduled.run_due(db, settings, BEFORE) == []  # 01:55 local: not yet
    assert await scheduled.run_due(db, settings, AT) == ["done"]
    jobs, visits = await _counts(db, garage)
    assert jobs == jobs_before + 1 and visits == [("H1", "2.00", 100000)]
    assert await scheduled.run_due(db, settings, AT + dt.timedelta(minutes=5)) == []  # once a day
    listed = (await gql(LIST, token=garage.token(Role.ADMIN)))["data"]["scheduledImports"]
    assert [(r["lastStatus"], r["lastCreated"], r["lastUpdated"], r["lastUnchanged"], r["lastErrorRows"],
             r["lastError"]) for r in listed] == [("DONE", 1, 0, 0, 0, None)]
    assert listed[0]["lastRunAt"].startswith("2026-03-20T19:03")

    async with db.transaction() as session:
        await facts.refresh_dirty(session, garage.id)
    async with db.read() as session:
        report = await k.kpi_report(session, garage.actor(Role.ADMIN), group=k.Group.GARAGE,
                                    kind=k.PeriodKind.MONTH, date=dt.date(2026, 3, 1))
    [row] = report.rows
    assert (row.jobs, row.imported_jobs) == (1, 1)

    # the next day, the same file: nothing changes and no new run
    assert await scheduled.run_due(db, settings, NEXT_DAY) == ["unchanged"]
    assert await _counts(db, garage) == (jobs, visits)
    # the day after, a changed file: the row is updated, one new visit added
    (folder / "daily" / "history.csv").write_bytes(csv_bytes([HEAD, ["H1", "กข 1", "2026-03-18", "Somsak", "3",
                                                                     "1,500.00"],
                                                              ["H2", "กข 1", "2026-03-19", "Somsak", "1", "400"]]))
    assert await scheduled.run_due(db, settings, NEXT_DAY + dt.timedelta(days=1)) == ["done"]
    assert await _counts(db, garage) == (jobs + 1, [("H1", "3.00", 150000), ("H2", "1.00", 40000)])
    listed = (await gql(LIST, token=garage.token(Role.ADMIN)))["data"]["scheduledImports"]
    assert (listed[0]["lastCreated"], listed[0]["lastUpdated"], listed[0]["lastUnchanged"]) == (1, 1, 0)


@pytest.mark.parametrize("path", ["../secret.csv", "daily/../../secret.csv", "/etc/passwd", "link/secret.csv"])
async def test_a_path_outside_the_import_folder_is_refused_in_en_and_th(app, db, gql, garage, folder, tmp_path,
                                                                        path):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.csv").write_text("id,name\n")
    os.symlink(tmp_path / "outside", folder / "link")
    for lang, message in (("en", "The file must be inside the server's import folder; give its path within that "
                                 "folder, without “..”."),
                          ("th", "ไฟล์ต้องอยู่ในโฟลเดอร์นำเข้าของเซิร์ฟเวอร์ ระบุตำแหน่งไฟล์ภายในโฟลเดอร์นั้น "
                                 "โดยไม่ใช้ “..”")):
        body = await gql(SET, {"input": {"kind": "CUSTOMERS", "path": path, "timeOfDay": "02:00"}},
                         token=garage.token(Role.ADMIN), lang=lang)
        payload = body["data"]["setScheduledImport"]
        assert payload["scheduledImport"] is None
        assert [(e["field"], e["code"], e["message"]) for e in payload["errors"]] == [
            ("path", "INVALID_VALUE", message)]
    assert (await gql(LIST, token=garage.token(Role.ADMIN)))["data"]["scheduledImports"] == []


async def test_another_garage_never_sees_it_and_non_admins_are_forbidden(app, db, gql, garage, other_garage,
                                                                         folder):
    await _setup(db, garage, gql, folder)
    assert (await gql(LIST, token=other_garage.token(Role.ADMIN)))["data"]["scheduledImports"] == []
    for role in Role:
        if role == Role.ADMIN:
            continue
        listed = await gql(LIST, token=garage.token(role), expect_errors=True)
        body = await gql(SET, {"input": {"kind": "CUSTOMERS", "path": "x.csv", "timeOfDay": "02:00"}},
                         token=garage.token(role), expect_errors=True)
        assert error_codes(listed) == ["FORBIDDEN"] and error_codes(body) == ["FORBIDDEN"]


async def test_a_broken_file_is_recorded_as_failed_and_the_admins_told_once(app, db, gql, garage, folder):
    await _setup(db, garage, gql, folder)
    (folder / "daily" / "history.csv").write_bytes(b"Visit;Nothing\n\x00\x00\x00")
    jobs_before, visits_before = await _counts(db, garage)
    settings = app.state.services.settings
    assert await scheduled.run_due(db, settings, AT) == ["failed"]
    assert await scheduled.run_due(db, settings, AT + dt.timedelta(minutes=10)) == []
    assert await _counts(db, garage) == (jobs_before, visits_before)
    [row] = (await gql(LIST, token=garage.token(Role.ADMIN)))["data"]["scheduledImports"]
    assert row["lastStatus"] == "FAILED" and row["lastError"]
    async with db.read() as session:
        sent = (await session.execute(select(Notification).where(
            Notification.garage_id == garage.id, Notification.event == scheduled.EVENT))).scalars().all()
    assert len(sent) == 1 and sent[0].context["import_file"] == "daily/history.csv"
