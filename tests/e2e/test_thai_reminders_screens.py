"""The reminder screens of a Thai garage (issue 12, "Thai vehicle reminders" on screens).

The demo garage is in Bangkok: the admin's reminder settings offer the Thai legal duties (the annual vehicle tax
renewal, the inspection ตรอ., the compulsory insurance พ.ร.บ.) and the service, never the MOT, named in English and
in Thai; a duty switched off stays offered (unchecked) after a reload, so it can be switched on again; the template
picker names the three new messages. The same garage set to the United Kingdom gets the MOT and none of the Thai
kinds. The browser is English (en-US), so nothing Thai comes from it.
"""

from __future__ import annotations

import pytest

from tests.e2e.helpers import axe_violations, go, graphql, open_page, require_browser, sign_in, token_for

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e  # every wait is bounded by the context default timeout (15 s)

KINDS = "{ reminderSettings { kinds version } }"
SET_COUNTRY = """mutation($input: UpdateGarageSettingsInput!) { updateGarageSettings(input: $input) {
  garage { country } errors { field code message } } }"""
NAMES = {
    "en": {"VEHICLE_TAX": "Annual vehicle tax renewal", "INSPECTION": "Vehicle inspection (ตรอ.)",
           "INSURANCE": "Compulsory insurance (พ.ร.บ.)", "SERVICE": "Service"},
    "th": {"VEHICLE_TAX": "ต่อภาษีรถยนต์ประจำปี", "INSPECTION": "ตรวจสภาพรถ (ตรอ.)",
           "INSURANCE": "ประกันภัยภาคบังคับ (พ.ร.บ.)", "SERVICE": "เข้ารับบริการ"},
}
EVENTS = {
    "en": {"reminder_vehicle_tax": "Annual vehicle tax reminder", "reminder_inspection": "Vehicle inspection reminder",
           "reminder_insurance": "Compulsory insurance reminder"},
    "th": {"reminder_vehicle_tax": "แจ้งเตือนต่อภาษีรถยนต์ประจำปี", "reminder_insurance": "แจ้งเตือนต่อประกัน พ.ร.บ."},
}


def in_language(page, lang: str) -> None:
    if page.locator("html").get_attribute("lang") != lang:
        page.get_by_test_id(f"lang-{lang}").click()
        page.wait_for_function(f"() => document.documentElement.lang === '{lang}'")


def kind_label(page, kind: str):
    return page.locator(f"label.check:has([data-testid=reminder-kind-{kind}])")


def test_thai_garage_reminder_kinds_and_event_names(phone, server_url):
    token = token_for(server_url, "admin")
    page = open_page(phone)
    sign_in(page, "admin")
    go(page, "admin/reminders")
    form = page.get_by_test_id("reminder-settings-form")
    expect(form).to_be_visible()

    for lang in ("en", "th"):
        in_language(page, lang)
        for kind, name in NAMES[lang].items():
            expect(kind_label(page, kind)).to_have_text(name)
        expect(page.get_by_test_id("reminder-kind-MOT")).to_have_count(0)
        # the template picker: names of the three new messages, not their keys
        picker = page.get_by_test_id("template-event")
        for event, name in EVENTS[lang].items():
            expect(picker.locator(f"option[value={event}]")).to_have_text(name)
    assert axe_violations(page) == []

    # the insurance reminder switched off: saved, and still offered (unchecked) after a reload
    insurance = page.get_by_test_id("reminder-kind-INSURANCE")
    expect(insurance).to_be_checked()
    insurance.uncheck()
    page.get_by_test_id("reminder-settings-save").click()
    expect(page.get_by_test_id("reminder-settings-saved")).to_be_visible()
    assert graphql(server_url, KINDS, None, token)["reminderSettings"]["kinds"] == [
        "VEHICLE_TAX", "INSPECTION", "SERVICE"]
    page.reload()
    expect(page.get_by_test_id("reminder-kind-INSURANCE")).not_to_be_checked()
    expect(page.get_by_test_id("reminder-kind-VEHICLE_TAX")).to_be_checked()
    expect(page.get_by_test_id("reminder-kind-MOT")).to_have_count(0)
    page.get_by_test_id("reminder-kind-INSURANCE").check()
    page.get_by_test_id("reminder-settings-save").click()
    expect(page.get_by_test_id("reminder-settings-saved")).to_be_visible()
    assert "INSURANCE" in graphql(server_url, KINDS, None, token)["reminderSettings"]["kinds"]

    # the same garage in the United Kingdom: the MOT and the service, none of the Thai duties
    r = graphql(server_url, SET_COUNTRY, {"input": {"country": "GB"}}, token)["updateGarageSettings"]
    assert r["errors"] == [] and r["garage"]["country"] == "GB", r
    try:
        page.reload()
        in_language(page, "en")
        expect(kind_label(page, "MOT")).to_have_text("MOT")
        expect(kind_label(page, "SERVICE")).to_have_text("Service")
        for kind in ("VEHICLE_TAX", "INSPECTION", "INSURANCE"):
            expect(page.get_by_test_id(f"reminder-kind-{kind}")).to_have_count(0)
    finally:
        r = graphql(server_url, SET_COUNTRY, {"input": {"country": "TH"}}, token)["updateGarageSettings"]
        assert r["errors"] == [], r


VEHICLE = """query($r: String!) { vehicleByRegistration(registration: $r) { id kind insuranceExpiry
  owner { kind phone } jobs { id } } }"""


@pytest.mark.parametrize("lang,invalid", [("en", "Enter a valid phone number."),
                                          ("th", "กรุณากรอกหมายเลขโทรศัพท์ให้ถูกต้อง")])
def test_intake_of_a_company_motorcycle_with_its_insurance_and_a_bad_phone(phone, server_url, lang, invalid):
    """Intake of a new motorcycle whose owner is a company: a phone that cannot be a number is refused at the
    field with the API's message in the reader's language and opens nothing; corrected, the job opens and the
    vehicle keeps its kind and พ.ร.บ. expiry, the owner its kind and the phone in E.164."""
    import datetime as dt
    import uuid

    token = token_for(server_url, "site")
    registration = f"MC{uuid.uuid4().hex[:5].upper()}"
    expiry = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    page = open_page(phone)
    sign_in(page, "site")
    in_language(page, lang)
    go(page, "intake")
    page.get_by_test_id("intake-registration").fill(registration)
    page.get_by_test_id("intake-find").click()
    page.get_by_test_id("new-vehicle-kind").select_option("MOTORCYCLE")
    page.get_by_test_id("new-insurance-expiry").fill(expiry)
    page.get_by_test_id("new-owner-name").fill("บริษัท ทดสอบขนส่ง จำกัด")
    page.get_by_test_id("new-owner-kind").select_option("COMPANY")
    page.get_by_test_id("new-owner-phone").fill("12")
    if page.get_by_test_id("site-picker").count():
        page.get_by_test_id("site-picker").select_option(index=1)
    page.get_by_test_id("job-open").click()
    phone_error = page.locator(".field:has([data-testid=new-owner-phone]) [data-testid=field-error]")
    expect(phone_error).to_have_text(invalid)
    assert graphql(server_url, VEHICLE, {"r": registration}, token)["vehicleByRegistration"] is None

    page.get_by_test_id("new-owner-phone").fill("081 234 5678")
    page.get_by_test_id("job-open").click()
    expect(page.get_by_test_id("created-job")).to_be_visible()
    v = graphql(server_url, VEHICLE, {"r": registration}, token)["vehicleByRegistration"]
    assert (v["kind"], v["insuranceExpiry"], len(v["jobs"])) == ("MOTORCYCLE", expiry, 1), v
    assert v["owner"] == {"kind": "COMPANY", "phone": "+66812345678"}, v
    # the vehicle screen shows its kind and its พ.ร.บ. expiry
    go(page, f"vehicles/{v['id']}")
    details = page.get_by_test_id("vehicle-details")
    expect(details).to_contain_text("Motorcycle" if lang == "en" else "รถจักรยานยนต์")
    expect(details).to_contain_text("Compulsory insurance (พ.ร.บ.) expires" if lang == "en" else "วันหมดอายุ พ.ร.บ.")


CUSTOMER = "query($id: ID!) { customer(id: $id) { kind phone } }"
NEW_CUSTOMER = """mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { id }
  errors { code } } }"""


@pytest.mark.parametrize("lang,invalid", [("en", "Enter a valid phone number."),
                                          ("th", "กรุณากรอกหมายเลขโทรศัพท์ให้ถูกต้อง")])
def test_customer_screen_edits_the_kind_and_refuses_a_bad_phone_at_the_field(phone, server_url, lang, invalid):
    token = token_for(server_url, "site")
    made = graphql(server_url, NEW_CUSTOMER, {"input": {"name": f"ร้านทดสอบ {lang}", "phone": "081 000 1234"}},
                   token)["createCustomer"]
    assert made["errors"] == [], made
    cid = made["customer"]["id"]
    page = open_page(phone)
    sign_in(page, "site")
    in_language(page, lang)
    go(page, f"customers/{cid}")
    page.get_by_test_id("customer-edit").click()
    page.get_by_test_id("customer-kind").select_option("COMPANY")
    page.get_by_test_id("customer-phone").fill("12")
    page.get_by_test_id("customer-save").click()
    error = page.locator(".field:has([data-testid=customer-phone]) [data-testid=field-error]")
    expect(error).to_have_text(invalid)
    assert graphql(server_url, CUSTOMER, {"id": cid}, token)["customer"] == {"kind": "PERSON", "phone": "+66810001234"}

    page.get_by_test_id("customer-phone").fill("02-123-9999")
    page.get_by_test_id("customer-save").click()
    expect(page.get_by_test_id("customer-form")).to_have_count(0)
    assert graphql(server_url, CUSTOMER, {"id": cid}, token)["customer"] == {"kind": "COMPANY", "phone": "+6621239999"}
