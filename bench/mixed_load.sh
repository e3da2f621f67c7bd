#!/usr/bin/env bash
# Mixed load as the PWA makes it (issue 14): 70 % short lists (customers(first: N), a vehicle by registration, the
# board, my jobs), 25 % details (a job card, a customer), 5 % mutations (addJobNote, replay-safe), many tokens of the
# demo users, the operations sent as trusted documents; `mototrack serve --workers 2` on PostgreSQL.
# Prints req/s, p50/p95/p99 and the failures of each kind.
#
#   BENCH_REDIS_URL=redis://127.0.0.1:6379/2 bench/mixed_load.sh
#
# Settings (environment):
#   BENCH_DATABASE_URL   default postgresql+asyncpg://postgres@127.0.0.1:5432/bench (migrated, demo-seeded)
#   BENCH_REDIS_URL      MOTOTRACK_REDIS_URL of the server (default empty: with more than one worker the user cache
#                        is then off, as revocations could not reach the other process)
#   BENCH_WORKERS=2      server processes
#   BENCH_PWA_DIST       the PWA build to serve (its trusted-documents.json; default pwa/dist)
#   BENCH_AUTH_CACHE_SECONDS  MOTOTRACK_AUTH_CACHE_SECONDS (default 5; 0 measures without the user cache)
#   BENCH_TEXT=1         send the documents as text instead of by id
#   BENCH_LOGINS=8       sign-ins per demo user (tokens)
#   BENCH_THREADS=2 BENCH_CONNECTIONS=32 BENCH_DURATION=20s BENCH_WARMUP=5s BENCH_TIMEOUT=5s   wrk settings
#   BENCH_PROFILE=FILE   one server process under cProfile (FILE, pstats), summarised by package afterwards
#
# The server and wrk share this machine's cores: the figures are a floor. A summary is kept under bench/results/.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../tools/lib/server.sh
source "$HERE/../tools/lib/server.sh"

THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
DURATION="${BENCH_DURATION:-20s}"
WARMUP="${BENCH_WARMUP:-5s}"
WORKERS="${BENCH_WORKERS:-2}"
DIST="${BENCH_PWA_DIST:-$MT_REPO/pwa/dist}"
command -v wrk >/dev/null 2>&1 || { echo "error: wrk is not installed (Debian: apt-get install wrk)" >&2; exit 1; }
[[ -f "$DIST/trusted-documents.json" ]] || {
  echo "error: $DIST/trusted-documents.json is missing: build the PWA (make pwa) or set BENCH_PWA_DIST" >&2; exit 1; }
mt_find_cli

mt_work_dir mixed

export MOTOTRACK_ENV=production
mt_secret_key
export MOTOTRACK_DATABASE_URL="${BENCH_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/bench}"
export MOTOTRACK_REDIS_URL="${BENCH_REDIS_URL:-}"
export MOTOTRACK_DATA_DIR="$WORK/data"
export MOTOTRACK_PWA_DIST="$DIST"
export MOTOTRACK_LOG_LEVEL="${MOTOTRACK_LOG_LEVEL:-WARNING}"
export MOTOTRACK_ACCESS_TOKEN_TTL=3600
export MOTOTRACK_AUTH_CACHE_SECONDS="${BENCH_AUTH_CACHE_SECONDS:-5}"
export MOTOTRACK_LOGIN_MAX_ATTEMPTS_PER_IP=100000 MOTOTRACK_LOGIN_MAX_ATTEMPTS_PER_ACCOUNT=100000

PORT="$(mt_free_port)"
BASE="http://127.0.0.1:$PORT"
URL="$BASE/graphql"

echo "==> migrating and seeding (${MOTOTRACK_DATABASE_URL%%@*}@…)"
(cd "$MT_REPO" && "$MT_CLI" migrate && "$MT_CLI" seed-demo) >"$WORK/setup.log" 2>&1 || { cat "$WORK/setup.log" >&2; exit 1; }

echo "==> mototrack serve --workers $WORKERS on $BASE (redis: ${MOTOTRACK_REDIS_URL:-none}, user cache ${MOTOTRACK_AUTH_CACHE_SECONDS}s)"
if [[ -n "${BENCH_PROFILE:-}" ]]; then
  # one process under cProfile (written when the server stops), to see where the time goes
  WORKERS=1
  ( cd "$MT_REPO" && exec "$(dirname "$MT_CLI")/python" -m cProfile -o "$BENCH_PROFILE" -m backend.cli serve \
      --host 127.0.0.1 --port "$PORT" ) >"$WORK/server.log" 2>&1 &
  MT_SERVER_PID=$!
else
  mt_start_server "$PORT" "$WORK/server.log" --workers "$WORKERS"
fi
mt_wait_healthz "$BASE" 90

echo "==> signing in the demo users and choosing requests"
prep=(python3 "$HERE/mixed_load_prep.py" "$URL" "$DIST/trusted-documents.json" "$WORK/requests.tsv"
      --logins "${BENCH_LOGINS:-8}")
[[ "${BENCH_TEXT:-0}" == 1 ]] && prep+=(--text)
"${prep[@]}" | sed 's/^/    /'

echo "==> warm-up $WARMUP, then wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
BENCH_REQUESTS="$WORK/requests.tsv" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" --timeout "${BENCH_TIMEOUT:-5s}" -s "$HERE/mixed_load.lua" "$URL" >/dev/null
# CPU seconds of the server's processes (its workers included): a figure the other load on the machine does not
# inflate the way it inflates latencies, so req/s per core of CPU can be read even on a busy machine
server_cpu() {
  local pids total=0 p
  pids="$MT_SERVER_PID $(pgrep -P "$MT_SERVER_PID" 2>/dev/null | tr '\n' ' ')"
  for p in $pids; do
    [[ -r /proc/$p/stat ]] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$total"
}
cpu_before="$(server_cpu)"
out="$(BENCH_REQUESTS="$WORK/requests.tsv" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency --timeout "${BENCH_TIMEOUT:-5s}" \
  -s "$HERE/mixed_load.lua" "$URL")"

cpu_after="$(server_cpu)"
CPU_SECONDS="$(python3 -c "import os, sys; print(round((int(sys.argv[2]) - int(sys.argv[1])) / os.sysconf('SC_CLK_TCK'), 2))" \
  "$cpu_before" "$cpu_after")"
export CPU_SECONDS

mkdir -p "$HERE/results"
REPORT="$HERE/results/mixed-$(date -u +%Y%m%dT%H%M%SZ).txt"
{
  echo "MotoTrack mixed load, $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git -C "$MT_REPO" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "$(nproc) cores; serve --workers $WORKERS; ${MOTOTRACK_DATABASE_URL%%:*}; redis ${MOTOTRACK_REDIS_URL:-none};" \
       "user cache ${MOTOTRACK_AUTH_CACHE_SECONDS}s; documents $([[ "${BENCH_TEXT:-0}" == 1 ]] && echo text || echo 'by id')"
  echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION after a $WARMUP warm-up, client and server on the same machine"
  printf '%s\n' "$out" | sed -n 's/^BENCH_RESULT //p' | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
failed = r["failed_lists"] + r["failed_details"] + r["failed_mutations"] + r["socket_errors"] + r["timeouts"]
print("req/s %.1f   p50 %.1f ms   p95 %.1f ms   p99 %.1f ms   max %.1f ms   requests %d" % (
    r["rps"], r["p50_us"] / 1000, r["p95_us"] / 1000, r["p99_us"] / 1000, r["max_us"] / 1000, r["requests"]))
print("lists %d (%d failed)   details %d (%d failed)   mutations %d (%d failed)   socket errors %d   timeouts %d" % (
    r["lists"], r["failed_lists"], r["details"], r["failed_details"], r["mutations"], r["failed_mutations"],
    r["socket_errors"], r["timeouts"]))
import os
cpu = float(os.environ["CPU_SECONDS"])
if r["requests"] and cpu > 0:
    per = 1000 * cpu / r["requests"]
    print("server CPU %.1f s: %.2f ms per request, %.0f req/s per core of CPU (PostgreSQL not included)" % (
        cpu, per, 1000 / per))
print("errors: %d" % failed)
if r["first_failure"]:
    print("first failure: " + r["first_failure"])
'
} | tee "$REPORT"
echo "(kept in ${REPORT#"$MT_REPO"/})"
if [[ -n "${BENCH_PROFILE:-}" ]]; then
  # SIGINT: uvicorn re-raises the signal it stopped on, and only an interrupt lets cProfile write its file
  kill -INT "$MT_SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 80); do kill -0 "$MT_SERVER_PID" 2>/dev/null || break; sleep 0.25; done
  mt_stop_server
  "$(dirname "$MT_CLI")/python" "$HERE/profile_summary.py" "$BENCH_PROFILE"
fi
