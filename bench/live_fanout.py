"""Live fan-out: N WebSocket subscribers (graphql-transport-ws) on one site's jobBoard against one real
`mototrack serve` process, a series of commits that move a job, and for every subscriber and commit the time from
the mutation's answer (commit returned) to the event received: p50 / p95 / p99, missed events, and the new
PostgreSQL connections the run opened (pg_stat_database.sessions).

    .venv/bin/python bench/live_fanout.py                                  # temporary SQLite, in-process pub/sub
    .venv/bin/python bench/live_fanout.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test_h3 \\
        [--redis-url redis://127.0.0.1:6379/3] [--subscribers 1000] [--commits 40] [--interval 0.25]

A PostgreSQL database given here is EMPTIED (schema dropped) and filled with the demo data. The subscribers run in
--clients processes (asyncio each, `websockets`), so one client's GIL does not add its queue to the figures; times
are CLOCK_MONOTONIC, shared by the processes. An event that arrives before the mutation's answer counts as 0 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tools" / "fuzz")]

from server import demo_server  # noqa: E402

# the PWA's board subscription (pwa/src/main/staff/Board.tsx BOARD_JOB)
BOARD_JOB = """id number status operationsStream revenueStream version issuesReported updatedAt
  vehicle { id registrationDisplay make model } customer { id name } technician { id name } tasks { id status }"""
SUBSCRIPTION = f"subscription JobBoardLive($siteId: ID!) {{ jobBoard(siteId: $siteId) {{ {BOARD_JOB} }} }}"
BOARD = "query($s: ID!) { jobBoard(siteId: $s) { status jobs { id status version } } }"
HOLD = ("mutation($j: ID!) { holdJob(input: {jobId: $j, reason: \"bench\"}) { job { id version status } "
        "errors { code message } } }")
RESUME = "mutation($j: ID!) { resumeJob(input: {jobId: $j}) { job { id version status } errors { code message } } }"
USERS = ("admin@demo.test", "site.manager@demo.test", "workshop.manager@demo.test")  # Thai, Thai, English


def subscriber_process(url: str, tokens: list[str], site_id: str, count: int, job_id: str, ready, results) -> None:
    """`count` subscribers in one process; reports 'ready' once all listen, then {version: [receipt times]}."""
    from websockets.asyncio.client import connect

    async def run() -> None:
        received: dict[int, list[float]] = {}
        errors: list[str] = []
        sockets = []

        async def one(i: int) -> None:
            ws = await connect(url, subprotocols=["graphql-transport-ws"], open_timeout=60, ping_interval=None,
                               compression=None, max_queue=4096)
            sockets.append(ws)
            await ws.send(json.dumps({"type": "connection_init",
                                      "payload": {"Authorization": f"Bearer {tokens[i % len(tokens)]}"}}))
            ack = json.loads(await ws.recv())
            assert ack["type"] == "connection_ack", ack
            await ws.send(json.dumps({"id": "board", "type": "subscribe",
                                      "payload": {"query": SUBSCRIPTION, "variables": {"siteId": site_id}}}))

        for start in range(0, count, 50):  # connect in waves (the server's accept backlog)
            await asyncio.gather(*(one(i) for i in range(start, min(count, start + 50))))

        async def read(ws) -> None:
            with contextlib.suppress(Exception):
                async for raw in ws:
                    at = time.monotonic()
                    message = json.loads(raw)
                    if message.get("type") != "next":
                        errors.append(raw[:200])
                        return
                    job = message["payload"]["data"]["jobBoard"]
                    if job["id"] == job_id:
                        received.setdefault(job["version"], []).append(at)

        readers = [asyncio.create_task(read(ws)) for ws in sockets]
        await asyncio.sleep(1.0)  # the last subscribe messages are processed by the server
        ready.put("ready")
        await asyncio.get_running_loop().run_in_executor(None, results.get)  # the driver says "done"
        for task in readers:
            task.cancel()
        for ws in sockets:
            with contextlib.suppress(Exception):
                await ws.close()
        ready.put(json.dumps({"received": received, "errors": errors}))

    asyncio.run(run())


async def pg_sessions(url: str) -> int | None:
    if not url.startswith("postgresql"):
        return None
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    async with engine.connect() as conn:
        value = (await conn.execute(text(
            "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"))).scalar_one()
    await engine.dispose()
    return int(value)


async def empty_postgres(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


def pick(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--commits", type=int, default=40, help="mutations that move the job (hold / resume)")
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between commits")
    parser.add_argument("--clients", type=int, default=2, help="subscriber processes")
    parser.add_argument("--database-url", default="", help="a PostgreSQL database to EMPTY and use (default SQLite)")
    parser.add_argument("--redis-url", default="", help="live events through Redis (RedisPubSub)")
    args = parser.parse_args()

    env = {"MOTOTRACK_REDIS_URL": args.redis_url}
    if args.database_url:
        asyncio.run(empty_postgres(args.database_url))
        env["MOTOTRACK_DATABASE_URL"] = args.database_url
    with demo_server(env) as server, httpx.Client(base_url=server.base, timeout=60) as http:
        tokens = [server.sign_in(email) for email in USERS]
        auth = {"Authorization": f"Bearer {tokens[0]}"}
        sites = http.post("/graphql", json={"query": "{ sites { id name } }"}, headers=auth).json()["data"]["sites"]
        site_id, job_id = None, None
        for site in sites:  # a site with a job that can be held (and resumed)
            columns = http.post("/graphql", json={"query": BOARD, "variables": {"s": site["id"]}},
                                headers=auth).json()["data"]["jobBoard"]
            jobs = [j for c in columns for j in c["jobs"] if j["status"] in ("ASSIGNED", "IN_PROGRESS")]
            if jobs:
                site_id, job_id = site["id"], jobs[0]["id"]
                break
        if job_id is None:
            print("no job to move in the demo data", file=sys.stderr)
            return 1
        ws_url = server.base.replace("http://", "ws://") + "/graphql"
        ready, done = multiprocessing.Queue(), multiprocessing.Queue()
        shares = [args.subscribers // args.clients + (1 if i < args.subscribers % args.clients else 0)
                  for i in range(args.clients)]
        t0 = time.monotonic()
        procs = [multiprocessing.Process(target=subscriber_process,
                                         args=(ws_url, tokens, site_id, n, job_id, ready, done)) for n in shares]
        for proc in procs:
            proc.start()
        for _ in procs:
            assert ready.get(timeout=300) == "ready"
        print(f"{args.subscribers} subscribers listening after {time.monotonic() - t0:.1f} s")
        sessions_before = asyncio.run(pg_sessions(args.database_url)) if args.database_url else None

        committed: dict[int, float] = {}
        server_cpu = server.cpu_ms()
        for i in range(args.commits):
            query = HOLD if i % 2 == 0 else RESUME
            started = time.monotonic()
            body = http.post("/graphql", json={"query": query, "variables": {"j": job_id}}, headers=auth).json()
            payload = body["data"]["holdJob" if i % 2 == 0 else "resumeJob"]
            assert not payload["errors"], payload
            committed[payload["job"]["version"]] = time.monotonic()
            time.sleep(max(0.0, args.interval - (time.monotonic() - started)))
        time.sleep(3.0)  # stragglers
        server_cpu = server.cpu_ms() - server_cpu
        sessions_after = asyncio.run(pg_sessions(args.database_url)) if args.database_url else None
        for _ in procs:
            done.put("done")
        latencies: list[float] = []  # one per (subscriber, commit) received
        errors: list[str] = []
        for _ in procs:
            report = json.loads(ready.get(timeout=120))
            received = {int(k): v for k, v in report["received"].items()}
            errors += report["errors"]
            for version, at in committed.items():
                latencies += [max(0.0, (t - at) * 1000) for t in received.get(version, [])]
        for proc in procs:
            proc.join(30)
    expected = args.subscribers * len(committed)
    missed = expected - len(latencies)
    db = "postgresql" if args.database_url else "sqlite"
    bus = "redis" if args.redis_url else "memory"
    print(f"{db} + {bus}: {args.subscribers} subscribers x {len(committed)} commits every {args.interval} s")
    print(f"  commit -> event ms: p50 {pick(latencies, 0.5):.1f}  p95 {pick(latencies, 0.95):.1f}  "
          f"p99 {pick(latencies, 0.99):.1f}  max {max(latencies, default=float('nan')):.1f}  "
          f"mean {statistics.fmean(latencies) if latencies else float('nan'):.1f}")
    print(f"  events received {len(latencies)} of {expected}, missed {missed}, error messages {len(errors)}")
    print(f"  server CPU during the commits: {server_cpu:.0f} ms ({server_cpu / max(1, len(committed)):.1f} ms "
          f"per commit and its {args.subscribers} deliveries)")
    if sessions_before is not None:
        print(f"  new PostgreSQL connections during the commits: {sessions_after - sessions_before - 1}")
    for line in errors[:5]:
        print("  error:", line)
    return 0 if missed == 0 and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
