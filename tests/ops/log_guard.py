"""pytest plugin: every log line of the whole test run goes to one file (in production's JSON format, at INFO), and
the run fails when a secret shows in it or in a log file a test's server wrote.

Secrets looked for: the demo password and the suite's password; every token issued during the run (random tokens
from `secrets`, JWTs, refresh successors, portal tokens, signatures of signed links and unsubscribe links), recorded
as they are made; and, in the log files of servers run as subprocesses (whose tokens this process never sees),
anything that looks like a credential left unmasked (a JWT, a bearer value, token=/sig= with a value).

Active whenever tests/ops is collected (tests/ops/conftest.py imports its hooks), so a full run is checked; or
with `-p tests.ops.log_guard`. The tests' own HTTP clients (httpx, websockets.client) are not
the server and are not captured. MOTOTRACK_LOG_GUARD_FILE names the file (default: a new temporary folder).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sys
import tempfile
import types
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ISSUED: set[str] = set()
CLIENT_SIDE = ("httpx", "httpcore", "websockets.client", "urllib3", "fontTools", "hpack", "asyncio")
MIN_LENGTH = 12
_LOOKS_SECRET = re.compile(
    r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    r"|\b(?:Bearer|Portal)\s+(?!\[redacted\])[A-Za-z0-9_.~+/-]{12,}"
    r"|[?&](?:[A-Za-z_]*token|sig|s)=(?!\[redacted\])[A-Za-z0-9_%.-]{12,}")
_CANDIDATE = re.compile(r"[A-Za-z0-9_-]{%d,}" % MIN_LENGTH)

PROBE_MARK = "LOG_GUARD_PROBE"  # a folder holding this file is a probe run's: its logs leak on purpose
_state: dict = {}


def _record(value) -> None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if isinstance(value, str) and "." in value:  # a JWT: its signature (the header is the same in every one)
        value = value.rsplit(".", 1)[-1]
    if isinstance(value, str) and len(value) >= MIN_LENGTH:
        ISSUED.add(value)


def _record_sig(url) -> None:
    """A signed link's signature (its other parameters, ids and an expiry, are no secret)."""
    if isinstance(url, str):
        for name, values in parse_qs(urlsplit(url).query).items():
            if name in ("sig", "s", "signature", "token"):
                for value in values:
                    _record(value)


def _wrap(function, keep):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        result = function(*args, **kwargs)
        keep(result)
        return result

    wrapper.__log_guard__ = True
    return wrapper


def _patch(module_name: str, name: str, keep) -> None:
    """Wraps module.name, and the same function wherever it was imported by name (from ... import ...)."""
    import importlib

    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return
    original = getattr(module, name, None)
    if original is None or getattr(original, "__log_guard__", False):
        return
    wrapper = _wrap(original, keep)
    for other in list(sys.modules.values()):
        if isinstance(other, types.ModuleType) and getattr(other, name, None) is original:
            setattr(other, name, wrapper)
    setattr(module, name, wrapper)


def _install_recorders() -> None:
    import secrets

    for name in ("token_urlsafe", "token_hex"):
        if not getattr(getattr(secrets, name), "__log_guard__", False):
            setattr(secrets, name, _wrap(getattr(secrets, name), _record))
    _patch("jwt", "encode", _record)
    _patch("backend.core.security", "successor_refresh_token", _record)
    _patch("backend.portal.tokens", "token_for", _record)
    _patch("backend.notifications.unsubscribe", "_signature", _record)
    _patch("backend.files.routes", "signed_file_url", _record_sig)
    _patch("backend.billing.documents.signing", "sign_url", _record_sig)


class _ServerSide(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(CLIENT_SIDE)


def pytest_configure(config) -> None:
    if getattr(config.option, "collectonly", False) or hasattr(config, "workerinput") or _state:
        return  # collecting only, an xdist worker, or registered twice (a conftest and -p)
    from backend.ops.logs import configure_structlog, formatter

    configure_structlog()
    path = Path(os.environ.get("MOTOTRACK_LOG_GUARD_FILE") or
                Path(tempfile.mkdtemp(prefix="mototrack-log-guard-")) / "run.log")
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.addFilter(_ServerSide())
    handler.setFormatter(formatter(types.SimpleNamespace(log_format="json", is_production=True), "test"))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)  # what production writes
    _state.update(handler=handler, path=path, config=config)
    _install_recorders()


def _fixed_secrets() -> set[str]:
    found = set()
    try:
        from backend.demo import DEMO_PASSWORD

        found.add(DEMO_PASSWORD)
    except ImportError:
        pass
    conftest = sys.modules.get("tests.conftest")
    if conftest is not None and getattr(conftest, "PASSWORD", None):
        found.add(conftest.PASSWORD)
    return found


def find_leaks(text: str, issued: set[str], fixed: set[str], *, patterns: bool) -> list[str]:
    """What of `issued` (tokens), `fixed` (passwords) or, with `patterns`, of unmasked credentials `text` holds."""
    leaks = [f"password {p[:3]}…" for p in fixed if p and p in text]
    by_prefix: dict[str, list[str]] = {}
    for token in issued:
        by_prefix.setdefault(token[:MIN_LENGTH], []).append(token)
    found: dict[str, list[int]] = {}
    for match in _CANDIDATE.finditer(text):
        run = match.group()
        for at in range(len(run) - MIN_LENGTH + 1):
            for token in by_prefix.get(run[at:at + MIN_LENGTH], ()):
                if run.startswith(token, at):
                    found.setdefault(token, []).append(match.start() + at)
    leaks += [f"token {token[:6]}… {len(at)} time(s), first at offset {at[0]}" for token, at in found.items()]
    if patterns:
        leaks += [f"unmasked credential {m.group()[:12]}… at offset {m.start()}" for m in _LOOKS_SECRET.finditer(text)]
    return leaks


def _subprocess_logs(config) -> list[Path]:
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is None:
        return []
    try:
        base = factory.getbasetemp()
    except Exception:  # noqa: BLE001 - no temporary folder was made
        return []
    probes = [m.parent for m in Path(base).rglob(PROBE_MARK)]  # test_log_guard's own planted leaks
    return sorted(p for p in Path(base).rglob("*.log")
                  if p.is_file() and not any(probe in p.parents for probe in probes))


def pytest_sessionfinish(session, exitstatus) -> None:
    handler = _state.get("handler")
    if handler is None:
        return
    handler.flush()
    logging.getLogger().removeHandler(handler)
    handler.close()
    path: Path = _state["path"]
    fixed = _fixed_secrets()
    report = []
    text = path.read_text(encoding="utf-8", errors="replace")
    report += [f"{path}: {leak}" for leak in find_leaks(text, ISSUED, fixed, patterns=True)]
    servers = _subprocess_logs(session.config)
    for log in servers:
        other = log.read_text(encoding="utf-8", errors="replace")
        report += [f"{log}: {leak}" for leak in find_leaks(other, ISSUED, fixed, patterns=True)]
    lines = text.count("\n")
    summary = (f"log guard: {lines} log lines and {len(servers)} server log files checked "
               f"for {len(ISSUED)} issued tokens and {len(fixed)} passwords")
    terminal = session.config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None:
        terminal.write("\n")
    if report:
        message = summary + ": SECRETS FOUND\n  " + "\n  ".join(report[:50])
        if terminal is not None:
            terminal.write_line(message, red=True)
        else:
            print(message, file=sys.stderr)
        session.exitstatus = 1
    elif terminal is not None:
        terminal.write_line(summary + ": none found")
