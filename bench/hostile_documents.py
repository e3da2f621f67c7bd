"""How fast hostile GraphQL documents are refused, and what they do to everyone else.

Starts a throwaway server (temporary SQLite database with the demo data, a free 127.0.0.1 port), then:
1. the latency of a simple signed-in query with nothing else going on (the baseline);
2. for each hostile document of tests/api/test_hostile_documents.py: its refusal time (signed out), and the simple
   query's latency from a second client while attackers send that document in a loop;
3. the server's CPU time per refused request (from /proc, so other load on the machine does not inflate it);
4. the server's resident memory before and after 40 distinct 5 MB texts.

    .venv/bin/python bench/hostile_documents.py [--attackers 2] [--samples 100]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tools" / "fuzz")]

from server import demo_server  # noqa: E402

from tests.api.test_hostile_documents import HOSTILE  # noqa: E402

SIMPLE = "{ garage { name currency } sites { id name } }"


def timed(client: httpx.Client, body: dict, headers: dict | None = None) -> tuple[float, httpx.Response]:
    start = time.perf_counter()
    response = client.post("/graphql", json=body, headers=headers or {})
    return (time.perf_counter() - start) * 1000, response


def latencies(client: httpx.Client, token: str, samples: int) -> list[float]:
    out = []
    for _ in range(samples):
        ms, response = timed(client, {"query": SIMPLE}, {"Authorization": f"Bearer {token}"})
        assert response.status_code == 200 and "errors" not in response.json(), response.text[:300]
        out.append(ms)
    return out


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def pin(pid: int, cpus: set[int]) -> None:
    """Every thread of `pid` on `cpus` (sched_setaffinity of a pid moves only its main thread)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        os.sched_setaffinity(int(task.name), cpus)


def attack(base: str, query: str, stop, sent, niceness: int, cpus: set[int] | None = None) -> None:
    """One attacker, in its own process (so the measuring client does not wait for its share of one GIL); with
    --attacker-nice its client work yields the CPU, with --pin it runs on the clients' core (on a real attack it
    runs on another machine)."""
    os.nice(niceness)
    if cpus:
        os.sched_setaffinity(0, cpus)
    with httpx.Client(base_url=base, timeout=120) as client:
        while not stop.is_set():
            client.post("/graphql", json={"query": query, "variables": {"v": True}})
            with sent.get_lock():
                sent.value += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attackers", type=int, default=2, help="clients sending the hostile document at once")
    parser.add_argument("--attacker-nice", type=int, default=0, help="CPU niceness of the attackers (0-19)")
    parser.add_argument("--samples", type=int, default=100, help="simple queries measured per phase")
    parser.add_argument("--pin", action="store_true",
                        help="the server on CPU 0, the attackers and the measuring client on the others, so the "
                             "clients' own work does not take the server's core (the attackers of a real attack are "
                             "other machines)")
    args = parser.parse_args()
    clients_cpus: set[int] | None = None
    # the measuring client comes from another address (127.0.0.2) than the attackers (127.0.0.1), as a user and an
    # attacker would: the server slows down an address whose documents it keeps refusing (backend/api/throttle.py)
    user_transport = httpx.HTTPTransport(local_address="127.0.0.2")
    with demo_server() as server, httpx.Client(base_url=server.base, timeout=120, transport=user_transport) as client:
        if args.pin:
            available = sorted(os.sched_getaffinity(0))
            if len(available) < 2:
                parser.error("--pin needs at least two CPUs")
            pin(server.pid, {available[0]})
            clients_cpus = set(available[1:])
            os.sched_setaffinity(0, clients_cpus)
        token = server.sign_in()
        latencies(client, token, 20)  # warm up (the simple query's document is cached from here on)
        cpu = server.cpu_ms()
        base = latencies(client, token, args.samples)
        simple_cpu = (server.cpu_ms() - cpu) / args.samples
        b50, b95 = statistics.median(base), p(base, 0.95)
        print(f"simple query alone: p50 {b50:.1f} ms, p95 {b95:.1f} ms ({args.samples} samples); "
              f"server CPU {simple_cpu:.1f} ms per query\n")
        print(f"{'document':46} {'size':>8} {'refusal p50':>12} {'max':>8}   simple query during attack "
              f"({args.attackers} attackers)")
        worst = 0.0
        for name, query in HOSTILE.items():
            refusals = []
            for _ in range(7):
                ms, response = timed(client, {"query": query, "variables": {"v": True}})
                errors = response.json().get("errors") or [{}]
                code = errors[0].get("extensions", {}).get("code")
                assert code == "QUERY_TOO_COMPLEX", (name, response.text[:300])
                refusals.append(ms)
            # the machine's load drifts: each attack is compared with a baseline taken just before it
            quiet = latencies(client, token, args.samples)
            q50 = statistics.median(quiet)
            stop, sent = multiprocessing.Event(), multiprocessing.Value("i", 0)
            threads = [multiprocessing.Process(target=attack, args=(server.base, query, stop, sent, args.attacker_nice, clients_cpus), daemon=True)
                       for _ in range(args.attackers)]
            for thread in threads:
                thread.start()
            time.sleep(0.3)
            cpu, hostile_before = server.cpu_ms(), sent.value
            during = latencies(client, token, args.samples)
            cpu, hostile = server.cpu_ms() - cpu, sent.value - hostile_before
            stop.set()
            for thread in threads:
                thread.join()
            per_refusal = (cpu - simple_cpu * args.samples) / max(hostile, 1)
            d50, d95 = statistics.median(during), p(during, 0.95)
            worst = max(worst, d50 / q50)
            print(f"{name:46} {len(query):>8} {statistics.median(refusals):>9.1f} ms {max(refusals):>5.1f} ms   "
                  f"p50 {d50:6.1f} ms ({d50 / q50:4.2f}x of {q50:.1f})  p95 {d95:6.1f} ms  [{hostile} hostile requests, "
                  (f"server CPU {per_refusal:.1f} ms each]" if hostile >= 50 else "too few to price: the throttle held them]"))
        print(f"\nworst simple-query p50 during an attack: {worst:.2f}x the baseline taken just before it")
        before = server.rss_kb()
        for i in range(40):
            text = f"# {i}" + "x" * (5 * 1024 * 1024) + "\n{ __typename }"
            response = client.post("/graphql", json={"query": text})
            assert response.status_code == 413, response.status_code
        after = server.rss_kb()
        print(f"server RSS before / after 40 distinct 5 MB texts: {before / 1024:.0f} MB / {after / 1024:.0f} MB "
              f"({(after - before) / 1024:+.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
