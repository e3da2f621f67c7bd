"""Where a profiled server spent its time (bench/mixed_load.sh BENCH_PROFILE=FILE): own time per package, then the
functions with the most own time. Usage: python bench/profile_summary.py FILE [--top 25]"""

from __future__ import annotations

import argparse
import pstats
from collections import defaultdict

GROUPS = (  # the first match of a path fragment names the package
    ("/sqlalchemy/", "SQLAlchemy"), ("/asyncpg/", "asyncpg"), ("/graphql/", "graphql-core"),
    ("/strawberry/", "Strawberry"), ("/starlette/", "Starlette"), ("/uvicorn/", "uvicorn"),
    ("/h11/", "h11"), ("/httptools/", "httptools"), ("/aiodataloader", "aiodataloader"), ("/jwt/", "PyJWT"),
    ("/pydantic", "pydantic"), ("/redis/", "redis"), ("/asyncio/", "asyncio"), ("/backend/api/fastpath", "fast path"),
    ("/backend/", "MotoTrack (other)"), ("{", "builtins"),
)


def group(filename: str) -> str:
    for fragment, name in GROUPS:
        if fragment in filename:
            return name
    return "other"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    stats = pstats.Stats(args.file)
    own: dict[str, float] = defaultdict(float)
    rows = []
    for (filename, line, name), (_cc, _nc, tottime, cumtime, _callers) in stats.stats.items():
        own[group(filename)] += tottime
        rows.append((tottime, cumtime, f"{filename.rsplit('site-packages/', 1)[-1]}:{line} {name}"))
    total = sum(own.values()) or 1.0
    idle = sum(t for t, _c, where in rows if "select" in where and ("epoll" in where or "selectors" in where))
    print(f"\nown time by package ({total:.1f} s sampled, of which {idle:.1f} s waiting in the event loop's select):")
    for name, seconds in sorted(own.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<20} {seconds:7.2f} s  {100 * seconds / total:5.1f} %")
    print(f"\ntop {args.top} functions by own time:")
    for tottime, cumtime, where in sorted(rows, reverse=True)[: args.top]:
        print(f"  {tottime:7.2f} s own {cumtime:7.2f} s cum  {where}")


if __name__ == "__main__":
    main()
