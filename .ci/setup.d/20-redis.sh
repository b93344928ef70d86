#!/usr/bin/env bash
# Redis for the rate-limit tests (pkg/ratelimit runs its suite against a real
# Redis on 127.0.0.1:6379 and, with CI=true, fails when none answers).
# Idempotent: installs and starts only what is missing. Throwaway settings:
# loopback only, no persistence.
set -euo pipefail

ping_redis() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]
  else
    (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && read -r -t 2 line <&3 && [[ "$line" == +PONG* ]]) 2>/dev/null
  fi
}

if ping_redis; then
  echo "20-redis: Redis answers on 127.0.0.1:6379"
  exit 0
fi

if ! command -v redis-server >/dev/null 2>&1; then
  echo "20-redis: installing redis-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq redis-server
fi

echo "20-redis: starting redis-server"
redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
for _ in $(seq 1 50); do
  ping_redis && { echo "20-redis: Redis ready"; exit 0; }
  sleep 0.2
done
echo "20-redis: Redis did not answer on 127.0.0.1:6379" >&2
exit 1
