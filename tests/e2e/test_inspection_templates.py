"""Issue 15's admin screen for inspection templates and the customer's documents, in headless Chromium against the
real server (tests/e2e/conftest.py).

The admin, on a 360 px phone, writes a new template in English and Thai: one condition item and one measurement
(unit, limits, which side is good, photo required). Urgent on the good side of advise is refused by the server: its
message, in English and then in Thai, sits at the limit field and nothing is stored. Corrected, the template is saved,
listed, stored as typed, and a technician starting an inspection is offered it. A PDF attached on the customer
screen is listed there. Screenshots at 360 and 1280 px in en and th."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import go, graphql, new_phone, open_page, require_browser, sign_in, token_for
from tests.e2e.layout import layout_problems, shoot
from tests.e2e.test_inspection_offline import pdf_bytes

require_browser()

from playwright.sync_api import Page, expect  # noqa: E402

pytestmark = pytest.mark.e2e

NAME_EN, NAME_TH = "Long trip check", "ตรวจก่อนเดินทางไกล"
LIMITS_EN = "A measurement needs a unit and both limits, the urgent limit on the bad side of the advise limit."
LIMITS_TH = "รายการวัดค่าต้องมีหน่วยและค่าเกณฑ์ทั้งสองค่า โดยเกณฑ์ด่วนต้องอยู่ฝั่งที่แย่กว่าเกณฑ์แนะนำ"
TEMPLATES = """{ inspectionTemplates { nameEn nameTh sections { titleEn titleTh items {
  titleEn titleTh kind unit adviseAt urgentAt higherIsBetter photoRequired } } } }"""
JOB_NUMBER = "JC-2026-000004"  # the demo technician's job in progress


def language(page: Page, lang: str) -> None:
    """Switches the app's language from the header (on a desk width), then back to the page's width."""
    size = page.viewport_size
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_test_id(f"lang-{lang}").first.click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.set_viewport_size(size)


def fits(page: Page, name: str) -> None:
    problems = layout_problems(page)
    shoot(page, name, full_page=True)
    assert not problems, f"{name}: {problems}"


def both_widths(page: Page, name: str) -> None:
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 740 if width < 768 else 900})
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
        fits(page, f"{name}-{width}")
    page.set_viewport_size({"width": 360, "height": 740})


def stored(server_url: str, token: str) -> list[dict]:
    return [t for t in graphql(server_url, TEMPLATES, token=token)["inspectionTemplates"] if t["nameEn"] == NAME_EN]


def test_admin_writes_a_template_the_server_checks_it_and_a_technician_is_offered_it(phone, browser, server_url):
    admin = token_for(server_url, "admin")
    page = open_page(phone)
    sign_in(page, "admin")
    go(page, "admin/inspection-templates")
    expect(page.get_by_test_id("template-row").first).to_be_visible()  # the demo's general and body templates
    demo_rows = page.get_by_test_id("template-row").count()

    page.get_by_test_id("template-add").click()
    form = page.get_by_test_id("template-form")
    form.get_by_test_id("template-name-en").fill(NAME_EN)
    form.get_by_test_id("template-name-th").fill(NAME_TH)
    form.get_by_test_id("section-title-en").fill("Before leaving")
    form.get_by_test_id("section-title-th").fill("ก่อนออกเดินทาง")
    items = form.get_by_test_id("template-item")
    items.nth(0).get_by_test_id("item-title-en").fill("Headlights")
    items.nth(0).get_by_test_id("item-title-th").fill("ไฟหน้า")
    form.get_by_test_id("item-add").click()
    tread = items.nth(1)
    tread.get_by_test_id("item-title-en").fill("Front tread depth")
    tread.get_by_test_id("item-title-th").fill("ความลึกดอกยางหน้า")
    tread.get_by_test_id("item-kind").select_option("MEASUREMENT")
    tread.get_by_test_id("item-unit").fill("mm")
    tread.get_by_test_id("item-direction").select_option("higher")
    tread.get_by_test_id("item-advise").fill("3")
    tread.get_by_test_id("item-urgent").fill("5")  # deeper tread is better: urgent at 5 mm is on the good side
    tread.get_by_test_id("item-photo").check()

    # the server refuses it: its message at the limit, in English, then in Thai; nothing stored, nothing lost
    advise_error = tread.locator(".field:has([data-testid=item-advise]) [data-testid=field-error]")
    form.get_by_test_id("template-save").click()
    expect(advise_error).to_have_text(LIMITS_EN)
    language(page, "th")
    form.get_by_test_id("template-save").click()
    expect(advise_error).to_have_text(LIMITS_TH)
    expect(form.get_by_test_id("form-errors")).to_have_count(0)  # at the field only, not again under the form
    expect(tread.get_by_test_id("item-title-th")).to_have_value("ความลึกดอกยางหน้า")
    assert stored(server_url, admin) == []
    both_widths(page, "inspection-template-refused-th")
    language(page, "en")
    both_widths(page, "inspection-template-form-en")

    # moved down and back up: the order typed is the order stored
    items.nth(0).get_by_test_id("item-down").click()
    expect(items.nth(0).get_by_test_id("item-title-en")).to_have_value("Front tread depth")
    items.nth(0).get_by_test_id("item-down").click()
    expect(items.nth(0).get_by_test_id("item-title-en")).to_have_value("Headlights")

    tread.get_by_test_id("item-urgent").fill("1.6")
    form.get_by_test_id("template-save").click()
    row = page.locator(f"[data-testid=template-row][data-name='{NAME_EN}']")
    expect(row).to_contain_text("1 sections · 2 items")
    expect(row).to_contain_text(NAME_TH)
    expect(page.get_by_test_id("template-row")).to_have_count(demo_rows + 1)
    assert stored(server_url, admin) == [{
        "nameEn": NAME_EN, "nameTh": NAME_TH,
        "sections": [{"titleEn": "Before leaving", "titleTh": "ก่อนออกเดินทาง", "items": [
            {"titleEn": "Headlights", "titleTh": "ไฟหน้า", "kind": "CONDITION", "unit": None, "adviseAt": None,
             "urgentAt": None, "higherIsBetter": True, "photoRequired": False},
            {"titleEn": "Front tread depth", "titleTh": "ความลึกดอกยางหน้า", "kind": "MEASUREMENT", "unit": "mm",
             "adviseAt": "3", "urgentAt": "1.6", "higherIsBetter": True, "photoRequired": True},
        ]}],
    }]
    both_widths(page, "inspection-templates-en")
    language(page, "th")
    both_widths(page, "inspection-templates-th")
    row.get_by_test_id("template-edit").click()  # the saved template opens in its editor, as stored
    expect(page.get_by_test_id("template-form").get_by_test_id("item-urgent")).to_have_value("1.6")
    both_widths(page, "inspection-template-edit-th")
    language(page, "en")

    # a technician starting an inspection on their job is offered it
    tech = token_for(server_url, "tech")
    job_id = next(j["id"] for j in graphql(server_url, "{ myJobs { id number } }", token=tech)["myJobs"]
                  if j["number"] == JOB_NUMBER)
    context = new_phone(browser, server_url)
    try:
        bay = open_page(context)
        sign_in(bay, "tech")
        go(bay, f"jobs/{job_id}")
        bay.get_by_test_id("jc-open-inspection").click()
        expect(bay.get_by_test_id("inspection-template").filter(has_text=NAME_EN)).to_be_visible()
        assert not context.page_errors, context.page_errors
    finally:
        context.close()


def test_archiving_a_template_takes_it_off_the_list(phone, server_url):
    admin = token_for(server_url, "admin")
    created = graphql(server_url, """mutation($input: CreateInspectionTemplateInput!) {
      createInspectionTemplate(input: $input) { inspectionTemplate { id } errors { code } } }""", {"input": {
        "nameEn": "Old checklist", "sections": [{"key": "s", "titleEn": "All", "items": [
            {"key": "horn", "titleEn": "Horn", "kind": "CONDITION"}]}]}}, token=admin)["createInspectionTemplate"]
    assert created["errors"] == []
    page = open_page(phone)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, "admin")
    go(page, "admin/inspection-templates")
    row = page.locator("[data-testid=template-row][data-name='Old checklist']")
    row.get_by_test_id("template-edit").click()
    page.get_by_test_id("template-archive").click()
    expect(row).to_have_count(0)
    expect(page.get_by_test_id("template-form")).to_have_count(0)
    names = [t["nameEn"] for t in graphql(server_url, TEMPLATES, token=admin)["inspectionTemplates"]]
    assert "Old checklist" not in names and names


def test_a_document_attached_on_the_customer_screen_is_listed(phone, server_url):
    site = token_for(server_url, "site")
    customer_id = graphql(server_url, "{ jobs(first: 1) { edges { node { customer { id } } } } }",
                          token=site)["jobs"]["edges"][0]["node"]["customer"]["id"]
    files = "query($id: ID!) { customer(id: $id) { attachments { name kind sharedWithCustomer } } }"
    before = graphql(server_url, files, {"id": customer_id}, token=site)["customer"]["attachments"]
    page = open_page(phone)
    sign_in(page, "site")
    go(page, f"customers/{customer_id}")
    box = page.get_by_test_id("customer-attachments")
    expect(box).to_be_visible()
    box.get_by_test_id("attachment-input").set_input_files(
        [{"name": "registration-book.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}])
    row = box.get_by_test_id("attachment").filter(has_text="registration-book.pdf")
    expect(row).to_have_attribute("data-shared", "false", timeout=20_000)
    row.get_by_test_id("attachment-share").check()
    expect(row).to_have_attribute("data-shared", "true")
    after = graphql(server_url, files, {"id": customer_id}, token=site)["customer"]["attachments"]
    assert after == before + [{"name": "registration-book.pdf", "kind": "DOCUMENT", "sharedWithCustomer": True}]
    box.scroll_into_view_if_needed()
    both_widths(page, "customer-attachments-en")
    language(page, "th")
    expect(box).to_contain_text("เอกสารและรูปถ่าย")
    both_widths(page, "customer-attachments-th")
