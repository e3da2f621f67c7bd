"""100,000 customer rows through `mototrack import`, timed, on SQLite and on PostgreSQL (the target: <= 60 s).

    .venv/bin/python bench/import_customers.py [--rows 100000] [--pg postgresql+asyncpg://postgres@127.0.0.1/bench_h7]

Generates a CSV as an earlier system exports it (id, name, a Thai mobile number typed with dashes, an email for
every third, an address), puts a fresh schema on each database (the PostgreSQL database is created when missing and
EMPTIED: never point it at data you keep), makes one garage, then runs the real CLI in a subprocess three times:
the first import (every row new), the same file again (every row unchanged: the idempotent path), and a file with
every tenth row changed (updates). Prints rows/s and seconds for each, and the customer count to show nothing was
doubled.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_h7"
FIRST = ["Somchai", "Malee", "Anan", "Suda", "Prasert", "Wanida", "Kittisak", "Nok", "John", "Jane"]
LAST = ["Jaidee", "Srisuk", "Thongdee", "Rattana", "Chaiyaporn", "Smith", "Wongsa", "Boonmee"]


def write_csv(path: Path, rows: int, changed_every: int = 0) -> None:
    rnd = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("id,name,phone,email,address\r\n")
        for i in range(rows):
            name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)} {i}"
            phone = f"08{rnd.randint(1, 9)}-{rnd.randint(100, 999)}-{rnd.randint(1000, 9999)}"
            email = f"c{i}@example.com" if i % 3 == 0 else ""
            address = f"{rnd.randint(1, 999)} Sukhumvit Rd, Bangkok"
            if changed_every and i % changed_every == 0:
                address = "moved: " + address
            out.write(f"C{i},{name},{phone},{email},\"{address}\"\r\n")


async def prepare(url: str) -> str:
    from backend.accounts import service as accounts
    from backend.core.db import Database
    from tests.fresh_db import fresh_schema

    if url.startswith("postgresql"):
        import asyncpg
        from sqlalchemy.engine import make_url

        u = make_url(url)
        admin = await asyncpg.connect(host=u.host, port=u.port or 5432, user=u.username, database="postgres")
        try:
            if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", u.database):
                await admin.execute(f'CREATE DATABASE "{u.database}"')
        finally:
            await admin.close()
    db = Database(url)
    try:
        await fresh_schema(db)
        async with db.transaction() as session:
            garage = await accounts.create_garage(session, accounts.GarageSettingsInput(
                name="Bench Garage", currency="THB", time_zone="Asia/Bangkok"))
        return str(garage.id)
    finally:
        await db.dispose()


def cli_import(url: str, garage: str, path: Path, data_dir: str) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the CLI process, its summary line). On a shared machine the wall time includes
    waiting for a core; the CPU time is what the import itself cost (the database server's time is not in it)."""
    env = {**os.environ, "MOTOTRACK_DATABASE_URL": url, "MOTOTRACK_REDIS_URL": "", "MOTOTRACK_DATA_DIR": data_dir}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "backend.cli", "import", "--garage", garage, "--kind",
                             "customers", "--file", str(path)], cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        raise SystemExit(f"import failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    summary = next(line for line in result.stdout.splitlines() if "rows read" in line)
    return elapsed, cpu, summary


async def count(url: str, garage: str) -> int:
    from sqlalchemy import func, select

    from backend.core.db import Database
    from backend.customers.models import Customer

    db = Database(url)
    try:
        async with db.read() as session:
            return await session.scalar(select(func.count()).select_from(Customer)
                                        .where(Customer.garage_id == __import__("uuid").UUID(garage)))
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    parser.add_argument("--passes", type=int, default=3, choices=[1, 2, 3],
                        help="1: the first import only; 2: and the same file again; 3: and the changed file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        tmp_path = Path(tmp)
        first, changed = tmp_path / "customers.csv", tmp_path / "customers-changed.csv"
        write_csv(first, args.rows)
        write_csv(changed, args.rows, changed_every=10)
        print(f"{args.rows} rows, {first.stat().st_size / 1e6:.1f} MB of CSV")
        targets = [("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'bench.db'}"), ("postgresql", args.pg)]
        for name, url in targets:
            if args.only and name != args.only:
                continue
            garage = asyncio.run(prepare(url))
            passes = (("first import", first), ("same file again", first), ("every 10th row changed", changed))
            for label, path in passes[:args.passes]:
                seconds, cpu, summary = cli_import(url, garage, path, str(tmp_path))
                print(f"{name:10s} {label:24s} {seconds:6.1f} s wall {cpu:6.1f} s CPU {args.rows / seconds:7.0f} rows/s"
                      f"  | {summary}", flush=True)
            print(f"{name:10s} load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
            print(f"{name:10s} customers in the garage: {asyncio.run(count(url, garage))}")


if __name__ == "__main__":
    main()
