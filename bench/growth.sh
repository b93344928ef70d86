#!/usr/bin/env bash
# Turn throughput as the embedded database grows (issue 13): starts the
# all-in-one binary on a fresh SQLite file and runs WINDOWS windows of
# WINDOW turns each (closed loop, c=64), printing each window's turns/s,
# server CPU per turn, and the database and WAL sizes after it. Not for CI:
# 100k turns take a few minutes. Loopback only; the server stops on exit.
#
#   bash bench/growth.sh                  (10 windows of 10,000 turns)
#   WINDOWS=3 WINDOW=5000 bash bench/growth.sh
#   TASKPILOT_BIN=/path/to/older/taskpilot bash bench/growth.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/bin
windows=${WINDOWS:-10}
window=${WINDOW:-10000}
conc=${CONC:-64}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$bin"
if [ -n "${TASKPILOT_BIN:-}" ]; then
  cp "$TASKPILOT_BIN" "$work/taskpilot-under-test"
else
  go build -o "$work/taskpilot-under-test" ./cmd/taskpilot
fi
go build -o "$bin/load" ./bench/cmd/load

port=18120
env LISTEN_ADDR=127.0.0.1:$port DATABASE_URL="sqlite://$work/taskpilot.db" DATA_DIR="$work" \
  LOG_LEVEL=error RATE_LIMIT_PER_MINUTE=100000000 STATIC_DIR="$work/none" \
  CHAT_TURNS_PER_MINUTE=0 CHAT_STREAMS_PER_USER=0 CHAT_TURNS_PER_IP_PER_MINUTE=0 SESSIONS_PER_IP_PER_MINUTE=0 \
  MAX_THREADS_PER_USER=0 MAX_TASKS_PER_USER=0 MAX_ITEMS_PER_THREAD=0 API_REQUESTS_PER_MINUTE=0 METRICS_ADDR=off MAX_CONNS_PER_IP=0 \
  "$work/taskpilot-under-test" >"$work/server.log" 2>&1 &
tp_pid=$!
pids+=($tp_pid)
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
  sleep 0.1
done

size() { stat -c %s "$1" 2>/dev/null || echo 0; }
printf '%8s %10s %9s %10s %9s %9s %9s\n' window turns turns/s srv_us/op p99_ms db_MiB wal_MiB
for i in $(seq 1 "$windows"); do
  line=$("$bin/load" run -scenario turn -target "http://127.0.0.1:$port" -c "$conc" -d 0 -n "$window" -warmup 0s -pid "$tp_pid" | tail -1)
  per_s=$(sed -nE 's/.*: ([0-9]+)\/s .*/\1/p' <<<"$line")
  p99=$(sed -nE 's/.* p99=([0-9.]+)ms.*/\1/p' <<<"$line")
  srv=$(sed -nE 's/.*server_cpu=([0-9.]+)us\/op.*/\1/p' <<<"$line")
  printf '%8d %10d %9s %10s %9s %9.1f %9.1f\n' "$i" $((i * window)) "$per_s" "$srv" "$p99" \
    "$(awk -v b="$(size "$work/taskpilot.db")" 'BEGIN { print b / 1048576 }')" \
    "$(awk -v b="$(size "$work/taskpilot.db-wal")" 'BEGIN { print b / 1048576 }')"
done
