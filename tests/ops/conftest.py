"""The stand-in for Sentry and a real server (`mototrack serve` in a subprocess) for tests/ops."""

from __future__ import annotations

import gzip
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

# The whole-run log check: this conftest is loaded whenever tests/ops is collected (a full run), and its hooks then
# act for every test of the run, whatever folder it is in.
from tests.ops.log_guard import pytest_configure, pytest_sessionfinish  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
PWA_DIST = Path(os.environ.get("E2E_PWA_DIST") or ROOT / "pwa" / "dist").resolve()


def _port(start: int = 8800, end: int = 8899) -> int:
    for port in range(start, end + 1):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8800-8899")


class FakeSentry(http.server.ThreadingHTTPServer):
    """Accepts envelopes at /api/1/envelope/ and keeps their decoded bytes."""

    def __init__(self, port: int) -> None:
        self.envelopes: list[bytes] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                encoding = (self.headers.get("content-encoding") or "").lower()
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "br":
                    import brotli

                    body = brotli.decompress(body)
                outer.envelopes.append(body)
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *_args):
                pass

        super().__init__(("127.0.0.1", port), Handler)

    def events(self) -> list[dict]:
        found = []
        for envelope in self.envelopes:
            lines = envelope.split(b"\n")
            for header, payload in zip(lines[1::2], lines[2::2]):
                if json.loads(header).get("type") == "event":
                    found.append(json.loads(payload))
        return found


@pytest.fixture
def sentry():
    server = FakeSentry(_port())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
async def served(tmp_path, sentry):
    """`mototrack serve` on the demo data with a DSN pointing at the stand-in, its lines in JSON."""
    from backend.demo import seed_demo
    from tests.ops.helpers import own_database

    url = await own_database("sqlite", tmp_path)  # migrated
    assert await seed_demo(url)
    env = {**os.environ, "MOTOTRACK_DATABASE_URL": url,
           "MOTOTRACK_DATA_DIR": str(tmp_path), "MOTOTRACK_REDIS_URL": "", "MOTOTRACK_ENV": "development",
           "MOTOTRACK_SENTRY_DSN": f"http://publickey@127.0.0.1:{sentry.server_address[1]}/1",
           "MOTOTRACK_LOG_FORMAT": "json", "MOTOTRACK_BACKUP_KEEP": "0", "MOTOTRACK_PWA_DIST": str(PWA_DIST)}
    cli = [sys.executable, "-m", "backend.cli"]
    port = _port()
    log_path = tmp_path / "sentry-server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cli + ["serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log_path.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
        yield f"127.0.0.1:{port}", tmp_path / "ops.db", log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


