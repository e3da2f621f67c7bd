"""Issue 19's webhooks admin screen in headless Chromium against the real server, whose allow-list lets webhooks
reach 127.0.0.1 (MOTOTRACK_WEBHOOK_ALLOWED_HOSTS) and retries after half a second.

On a 360 px phone the admin adds an endpoint: a private address is refused with the server's message at the URL
field, in English and in Thai, and nothing is stored; the receiver's address is saved and the signing secret shown
once. "Send test" goes through the outbox to a real receiver that fails the first request (500): the delivery log
shows the retry and its success, and the receiver verifies both signatures with the documented recipe and the secret
the screen showed. "Send again" delivers the same event once more. Screenshots at 360 and 1280 px in en and th."""

from __future__ import annotations

import json
import os

import pytest

from tests.e2e.conftest import run_server
from tests.e2e.helpers import PWA_DIST, axe_violations, go, graphql, open_page, require_browser, sign_in, token_for
from tests.e2e.test_inspection_templates import both_widths, language
from tests.integrations.webhooks.conftest import documented_verify
from tests.integrations.webhooks.receiver import Receiver

require_browser()

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.e2e

REFUSED_EN = "10.0.0.5 is a private or local address; webhooks are sent only to public addresses."
REFUSED_TH = "10.0.0.5 เป็นที่อยู่ในเครือข่ายภายในหรือเครื่องนี้เอง ระบบส่งเว็บฮุกได้เฉพาะที่อยู่สาธารณะเท่านั้น"
ENV = {"MOTOTRACK_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1", "MOTOTRACK_WEBHOOK_BACKOFF_SECONDS": "[0.5]",
       "MOTOTRACK_NOTIFICATION_POLL_SECONDS": "0.5"}


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    saved = {k: os.environ.get(k) for k in ENV}
    os.environ.update(ENV)
    try:
        with run_server(tmp_path_factory.mktemp("e2e-webhooks"), PWA_DIST) as url:
            yield url
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def receiver():
    server = Receiver()
    yield server
    server.close()


def test_admin_adds_an_endpoint_tests_it_and_reads_its_delivery_log(phone, server_url, receiver):
    token = token_for(server_url, "admin")
    page = open_page(phone)
    sign_in(page, "admin")
    go(page, "admin/webhooks")
    expect(page.get_by_test_id("webhook-empty")).to_be_visible()

    page.get_by_test_id("webhook-add").click()
    form = page.get_by_test_id("webhook-form")
    form.get_by_test_id("webhook-url-input").fill("http://10.0.0.5/hook")
    form.get_by_test_id("webhook-description-input").fill("Accounting")
    form.get_by_test_id("webhook-event-invoice.issued").check()
    form.get_by_test_id("webhook-event-payment.recorded").check()
    form.get_by_test_id("webhook-save").click()
    expect(form.locator(".field-error").first).to_have_text(REFUSED_EN)
    language(page, "th")
    error = form.locator(".field-error").first
    for _ in range(20):  # the saved language preference reaches the server with the switch's own request
        form.get_by_test_id("webhook-save").click()
        page.wait_for_timeout(300)
        if error.inner_text() == REFUSED_TH:
            break
    expect(error).to_have_text(REFUSED_TH)
    assert graphql(server_url, "{ webhookEndpoints { id } }", token=token)["webhookEndpoints"] == []
    both_widths(page, "webhooks-refused-th")

    form.get_by_test_id("webhook-url-input").fill(receiver.url())
    form.get_by_test_id("webhook-save").click()
    secret = page.get_by_test_id("webhook-secret-value").inner_text()
    assert secret.startswith("whsec_")
    both_widths(page, "webhooks-secret-th")
    page.get_by_test_id("webhook-secret-done").click()
    expect(page.get_by_test_id("webhook-secret")).to_have_count(0)  # shown once
    row = page.get_by_test_id("webhook-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("webhook-url")).to_have_text(receiver.url())

    receiver.statuses = [500]
    row.get_by_test_id("webhook-test").click()
    deliveries = row.get_by_test_id("webhook-deliveries")
    expect(deliveries).to_be_visible()
    delivered = deliveries.locator("[data-testid=webhook-delivery][data-status=SUCCEEDED]")
    for _ in range(40):  # the retry comes half a second after the 500
        if delivered.count():
            break
        deliveries.get_by_test_id("webhook-deliveries-reload").click()
        page.wait_for_timeout(250)
    expect(delivered).to_have_count(1)
    expect(delivered.get_by_test_id("webhook-attempts").locator("li")).to_have_count(2)
    expect(delivered.get_by_test_id("webhook-attempts").locator("li").first).to_contain_text("HTTP 500")
    assert len(receiver.requests) == 2
    verify = documented_verify()
    for request in receiver.requests:
        assert verify(secret, request.headers["mototrack-signature"], request.body)
        assert json.loads(request.body)["type"] == "ping"
    both_widths(page, "webhooks-deliveries-th")

    language(page, "en")
    delivered.get_by_test_id("webhook-redeliver").click()
    for _ in range(40):
        if len(receiver.requests) >= 3 and deliveries.get_by_test_id("webhook-delivery").count() == 2 and \
                deliveries.locator("[data-testid=webhook-delivery][data-status=SUCCEEDED]").count() == 2:
            break
        deliveries.get_by_test_id("webhook-deliveries-reload").click()
        page.wait_for_timeout(250)
    expect(deliveries.locator("[data-testid=webhook-delivery][data-status=SUCCEEDED]")).to_have_count(2)
    assert len({r.headers["mototrack-webhook-id"] for r in receiver.requests}) == 1  # the same event again
    expect(row.get_by_test_id("webhook-events")).to_have_text("Invoice issued · Payment recorded")
    assert axe_violations(page) == []
    both_widths(page, "webhooks-deliveries-en")
