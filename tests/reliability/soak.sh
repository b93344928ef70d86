#!/usr/bin/env bash
# Soak: the all-in-one binary (SQLite, offline agent) under moderate load
# for SOAK_DURATION (default 10m) with the load tool's `turn` scenario at 8
# concurrent clients, sampling the server's RSS (/proc) and goroutines
# (go_goroutines on /metrics) every SOAK_INTERVAL. After a warm-up fifth,
# memory and goroutines must be flat: the last quarter's mean RSS within
# 25% (and 32 MiB) of the first quarter's, the goroutine count within +20;
# and once the load stops, goroutines fall back to the idle level.
# "Idle" takes up to 20s after the load: fasthttp's worker pool drops a
# worker 10s after its last request, and its cleaner only runs every 10s
# (MaxIdleWorkerDuration), so the check waits up to SOAK_SETTLE (30s) for
# the count to come back. The server listens on free ports (its public and
# METRICS_ADDR ones, read from what it prints).
# Usage: tests/reliability/soak.sh   (make soak; SOAK_DURATION=2m for a short run)
set -euo pipefail

duration=${SOAK_DURATION:-10m}
interval=${SOAK_INTERVAL:-10}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
settle=${SOAK_SETTLE:-30}
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "soak: building into $work"
(cd "$root" && go build -o "$work/taskpilot" ./cmd/taskpilot && go build -o "$work/load" ./bench/cmd/load)

mkdir -p "$work/data"
env LISTEN_ADDR=127.0.0.1:0 METRICS_ADDR=127.0.0.1:0 DATABASE_URL="sqlite://$work/data/taskpilot.db" DATA_DIR="$work/data" \
  STATIC_DIR="$work/none" LOG_LEVEL=warn RATE_LIMIT_PER_MINUTE=0 OPENAI_API_KEY= SESSION_TTL=24h \
  CHAT_TURNS_PER_MINUTE=0 CHAT_STREAMS_PER_USER=0 CHAT_TURNS_PER_IP_PER_MINUTE=0 SESSIONS_PER_IP_PER_MINUTE=0 \
  MAX_THREADS_PER_USER=0 MAX_TASKS_PER_USER=0 MAX_ITEMS_PER_THREAD=0 API_REQUESTS_PER_MINUTE=0 \
  "$work/taskpilot" >"$work/server.out" 2>"$work/server.log" &
server=$!
pids+=("$server")
base= metrics=
for _ in $(seq 1 100); do
  base=$(sed -n 's/.*running at \(http:[^ ]*\).*/\1/p' "$work/server.out")
  metrics=$(sed -n 's/^Metrics at \(http:[^ ]*\)$/\1/p' "$work/server.out")
  [ -n "$base" ] && break
  sleep 0.1
done
[ -n "$base" ] && [ -n "$metrics" ] || { echo "soak: FAIL: the server printed no URLs"; cat "$work/server.out" "$work/server.log"; exit 1; }
curl -fsS -o /dev/null "$base/healthz"

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$server/status"; }
goroutines() { curl -fsS "$metrics" | awk '/^go_goroutines / {print $2}'; }
streams() { curl -fsS "$metrics" | awk '/^taskpilot_chatkit_active_streams / {print $2}'; }
heap_kib() { curl -fsS "$metrics" | awk '/^go_memstats_heap_inuse_bytes / {printf "%d", $2 / 1024}'; }

idle_before=$(goroutines)
echo "soak: server pid $server, idle: RSS $(rss_kib) KiB, $idle_before goroutines; load for $duration"
"$work/load" run -scenario turn -target "$base" -c 8 -d "$duration" -warmup 2s -pid "$server" -out "$work/results" \
  >"$work/load.txt" 2>&1 &
load=$!
pids+=("$load")

samples="$work/samples.tsv"
printf 'elapsed_s\trss_kib\tgoroutines\tactive_streams\theap_inuse_kib\n' >"$samples"
start=$(date +%s)
while kill -0 "$load" 2>/dev/null; do
  sleep "$interval"
  kill -0 "$load" 2>/dev/null || break
  printf '%s\t%s\t%s\t%s\t%s\n' $(($(date +%s) - start)) "$(rss_kib)" "$(goroutines)" "$(streams)" "$(heap_kib)" >>"$samples"
done
load_status=0
wait "$load" || load_status=$?
# fasthttp keeps idle workers 10-20s (see above): wait for them to go.
waited=0
idle_after=$(goroutines)
while [ "$idle_after" -gt $((idle_before + 5)) ] && [ "$waited" -lt "$settle" ]; do
  sleep 1
  waited=$((waited + 1))
  idle_after=$(goroutines)
done
echo "soak: goroutines back to $idle_after (idle before: $idle_before) ${waited}s after the load"
rss_after=$(rss_kib)

echo
echo "== load tool"
cat "$work/load.txt"
echo
echo "== samples (every ${interval}s)"
column -t "$samples" 2>/dev/null || cat "$samples"
echo

kill -0 "$server" 2>/dev/null || { echo "soak: FAIL: the server died"; tail -20 "$work/server.log"; exit 1; }
if [ "$load_status" -ne 0 ]; then echo "soak: FAIL: the load tool exited $load_status"; exit 1; fi
errors=$(grep -o 'errors=[0-9]*' "$work/load.txt" | head -1 | cut -d= -f2)
if [ "${errors:-1}" != 0 ]; then
  echo "soak: FAIL: the load tool saw ${errors:-unknown} errors:"
  grep -ho '"error_sample":[^]]*' "$work/results"/*.json 2>/dev/null | head -c 2000 || true
  exit 1
fi

awk -F'\t' -v idle_before="$idle_before" -v idle_after="$idle_after" -v rss_after="$rss_after" '
NR == 1 { next }
{ t[n] = $1; rss[n] = $2; g[n] = $3; h[n] = $5; n++ }
END {
  if (n < 8) { print "soak: FAIL: only " n " samples (run longer)"; exit 1 }
  w = int(n / 5)                      # warm-up samples skipped
  m = n - w; q = int(m / 4); if (q < 1) q = 1
  for (i = w; i < w + q; i++) { r1 += rss[i]; g1 += g[i]; h1 += h[i] }
  for (i = n - q; i < n; i++) { r2 += rss[i]; g2 += g[i]; h2 += h[i] }
  r1 /= q; r2 /= q; g1 /= q; g2 /= q; h1 /= q; h2 /= q
  for (i = w; i < n; i++) { if (g[i] > gmax) gmax = g[i]; if (rss[i] > rmax) rmax = rss[i] }
  growth = (r2 - r1) / r1 * 100
  printf "RSS: first quarter %.1f MiB, last quarter %.1f MiB (%+.1f%%), max %.1f MiB, after the load %.1f MiB\n", r1/1024, r2/1024, growth, rmax/1024, rss_after/1024
  printf "Go heap in use: first quarter %.1f MiB, last quarter %.1f MiB\n", h1/1024, h2/1024
  printf "goroutines: first quarter %.1f, last quarter %.1f, max %d; idle before %d, idle after %d\n", g1, g2, gmax, idle_before, idle_after
  fail = 0
  if (r2 - r1 > 32 * 1024 && growth > 25) { print "soak: FAIL: RSS grows"; fail = 1 }
  if (g2 - g1 > 20) { print "soak: FAIL: goroutines grow"; fail = 1 }
  if (idle_after > idle_before + 5) { print "soak: FAIL: goroutines left behind after the load"; fail = 1 }
  if (!fail) print "soak: OK: memory and goroutines flat"
  exit fail
}' "$samples"
