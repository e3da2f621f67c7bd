#!/usr/bin/env bash
# Runs the graphql-http server audits against a throwaway MotoTrack server:
# a fresh SQLite database in a temporary directory, migrated, served on a free
# 127.0.0.1 port; the server is stopped afterwards. Exits 1 if any required
# (MUST) audit fails.
#
#   tools/graphql-http-audit/run.sh            # start a server and audit it
#   tools/graphql-http-audit/run.sh URL        # audit an already running endpoint
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/server.sh
source "$HERE/../lib/server.sh"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "error: node and npm are needed for the graphql-http audit" >&2
  exit 2
fi

# Install the pinned audit dependencies (from package-lock.json) when missing or stale.
if [[ ! -f "$HERE/node_modules/.package-lock.json" || "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]]; then
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi

if [[ $# -ge 1 ]]; then
  exec node "$HERE/audit.mjs" "$1"
fi

mt_find_cli
WORK="$(mktemp -d "${TMPDIR:-/tmp}/mototrack-audit.XXXXXX")"
cleanup() {
  local rc=$?
  mt_stop_server
  if [[ $rc -ne 0 && -s "$WORK/server.log" ]]; then
    echo "---- server log (last 40 lines) ----" >&2
    tail -n 40 "$WORK/server.log" >&2 || true
  fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export MOTOTRACK_ENV=development
export MOTOTRACK_DATABASE_URL="sqlite+aiosqlite:///$WORK/audit.db"
export MOTOTRACK_DATA_DIR="$WORK/data"
export MOTOTRACK_REDIS_URL=""
export MOTOTRACK_LOG_LEVEL="${MOTOTRACK_LOG_LEVEL:-WARNING}"
# No login throttling surprises from earlier runs: everything lives in $WORK.

PORT="$(mt_free_port)"
BASE="http://127.0.0.1:$PORT"

echo "==> migrating a throwaway database in $WORK"
(cd "$MT_REPO" && "$MT_CLI" migrate) >"$WORK/migrate.log" 2>&1 || {
  cat "$WORK/migrate.log" >&2
  exit 1
}

echo "==> starting mototrack serve on $BASE"
mt_start_server "$PORT" "$WORK/server.log"
mt_wait_healthz "$BASE" 90

echo "==> running the graphql-http audits"
set +e
node "$HERE/audit.mjs" "$BASE/graphql"
status=$?
set -e
exit $status
