"""A throwaway MotoTrack server for the fuzz run and the benchmarks: a temporary SQLite database with the demo data,
`mototrack serve` on a free 127.0.0.1 port, stopped (by its own pid) and removed afterwards.

    with demo_server() as server:
        token = server.sign_in()            # the demo garage's admin
        httpx.post(server.graphql, ...)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
ADMIN_EMAIL = "admin@demo.test"  # backend/demo.py: the demo garage's admin
LOGIN = ("mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) "
         "{ accessToken errors { code message } } }")


def _cli() -> str:
    candidate = ROOT / ".venv" / "bin" / "mototrack"
    if os.environ.get("MOTOTRACK_CLI"):
        return os.environ["MOTOTRACK_CLI"]
    if candidate.exists():
        return str(candidate)
    found = shutil.which("mototrack")
    if not found:
        sys.exit("error: the mototrack command is not installed; run 'make install' first")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    base: str
    workdir: Path
    log: Path
    pid: int

    def cpu_ms(self) -> float:
        """CPU time (user + system) the server process has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    @property
    def graphql(self) -> str:
        return self.base + "/graphql"

    def sign_in(self, email: str = ADMIN_EMAIL) -> str:
        from backend.demo import DEMO_PASSWORD

        r = httpx.post(self.graphql, json={"query": LOGIN, "variables": {"e": email, "p": DEMO_PASSWORD}}, timeout=30)
        r.raise_for_status()
        payload = r.json()["data"]["login"]
        if not payload.get("accessToken"):
            raise RuntimeError(f"demo sign-in failed: {payload}")
        return payload["accessToken"]


@contextlib.contextmanager
def demo_server(extra_env: dict[str, str] | None = None, keep_log: bool = False) -> Iterator[Server]:
    cli = _cli()
    work = Path(tempfile.mkdtemp(prefix="mototrack-fuzz."))
    env = dict(os.environ, MOTOTRACK_ENV="development", MOTOTRACK_DATABASE_URL=f"sqlite+aiosqlite:///{work}/demo.db",
               MOTOTRACK_DATA_DIR=str(work / "data"), MOTOTRACK_REDIS_URL="",
               MOTOTRACK_LOG_LEVEL=os.environ.get("MOTOTRACK_LOG_LEVEL", "WARNING"))
    env.update(extra_env or {})  # may name another database (an emptied PostgreSQL one) or a Redis
    log = work / "server.log"
    process = None
    try:
        for step in ("migrate", "seed-demo"):
            done = subprocess.run([cli, step], cwd=ROOT, env=env, capture_output=True, text=True)
            if done.returncode:
                raise RuntimeError(f"mototrack {step} failed:\n{done.stdout}{done.stderr}")
        port = free_port()
        with open(log, "wb") as out:
            process = subprocess.Popen([cli, "serve", "--host", "127.0.0.1", "--port", str(port)], cwd=ROOT,
                                       env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited before answering /healthz:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer /healthz within 90 s")
            time.sleep(0.25)
        yield Server(base, work, log, process.pid)
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if keep_log and log.exists():
            shutil.copy(log, Path(tempfile.gettempdir()) / "mototrack-fuzz-server.log")
        shutil.rmtree(work, ignore_errors=True)
