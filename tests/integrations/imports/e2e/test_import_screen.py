"""The admin's import screen in headless Chromium on a phone and a desk, en and th: choose a CSV, match the columns
(the suggestion, one column by hand), a dry run that lists the bad rows and changes nothing, then the import with its
progress bar; screenshots 360/1280 en/th (MOTOTRACK_SHOTS_DIR, default /tmp/shots-h7)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.helpers import go, graphql, new_phone, open_page, require_browser, sign_in, token_for
from tests.e2e.layout import layout_problems

require_browser()
pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("MOTOTRACK_SHOTS_DIR", "/tmp/shots-h7"))
CSV = ("Cust no,Full name,Phone,E-mail\r\n"
       "OLD-1,Somsri Import,081-555-0101,somsri@example.com\r\n"
       "OLD-2,Bad Phone,12345,\r\n"
       "OLD-3,Anan Import,02 555 0303,\r\n").encode()
COUNT = "{ customers(search: \"Import\", first: 50) { edges { node { name phone } } } }"


def names(server_url: str, token: str) -> list[tuple[str, str]]:
    edges = graphql(server_url, COUNT, token=token)["customers"]["edges"]
    return sorted((e["node"]["name"], e["node"]["phone"]) for e in edges)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_dry_run_then_import_on_a_phone_and_a_desk(browser, server_url, tmp_path):
    export = tmp_path / "old-customers.csv"
    export.write_bytes(CSV)
    token = token_for(server_url, "admin")
    context = new_phone(browser, server_url)
    try:
        page = open_page(context)
        sign_in(page, "admin")
        go(page, "admin/import")
        page.get_by_test_id("import-file").set_input_files(str(export))
        page.get_by_test_id("import-upload").click()
        mapping = page.get_by_test_id("import-mapping")
        mapping.wait_for()
        selects = page.get_by_test_id("import-field")
        assert selects.count() == 4
        # the suggestion found phone and email; the id and name columns are matched by hand
        assert selects.nth(2).input_value() == "phone" and selects.nth(3).input_value() == "email"
        selects.nth(0).select_option("source_id")
        selects.nth(1).select_option("name")
        page.get_by_test_id("import-dry-run").click()
        problems = page.get_by_test_id("import-problems")
        problems.wait_for()
        assert problems.inner_text().splitlines() == ["Row 3 · Phone: Enter a valid phone number."]
        assert "3 of 3 rows" in page.get_by_test_id("import-counts").inner_text()
        assert "would be new: 2" in page.get_by_test_id("import-counts").inner_text()
        assert names(server_url, token) == []  # the dry run changed nothing
        assert layout_problems(page) == []
        shot(page, "import-360-en")
        page.set_viewport_size({"width": 1280, "height": 900})
        assert layout_problems(page) == []
        shot(page, "import-1280-en")

        page.get_by_test_id("lang-th").click()
        page.wait_for_function("() => document.documentElement.lang === 'th'")
        # the field names come again in Thai for the column chosen
        page.wait_for_function("() => document.querySelector('[data-testid=import-field] option:checked')"
                               ".textContent === 'รหัสในระบบเดิม *'")
        page.get_by_test_id("import-dry-run").click()
        page.wait_for_function("() => document.querySelector('[data-testid=import-problems]')?.textContent"
                               ".includes('กรุณากรอกหมายเลขโทรศัพท์ให้ถูกต้อง')")
        assert page.get_by_test_id("import-problems").inner_text().splitlines() == [
            "แถวที่ 3 · Phone: กรุณากรอกหมายเลขโทรศัพท์ให้ถูกต้อง"]
        assert layout_problems(page) == []
        shot(page, "import-1280-th")
        page.set_viewport_size({"width": 360, "height": 740})
        # the shell swaps its desk layout for the phone's on the resize (a re-render): check once it has
        page.wait_for_function("() => document.documentElement.scrollWidth <= window.innerWidth")
        assert layout_problems(page) == []
        shot(page, "import-360-th")

        page.get_by_test_id("import-run").click()
        page.wait_for_function("() => { const p = document.querySelector('[data-testid=import-progress]');"
                               " return p && p.value === 3 && document.querySelector('[data-testid=import-job]')"
                               ".textContent.includes('เสร็จแล้ว') && !document.querySelector("
                               "'[data-testid=import-job]').textContent.includes('ทดลอง') }")
        assert "เพิ่มใหม่: 2" in page.get_by_test_id("import-counts").inner_text()
        assert names(server_url, token) == [("Anan Import", "+6625550303"), ("Somsri Import", "+66815550101")]
        shot(page, "import-360-th-done")
        assert context.page_errors == []
    finally:
        context.close()
