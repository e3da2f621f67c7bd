"""What the in-process benchmarks share: a fresh app on a fresh database holding one garage (its users of every
role) and one site, an ASGI client, a count of the SQL statements of one request, and timings of repeated ones.

    bench = await fresh_bench("sqlite+aiosqlite:///..." or None, files=True)
    async with bench.client() as client:
        run = await bench.measure(client, body, headers, rounds=30)
        print(f"... statements={run.statements}  {run.summary()}")
    await bench.close()

A PostgreSQL URL is emptied first: never point a benchmark at data you keep.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass
class Run:
    """One measured request: its statement count and the milliseconds of each timed repeat, sorted."""

    statements: int
    times: list[float] = field(default_factory=list)
    answer: bytes = b""

    def percentile(self, fraction: float) -> float:
        return self.times[max(0, int(len(self.times) * fraction) - 1)]

    def summary(self) -> str:
        return (f"mean {statistics.mean(self.times):7.2f} ms  median {statistics.median(self.times):7.2f} ms  "
                f"p95 {self.percentile(0.95):7.2f} ms  max {self.times[-1]:7.2f} ms")


@dataclass
class Bench:
    app: Any
    db: Any
    world: Any  # tests.conftest's garage: .id, .users[role], .actor(role), .token(role)
    site: Any
    folder: Path

    def __post_init__(self) -> None:
        from sqlalchemy import event

        from tests.conftest import StatementCounter

        self.counter = StatementCounter()
        for engine in self.db.engines:
            event.listen(engine.sync_engine, "before_cursor_execute", self.counter)

    def client(self):
        import httpx

        transport = httpx.ASGITransport(app=self.app, client=("127.0.0.1", 12345))
        return httpx.AsyncClient(transport=transport, base_url="http://bench")

    def headers(self, role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.world.token(role)}"}

    async def measure(self, client, body: dict, headers: dict, rounds: int, warm: int = 1) -> Run:
        """Warm-up requests (the first must answer without errors), one counted request, then `rounds` timed."""
        for i in range(max(1, warm)):
            response = await client.post("/graphql", json=body, headers=headers)
            if i == 0:
                answer = response.json()
                assert not answer.get("errors"), answer["errors"]
        self.counter.count = 0
        response = await client.post("/graphql", json=body, headers=headers)
        run = Run(statements=self.counter.count, answer=response.content)
        for _ in range(rounds):
            started = time.perf_counter()
            await client.post("/graphql", json=body, headers=headers)
            run.times.append((time.perf_counter() - started) * 1000)
        run.times.sort()
        return run

    async def close(self) -> None:
        await self.db.dispose()


async def fresh_bench(database_url: str | None, *, files: bool = False, garage: str = "Bench Garage") -> Bench:
    from backend.app import create_app
    from tests.conftest import make_garage, make_settings
    from tests.fresh_db import fresh_schema
    from tests.workshop.helpers import make_site

    folder = Path(tempfile.mkdtemp())
    url = database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
    extra = {"file_storage_dir": folder / "files"} if files else {}
    app = create_app(make_settings(url, **extra))
    db = app.state.services.db
    await fresh_schema(db)
    world = await make_garage(app, garage)
    site = await make_site(db, world)
    return Bench(app=app, db=db, world=world, site=site, folder=folder)
