"""The customer portal in the browser tests: a local HTTP server standing in for the SMS provider (the server sends
through its JSON webhook), a server wired to it, and the staff-side steps that make a portal link."""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PWA_DIST, run_server
from tests.e2e.helpers import axe_violations, graphql, token_for
from tests.e2e.layout import layout_problems, shoot


CODE = r"(?<![\w-])(\d{6})(?![\w-])"  # six digits alone: not the tail of QT-2026-000003, nor inside a token
THAI = re.compile(r"[\u0E00-\u0E7F]")


class SmsProvider:
    """Accepts the webhook provider's POSTs ({"to", "text", "reference"}) on 127.0.0.1 and keeps them."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self._lock = threading.Condition()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with provider._lock:
                    provider.messages.append(json.loads(body or b"{}"))
                    provider._lock.notify_all()
                answer = json.dumps({"id": f"sms-{len(provider.messages)}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/sms"

    def __enter__(self) -> "SmsProvider":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, pattern: str, after: int = 0, timeout: float = 15.0) -> tuple[dict, re.Match]:
        """The first message (from index `after`) whose text matches `pattern`; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for message in self.messages[after:]:
                    if m := re.search(pattern, message.get("text", "")):
                        return message, m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no SMS matching {pattern!r} within {timeout:.0f}s: {self.messages[after:]}")
                self._lock.wait(left)

    def code(self, after: int = 0) -> str:
        """The one-time code of the first code message from index `after`."""
        return self.wait_for(CODE, after)[1][1]


@contextlib.contextmanager
def portal_server(tmp, sms: SmsProvider, dist=PWA_DIST):
    """A seeded server (tests/e2e/conftest.run_server) whose SMS go to `sms`."""
    saved = {k: os.environ.get(k) for k in ("MOTOTRACK_SMS_PROVIDER", "MOTOTRACK_SMS_URL")}
    os.environ.update({"MOTOTRACK_SMS_PROVIDER": "webhook", "MOTOTRACK_SMS_URL": sms.url})
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(run_server(tmp, dist))  # the server process has read its environment
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        yield url


# ---- fixtures for a module of portal tests (import them into the module: `server_url` replaces conftest's) --------

@pytest.fixture(scope="module")
def sms():
    with SmsProvider() as provider:
        yield provider


@pytest.fixture(scope="module")
def server(tmp_path_factory, sms):
    """(base URL, data folder) of a seeded server whose SMS go to `sms`."""
    tmp = tmp_path_factory.mktemp("e2e-portal")
    with portal_server(tmp, sms) as url:
        yield url, tmp


@pytest.fixture(scope="module")
def server_url(server):
    return server[0]


@pytest.fixture(scope="module")
def staff(server_url):
    """The site manager's access token."""
    return token_for(server_url, "site")


# ---- the staff side, through the API (the advisor's screens are tested elsewhere) ----------------------------------

OPEN_JOBS = "(filter: { status: [IN_PROGRESS, AWAITING_PARTS, ASSIGNED, RECEIVED] }, first: 20)"


def open_job(server_url: str, token: str, skip: int = 0) -> dict:
    """A job still in the workshop whose customer has a phone: {id, number, customer {name phone}}."""
    edges = graphql(server_url, f"{{ jobs{OPEN_JOBS} {{ edges {{ node {{ id number customer {{ name phone }} }} }} }} }}",
                    token=token)["jobs"]["edges"]
    jobs = [e["node"] for e in edges if e["node"]["customer"] and e["node"]["customer"]["phone"]]
    assert len(jobs) > skip, f"the demo has too few open jobs with a customer's phone: {edges}"
    return jobs[skip]


def send_quote(server_url: str, token: str, job_id: str, lines: list[tuple[str, int]]) -> dict:
    """Creates and sends a quote for the job with (description, unit price in minor units) labour lines."""
    created = graphql(server_url, "mutation($i: CreateQuoteInput!) { createQuote(input: $i) { quote { id version } "
                      "errors { field code message } } }",
                      {"i": {"jobId": job_id, "lines": [{"kind": "LABOUR", "description": d, "quantity": "1",
                                                          "unitPrice": p} for d, p in lines]}}, token=token)["createQuote"]
    assert not created["errors"], created["errors"]
    sent = graphql(server_url, "mutation($i: SendQuoteInput!) { sendQuote(input: $i) { quote { id number status total "
                   "lines { id description total } } errors { field code message } } }",
                   {"i": {"id": created["quote"]["id"]}}, token=token)["sendQuote"]
    assert not sent["errors"], sent["errors"]
    return sent["quote"]


def portal_link(server_url: str, token: str, job_id: str) -> str:
    """A new portal link for the job (not sent), as the path the customer opens: /p/#<token>."""
    made = graphql(server_url, "mutation($i: PortalLinkInput!) { newPortalLink(input: $i) { url errors { code message } } }",
                   {"i": {"jobId": job_id, "send": False}}, token=token)["newPortalLink"]
    assert not made["errors"], made["errors"]
    url = made["url"]
    return url[url.index("/p/"):]


def booking_link(server_url: str, admin: str, portal_path: str) -> str:
    """The garage takes bookings online (a MECHANICAL catalog service bookable), and the job's portal gives a booking
    link for its vehicle ('Book a visit online', openBooking), as the path the customer opens: /b/#<token>."""
    import urllib.request

    action = graphql(server_url, "{ taskActions(stream: MECHANICAL, active: true) { id } }", token=admin)["taskActions"][0]
    done = graphql(server_url, "mutation($i: UpdateBookingSettingsInput!) { updateBookingSettings(input: $i) { "
                               "errors { code message } } }", {"i": {"bookableServiceIds": [action["id"]]}}, token=admin)
    assert not done["updateBookingSettings"]["errors"], done
    request = urllib.request.Request(f"{server_url}/portal/graphql", headers={
        "Content-Type": "application/json", "Authorization": f"Portal {portal_path.split('#', 1)[1]}"},
        data=json.dumps({"query": "mutation { openBooking { url errors { code message } } }"}).encode())
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.loads(response.read())
    url = body["data"]["openBooking"]["url"]
    assert url, body
    return url[url.index("/b/"):]


def revoke_link(server_url: str, token: str, job_id: str) -> None:
    done = graphql(server_url, "mutation($i: PortalLinkInput!) { revokePortalLink(input: $i) { errors { code message } } }",
                   {"i": {"jobId": job_id}}, token=token)["revokePortalLink"]
    assert not done["errors"], done["errors"]


# ---- the customer's page ----------------------------------------------------------------------------------------

def check_page(page, name: str) -> None:
    """Nothing sideways, nothing covered, no serious axe finding at 360 and 1280 px; a screenshot of each."""
    problems = []
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 740 if width < 768 else 900})
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
        problems += [f"{width}px: {p}" for p in layout_problems(page)]
        shoot(page, f"{name}-{width}", full_page=True)
    page.set_viewport_size({"width": 360, "height": 740})
    problems += [f"axe {v['impact']} {v['rule']} at {v['targets']}" for v in axe_violations(page)]
    assert not problems, f"{name}: " + "\n".join(problems)


def switch(page, lang: str) -> None:
    page.get_by_test_id(f"portal-lang-{lang}").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)  # not wait_for_function: the CSP allows no eval


def baht(minor: int) -> str:
    return f"฿{minor // 100:,}.{minor % 100:02d}"
