#!/usr/bin/env bash
# nginx for deploy/test's front-end image test: it serves a static export
# with deploy/frontend/nginx.conf the way the nginx-unprivileged image does.
# Idempotent: installs only when missing (nothing is started here).
set -euo pipefail

if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  echo "60-nginx: nginx present"
  exit 0
fi
echo "60-nginx: installing nginx-light"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends nginx-light
# (The test starts its own nginx on a free loopback port; none is started here.)
