"""Issue 13's bars on every screen: for every role of the demo, every screen of the PWA's registries that the role may
open (navigation screens and detail screens with a real demo id), at 360, 768 and 1280 px, in Thai and English: the
page never scrolls sideways, no control is covered by another (tests/e2e/layout.py), and axe-core finds no serious
or critical violation.

The screen list is read from the registries themselves (pwa/src/main/screens.ts, staff/screens.ts,
technician/screens.ts), merged the way screens.ts merges them, so a new screen is covered without touching this
test; a new detail path whose parameter this test cannot fill fails it rather than going unchecked.

One server, one browser, one page per role: each screen is opened once per language and resized through the three
widths. axe runs once per screen and language, at 360 px (the width where most screens differ). The run time is
printed (pytest -s) and measured, not asserted.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.request

import pytest

from tests.e2e.conftest import REPO
from tests.e2e.helpers import axe_violations, go, graphql, new_phone, open_page, require_browser, sign_in, token_for
from tests.e2e.layout import layout_problems, shoot

require_browser()

pytestmark = pytest.mark.e2e

SRC = REPO / "pwa" / "src" / "main"
# screens.ts merges the technician's list, then the staff list (a later one wins), then the shell's for ids not taken
REGISTRIES = (SRC / "technician" / "screens.ts", SRC / "staff" / "screens.ts", SRC / "screens.ts")
WIDTHS = (360, 768, 1280)
ROLES = {
    "ADMIN": "admin",
    "SITE_MANAGER": "site",
    "WORKSHOP_MANAGER": "workshop",
    "WAREHOUSE_MANAGER": "warehouse",
    "BILLING": "billing",
    "TECHNICIAN": "tech",
}
ALL_ROLES = list(ROLES)
LOADING = ("Loading…", "กำลังโหลด…")
# MOTOTRACK_E2E_EVERY_SCREEN_SHOTS=1 saves each screen at each width and language (tests/e2e/layout.py's SCREENSHOTS)
SHOTS = os.environ.get("MOTOTRACK_E2E_EVERY_SCREEN_SHOTS") == "1"

_ENTRY = re.compile(
    r"\{\s*id:\s*'(?P<id>[^']+)',\s*path:\s*'(?P<path>[^']+)',\s*roles:\s*(?P<roles>\[[^\]]*\]|ALL_ROLES)",
    re.S,
)


def registry_screens() -> list[dict]:
    """Every screen of the three registries as {id, path, roles}, merged like screens.ts's `merged`."""
    by_id: dict[str, dict] = {}
    shell: list[dict] = []
    for source in REGISTRIES:
        text = source.read_text(encoding="utf-8")
        found = [
            {"id": m["id"], "path": m["path"],
             "roles": ALL_ROLES if m["roles"] == "ALL_ROLES" else re.findall(r"'([A-Z_]+)'", m["roles"])}
            for m in _ENTRY.finditer(text)
        ]
        assert found, f"no screen entries parsed from {source}: the registry's shape changed, update _ENTRY"
        if source.name == "screens.ts" and source.parent == SRC:
            shell = found
        else:
            for s in found:
                by_id[s["id"]] = s
    for s in shell:
        by_id.setdefault(s["id"], s)
    return list(by_id.values())


# a job still in the workshop shows the most of the job card (actions, tasks, parts, clock); else any job
OPEN_JOB = "(filter: { status: [IN_PROGRESS, AWAITING_PARTS, ASSIGNED, RECEIVED] }, first: 1)"


def _first_id(server_url: str, token: str, field: str, args: str = "(first: 1)") -> str | None:
    edges = graphql(server_url, f"{{ {field}{args} {{ edges {{ node {{ id }} }} }} }}", token=token)[field]["edges"]
    return edges[0]["node"]["id"] if edges else None


def _job_id(server_url: str, token: str) -> str | None:
    return _first_id(server_url, token, "jobs", OPEN_JOB) or _first_id(server_url, token, "jobs")


def demo_ids(server_url: str) -> dict[str, dict[str, str]]:
    """Real ids for the detail screens, by role: the path's first segment ('jobs', 'customers', ...) to an id."""
    admin = token_for(server_url, "admin")
    ids = {kind: _first_id(server_url, admin, kind) for kind in ("invoices", "quotes")}
    ids["jobs"] = _job_id(server_url, admin)
    # the job's own vehicle and owner: their screens then show a visit, not only empty lists
    job = graphql(server_url, "query($id: ID!) { job(id: $id) { vehicle { id } customer { id } } }",
                  {"id": ids["jobs"]}, token=admin)["job"]
    ids["vehicles"], ids["customers"] = job["vehicle"]["id"], job["customer"]["id"]
    assert all(ids.values()), f"the demo lacks a detail screen's record: {ids}"
    by_role = {role: dict(ids) for role in ROLES}
    by_role["TECHNICIAN"] = {"jobs": _job_id(server_url, token_for(server_url, "tech"))}
    assert by_role["TECHNICIAN"]["jobs"], "the demo technician has no job"
    return by_role


def fill(path: str, ids: dict[str, str]) -> str:
    """`jobs/:id/quote` -> `jobs/<a job id>/quote`; fails for a parameter it cannot fill (a new kind of detail)."""
    if ":" not in path:
        return path
    kind = path.split("/")[0]
    assert kind in ids, f"no demo id for the detail screen {path!r}: add its kind to demo_ids()"
    return re.sub(r":[a-zA-Z]+", ids[kind], path)


def wait_ready(page, screen_id: str) -> None:
    """The screen is mounted in <main>, nothing in it says Loading or is busy, and its text held still for a moment."""
    page.wait_for_function(
        """([id, loading]) => {
          const main = document.querySelector('main#main');
          if (!main || main.dataset.screen !== id) return false;
          if (main.querySelector('[aria-busy=true]')) return false;
          const text = main.innerText;
          if (loading.some((l) => text.trim() === l || main.querySelector('[role=status]')?.innerText.trim() === l)) return false;
          const last = window.__screenText;
          window.__screenText = text;
          if (last !== text) { window.__screenStill = performance.now(); return false; }
          return performance.now() - window.__screenStill > 150;
        }""",
        arg=[screen_id, list(LOADING)],
        polling=100,
        timeout=15_000,
    )


# a registration plate is as wide as its registration, wherever it sits (a grid cell stretched it across a card)
_STRETCHED_PLATES_JS = """() => [...document.querySelectorAll('.plate')].filter((el) => {
  const box = el.getBoundingClientRect();
  if (!box.width) return false;
  const range = document.createRange();
  range.selectNodeContents(el);
  const style = getComputedStyle(el);
  const chrome = ['paddingLeft', 'paddingRight', 'borderLeftWidth', 'borderRightWidth']
    .reduce((sum, k) => sum + parseFloat(style[k]), 0);
  return box.width > range.getBoundingClientRect().width + chrome + 4;
}).map((el) => `plate "${el.textContent.trim()}" is ${Math.round(el.getBoundingClientRect().width)}px wide`)"""


def settle(page) -> None:
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


def warehouse_demo(server_url: str) -> None:
    """What the warehouse manager's screens show beside the demo's stock (issue 18): a supplier with a preferred
    item, an order on its way (partly received), an item under its minimum (a reorder suggestion) and a transfer
    in transit, so those screens are checked with rows, not only their empty states."""
    token = token_for(server_url, "warehouse")
    errors = "errors { field code message }"

    def ask(document: str, variables: dict | None = None) -> dict:  # up to 60 s: a loaded machine answers slowly
        request = urllib.request.Request(f"{server_url}/graphql", json.dumps(
            {"query": document, "variables": variables or {}}).encode(), {"Content-Type": "application/json",
                                                                           "Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            body = json.loads(response.read())
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def call(document: str, variables: dict, field: str) -> dict:
        payload = ask(document, variables)[field]
        assert not payload["errors"], payload["errors"]
        return payload

    edges = ask('{ warehouseItems(search: "WPR-16IN") { edges { node { id } } } }')["warehouseItems"]["edges"]
    item = edges[0]["node"]["id"]
    places = ask("{ warehouses { id kind } }")["warehouses"]
    central = next(w["id"] for w in places if w["kind"] == "CENTRAL")
    site = next(w["id"] for w in places if w["kind"] == "SITE")
    supplier = call(f"mutation($i: SupplierInput!) {{ createSupplier(input: $i) {{ supplier {{ id }} {errors} }} }}",
                    {"i": {"name": "Siam Wipers & Filters Co., Ltd.", "contactName": "Khun Somchai",
                           "phone": "02-123-4567", "taxId": "0105551234567", "paymentTermsDays": 30,
                           "leadTimeDays": 2}}, "createSupplier")["supplier"]["id"]
    call(f"mutation($i: SetSupplierItemInput!) {{ setSupplierItem(input: $i) {{ {errors} }} }}",
         {"i": {"supplierId": supplier, "itemId": item, "supplierCode": "SW-16S", "price": 9500, "packSize": 5,
                "preferred": True}}, "setSupplierItem")
    call(f"mutation($i: SetStockLevelsInput!) {{ setStockLevels(input: $i) {{ ok {errors} }} }}",
         {"i": {"itemId": item, "warehouseId": central, "minLevel": 20, "maxLevel": 40}}, "setStockLevels")
    order = call(f"mutation($i: CreatePurchaseOrderInput!) {{ createPurchaseOrder(input: $i) "
                 f"{{ purchaseOrder {{ id lines {{ id }} }} {errors} }} }}",
                 {"i": {"supplierId": supplier, "lines": [{"itemId": item, "quantity": 10, "unitCost": 9500}]}},
                 "createPurchaseOrder")["purchaseOrder"]
    for step in ("submitPurchaseOrder", "sendPurchaseOrder"):
        call(f"mutation($i: PurchaseOrderActionInput!) {{ {step}(input: $i) {{ {errors} }} }}",
             {"i": {"id": order["id"]}}, step)
    call(f"mutation($i: ReceivePurchaseOrderInput!) {{ receivePurchaseOrder(input: $i) {{ {errors} }} }}",
         {"i": {"id": order["id"], "lines": [{"lineId": order["lines"][0]["id"], "quantity": 4}],
                "deliveryNote": "DN-2026-0142"}}, "receivePurchaseOrder")
    transfer = call(f"mutation($i: CreateTransferInput!) {{ createTransfer(input: $i) {{ transfer {{ id }} {errors} }} }}",
                    {"i": {"fromWarehouseId": central, "toWarehouseId": site,
                           "lines": [{"itemId": item, "quantity": 1}]}}, "createTransfer")["transfer"]
    call(f"mutation($i: TransferActionInput!) {{ dispatchTransfer(input: $i) {{ {errors} }} }}",
         {"i": {"id": transfer["id"]}}, "dispatchTransfer")


@pytest.fixture(scope="module")
def ids(server_url):
    warehouse_demo(server_url)
    return demo_ids(server_url)


def test_the_registries_are_parsed_whole():
    """The parser finds the screens the app is known to have, and every role has its own (guards _ENTRY)."""
    found = {s["id"]: s for s in registry_screens()}
    for known in ("board", "job-card", "my-jobs", "job", "customers", "sync", "invoice", "quote", "settings",
                  "inspection-templates"):
        assert known in found, f"{known} missing from the parsed registries: {sorted(found)}"
    assert found["customers"]["path"] == "customers" and "TECHNICIAN" not in found["customers"]["roles"]
    assert found["sync"]["roles"] == ALL_ROLES
    for role in ROLES:
        assert any(role in s["roles"] for s in found.values() if s["path"] != "sync"), role


@pytest.mark.parametrize("role", list(ROLES))
def test_every_screen_fits_and_passes_axe(browser, server_url, ids, role):
    screens = [s for s in registry_screens() if role in s["roles"]]
    started = time.monotonic()
    problems: list[str] = []
    checked = 0
    spent = {"load": 0.0, "layout": 0.0, "axe": 0.0}
    context = new_phone(browser, server_url, locale="th-TH")
    try:
        page = open_page(context)
        sign_in(page, ROLES[role], english=False)
        for lang in ("th", "en"):
            if page.locator("html").get_attribute("lang") != lang:
                page.set_viewport_size({"width": 1280, "height": 800})  # the switch is in the header on a desk
                page.get_by_test_id(f"lang-{lang}").click()
                page.wait_for_function("l => document.documentElement.lang === l", arg=lang)
            for screen in screens:
                path = fill(screen["path"], ids[role])
                page.set_viewport_size({"width": WIDTHS[0], "height": 740})
                mark = time.monotonic()
                go(page, path)
                try:
                    wait_ready(page, screen["id"])
                except Exception as exc:  # noqa: BLE001 - reported with the screen, the run goes on
                    problems.append(f"{lang} #{path}: did not finish loading ({str(exc).splitlines()[0]})")
                    continue
                spent["load"] += time.monotonic() - mark
                for width in WIDTHS:
                    mark = time.monotonic()
                    page.set_viewport_size({"width": width, "height": 740 if width < 768 else 900})
                    settle(page)
                    problems += [f"{lang} {width}px #{path}: {p}"
                                 for p in layout_problems(page) + page.evaluate(_STRETCHED_PLATES_JS)]
                    checked += 1
                    if SHOTS:
                        shoot(page, f"every-{role.lower()}-{screen['id']}-{lang}-{width}")
                    spent["layout"] += time.monotonic() - mark
                    if width == WIDTHS[0]:
                        mark = time.monotonic()
                        problems += [f"{lang} {width}px #{path}: axe {v['impact']} {v['rule']} ({v['help']}) at "
                                     f"{v['targets']}" for v in axe_violations(page)]
                        spent["axe"] += time.monotonic() - mark
        errors = list(context.page_errors)
    finally:
        context.close()
    print(f"\n{role}: {len(screens)} screens x 2 languages x {len(WIDTHS)} widths = {checked} layouts checked "
          f"in {time.monotonic() - started:.1f} s ({', '.join(f'{k} {v:.1f} s' for k, v in spent.items())})")
    assert not errors, f"uncaught errors in the page: {errors}"
    assert not problems, f"{role}: {len(problems)} problems:\n" + "\n".join(problems)


def test_the_customer_portal_fits_and_passes_axe(browser, server_url):
    """The customer portal (pwa/portal.html, a page of its own outside the registries): a job with a quote waiting for
    the customer, and the page of a link that opens nothing, at the three widths in Thai and English."""
    from tests.e2e.portal_helpers import booking_link, open_job, portal_link, send_quote

    staff = token_for(server_url, "site")
    job = open_job(server_url, staff)
    send_quote(server_url, staff, job["id"], [("Replace front brake pads", 185000), ("Replace wiper blades", 45000)])
    portal = portal_link(server_url, staff, job["id"])
    pages = {"portal": (portal, "portal"),
             "portal-bad-link": ("/p/#not-a-token-at-all-0123456789abcdef", "portal-problem"),
             # the booking page (/b/#<token>: from a reminder or the portal's "Book a visit online")
             "booking": (booking_link(server_url, token_for(server_url, "admin"), portal), "booking"),
             "booking-bad-link": ("/b/#not-a-token-at-all-0123456789abcdef", "portal-problem")}
    problems: list[str] = []
    context = new_phone(browser, server_url, locale="th-TH")
    try:
        page = open_page(context)
        for name, (path, shown) in pages.items():
            page.set_viewport_size({"width": WIDTHS[0], "height": 740})
            page.goto("about:blank")
            page.goto(path)
            page.get_by_test_id(shown).wait_for()
            for lang in ("th", "en"):
                if page.locator("html").get_attribute("lang") != lang:
                    page.get_by_test_id(f"portal-lang-{lang}").click()
                    page.locator(f"html[lang={lang}]").wait_for(state="attached")
                    page.get_by_test_id(shown).wait_for()
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 740 if width < 768 else 900})
                    settle(page)
                    problems += [f"{name} {lang} {width}px: {p}" for p in layout_problems(page)]
                    if SHOTS:
                        shoot(page, f"every-customer-{name}-{lang}-{width}", full_page=True)
                    if width == WIDTHS[0]:
                        problems += [f"{name} {lang} {width}px: axe {v['impact']} {v['rule']} at {v['targets']}"
                                     for v in axe_violations(page)]
        errors = list(context.page_errors)
    finally:
        context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
    assert not problems, "\n".join(problems)
