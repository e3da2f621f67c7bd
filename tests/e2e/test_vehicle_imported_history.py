"""A vehicle's visits imported from the garage's previous system show on its screen under the jobs, en and th."""

from __future__ import annotations

import base64
import os
import time
import uuid
from pathlib import Path

import pytest

from tests.e2e.helpers import go, graphql, new_phone, open_page, require_browser, sign_in, token_for
from tests.e2e.layout import layout_problems

require_browser()
pytestmark = pytest.mark.e2e

UPLOAD = """mutation($input: UploadImportFileInput!) { uploadImportFile(input: $input) { errors { code message } } }"""
START = """mutation($input: StartImportInput!) { startImport(input: $input) { job { id } errors { code message } } }"""
JOB = "query($id: ID!) { importJob(id: $id) { status createdCount errorRows } }"


def _import_history(server_url: str, token: str, registration: str) -> None:
    csv = ("Visit,Plate,Date,Km,Work,Mechanic,Total\r\n"
           f"V-1,{registration},2024-03-15,41200,Front brake pads and discs,Somchai,4280.00\r\n").encode()
    file_id = str(uuid.uuid4())
    uploaded = graphql(server_url, UPLOAD, {"input": {"fileId": file_id, "name": "history.csv", "index": 0,
                                                      "data": base64.b64encode(csv).decode(), "last": True}},
                       token=token)["uploadImportFile"]
    assert uploaded["errors"] == [], uploaded
    mapping = [{"column": c, "field": f} for c, f in (("Visit", "source_id"), ("Plate", "registration"),
                                                      ("Date", "visited_on"), ("Km", "mileage"),
                                                      ("Work", "description"), ("Mechanic", "technician"),
                                                      ("Total", "total_amount"))]
    started = graphql(server_url, START, {"input": {"fileId": file_id, "kind": "SERVICE_HISTORY", "dryRun": False,
                                                    "mapping": mapping, "source": "oldsys"}},
                      token=token)["startImport"]
    assert started["errors"] == [], started
    deadline = time.monotonic() + 30
    while True:
        job = graphql(server_url, JOB, {"id": started["job"]["id"]}, token=token)["importJob"]
        if job["status"] not in ("QUEUED", "RUNNING"):
            break
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
    assert job["status"] == "DONE" and job["createdCount"] == 1 and job["errorRows"] == 0, job


def test_imported_visits_show_on_the_vehicle_screen(browser, server_url):
    admin = token_for(server_url, "admin")
    vehicle = graphql(server_url, "{ vehicles(first: 1) { edges { node { id registrationDisplay } } } }",
                      token=admin)["vehicles"]["edges"][0]["node"]
    _import_history(server_url, admin, vehicle["registrationDisplay"])
    for locale, heading in (("en-US", "Earlier visits (from the previous system)"),
                            ("th-TH", "ประวัติการเข้ารับบริการก่อนหน้า (จากระบบเดิม)")):
        context = new_phone(browser, server_url, locale=locale)
        try:
            page = open_page(context)
            sign_in(page, "site")
            if locale == "th-TH":
                page.get_by_test_id("lang-th").click()
            go(page, f"vehicles/{vehicle['id']}")
            visits = page.get_by_test_id("vehicle-imported-visit")
            visits.first.wait_for()
            history = page.get_by_test_id("vehicle-history").inner_text()
            assert heading in history
            text = visits.first.inner_text()
            assert "Front brake pads and discs" in text and "Somchai" in text and "41,200" in text
            assert "4,280.00" in text and ("2024" in text or "2567" in text)  # the visit's date (BE in Thai)
            assert layout_problems(page) == []
            if os.environ.get("MOTOTRACK_SHOTS_DIR"):  # for a person to look at
                Path(os.environ["MOTOTRACK_SHOTS_DIR"]).mkdir(parents=True, exist_ok=True)
                visits.first.scroll_into_view_if_needed()
                page.screenshot(path=f"{os.environ['MOTOTRACK_SHOTS_DIR']}/vehicle-history-360-{locale[:2]}.png")
        finally:
            context.close()
