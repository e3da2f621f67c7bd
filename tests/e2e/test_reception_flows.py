"""Reception, the customer screen and the vehicle screen, clicked through by the site manager (and billing) in
headless Chromium against the real seeded server, at phone and desktop sizes, in English and Thai.

- Intake: a new vehicle goes to a customer already on file (search as you type); its VIN fills make and model year
  where the VIN says so (a European VIN gives the maker only; a North American one with a wrong check digit is
  flagged); the same vehicle brought in again shows its open job and opens that job card instead of a second one.
- The customer screen: details edited with the server's localized errors, vehicles, visits opening the job card,
  invoices and the balance in baht, quotes, messages; the vehicle screen: details, due dates, service history,
  mileage log, owners.
- At 360, 768 and 1280 px none of these screens scrolls sideways and no control is covered (the document's
  scrollWidth and the element at every control's centre are printed); axe finds nothing serious or critical;
  screenshots are saved (MOTOTRACK_E2E_SCREENSHOTS, default /tmp/mototrack-e2e).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

from tests.e2e.helpers import axe_violations, go, graphql, new_phone, open_page, require_browser, sign_in, token_for
from tests.e2e.layout import shoot

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e

SIZES = {"phone": (360, 740), "tablet": (768, 1024), "desktop": (1280, 800)}
THAI = re.compile(r"[\u0E00-\u0E7F]")

CUSTOMERS = """query($q: String) { customers(search: $q, first: 50) { edges { node { id name
  vehicles { id registrationDisplay } jobs { id number status } } } } }"""

# the document's width, and every visible control whose centre is another element (after scrolling it into view)
LAYOUT_JS = """() => {
  const doc = document.documentElement;
  const out = { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, controls: 0, covered: [] };
  const screen = document.querySelector('section.screen') || document.body;
  for (const el of screen.querySelectorAll('button, a[href], select, input:not([type=hidden]), textarea')) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
    el.scrollIntoView({ block: 'center', inline: 'nearest', behavior: 'instant' });
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    out.controls += 1;
    if (!hit || !(hit === el || el.contains(hit) || (el.labels && [...el.labels].includes(hit)))) {
      out.covered.push(`${el.dataset.testid || el.tagName} "${(el.textContent || '').trim().slice(0, 30)}" under ` +
        `${hit ? hit.tagName + '.' + hit.className : 'nothing'}`);
    }
  }
  window.scrollTo(0, 0);
  return out;
}"""


_VALUES = dict(zip("ABCDEFGHJKLMNPRSTUVWXYZ", [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9]))
_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]


def tesla_2019_vin() -> str:
    """A North American VIN (Tesla, model year K = 2019) with a fresh serial and its check digit, written by the
    rule of 49 CFR 565 here (VINs are unique per garage, so each run needs its own)."""
    body = f"5YJ3E1EA0KF{uuid.uuid4().int % 1_000_000:06d}"
    total = sum((int(c) if c.isdigit() else _VALUES[c]) * w for c, w in zip(body, _WEIGHTS))
    digit = "X" if total % 11 == 10 else str(total % 11)
    return body[:8] + digit + body[9:]


def check_layout(page, name: str) -> None:
    """Asserts no sideways scroll and no covered control; prints the figures; saves a screenshot."""
    found = page.evaluate(LAYOUT_JS)
    print(f"layout {name}: scrollWidth {found['scrollWidth']} / clientWidth {found['clientWidth']}, "
          f"{found['controls']} controls, covered {found['covered']}")
    assert found["scrollWidth"] <= found["clientWidth"], f"{name}: the page scrolls sideways"
    assert found["covered"] == [], f"{name}: {found['covered']}"
    shoot(page, f"reception-{name}", full_page=True)


def person(browser, server_url, size: str):
    width, height = SIZES[size]
    if size == "phone":
        return new_phone(browser, server_url)
    context = browser.new_context(base_url=server_url, viewport={"width": width, "height": height}, locale="en-GB")
    context.set_default_timeout(15_000)
    context.page_errors = []
    return context


def signed_in(context, who: str, lang: str):
    page = open_page(context)
    sign_in(page, who)
    if lang == "th":
        page.get_by_test_id("lang-th").click()
        page.wait_for_function("() => document.documentElement.lang === 'th'")
    return page


def demo_customer(server_url: str, token: str, with_vehicle: bool = True) -> dict:
    edges = graphql(server_url, CUSTOMERS, {"q": None}, token=token)["customers"]["edges"]
    return next(e["node"] for e in edges if bool(e["node"]["vehicles"]) == with_vehicle and len(e["node"]["name"]) > 3)


@pytest.mark.parametrize("size,lang", [("phone", "en"), ("desktop", "th")])
def test_reception_gives_a_new_vehicle_to_a_customer_and_warns_of_an_open_job(browser, server_url, size, lang):
    site = token_for(server_url, "site")
    owner = demo_customer(server_url, site)
    registration = f"E2E{uuid.uuid4().hex[:5].upper()}"
    context = person(browser, server_url, size)
    page = signed_in(context, "site", lang)
    go(page, "intake")
    page.get_by_test_id("intake-registration").fill(registration)
    page.get_by_test_id("intake-find").click()
    expect(page.get_by_test_id("new-vehicle")).to_be_visible()

    # a European VIN names its maker but not the model year
    page.get_by_test_id("new-vin").fill("WVWZZZ1JZXW000001")
    expect(page.get_by_test_id("new-make")).to_have_value("Volkswagen")
    expect(page.get_by_test_id("new-year")).to_have_value("")
    expect(page.get_by_test_id("vin-hint")).to_contain_text("VIN นี้ไม่ระบุรุ่นปี" if lang == "th" else "does not give the model year")
    # a North American VIN with a mistyped character: its check digit says so
    vin = tesla_2019_vin()
    wrong = vin[:8] + ("1" if vin[8] == "0" else "0") + vin[9:]
    page.get_by_test_id("new-vin").fill(wrong)
    expect(page.get_by_test_id("vin-hint")).to_have_attribute("data-check", "bad")
    # the right one: Tesla, model year 2019 (K, with a letter at position 7); the filled make follows the VIN
    page.get_by_test_id("new-vin").fill(vin)
    expect(page.get_by_test_id("new-make")).to_have_value("Tesla")
    expect(page.get_by_test_id("new-year")).to_have_value("2019")
    page.get_by_test_id("new-model").fill("Model 3")

    # the owner is a customer already on file, found as the name is typed
    page.get_by_test_id("owner-search").fill(owner["name"][:4])
    hit = page.locator(f"[data-testid=owner-hit][data-id='{owner['id']}']")
    expect(hit).to_be_visible()
    hit.click()
    expect(page.get_by_test_id("picked-owner")).to_contain_text(owner["name"])
    expect(page.get_by_test_id("new-owner-name")).to_have_count(0)
    page.get_by_test_id("job-issues").fill("Noise from the front left wheel")
    page.get_by_test_id("job-open").click()
    expect(page.get_by_test_id("created-job")).to_be_visible()
    number = page.get_by_test_id("created-job-number").inner_text().strip()

    # on the server: the vehicle is the customer's, with the VIN's make and year, and the job is its visit
    after = next(e["node"] for e in graphql(server_url, CUSTOMERS, {"q": owner["name"]}, token=site)["customers"]["edges"]
                 if e["node"]["id"] == owner["id"])
    assert registration in [v["registrationDisplay"] for v in after["vehicles"]]
    assert number in [j["number"] for j in after["jobs"]]
    vehicle = graphql(server_url, "query($r: String!) { vehicleByRegistration(registration: $r) { vin make year "
                                  "owner { id } jobs { id number } } }", {"r": registration}, token=site)["vehicleByRegistration"]
    assert (vehicle["vin"], vehicle["make"], vehicle["year"], vehicle["owner"]["id"]) == (
        vin, "Tesla", 2019, owner["id"])
    job_id = vehicle["jobs"][0]["id"]

    # the same vehicle again: its open job is shown and opened, no second job form in the way
    page.get_by_test_id("intake-next").click()
    page.get_by_test_id("intake-registration").fill(registration)
    page.get_by_test_id("intake-find").click()
    panel = page.get_by_test_id("open-job")
    expect(panel).to_contain_text(number)
    expect(panel).to_contain_text("รถคันนี้มีใบสั่งงานที่ยังเปิดอยู่แล้ว" if lang == "th" else "already has an open job card")
    expect(page.get_by_test_id("job-form")).to_have_count(0)
    assert axe_violations(page) == []
    page.get_by_test_id("open-job-link").click()
    expect(page).to_have_url(re.compile(rf"#/jobs/{job_id}$"))
    expect(page.get_by_test_id("job-card")).to_be_visible()
    assert len(graphql(server_url, "query($r: String!) { vehicleByRegistration(registration: $r) { jobs { id } } }",
                       {"r": registration}, token=site)["vehicleByRegistration"]["jobs"]) == 1
    # "open another anyway" is there for a second stream on purpose
    go(page, "intake")
    page.get_by_test_id("intake-registration").fill(registration)
    page.get_by_test_id("intake-find").click()
    page.get_by_test_id("open-job-anyway").click()
    expect(page.get_by_test_id("job-form")).to_be_visible()
    errors = list(context.page_errors)
    context.close()
    assert not errors


@pytest.mark.parametrize("size,lang", [("phone", "th"), ("desktop", "en")])
def test_customer_and_vehicle_screens(browser, server_url, size, lang):
    site = token_for(server_url, "site")
    customer = demo_customer(server_url, site)
    context = person(browser, server_url, size)
    page = signed_in(context, "site", lang)
    go(page, "customers")
    page.get_by_test_id("customer-search").fill(customer["name"])
    page.locator("[data-testid=customer-link]", has_text=customer["name"]).first.click()
    screen = page.get_by_test_id("customer-screen")
    expect(screen).to_have_attribute("data-customer-id", customer["id"])
    expect(page.get_by_test_id("customer-details")).to_be_visible()
    expect(page.get_by_test_id("customer-vehicle")).to_have_count(len(customer["vehicles"]))
    expect(page.get_by_test_id("customer-visit")).to_have_count(len(customer["jobs"]))
    expect(page.get_by_test_id("customer-balance")).to_contain_text("฿")
    expect(page.get_by_test_id("customer-quotes")).to_be_visible()
    expect(page.get_by_test_id("customer-communications")).to_be_visible()

    # an edit the server refuses shows its message, in the reader's language, and changes nothing
    page.get_by_test_id("customer-edit").click()
    page.get_by_test_id("customer-email").fill("not an email")
    page.get_by_test_id("customer-save").click()
    error = page.get_by_test_id("customer-form").get_by_test_id("field-error").first
    expect(error).to_be_visible()
    assert bool(THAI.search(error.inner_text())) == (lang == "th"), error.inner_text()
    page.get_by_test_id("customer-email").fill("")
    note = f"Prefers mornings {uuid.uuid4().hex[:4]}"
    page.get_by_test_id("customer-notes").fill(note)
    page.get_by_test_id("customer-save").click()
    expect(page.get_by_test_id("customer-details")).to_contain_text(note)
    saved = graphql(server_url, "query($id: ID!) { customer(id: $id) { notes email } }", {"id": customer["id"]},
                    token=site)["customer"]
    assert saved == {"notes": note, "email": None}
    assert axe_violations(page) == []

    # a visit opens its job card; a vehicle opens the vehicle screen
    if customer["jobs"]:
        page.get_by_test_id("visit-link").first.click()
        expect(page.get_by_test_id("job-card")).to_be_visible()
        page.go_back()
    page.get_by_test_id("customer-vehicle").first.locator("a").click()
    expect(page.get_by_test_id("vehicle-screen")).to_be_visible()
    expect(page.get_by_test_id("vehicle-details")).to_be_visible()
    expect(page.get_by_test_id("vehicle-owner-row").first).to_contain_text(customer["name"])
    vehicle_id = page.get_by_test_id("vehicle-screen").get_attribute("data-vehicle-id")
    vehicle = graphql(server_url, "query($id: ID!) { vehicle(id: $id) { jobs { id } mileageLog { mileage } } }",
                      {"id": vehicle_id}, token=site)["vehicle"]
    expect(page.get_by_test_id("vehicle-job")).to_have_count(len(vehicle["jobs"]))
    expect(page.get_by_test_id("vehicle-mileage-row")).to_have_count(len(vehicle["mileageLog"]))
    if vehicle["mileageLog"]:
        unit = "กม." if lang == "th" else "km"
        expect(page.get_by_test_id("vehicle-mileage-row").first).to_contain_text(unit)
    year = str(dt.date.today().year + (543 if lang == "th" else 0))
    if vehicle["jobs"]:
        expect(page.get_by_test_id("vehicle-history")).to_contain_text(year)
    assert axe_violations(page) == []
    errors = list(context.page_errors)
    context.close()
    assert not errors


def test_customer_screen_by_role(browser, server_url):
    """Billing opens invoices from the customer screen; a workshop manager sees no invoices (no invoices:read)."""
    site = token_for(server_url, "site")
    customer = demo_customer(server_url, site)
    for who, invoices in (("billing", True), ("workshop", False)):
        context = person(browser, server_url, "desktop")
        page = signed_in(context, who, "en")
        go(page, f"customers/{customer['id']}")
        expect(page.get_by_test_id("customer-visits")).to_be_visible()
        expect(page.get_by_test_id("customer-invoices")).to_have_count(1 if invoices else 0)
        expect(page.get_by_test_id("customer-edit")).to_have_count(1 if who == "billing" else 0)
        context.close()


@pytest.mark.parametrize("lang", ["en", "th"])
def test_reception_screens_fit_360_768_1280(browser, server_url, lang):
    site = token_for(server_url, "site")
    customer = demo_customer(server_url, site)
    vehicle_id = customer["vehicles"][0]["id"]
    for size in SIZES:
        context = person(browser, server_url, size)
        page = signed_in(context, "site", lang)
        go(page, "intake")
        page.get_by_test_id("intake-registration").fill(f"FIT{uuid.uuid4().hex[:4].upper()}")
        page.get_by_test_id("intake-find").click()
        expect(page.get_by_test_id("new-vehicle")).to_be_visible()
        page.get_by_test_id("new-vin").fill("5YJ3E1EA2KF317000")
        page.get_by_test_id("owner-search").fill(customer["name"][:4])
        expect(page.get_by_test_id("owner-hit").first).to_be_visible()
        check_layout(page, f"intake-{size}-{lang}")
        go(page, f"customers/{customer['id']}")
        expect(page.get_by_test_id("customer-details")).to_be_visible()
        expect(page.get_by_test_id("customer-balance")).to_be_visible()
        check_layout(page, f"customer-{size}-{lang}")
        page.get_by_test_id("customer-edit").click()
        check_layout(page, f"customer-edit-{size}-{lang}")
        go(page, f"vehicles/{vehicle_id}")
        expect(page.get_by_test_id("vehicle-details")).to_be_visible()
        check_layout(page, f"vehicle-{size}-{lang}")
        assert axe_violations(page) == []
        errors = list(context.page_errors)
        context.close()
        assert not errors


def test_assigning_when_no_technician_works_the_stream(browser, server_url):
    """Reception opens an electrical job (the demo has no electrical technician): the assign step says so and
    offers nothing to pick; the server says the same in Thai; the workshop manager assigns from another stream with
    a reason, which the job keeps."""
    site_name = "Rama 9 Service Centre"
    registration = f"EL{uuid.uuid4().hex[:5].upper()}"
    context = person(browser, server_url, "phone")
    page = signed_in(context, "site", "th")
    go(page, "intake")
    page.get_by_test_id("intake-registration").fill(registration)
    page.get_by_test_id("intake-find").click()
    page.get_by_test_id("new-owner-name").fill("Wiring Fault Customer")
    page.get_by_test_id("site-picker").select_option(label=site_name)
    page.get_by_test_id("job-stream").select_option("ELECTRICAL")
    page.get_by_test_id("job-open").click()
    expect(page.get_by_test_id("created-job")).to_be_visible()
    notice = page.get_by_test_id("assign-no-stream")
    expect(notice).to_contain_text("ผู้จัดการฝ่ายซ่อม")
    expect(page.get_by_test_id("assign-submit")).to_have_count(0)
    context.close()

    site = token_for(server_url, "site")
    # the answer's language is the account's saved one: make it Thai here rather than depend on whether the
    # browser above had saved its sign-in language before it closed (or another test saved English since)
    saved = graphql(server_url, "mutation($input: UpdateMyPreferencesInput!) { updateMyPreferences(input: $input) "
                    "{ errors { code } } }", {"input": {"locale": "TH"}}, token=site)["updateMyPreferences"]
    assert saved["errors"] == []
    job = graphql(server_url, "query($r: String!) { vehicleByRegistration(registration: $r) { jobs { id number } } }",
                  {"r": registration}, token=site)["vehicleByRegistration"]["jobs"][0]
    mechanic = next(u["id"] for u in graphql(server_url, "{ users(role: TECHNICIAN) { id streams } }", token=site)["users"]
                    if "MECHANICAL" in u["streams"])
    refused = graphql(server_url, "mutation($input: AssignJobInput!) { assignJob(input: $input) { errors { code message } } }",
                      {"input": {"jobId": job["id"], "technicianId": mechanic, "streamOverrideReason": "busy"}},
                      token=site, lang="th")["assignJob"]["errors"]
    assert [e["code"] for e in refused] == ["NO_TECHNICIAN_IN_STREAM"]
    assert THAI.search(refused[0]["message"]) and "ผู้จัดการฝ่ายซ่อม" in refused[0]["message"]

    context = person(browser, server_url, "desktop")
    page = signed_in(context, "workshop", "en")
    go(page, "board")
    page.get_by_test_id("site-picker").select_option(label=site_name)
    card = page.locator(f"[data-testid=board-job][data-job-id='{job['id']}']")
    card.get_by_test_id("assign-open").click()
    expect(card.get_by_test_id("assign-no-stream")).to_contain_text(re.compile("No technician works in the electrical stream", re.I))
    card.get_by_test_id("assign-technician").select_option(mechanic)
    card.get_by_test_id("assign-reason").fill("The auto-electrician is on leave; Niran knows this model")
    card.get_by_test_id("assign-submit").click()
    expect(card.get_by_test_id("job-technician")).not_to_have_text("Not assigned")
    done = graphql(server_url, "query($id: ID!) { job(id: $id) { status technician { id } streamOverrideReason } }",
                   {"id": job["id"]}, token=site)["job"]
    assert done == {"status": "ASSIGNED", "technician": {"id": mechanic},
                    "streamOverrideReason": "The auto-electrician is on leave; Niran knows this model"}
    context.close()
