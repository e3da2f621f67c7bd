"""The real MotoTrack server for browser tests: migrated and seeded SQLite in a temp dir, serving pwa/dist."""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# E2E_PWA_DIST picks another build (e.g. a helper's own output dir), so parallel builds do not clobber each other.
PWA_DIST = Path(os.environ.get("E2E_PWA_DIST") or REPO / "pwa" / "dist").resolve()
STARTUP_TIMEOUT = 120.0  # a generous bound, not a wait: a loaded machine (both streams of make test, other work) starts slowly


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

# One Playwright driver and one Chromium for all the browser tests (each test opens contexts of its own, which share
# nothing): started with the first module that needs them, stopped after the last module of tests/e2e. Package scope,
# not session: while Playwright's sync API is running, its event loop counts as the thread's running loop, which the
# asyncio tests of the other folders must not find.
@pytest.fixture(scope="package")
def pw():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="package")
def browser(pw):
    """Headless Chromium (/usr/bin/chromium), one for the browser tests."""
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


_TEMPLATES: dict[tuple, Path] = {}


def _seeded_template() -> Path:
    """A data folder after `mototrack migrate` and `mototrack seed-demo` (SQLite at e2e.db), made once per session
    and copied for every server: each module's server starts from the same fresh demo data without migrating and
    seeding again (three interpreter start-ups with the whole app imported: ~5 s idle, 15-30 s on a loaded machine).
    Made again when the date changed since (the demo data is laid out around today)."""
    key = (dt.date.today(), dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date())  # the server's and Bangkok's
    if key not in _TEMPLATES:
        folder = Path(tempfile.mkdtemp(prefix="mototrack-e2e-seeded-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        env = {
            **os.environ,
            "MOTOTRACK_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/e2e.db",
            "MOTOTRACK_DATA_DIR": str(folder),
            "MOTOTRACK_REDIS_URL": "",
            "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
        }
        for step in (["migrate"], ["seed-demo"]):
            done = subprocess.run([sys.executable, "-m", "backend.cli", *step], cwd=folder, env=env,
                                  capture_output=True, text=True, timeout=120)
            if done.returncode != 0:
                pytest.fail(f"`mototrack {' '.join(step)}` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        _TEMPLATES[key] = folder
    return _TEMPLATES[key]


@contextlib.contextmanager
def run_server(tmp: Path, dist: Path, *, seeded: bool = True, port: int | None = None, env: dict | None = None):
    """A migrated, seeded server whose data lives in `tmp` (SQLite at tmp/e2e.db) and which serves the PWA from
    `dist`; yields its base URL. For a module that needs its own served directory (e.g. to deploy a new version).
    `seeded=False`: migrated only, no garage at all (the first run); `env`: more settings (MOTOTRACK_...)."""
    extra = env or {}
    env = {
        **os.environ,
        "MOTOTRACK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/e2e.db",
        "MOTOTRACK_DATA_DIR": str(tmp),
        "MOTOTRACK_PWA_DIST": str(dist),
        "MOTOTRACK_REDIS_URL": "",
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
        **extra,
    }
    cli = [sys.executable, "-m", "backend.cli"]
    log_path = tmp / "server.log"
    tmp.mkdir(parents=True, exist_ok=True)
    if seeded:
        shutil.copytree(_seeded_template(), tmp, dirs_exist_ok=True)  # the migrated, seeded data folder: its own copy
    else:
        done = subprocess.run(cli + ["migrate"], cwd=tmp, env=env, capture_output=True, text=True, timeout=180)
        if done.returncode != 0:
            pytest.fail(f"`mototrack migrate` failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")

    port = port or _free_port()
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
