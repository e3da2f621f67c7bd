#!/usr/bin/env bash
# Load benchmark of two GraphQL queries with wrk: requests/s, p50 and p99 latency.
#
#   bench/run.sh                      # SQLite in a temporary directory
#   BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench bench/run.sh
#
# Settings (environment):
#   BENCH_DATABASE_URL   database to serve from (default: a throwaway SQLite file); it is
#                        migrated and loaded with the demo data (seed-demo is idempotent)
#   BENCH_REDIS_URL      MOTOTRACK_REDIS_URL for the server (default: empty, embedded)
#   BENCH_THREADS=2 BENCH_CONNECTIONS=16 BENCH_DURATION=15s BENCH_WARMUP=3s   wrk settings
#   BENCH_ENV=production MOTOTRACK_ENV of the server (a random secret key is generated)
#   BENCH_WORKERS=1      server processes (`mototrack serve --workers N`)
#
# The server and wrk share this machine's cores, so the figures are a floor, not a
# capacity plan. A summary is printed and kept under bench/results/ (git-ignored).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../tools/lib/server.sh
source "$HERE/../tools/lib/server.sh"

THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"
DURATION="${BENCH_DURATION:-15s}"
WARMUP="${BENCH_WARMUP:-3s}"
WORKERS="${BENCH_WORKERS:-1}"
DEMO_EMAIL="${BENCH_EMAIL:-admin@demo.test}"
DEMO_PASSWORD="${BENCH_PASSWORD:-mototrack-demo}"

if ! command -v wrk >/dev/null 2>&1; then
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing wrk (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq wrk >/dev/null
  else
    echo "error: wrk is not installed (Debian: apt-get install wrk)" >&2
    exit 1
  fi
fi
mt_find_cli

mt_work_dir bench

export MOTOTRACK_ENV="${BENCH_ENV:-production}"
mt_secret_key
export MOTOTRACK_DATABASE_URL="${BENCH_DATABASE_URL:-sqlite+aiosqlite:///$WORK/bench.db}"
export MOTOTRACK_REDIS_URL="${BENCH_REDIS_URL:-}"
export MOTOTRACK_DATA_DIR="$WORK/data"
export MOTOTRACK_LOG_LEVEL="${MOTOTRACK_LOG_LEVEL:-WARNING}"
export MOTOTRACK_ACCESS_TOKEN_TTL=3600

PORT="$(mt_free_port)"
BASE="http://127.0.0.1:$PORT"
URL="$BASE/graphql"
db_label="${MOTOTRACK_DATABASE_URL%%:*}"
[[ -n "${BENCH_DATABASE_URL:-}" ]] || db_label="sqlite (temporary file)"

echo "==> migrating and seeding ($db_label)"
(cd "$MT_REPO" && "$MT_CLI" migrate && "$MT_CLI" seed-demo) >"$WORK/setup.log" 2>&1 || {
  cat "$WORK/setup.log" >&2
  exit 1
}

echo "==> starting mototrack serve --workers $WORKERS on $BASE (MOTOTRACK_ENV=$MOTOTRACK_ENV)"
mt_start_server "$PORT" "$WORK/server.log" --workers "$WORKERS"
mt_wait_healthz "$BASE" 90

# POST a GraphQL body (JSON) and print the response body; fail on a non-2xx status.
gql() {
  local body="$1" token="${2:-}"
  local -a auth=()
  [[ -n "$token" ]] && auth=(-H "Authorization: Bearer $token")
  curl -fsS --max-time 30 -X POST "$URL" -H 'Content-Type: application/json' "${auth[@]}" --data-binary "$body"
}
# json_get EXPR: evaluates a Python expression over `d` (the JSON document on stdin).
json_get() {
  python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}
# Builds a GraphQL request body from a query and optional JSON variables.
gql_body() {
  local vars="${2:-}"
  [[ -n "$vars" ]] || vars='{}'
  python3 -c 'import json, sys; print(json.dumps({"query": sys.argv[1], "variables": json.loads(sys.argv[2])}))' "$1" "$vars"
}

echo "==> signing in as $DEMO_EMAIL"
LOGIN_QUERY='mutation($email: String!, $password: String!) { login(input: {email: $email, password: $password}) { accessToken refreshToken errors { code message } } }'
login_response="$(gql "$(gql_body "$LOGIN_QUERY" "{\"email\": \"$DEMO_EMAIL\", \"password\": \"$DEMO_PASSWORD\"}")")"
TOKEN="$(printf '%s' "$login_response" | json_get '(d.get("data") or {}).get("login", {}).get("accessToken") or ""' || true)"
if [[ -z "$TOKEN" || "$TOKEN" == None ]]; then
  echo "error: sign-in failed: $login_response" >&2
  exit 1
fi

CUSTOMERS_QUERY='query { customers(first: 50) { edges { node { id name phone vehicles { registration } } } } }'
VEHICLE_QUERY='query($r: String!) { vehicleByRegistration(registration: $r) { id registration make model owner { name } } }'

customers_body="$(gql_body "$CUSTOMERS_QUERY")"
customers_response="$(gql "$customers_body" "$TOKEN")"
read -r n_customers n_vehicles REGISTRATION < <(printf '%s' "$customers_response" | python3 -c '
import json, sys
d = json.load(sys.stdin)
if d.get("errors"):
    sys.exit("customers query failed: %s" % json.dumps(d["errors"])[:500])
edges = d["data"]["customers"]["edges"]
regs = [v["registration"] for e in edges for v in (e["node"]["vehicles"] or [])]
print(len(edges), len(regs), regs[0] if regs else "")
')
if [[ -z "${REGISTRATION:-}" ]]; then
  echo "error: the demo data has no vehicles to look up: ${customers_response:0:500}" >&2
  exit 1
fi
vehicle_body="$(gql_body "$VEHICLE_QUERY" "{\"r\": \"$REGISTRATION\"}")"
vehicle_response="$(gql "$vehicle_body" "$TOKEN")"
if ! printf '%s' "$vehicle_response" | json_get '"ok" if not d.get("errors") and d["data"]["vehicleByRegistration"] else ""' | grep -q ok; then
  echo "error: vehicleByRegistration failed: ${vehicle_response:0:500}" >&2
  exit 1
fi
echo "    customers(first: 50) returns $n_customers customers with $n_vehicles vehicles; looking up $REGISTRATION"

RESULTS=()
run_wrk() {
  local name="$1" body="$2" out
  echo "==> $name: warm-up $WARMUP, then wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency"
  BENCH_BODY="$body" BENCH_TOKEN="$TOKEN" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" \
    -s "$HERE/graphql.lua" "$URL" >/dev/null
  out="$(BENCH_BODY="$body" BENCH_TOKEN="$TOKEN" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" \
    --latency -s "$HERE/graphql.lua" "$URL")"
  printf '%s\n' "$out" | grep -v '^BENCH_RESULT ' | sed 's/^/    /'
  RESULTS+=("$name	$(printf '%s\n' "$out" | sed -n 's/^BENCH_RESULT //p')")
}

run_wrk "vehicleByRegistration" "$vehicle_body"
run_wrk "customers(first: 50)" "$customers_body"

mkdir -p "$HERE/results"
REPORT="$HERE/results/$(date -u +%Y%m%dT%H%M%SZ).txt"
{
  echo "MotoTrack GraphQL benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit $(git -C "$MT_REPO" rev-parse --short HEAD 2>/dev/null || echo '?'); $(nproc) cores; $(python3 --version 2>&1); database: $db_label; redis: ${MOTOTRACK_REDIS_URL:-embedded}; MOTOTRACK_ENV=$MOTOTRACK_ENV; server processes: $WORKERS"
  echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION (after a $WARMUP warm-up), client and server on the same machine"
  echo
  printf '%s\n' "${RESULTS[@]}" | python3 -c '
import json, sys
rows = []
for line in sys.stdin:
    name, _, data = line.rstrip("\n").partition("\t")
    rows.append((name, json.loads(data)))
fmt = "%-24s %10s %9s %9s %9s %9s %8s"
print(fmt % ("query", "req/s", "p50 ms", "p90 ms", "p99 ms", "requests", "failed"))
failed_any = False
for name, r in rows:
    failed = r["graphql_errors"] + r["bad_status"] + r["socket_errors"] + r["timeouts"]
    failed_any = failed_any or failed > 0
    print(fmt % (name, "%.1f" % r["rps"], "%.1f" % (r["p50_us"] / 1000), "%.1f" % (r["p90_us"] / 1000),
                 "%.1f" % (r["p99_us"] / 1000), r["requests"], failed))
for name, r in rows:
    if r["first_failure"]:
        print("first failure of %s: %s" % (name, r["first_failure"]))
'
} | tee "$REPORT"
echo
echo "(kept in ${REPORT#"$MT_REPO"/})"
