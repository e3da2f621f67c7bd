#!/usr/bin/env bash
# Measures the wall time of the README's run command (`make run`) on a fresh clone:
# from starting `make run` in a new clone until /healthz answers. The server is then
# stopped and the clone removed.
#
#   bench/time_run_command.sh             # clone the committed HEAD
#   bench/time_run_command.sh --worktree  # copy the working tree instead (uncommitted changes too)
#   bench/time_run_command.sh --cold      # also bypass the pip and npm download caches
#
# The clone gets its own .venv, node_modules, pwa/dist and ./data, so everything is
# installed, built, migrated and seeded from scratch; only package downloads may come
# from the local pip/npm caches unless --cold is given. Network: 127.0.0.1 only, apart
# from the package registries the run command itself uses.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../tools/lib/server.sh
source "$HERE/../tools/lib/server.sh"

MODE=clone
COLD=""
for arg in "$@"; do
  case "$arg" in
    --worktree) MODE=worktree ;;
    --cold) COLD=1 ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done
TIMEOUT="${TIME_RUN_TIMEOUT:-1800}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mototrack-runtime.XXXXXX")"
CLONE="$WORK/mototrack"
RUN_PID=""
cleanup() {
  local rc=$?
  if [[ -n "$RUN_PID" ]] && kill -0 "$RUN_PID" 2>/dev/null; then
    # `make run` was started in its own session: stop make and the server together.
    kill -TERM -- "-$RUN_PID" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$RUN_PID" 2>/dev/null || true
  fi
  [[ -n "$RUN_PID" ]] && { wait "$RUN_PID" 2>/dev/null || true; }
  if [[ $rc -ne 0 && -s "$WORK/run.log" ]]; then
    echo "---- make run log (last 60 lines) ----" >&2
    tail -n 60 "$WORK/run.log" >&2 || true
  fi
  if [[ -z "${KEEP:-}" ]]; then rm -rf "$WORK"; else echo "(kept $WORK)"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ $MODE == clone ]]; then
  echo "==> cloning $MT_REPO (HEAD $(git -C "$MT_REPO" rev-parse --short HEAD)) into $CLONE"
  git clone --quiet --no-hardlinks "$MT_REPO" "$CLONE"
else
  echo "==> copying the working tree of $MT_REPO (tracked and untracked, not ignored) into $CLONE"
  mkdir -p "$CLONE"
  (cd "$MT_REPO" && git ls-files -z --cached --others --exclude-standard |
    xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
    tar --null -T - -cf -) | tar -C "$CLONE" -xf -
fi

if [[ -n "$COLD" ]]; then
  export PIP_NO_CACHE_DIR=1
  export npm_config_cache="$WORK/npm-cache"
fi
# Keep the run self-contained: no settings leak in from this shell.
unset MOTOTRACK_DATABASE_URL MOTOTRACK_REDIS_URL MOTOTRACK_DATA_DIR MOTOTRACK_ENV MOTOTRACK_SECRET_KEY \
  MOTOTRACK_PUBLIC_URL VIRTUAL_ENV 2>/dev/null || true

PORT="$(mt_free_port)"
BASE="http://127.0.0.1:$PORT"
echo "==> timing 'make run PORT=$PORT' until $BASE/healthz answers"
start_ns=$(date +%s%N)
( cd "$CLONE" && exec setsid make run PORT="$PORT" ) </dev/null >"$WORK/run.log" 2>&1 &
RUN_PID=$!

answered=""
deadline=$((SECONDS + TIMEOUT))
while ((SECONDS < deadline)); do
  if curl -fsS -o /dev/null --max-time 2 "$BASE/healthz" 2>/dev/null; then
    answered=1
    break
  fi
  if ! kill -0 "$RUN_PID" 2>/dev/null; then
    echo "error: make run exited before $BASE/healthz answered" >&2
    exit 1
  fi
  sleep 0.2
done
end_ns=$(date +%s%N)
if [[ -z "$answered" ]]; then
  echo "error: $BASE/healthz did not answer within ${TIMEOUT}s" >&2
  exit 1
fi
elapsed=$(python3 -c "print(f'{($end_ns - $start_ns) / 1e9:.1f}')")

# Give the banner a moment to be flushed, then show what the user sees.
sleep 1
echo "---- what make run printed (server part) ----"
grep -E "https?://|@demo\.test|mototrack-demo" "$WORK/run.log" | head -n 20 || echo "(no URL or sign-ins found in the output)"
echo "---------------------------------------------"
grep -q "127.0.0.1:$PORT" "$WORK/run.log" || echo "warning: the URL http://127.0.0.1:$PORT was not printed" >&2
if curl -fsS --max-time 5 "$BASE/" 2>/dev/null | grep -qi "<html"; then
  echo "GET / serves the web app"
else
  echo "warning: GET $BASE/ did not return the web app's HTML page" >&2
fi
echo "make run on a fresh $([[ $MODE == clone ]] && echo clone || echo copy)$([[ -n $COLD ]] && echo ', cold caches'): /healthz answered after ${elapsed} s ($(nproc) cores)"
