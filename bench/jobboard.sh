#!/usr/bin/env bash
# jobBoard for 50 jobs: the GraphQL server against a hand-written SQL endpoint returning the same JSON, in one go.
#
#   bench/jobboard.sh                       # SQLite in a temporary directory
#   BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench bench/jobboard.sh
#
# BENCH_JOBS=50 BENCH_THREADS=2 BENCH_CONNECTIONS=16 BENCH_DURATION=15s BENCH_WARMUP=3s
# Both servers are one process each (uvicorn), with the same bearer-token check; wrk shares the machine's cores.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../tools/lib/server.sh
source "$HERE/../tools/lib/server.sh"

JOBS="${BENCH_JOBS:-50}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"
DURATION="${BENCH_DURATION:-15s}"
WARMUP="${BENCH_WARMUP:-3s}"

command -v wrk >/dev/null 2>&1 || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
mt_find_cli
PY="$(dirname "$MT_CLI")/python"

SQL_PID=""
mt_on_exit() { [[ -z "$SQL_PID" ]] || kill "$SQL_PID" 2>/dev/null; }
mt_work_dir jobboard

export MOTOTRACK_ENV=production
mt_secret_key
export MOTOTRACK_DATABASE_URL="${BENCH_DATABASE_URL:-sqlite+aiosqlite:///$WORK/bench.db}"
export MOTOTRACK_REDIS_URL=""
export MOTOTRACK_DATA_DIR="$WORK/data"
export MOTOTRACK_LOG_LEVEL=WARNING
export MOTOTRACK_ACCESS_TOKEN_TTL=3600

if [[ -n "${BENCH_DATABASE_URL:-}" ]]; then
  # start from an empty schema so the figures are for exactly $JOBS jobs
  "$PY" - <<'PY'
import asyncio, os
from sqlalchemy import text
from backend.core.db import Database
async def main():
    db = Database(os.environ["MOTOTRACK_DATABASE_URL"])
    async with db.write_engine.begin() as c:
        await c.execute(text("DROP SCHEMA public CASCADE")); await c.execute(text("CREATE SCHEMA public"))
    await db.dispose()
asyncio.run(main())
PY
fi
echo "==> migrating, seeding the demo garage and $JOBS jobs"
(cd "$MT_REPO" && "$MT_CLI" migrate && "$MT_CLI" seed-demo) >"$WORK/setup.log" 2>&1 || { cat "$WORK/setup.log"; exit 1; }
SITE="$(cd "$MT_REPO" && "$PY" bench/seed_jobs.py "$JOBS")"

PORT="$(mt_free_port)"
SQL_PORT="$(mt_free_port)"
mt_start_server "$PORT" "$WORK/server.log"
(cd "$MT_REPO" && exec "$(dirname "$MT_CLI")/uvicorn" bench.sql_endpoint:create_app --factory --host 127.0.0.1 \
  --port "$SQL_PORT" --log-level warning) >"$WORK/sql.log" 2>&1 &
SQL_PID=$!
mt_wait_healthz "http://127.0.0.1:$PORT" 90
for _ in $(seq 1 120); do curl -s -o /dev/null "http://127.0.0.1:$SQL_PORT/board" && break; sleep 0.25; done

TOKEN="$(curl -fsS "http://127.0.0.1:$PORT/graphql" -H 'Content-Type: application/json' -d \
  '{"query":"mutation { login(input: {email: \"workshop.manager@demo.test\", password: \"mototrack-demo\"}) { accessToken } }"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["login"]["accessToken"])')"
QUERY='query($s: ID!) { jobBoard(siteId: $s) { status jobs { id number status operationsStream vehicle { registration make model owner { name phone } } technician { name } tasks { name status } partsRequests { quantity status item { sku } } } } }'
GQL_BODY="$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1], "variables": {"s": sys.argv[2]}}))' "$QUERY" "$SITE")"
SQL_BODY="{\"siteId\": \"$SITE\"}"

curl -fsS "http://127.0.0.1:$PORT/graphql" -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" \
  -d "$GQL_BODY" >"$WORK/gql.json"
curl -fsS "http://127.0.0.1:$SQL_PORT/board" -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" \
  -d "$SQL_BODY" >"$WORK/sql.json"
python3 - "$WORK/gql.json" "$WORK/sql.json" "$JOBS" <<'PY'
import json, sys
g, s = (json.load(open(p)) for p in sys.argv[1:3])
jobs = sum(len(c["jobs"]) for c in g["data"]["jobBoard"])
assert jobs == int(sys.argv[3]), f"GraphQL returned {jobs} jobs"
assert g == s, "the SQL endpoint and GraphQL disagree"
print(f"    both return the same JSON: {jobs} jobs, {len(json.dumps(g))} bytes")
PY

run() {
  local name="$1" url="$2" body="$3" out
  BENCH_BODY="$body" BENCH_TOKEN="$TOKEN" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$HERE/graphql.lua" "$url" >/dev/null
  out="$(BENCH_BODY="$body" BENCH_TOKEN="$TOKEN" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
    -s "$HERE/graphql.lua" "$url")"
  printf '%s\t%s\n' "$name" "$(printf '%s\n' "$out" | sed -n 's/^BENCH_RESULT //p')"
}
{
  run "jobBoard (GraphQL)" "http://127.0.0.1:$PORT/graphql" "$GQL_BODY"
  run "hand-written SQL" "http://127.0.0.1:$SQL_PORT/board" "$SQL_BODY"
} | python3 -c '
import json, sys
rows = [(n, json.loads(d)) for n, _, d in (l.rstrip("\n").partition("\t") for l in sys.stdin)]
print("%-20s %9s %9s %9s %9s" % ("", "req/s", "p50 ms", "p99 ms", "failed"))
for n, r in rows:
    failed = r["graphql_errors"] + r["bad_status"] + r["socket_errors"] + r["timeouts"]
    print("%-20s %9.1f %9.1f %9.1f %9d" % (n, r["rps"], r["p50_us"] / 1000, r["p99_us"] / 1000, failed))
print("GraphQL / SQL throughput ratio: %.2f (SQL is %.1fx faster)" % (rows[0][1]["rps"] / rows[1][1]["rps"],
                                                                     rows[1][1]["rps"] / rows[0][1]["rps"]))
'
