"""The real MotoTrack server for browser tests: migrated and seeded SQLite in a temp dir, serving pwa/dist."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# E2E_PWA_DIST picks another build (e.g. a helper's own output dir), so parallel builds do not clobber each other.
PWA_DIST = Path(os.environ.get("E2E_PWA_DIST") or REPO / "pwa" / "dist").resolve()
STARTUP_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    """Starts `mototrack serve` on a free port and yields its base URL; stops it afterwards."""
    with run_server(tmp_path_factory.mktemp("e2e-server"), PWA_DIST) as url:
        yield url


# ---- the browser (tests/e2e/helpers.py checks it is there; playwright is imported only when a test needs it) ----

@pytest.fixture(scope="module")
def pw():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(pw):
    """Headless Chromium (/usr/bin/chromium), one for the module."""
    from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS

    browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def phone(browser, server_url):
    """A fresh 360 px phone profile on the module's server; the test fails if a page in it threw an uncaught error."""
    from tests.e2e.helpers import new_phone

    context = new_phone(browser, server_url)
    yield context
    errors = list(context.page_errors)
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@contextlib.contextmanager
def run_server(tmp: Path, dist: Path):
    """A migrated, seeded server whose data lives in `tmp` (SQLite at tmp/e2e.db) and which serves the PWA from
    `dist`; yields its base URL. For a module that needs its own served directory (e.g. to deploy a new version)."""
    env = {
        **os.environ,
        "MOTOTRACK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/e2e.db",
        "MOTOTRACK_DATA_DIR": str(tmp),
        "MOTOTRACK_PWA_DIST": str(dist),
        "MOTOTRACK_REDIS_URL": "",
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
    }
    cli = [sys.executable, "-m", "backend.cli"]
    log_path = tmp / "server.log"
    for step in (["migrate"], ["seed-demo"]):
        done = subprocess.run(cli + step, cwd=tmp, env=env, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            pytest.fail(f"`mototrack {' '.join(step)}` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cli + ["serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"the server exited with {proc.returncode}:\n{_tail(log_path)}")
                try:
                    with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                        if response.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"the server did not answer /healthz within {STARTUP_TIMEOUT:.0f}s:\n{_tail(log_path)}")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
