# shellcheck shell=bash
# Helpers shared by tools/graphql-http-audit/run.sh and bench/run.sh:
# start a throwaway `mototrack serve` on a free 127.0.0.1 port and stop it again.
#
# Usage (after `source`):
#   mt_find_cli                    -> sets MT_CLI (the mototrack executable)
#   mt_free_port                   -> prints a free TCP port on 127.0.0.1
#   mt_start_server PORT LOGFILE [ARGS...]
#                                  -> starts the server in the background (extra ARGS go to
#                                     `mototrack serve`), sets MT_SERVER_PID
#   mt_wait_healthz URL [SECONDS]  -> waits until URL/healthz answers 200
#   mt_stop_server                 -> stops the server started above (by its pid)
#   mt_work_dir NAME               -> sets WORK (a new temporary folder) and traps: on exit the server is stopped,
#                                     mt_on_exit runs when the script defines it, the tail of $WORK/server.log is
#                                     shown when the script failed, and WORK is removed
#   mt_secret_key                  -> exports a fresh random MOTOTRACK_SECRET_KEY (production mode wants one)

MT_REPO="${MT_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
MT_SERVER_PID=""

mt_find_cli() {
  if [[ -n "${MOTOTRACK_CLI:-}" ]]; then
    MT_CLI="$MOTOTRACK_CLI"
  elif [[ -x "$MT_REPO/.venv/bin/mototrack" ]]; then
    MT_CLI="$MT_REPO/.venv/bin/mototrack"
  elif command -v mototrack >/dev/null 2>&1; then
    MT_CLI="$(command -v mototrack)"
  else
    echo "error: the mototrack command is not installed; run 'make install' first" >&2
    return 1
  fi
}

mt_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

mt_start_server() {
  local port="$1" log="$2"
  shift 2
  ( cd "$MT_REPO" && exec "$MT_CLI" serve --host 127.0.0.1 --port "$port" "$@" ) >"$log" 2>&1 &
  MT_SERVER_PID=$!
}

mt_wait_healthz() {
  local base="$1" timeout="${2:-90}" i
  for ((i = 0; i < timeout * 4; i++)); do
    if curl -fsS -o /dev/null --max-time 2 "$base/healthz" 2>/dev/null; then
      return 0
    fi
    if [[ -n "$MT_SERVER_PID" ]] && ! kill -0 "$MT_SERVER_PID" 2>/dev/null; then
      echo "error: the server exited before answering $base/healthz" >&2
      return 1
    fi
    sleep 0.25
  done
  echo "error: $base/healthz did not answer within ${timeout}s" >&2
  return 1
}

mt_stop_server() {
  local pid="$MT_SERVER_PID" i
  [[ -z "$pid" ]] && return 0
  MT_SERVER_PID=""
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  wait "$pid" 2>/dev/null || true
}

mt_work_dir() {
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/mototrack-$1.XXXXXX")"
  trap mt_cleanup EXIT
  trap 'exit 130' INT TERM
}

mt_cleanup() {
  local rc=$?
  mt_stop_server
  if declare -F mt_on_exit >/dev/null; then mt_on_exit || true; fi
  if [[ $rc -ne 0 && -s "$WORK/server.log" ]]; then
    echo "---- server log (last 40 lines) ----" >&2
    tail -n 40 "$WORK/server.log" >&2 || true
  fi
  rm -rf "$WORK"
  exit $rc
}

mt_secret_key() {
  MOTOTRACK_SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
  export MOTOTRACK_SECRET_KEY
}
