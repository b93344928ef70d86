#!/usr/bin/env bash
# Runs every load scenario against the all-in-one binary, the bare-Fiber
# limit and (when installed: make bench-peers) the Node peers (in-memory and
# durable SQLite store), in one run, and
# prints the table with ratios and the issue's targets. Servers listen on
# loopback only and are stopped on exit. Usage: bench/run.sh [short|full]
#
# First the saturation rows (closed loop: each connection sends its next
# request when its last one ends, so latency there is Little's law), then
# fixed-rate rows (open loop: requests on a schedule, latency from each
# one's slot) at RATE_SHARE (default 0.5) of what taskpilot achieved closed
# loop in this run: sessions at 256 connections, turns at 64. SESSION_RATE
# and TURN_RATE (requests per second) fix the rates instead.
set -euo pipefail

mode=${1:-short}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/bin
out=${BENCH_OUT:-$root/bench/results/$(date -u +%Y%m%dT%H%M%SZ)}
work=$(mktemp -d)
mkdir -p "$out" "$bin"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

case $mode in
  short) dur=5s; warm=1s; items=2000; streams=2000; sconc=256; tconc=64 ;;
  full) dur=20s; warm=3s; items=100000; streams=10000; sconc=256; tconc=64 ;;
  *) echo "usage: $0 [short|full]" >&2; exit 2 ;;
esac

# Each held stream costs the server and the load tool one descriptor (the
# model's streams share a few HTTP/2 connections): cap the streams at what
# the descriptor limit allows, and say so.
fdmax=$(ulimit -n)
if [ "$fdmax" != unlimited ] && [ $((streams + 200)) -gt "$fdmax" ]; then
  echo "note: open-file limit $fdmax allows $((fdmax - 200)) streams, not $streams (raise ulimit -n for more)"
  streams=$((fdmax - 200))
fi

echo "building into $bin"
# TASKPILOT_BIN runs another build of the server (e.g. an older commit's,
# for a before/after table from one machine state) with this load tool.
if [ -n "${TASKPILOT_BIN:-}" ]; then
  cp "$TASKPILOT_BIN" "$work/taskpilot-under-test"
else
  go build -o "$work/taskpilot-under-test" ./cmd/taskpilot
  cp "$work/taskpilot-under-test" "$bin/taskpilot"
fi
go build -o "$bin/load" ./bench/cmd/load
go build -o "$bin/limit" ./bench/cmd/limit
go build -o "$bin/slowmodel" ./bench/cmd/slowmodel

wait_http() { # url
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "no answer from $1" >&2
  return 1
}

start_taskpilot() { # port datadir extra-env...
  local port=$1 dir=$2
  shift 2
  mkdir -p "$dir"
  env LISTEN_ADDR=127.0.0.1:$port DATABASE_URL="sqlite://$dir/taskpilot.db" DATA_DIR="$dir" \
    LOG_LEVEL=error RATE_LIMIT_PER_MINUTE=100000000 STATIC_DIR="$dir/none" \
    CHAT_TURNS_PER_MINUTE=0 CHAT_STREAMS_PER_USER=0 CHAT_TURNS_PER_IP_PER_MINUTE=0 SESSIONS_PER_IP_PER_MINUTE=0 \
    MAX_THREADS_PER_USER=0 MAX_TASKS_PER_USER=0 MAX_ITEMS_PER_THREAD=0 API_REQUESTS_PER_MINUTE=0 OPENAI_TOKENS_PER_USER_PER_DAY=0 OPENAI_TOKENS_PER_IP_PER_DAY=0 METRICS_ADDR=off MAX_CONNS_PER_IP=0 "$@" \
    "$work/taskpilot-under-test" >"$dir/server.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$port/healthz"
}

tp=http://127.0.0.1:18100
start_taskpilot 18100 "$work/tp"
tp_pid=${pids[-1]}

# Fixtures for the limit server: the real server's session body and one turn.
curl -fsS -XPOST "$tp/api/chatkit/sessions" -H "Content-Type: application/json" -o "$work/session.json"
secret=$(sed -E 's/.*"client_secret":"([^"]+)".*/\1/' "$work/session.json")
curl -fsSN -XPOST "$tp/api/v1/chatkit" -H "Authorization: Bearer $secret" -H "Content-Type: application/json" \
  -d '{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"add a task to buy milk tomorrow"}],"attachments":[],"inference_options":{}}}}' \
  -o "$work/turn.sse"
"$bin/limit" -addr 127.0.0.1:18101 -session-body "$work/session.json" -turn-body "$work/turn.sse" &
pids+=($!)
sleep 0.3

reply=$(grep -o '"type":"thread.item.done","item":{[^}]*"type":"assistant_message".*' "$work/turn.sse" | sed -E 's/.*"text":"([^"]*)".*/\1/' | head -1)
# The Node peers (make bench-peers): the ChatKit Node SDK with an in-memory
# store (node-peer) and with a durable SQLite store like chatkit-python's
# (node-sqlite: WAL, synchronous=NORMAL, one commit per store call).
peer=""
sqlpeer=""
if [ -d "$root/bench/peers/node/node_modules" ]; then
  (cd "$root/bench/peers/node" && PORT=18102 REPLY="${reply:-Added task 1: Buy milk.}" exec node server.mjs >"$work/peer.log" 2>&1) &
  pids+=($!)
  peer_pid=$!
  peer=http://127.0.0.1:18102
  mkdir -p "$work/nodesql"
  (cd "$root/bench/peers/node" && PORT=18105 STORE=sqlite DB_PATH="$work/nodesql/peer.db" REPLY="${reply:-Added task 1: Buy milk.}" \
    exec node server.mjs >"$work/peer-sqlite.log" 2>&1) &
  pids+=($!)
  sqlpeer_pid=$!
  sqlpeer=http://127.0.0.1:18105
  wait_http_post() { # url: the peers answer POSTs only
    for _ in $(seq 1 100); do
      curl -sS -o /dev/null -XPOST -d '{}' "$1/api/v1/chatkit" 2>/dev/null && return 0
      sleep 0.1
    done
    echo "no answer from $1" >&2
    return 1
  }
  wait_http_post "$peer"
  wait_http_post "$sqlpeer"
else
  echo "node peers not installed (make bench-peers): skipping them"
fi

run() { "$bin/load" run -out "$out" -d "$dur" -warmup "$warm" "$@"; }

run -scenario session -label taskpilot -target "$tp" -c "$sconc" -pid "$tp_pid"
run -scenario session -label limit -target http://127.0.0.1:18101 -c "$sconc"
# Turns: two rounds in alternating order (the second round's labels end in
# "#2"; the report compares each round with taskpilot of the same round),
# with each server's CPU per turn.
run -scenario turn -label taskpilot -target "$tp" -c "$tconc" -pid "$tp_pid"
if [ -n "$peer" ]; then
  run -scenario turn -label node-sqlite -target "$sqlpeer" -no-auth -c "$tconc" -pid "$sqlpeer_pid"
  run -scenario turn -label node-peer -target "$peer" -no-auth -c "$tconc" -pid "$peer_pid"
fi
run -scenario turn -label limit -target http://127.0.0.1:18101 -c "$tconc"
if [ -n "$peer" ]; then
  run -scenario turn -label 'node-peer#2' -target "$peer" -no-auth -c "$tconc" -pid "$peer_pid"
  run -scenario turn -label 'node-sqlite#2' -target "$sqlpeer" -no-auth -c "$tconc" -pid "$sqlpeer_pid"
  run -scenario turn -label 'taskpilot#2' -target "$tp" -c "$tconc" -pid "$tp_pid"
fi
run -scenario history -label taskpilot -target "$tp" -c 16 -items "$items" -pid "$tp_pid"
if [ -n "$peer" ]; then
  run -scenario history -label node-peer -target "$peer" -no-auth -c 16 -items "$items" -pid "$peer_pid"
fi

# PostgreSQL rows (issue 13): the same binary, turn and history scenarios on
# a fresh schema of a PostgreSQL server (BENCH_PG_URL, default the test
# server), labelled taskpilot-postgres; the ratio to the SQLite rows above
# is printed here and in the table (taskpilot÷target). PG=0 skips them.
pg_url=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
if [ "${PG:-1}" != 0 ] && command -v psql >/dev/null && psql "$pg_url" -qAtc 'SELECT 1' >/dev/null 2>&1; then
  pg_schema=taskpilot_bench_$(date -u +%Y%m%d%H%M%S)_$$
  psql "$pg_url" -qc "CREATE SCHEMA $pg_schema"
  sep='?'; case $pg_url in *\?*) sep='&' ;; esac
  start_taskpilot 18120 "$work/tp-pg" DATABASE_URL="$pg_url${sep}search_path=$pg_schema"
  pg_pid=${pids[-1]}
  run -scenario turn -label taskpilot-postgres -target http://127.0.0.1:18120 -c "$tconc" -pid "$pg_pid"
  run -scenario history -label taskpilot-postgres -target http://127.0.0.1:18120 -c 16 -items "$items" -pid "$pg_pid"
  kill "$pg_pid" 2>/dev/null || true
  wait "$pg_pid" 2>/dev/null || true
  psql "$pg_url" -qc "DROP SCHEMA $pg_schema CASCADE"
  for s in turn history; do
    awk -v pg="$(sed -nE 's/.*"throughput_per_s": *([0-9.eE+-]+).*/\1/p' "$out/$s-taskpilot-postgres.json" | head -1)" \
      -v lite="$(sed -nE 's/.*"throughput_per_s": *([0-9.eE+-]+).*/\1/p' "$out/$s-taskpilot.json" | head -1)" -v s="$s" \
      'BEGIN { printf "postgres %s: %.0f/s, %.2f× SQLite'"'"'s %.0f/s\n", s, pg, (lite > 0 ? pg / lite : 0), lite }'
  done
else
  echo "postgres rows skipped (PG=0, or no PostgreSQL at \$BENCH_PG_URL)"
fi

# Fixed-rate rows: a share of taskpilot's closed-loop throughput above.
throughput() { # result file → its throughput_per_s
  sed -nE 's/.*"throughput_per_s": *([0-9.eE+-]+).*/\1/p' "$1" | head -1
}
share=${RATE_SHARE:-0.5}
rate_of() { # result file → share × its throughput, rounded to 10/s
  awk -v t="$(throughput "$1")" -v s="$share" 'BEGIN { r = int(t * s / 10 + 0.5) * 10; if (r < 10) r = 10; print r }'
}
session_rate=${SESSION_RATE:-$(rate_of "$out/session-taskpilot.json")}
turn_rate=${TURN_RATE:-$(rate_of "$out/turn-taskpilot.json")}
echo "fixed rates: sessions $session_rate/s at c=$sconc, turns $turn_rate/s at c=$tconc"
run -scenario session -label taskpilot -target "$tp" -c "$sconc" -rate "$session_rate" -pid "$tp_pid"
run -scenario session -label limit -target http://127.0.0.1:18101 -c "$sconc" -rate "$session_rate"
run -scenario turn -label taskpilot -target "$tp" -c "$tconc" -rate "$turn_rate" -pid "$tp_pid"
run -scenario turn -label limit -target http://127.0.0.1:18101 -c "$tconc" -rate "$turn_rate"
if [ -n "$peer" ]; then
  run -scenario turn -label node-sqlite -target "$sqlpeer" -no-auth -c "$tconc" -rate "$turn_rate" -pid "$sqlpeer_pid"
  run -scenario turn -label node-peer -target "$peer" -no-auth -c "$tconc" -rate "$turn_rate" -pid "$peer_pid"
fi

# The production shape (tests/topology): the same sessions and turns through
# nginx as the chart's Ingress, 2 session-service + 2 chat-service replicas
# built like their images, PostgreSQL, Redis-backed rate limits (on, never
# reached, as above), the offline agent as above. Closed loop at the same
# concurrency. TOPOLOGY=0 skips it; it needs nginx, Prometheus, Redis and a
# PostgreSQL server (make topology-deps).
if [ "${TOPOLOGY:-1}" != 0 ] && command -v prometheus >/dev/null && { command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; } \
  && command -v redis-server >/dev/null && pg_isready -q -h 127.0.0.1 2>/dev/null; then
  go build -o "$bin/topology" ./tests/topology/cmd/topology
  "$bin/topology" -offline-agent -rate-limit 100000000 -ready-file "$work/topology.json" >"$work/topology.log" 2>&1 &
  topo_pid=$!
  pids+=($topo_pid)
  for _ in $(seq 1 1800); do
    [ -s "$work/topology.json" ] && break
    kill -0 "$topo_pid" 2>/dev/null || break
    sleep 0.5
  done
  if [ -s "$work/topology.json" ]; then
    ingress=$(sed -E 's/.*"ingress":"([^"]+)".*/\1/' "$work/topology.json")
    run -scenario session -label topology-2x2 -target "$ingress" -c "$sconc"
    run -scenario turn -label topology-2x2 -target "$ingress" -c "$tconc"
  else
    echo "the topology did not start (log: $work/topology.log):"; tail -20 "$work/topology.log"
  fi
  kill -INT "$topo_pid" 2>/dev/null || true
  wait "$topo_pid" 2>/dev/null || true
else
  echo "topology rows skipped (TOPOLOGY=0, or nginx/prometheus/redis-server/PostgreSQL missing: make topology-deps)"
fi

# Streams: a second server whose model (an OpenAI-compatible fake) answers
# slowly, so every turn stays open while the next ones arrive. The model is
# served over TLS with HTTP/2, as api.openai.com is (the server trusts its
# self-signed certificate through SSL_CERT_FILE), so streams share upstream
# connections as they do in production.
"$bin/slowmodel" -addr 127.0.0.1:18103 -chunks 20 -interval 1s -tls-cert "$work/model.pem" &
pids+=($!)
for _ in $(seq 1 50); do [ -s "$work/model.pem" ] && break; sleep 0.1; done
start_taskpilot 18104 "$work/streams" SSL_CERT_FILE="$work/model.pem" OPENAI_API_KEY=sk-bench OPENAI_BASE_URL=https://127.0.0.1:18103/v1 \
  OPENAI_API_STYLE=chat_completions OPENAI_TIMEOUT=5m
streams_pid=${pids[-1]}
"$bin/load" run -out "$out" -scenario streams -label taskpilot -target http://127.0.0.1:18104 \
  -streams "$streams" -c 512 -pid "$streams_pid"

echo
echo "results in $out"
"$bin/load" report "$out"
