"""What the /metrics instrumentation costs: one operation counted and timed (backend.api.metrics.Timer, as the
GraphQL view does per operation), with the operation's name given or read from the document, with and without an
error to count; and one scrape's text (prometheus-client's generate_latest of the process-wide figures).

    .venv/bin/python bench/metrics_overhead.py [--rounds 20000]

Prints microseconds per operation and milliseconds per scrape (best of 5 runs, so a busy machine inflates it less).
"""

from __future__ import annotations

import argparse
import timeit

from prometheus_client import generate_latest

from backend.api import metrics

QUERY = "query MyJobs($first: Int) { myJobs(first: $first) { edges { node { id number status } } } }"
ERRORS = [{"message": "no", "extensions": {"code": "FORBIDDEN"}}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20000)
    rounds = parser.parse_args().rounds
    names = metrics.OperationNames([QUERY])
    cases = {
        "operationName given, no error": lambda: metrics.Timer(names, "MyJobs", "http").done(None),
        "name read from the document, no error": lambda: metrics.Timer(names, None, "http", QUERY).done(None),
        "operationName given, one error": lambda: metrics.Timer(names, "MyJobs", "http").done(ERRORS),
    }
    for label, case in cases.items():
        best = min(timeit.repeat(case, number=rounds, repeat=5)) / rounds
        print(f"{label:<40} {best * 1e6:7.1f} us per operation")
    best = min(timeit.repeat(lambda: generate_latest(metrics.REGISTRY), number=200, repeat=5)) / 200
    print(f"{'scrape text (process-wide figures)':<40} {best * 1e3:7.2f} ms")


if __name__ == "__main__":
    main()
