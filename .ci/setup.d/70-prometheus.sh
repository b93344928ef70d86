#!/usr/bin/env bash
# Prometheus and promtool from Debian's packages, for tests/topology (the
# production shape on one machine: Prometheus scrapes the services and loads
# the alert rules; `promtool check rules` / `promtool test rules`).
# Idempotent: installs only when missing, and starts nothing: the package's
# maintainer scripts would start a Prometheus daemon (invoke-rc.d, on
# machines without systemd too), so the install runs behind a policy-rc.d
# that refuses every start (exit 101), unless one is already in place (as in
# Docker images). The tests start their own Prometheus on a free port.
set -euo pipefail

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  echo "70-prometheus: $(prometheus --version 2>&1 | head -1)"
  exit 0
fi

policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# 70-prometheus.sh: no service starts during its install.\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  added_policy=1
fi
cleanup() { if [ "$added_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

echo "70-prometheus: installing prometheus (no recommends: no exporters)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends prometheus
# With systemd the unit may have been enabled for the next boot: keep it off.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
echo "70-prometheus: $(prometheus --version 2>&1 | head -1)"
