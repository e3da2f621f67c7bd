"""A site asks the central warehouse for stock from the Transfers screen (issue 18): the site manager's "Ask for
stock" is a request (REQUESTED, to be approved), shows none of the warehouse manager's actions, and once the
warehouse manager has approved and dispatched it the site manager receives it on their own site's shelf; the ledger
as the server wrote it says so. In English at 360 px and in Thai at 1280 px."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import go, new_phone, open_page, require_browser, sign_in, token_for
from tests.purchasing.e2e.test_warehouse_screens import api, fits, ledger, ledger_consistent, served, shot  # noqa: F401

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e

ACT = "mutation($i: TransferActionInput!) {{ {0}(input: $i) {{ transfer {{ status }} errors {{ field code message }} }} }}"


@pytest.mark.parametrize(("width", "lang", "sku", "quantity"), [(360, "en", "BLB-H4-12V", 2), (1280, "th", "SPK-IRID-01", 1)])
def test_a_site_asks_the_central_warehouse_for_stock_and_receives_it(served, browser, width, lang, sku, quantity):  # noqa: F811
    url, db = served
    site_token, warehouse_token = token_for(url, "site"), token_for(url, "warehouse")
    home = api(url, site_token, "{ me { homeSite { id } } }")["me"]["homeSite"]["id"]
    rows = api(url, site_token, "{ warehouses { id name kind siteId } }")["warehouses"]
    central = next(w for w in rows if w["kind"] == "CENTRAL")
    own = next(w for w in rows if w["siteId"] == home)
    central_before, site_before = ledger(db, sku), ledger(db, sku, own["name"])

    locale = "th-TH" if lang == "th" else "en-US"
    if width < 768:
        context = new_phone(browser, url, locale=locale)
    else:
        context = browser.new_context(base_url=url, viewport={"width": width, "height": 800}, locale=locale)
        context.set_default_timeout(15_000)
        context.page_errors = []
    try:
        page = open_page(context)
        sign_in(page, "site", english=lang == "en")
        if page.locator("html").get_attribute("lang") != lang:
            page.get_by_test_id(f"lang-{lang}").click()
            page.wait_for_function(f"() => document.documentElement.lang === '{lang}'")
        go(page, "warehouse/transfers")
        ask = page.get_by_test_id("transfer-new")
        expect(ask).to_have_text("Ask for stock" if lang == "en" else "ขอเบิกจากคลังกลาง")
        ask.click()
        form = page.get_by_test_id("transfer-form")
        # from the central warehouse to the manager's own site, already chosen
        expect(form.get_by_test_id("transfer-from")).to_have_value(central["id"])
        expect(form.get_by_test_id("transfer-to")).to_have_value(own["id"])
        form.get_by_test_id("transfer-item-search").fill(sku)
        form.locator(f"[data-testid=transfer-item-search-pick][data-sku='{sku}']").click()
        form.get_by_test_id("transfer-form-line").get_by_test_id("transfer-form-qty").fill(str(quantity))
        fits(page, f"ask for stock {width} {lang}")
        shot(page, f"site-ask-for-stock-{width}-{lang}")
        form.get_by_test_id("transfer-create").click()
        row = page.get_by_test_id("transfer-row").first
        expect(row).to_have_attribute("data-status", "REQUESTED")
        # a request: nothing moved yet, and the warehouse manager's actions are not the site manager's
        for action in ("transfer-approve", "transfer-dispatch", "transfer-cancel"):
            expect(row.get_by_test_id(action)).to_have_count(0)
        assert ledger(db, sku)[1] == central_before[1] and ledger(db, sku, own["name"])[1] == site_before[1]

        number = row.get_attribute("data-number")
        found = api(url, warehouse_token, "query($w: ID) { transfers(warehouseId: $w, first: 5) { edges { node { id "
                    "number status } } } }", {"w": own["id"]})["transfers"]["edges"]
        transfer = next(e["node"] for e in found if e["node"]["number"] == number)
        assert transfer["status"] == "REQUESTED"
        for step, status in (("approveTransfer", "APPROVED"), ("dispatchTransfer", "DISPATCHED")):
            done = api(url, warehouse_token, ACT.format(step), {"i": {"id": transfer["id"]}}, step)
            assert done["transfer"]["status"] == status

        page.reload()
        row = page.locator(f"[data-testid=transfer-row][data-number='{number}']")
        expect(row).to_have_attribute("data-status", "DISPATCHED")
        row.get_by_test_id("transfer-receive").click()
        expect(row).to_have_attribute("data-status", "RECEIVED")
        fits(page, f"received {width} {lang}")
        shot(page, f"site-received-{width}-{lang}")
        moves, on_hand, total = ledger(db, sku, own["name"])
        assert moves[len(site_before[0]):] == [("TRANSFER_IN", quantity)] and on_hand == site_before[1] + quantity
        assert ledger(db, sku)[0][len(central_before[0]):] == [("TRANSFER_OUT", -quantity)]
        assert total == central_before[2]
        ledger_consistent(db)
        assert not context.page_errors, context.page_errors
    finally:
        context.close()
