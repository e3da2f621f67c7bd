#!/usr/bin/env python3
"""Schemathesis, GraphQL mode, against a throwaway MotoTrack server with the demo data.

Every query and mutation of the live schema gets generated cases (at least --cases in all, seeded, so a run can be
repeated), sent signed in as the demo garage's admin. A case fails when the server answers 5xx or with a masked
internal error (extensions.code INTERNAL_SERVER_ERROR / INTERNAL, or the masked message). Prints the case count and
each distinct failure with a reproducer; exits 1 when there is one.

    tools/fuzz/run.py [--cases 1000] [--seed 20261203] [--url http://127.0.0.1:8000/graphql --token T]
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

import requests  # noqa: E402  (schemathesis' own transport)
import schemathesis  # noqa: E402
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.graphql import nodes  # noqa: E402

MASKED_MESSAGES = ("An unknown error occurred.", "Something went wrong on our side. Try again.",
                   "เกิดข้อผิดพลาดในระบบ กรุณาลองอีกครั้ง")
INTERNAL_CODES = ("INTERNAL_SERVER_ERROR", "INTERNAL")


def register_scalars() -> None:
    """Values of MotoTrack's own scalars, mostly well-formed (so cases get past parsing into the services)."""
    amounts = st.integers(min_value=-(2**40), max_value=2**40)
    schemathesis.graphql.scalar("Amount", amounts.map(nodes.Int))
    schemathesis.graphql.scalar("Decimal", st.decimals(min_value=-10**6, max_value=10**6, places=2,
                                                       allow_nan=False, allow_infinity=False)
                                .map(lambda d: nodes.String(str(d))))
    schemathesis.graphql.scalar("Date", st.dates().map(lambda d: nodes.String(d.isoformat())))
    schemathesis.graphql.scalar("DateTime", st.datetimes(timezones=st.just(__import__("datetime").timezone.utc))
                                .map(lambda d: nodes.String(d.isoformat())))
    schemathesis.graphql.scalar("JSON", st.dictionaries(st.sampled_from(["a", "b", "note"]), st.integers(0, 9),
                                                        max_size=2)
                                .map(lambda d: nodes.String(json.dumps(d))))


def failure_of(response) -> str | None:
    if response.status_code >= 500:
        return f"HTTP {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}, not JSON: {response.text[:120]!r}"
    for error in (body.get("errors") or []) if isinstance(body, dict) else []:
        code = (error.get("extensions") or {}).get("code")
        if code in INTERNAL_CODES or error.get("message") in MASKED_MESSAGES:
            return f"masked internal error at {error.get('path')}: {error.get('message')}"
    return None


def outcome_of(response) -> str:
    """What a case got back, for the summary: data, or the first error's code (or a payload's UserError code)."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors:
        return str((errors[0].get("extensions") or {}).get("code") or "error")
    data = body.get("data") if isinstance(body, dict) else None
    for value in (data or {}).values():
        if isinstance(value, dict) and value.get("errors"):
            return "payload errors"
    return "data"


def unauthenticated(response) -> bool:
    try:
        errors = response.json().get("errors") or []
    except (ValueError, AttributeError):
        return False
    return any((e.get("extensions") or {}).get("code") == "UNAUTHENTICATED" for e in errors)


def run(url: str, sign_in, cases: int, run_seed: int) -> int:
    register_scalars()
    token = sign_in()
    auth = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.graphql.from_url(url, headers=auth, timeout=60)
    operations, broken = [], []
    for result in schema.get_all_operations():
        try:
            operations.append(result.ok())
        except Exception:  # noqa: BLE001 - an operation schemathesis cannot generate for: reported, not hidden
            broken.append(str(result.err())[:200])
    if not operations:
        print("error: no operations found", file=sys.stderr)
        return 2
    per_operation = max(4, math.ceil(cases * 1.5 / len(operations)))
    session = requests.Session()
    counts: collections.Counter[str] = collections.Counter()
    outcomes: collections.Counter[str] = collections.Counter()
    failures: dict[tuple[str, str], dict] = {}
    started = time.monotonic()

    def fuzz(index: int, operation) -> None:
        name = operation.label

        @seed(run_seed + index)
        @settings(max_examples=per_operation, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck), derandomize=False)
        @given(case=operation.as_strategy())
        def one(case):
            nonlocal auth
            response = case.call(base_url=url, session=session, headers=auth, timeout=60)
            counts[name] += 1
            if unauthenticated(response):  # a fuzzed mutation ended the session: sign in again, go on
                auth = {"Authorization": f"Bearer {sign_in()}"}
                response = case.call(base_url=url, session=session, headers=auth, timeout=60)
            outcomes[outcome_of(response)] += 1
            problem = failure_of(response)
            if problem is not None:
                key = (name, problem.split(":")[0])
                failures.setdefault(key, {"operation": name, "problem": problem, "count": 0,
                                          "request": {"query": case.body, "variables": getattr(case, "variables",
                                                                                               None)}})
                failures[key]["count"] += 1

        one()

    for index, operation in enumerate(operations):
        fuzz(index, operation)

    total = sum(counts.values())
    print(f"schemathesis {schemathesis.__version__ if hasattr(schemathesis, '__version__') else ''} GraphQL: "
          f"{total} cases over {len(counts)} of {len(operations)} operations, seed {run_seed}, "
          f"{time.monotonic() - started:.0f} s")
    print("  answers: " + ", ".join(f"{kind} {n}" for kind, n in outcomes.most_common()))
    for item in broken:
        print(f"  not generated: {item}")
    if failures:
        print(f"{len(failures)} distinct failure(s):")
        for failure in failures.values():
            print(f"- {failure['operation']}: {failure['problem']} ({failure['count']} case(s))")
            print(f"  reproduce: curl -s {url} -H 'Content-Type: application/json' -H 'Authorization: Bearer $TOKEN' "
                  f"-d {json.dumps(json.dumps(failure['request'], default=str))}")
    else:
        print("no 5xx and no masked internal error")
    if total < cases:
        print(f"error: only {total} cases were generated (at least {cases} wanted)", file=sys.stderr)
        return 1
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1000, help="at least this many cases in all (default 1000)")
    parser.add_argument("--seed", type=int, default=20261203, help="hypothesis seed (default 20261203)")
    parser.add_argument("--url", help="fuzz a running endpoint instead of a throwaway server (needs --token)")
    parser.add_argument("--token", help="an admin's access token for --url")
    args = parser.parse_args()
    if args.url:
        if not args.token:
            parser.error("--url needs --token")
        return run(args.url, lambda: args.token, args.cases, args.seed)
    from server import demo_server

    with demo_server(keep_log=True) as server:
        print(f"==> fuzzing {server.graphql} (demo data, signed in as the demo admin)", flush=True)
        return run(server.graphql, server.sign_in, args.cases, args.seed)


if __name__ == "__main__":
    sys.exit(main())
