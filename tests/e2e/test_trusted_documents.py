"""The built PWA sends its operations as trusted documents: every GraphQL request and every subscribe message the
app sends while each role opens each of its screens (and adds a note on a job card, a mutation whose document
follows the role) names a documentId the build's trusted-documents.json holds, and carries no text; the server
answers every one of them (no PERSISTED_DOCUMENT_NOT_FOUND, no fallback to text)."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.e2e.conftest import PWA_DIST
from tests.e2e.helpers import go, new_phone, open_page, require_browser, sign_in
from tests.e2e.test_every_screen_layout import ROLES, demo_ids, fill, registry_screens, wait_ready

require_browser()

pytestmark = pytest.mark.e2e

ROLES_VISITED = ("ADMIN", "TECHNICIAN")


def manifest() -> dict[str, str]:
    data = json.loads((PWA_DIST / "trusted-documents.json").read_text(encoding="utf-8"))
    assert data["version"] == 1
    for digest, text in data["documents"].items():
        assert hashlib.sha256(text.encode()).hexdigest() == digest
    return data["documents"]


class Recorder:
    """What the page sends to /graphql, over HTTP and WebSocket, and what comes back."""

    def __init__(self, page) -> None:
        self.sent: list[dict] = []
        self.answers: list[str] = []
        page.on("request", self.request)
        page.on("response", self.response)
        page.on("websocket", self.websocket)

    def request(self, request) -> None:
        if request.method == "POST" and request.url.split("?")[0].endswith("/graphql"):
            self.sent.append({"via": "http", **json.loads(request.post_data or "{}")})

    def response(self, response) -> None:
        if response.request.method == "POST" and response.url.endswith("/graphql"):
            try:
                self.answers.append(response.text())
            except Exception:  # noqa: BLE001 - a page navigated away before the body was read
                pass

    def websocket(self, ws) -> None:
        def sent(payload) -> None:
            message = json.loads(payload) if isinstance(payload, str) else {}
            if message.get("type") == "subscribe":
                self.sent.append({"via": "ws", **message["payload"]})

        def received(payload) -> None:
            if isinstance(payload, str):
                self.answers.append(payload)

        ws.on("framesent", sent)
        ws.on("framereceived", received)


def test_every_operation_the_app_sends_is_a_trusted_document(browser, server_url):
    documents = manifest()
    ids = demo_ids(server_url)
    sent: list[dict] = []
    answers: list[str] = []
    for role in ROLES_VISITED:
        context = new_phone(browser, server_url)
        try:
            page = open_page(context)
            recorder = Recorder(page)
            sign_in(page, ROLES[role])
            for screen in (s for s in registry_screens() if role in s["roles"]):
                go(page, fill(screen["path"], ids[role]))
                wait_ready(page, screen["id"])
            if role == "ADMIN":  # a mutation whose selection follows the role (@include variables)
                go(page, f"jobs/{ids[role]['jobs']}")
                wait_ready(page, "job-card")
                page.get_by_test_id("jc-note").fill("Checked by the trusted-documents test")
                with page.expect_response(lambda r: r.url.endswith("/graphql") and "AddJobNote" in (
                        r.request.post_data or "")):
                    page.get_by_test_id("jc-note-add").click()
                page.get_by_text("Checked by the trusted-documents test").first.wait_for()
            page.wait_for_timeout(300)
            sent += recorder.sent
            answers += recorder.answers
            assert not context.page_errors, context.page_errors
        finally:
            context.close()

    names = {r.get("operationName") for r in sent}
    assert {"Login", "Me", "JobBoard", "MyJobs", "JobCard", "AddJobNote"} <= names, names
    assert any(r["via"] == "ws" for r in sent), "no subscription was opened"
    with_text = [r for r in sent if r.get("query")]
    assert not with_text, f"sent as text: {[r.get('operationName') for r in with_text]}"
    unknown = [r for r in sent if r.get("documentId", "").removeprefix("sha256:") not in documents]
    assert not unknown, f"not in the manifest: {unknown}"
    refused = [a for a in answers if "PERSISTED_DOCUMENT_NOT_FOUND" in a]
    assert not refused, refused[:3]
