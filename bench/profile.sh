#!/usr/bin/env bash
# Profiles the all-in-one binary under one load scenario: starts bin/taskpilot
# with PPROF_ADDR on a loopback port, runs `load run -scenario S`, and
# captures a CPU profile over the measured window plus heap and goroutine
# profiles at its end. Prints the top of the CPU profile.
#
#   bench/profile.sh turn [load flags...]       e.g. bench/profile.sh session -c 256
#   bench/profile.sh streams -streams 2000      (slow model, like run.sh)
#
# Profiles land in bench/results/profile-<scenario>-<stamp>/ (git-ignored);
# open one with `go tool pprof -http : <dir>/taskpilot.bin <dir>/cpu.pprof`.
# The load tool's own CPU profile is there too (load.pprof, with load.bin),
# to see what the load generator takes from the shared cores. TASKPILOT_BIN
# profiles another build of the server (it must honour PPROF_ADDR).
set -euo pipefail

scenario=${1:?usage: bench/profile.sh session|turn|history|streams [load flags...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/bin
out=${BENCH_OUT:-$root/bench/results/profile-$scenario-$(date -u +%Y%m%dT%H%M%SZ)}
work=$(mktemp -d)
dur=${PROFILE_SECONDS:-10}
port=18110
pport=18111
mport=18112 # METRICS_ADDR
mkdir -p "$out" "$bin"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

if [ -n "${TASKPILOT_BIN:-}" ]; then
  cp "$TASKPILOT_BIN" "$work/taskpilot-under-test"
else
  go build -o "$work/taskpilot-under-test" ./cmd/taskpilot
fi
go build -o "$bin/load" ./bench/cmd/load
go build -o "$bin/slowmodel" ./bench/cmd/slowmodel

extra=()
if [ "$scenario" = streams ]; then
  "$bin/slowmodel" -addr 127.0.0.1:18113 -chunks 20 -interval 1s -tls-cert "$work/model.pem" &
  pids+=($!)
  for _ in $(seq 1 50); do [ -s "$work/model.pem" ] && break; sleep 0.1; done
  extra=(SSL_CERT_FILE="$work/model.pem" OPENAI_API_KEY=sk-bench OPENAI_BASE_URL=https://127.0.0.1:18113/v1 OPENAI_API_STYLE=chat_completions OPENAI_TIMEOUT=5m)
fi
mkdir -p "$work/tp"
env LISTEN_ADDR=127.0.0.1:$port DATABASE_URL="sqlite://$work/tp/taskpilot.db" DATA_DIR="$work/tp" \
  LOG_LEVEL=error RATE_LIMIT_PER_MINUTE=100000000 STATIC_DIR="$work/none" PPROF_ADDR=127.0.0.1:$pport \
  METRICS_ADDR=127.0.0.1:$mport MAX_CONNS_PER_IP=0 \
  CHAT_TURNS_PER_MINUTE=0 CHAT_STREAMS_PER_USER=0 CHAT_TURNS_PER_IP_PER_MINUTE=0 SESSIONS_PER_IP_PER_MINUTE=0 \
  MAX_THREADS_PER_USER=0 MAX_TASKS_PER_USER=0 MAX_ITEMS_PER_THREAD=0 API_REQUESTS_PER_MINUTE=0 \
  "${extra[@]}" "$work/taskpilot-under-test" >"$work/server.log" 2>&1 &
tp_pid=$!
pids+=($tp_pid)
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
  sleep 0.1
done

pprof=http://127.0.0.1:$pport/debug/pprof
"$bin/load" run -out "$out" -scenario "$scenario" -target "http://127.0.0.1:$port" -pid "$tp_pid" \
  -d "$((dur + 2))s" -warmup 1s -cpuprofile "$out/load.pprof" "$@" &
load_pid=$!
if [ "$scenario" = streams ]; then
  sleep 8 # let the streams open (the CPU profile then covers them streaming)
elif [ "$scenario" = history ]; then
  # The thread is filled first; threads.list is only sent once the
  # (warm-up then measured) loop runs.
  until curl -fsS "http://127.0.0.1:$mport/metrics" | grep -q 'taskpilot_chatkit_requests_total{outcome="ok",type="threads.list"}'; do
    sleep 0.5
  done
  sleep 1
else
  sleep 1.5 # warm-up
fi
curl -fsS -o "$out/cpu.pprof" "$pprof/profile?seconds=$dur"
curl -fsS -o "$out/heap.pprof" "$pprof/heap"
curl -fsS -o "$out/allocs.pprof" "$pprof/allocs"
curl -fsS -o "$out/goroutine.txt" "$pprof/goroutine?debug=1"
wait "$load_pid"
cp "$work/taskpilot-under-test" "$out/taskpilot.bin"
cp "$bin/load" "$out/load.bin"
echo "profiles in $out"
go tool pprof -top -nodecount=35 "$out/taskpilot.bin" "$out/cpu.pprof" 2>/dev/null | head -45
echo
echo "load tool's own CPU (go tool pprof -top $out/load.bin $out/load.pprof):"
go tool pprof -top -nodecount=1 "$out/load.bin" "$out/load.pprof" 2>/dev/null | grep -E '^(Duration|Showing nodes)' || true
