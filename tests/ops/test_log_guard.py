"""The whole-run log check (tests/ops/log_guard.py) fails a run whose logs hold an issued token, the demo password,
or a server log file with an unmasked credential, and passes a run whose logs hold none (each a small pytest run of
its own in a subprocess, with the plugin as the suite loads it)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.ops.log_guard import PROBE_MARK

ROOT = Path(__file__).resolve().parents[2]

LEAKY = '''
import logging
import secrets

from backend.core.security import make_access_token
import uuid


def test_logs_a_token_by_mistake():
    token = secrets.token_urlsafe(32)  # as a feed token or an API key is made
    logging.getLogger("mototrack.somewhere").info("made %s", token)


def test_logs_a_jwt_masked_and_one_raw(tmp_path):
    jwt, _ttl = make_access_token("s" * 40, user_id=uuid.uuid4(), garage_id=uuid.uuid4(), session_id=uuid.uuid4(),
                                  ttl=60)
    logging.getLogger("mototrack.request").info("Authorization: Bearer %s", jwt)  # masked by the formatter
    (tmp_path / "server.log").write_text("GET /graphql?access_token=abcdefghijklmnopqrstuvwxyz 200\\n")


def test_prints_the_demo_password():
    from backend.demo import DEMO_PASSWORD

    logging.getLogger("mototrack.demo").warning("password is " + DEMO_PASSWORD)
'''

CLEAN = '''
import logging
import secrets


def test_masked_and_client_side_lines_are_fine():
    token = secrets.token_urlsafe(32)
    logging.getLogger("mototrack.request").info("GET /calendar/%s.ics?token=%s", token, token)
    logging.getLogger("httpx").info("HTTP Request: GET http://testserver/p/%s", token)  # the test's own client
'''


def test_a_leak_fails_the_run_and_masked_lines_do_not(tmp_path):
    (tmp_path / PROBE_MARK).touch()  # the leaks planted here are not this run's
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "test_leaky.py").write_text(textwrap.dedent(LEAKY))
    (probe / "test_clean.py").write_text(textwrap.dedent(CLEAN))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MOTOTRACK_LOG_GUARD_FILE": str(tmp_path / "run.log")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "tests.ops.log_guard", "-p", "no:cacheprovider",
                           "--basetemp", str(tmp_path / "base"), str(probe)],
                          cwd=probe, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "4 passed" in done.stdout and "SECRETS FOUND" in done.stdout
    found = [line for line in done.stdout.splitlines() if line.startswith("  /")]
    assert sum("run.log: token" in line for line in found) == 1, found  # the raw one; the bearer one was masked
    assert any("run.log: password" in line for line in found)
    assert any("server.log: unmasked credential" in line for line in found)
    assert len(found) == 3, found  # nothing of the clean test: masked, or the test's own client
    written = (tmp_path / "run.log").read_text()
    assert "/calendar/….ics?token=[redacted]" in written and "HTTP Request" not in written
