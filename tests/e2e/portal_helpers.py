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

from tests.e2e.conftest import PWA_DIST, run_server
from tests.e2e.helpers import graphql


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
        return self.wait_for(r"\b(\d{6})\b", after)[1][1]


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
