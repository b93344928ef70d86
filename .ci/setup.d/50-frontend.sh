#!/usr/bin/env bash
# Front end: Node.js + npm, Debian's Chromium for the browser tests, and the locked
# npm dependencies. Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

export DEBIAN_FRONTEND=noninteractive
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
  apt-get install -y -qq "$@"
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "50-frontend: installing nodejs and npm"
  apt_install nodejs npm
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "50-frontend: Node.js $(node --version) is too old; Next.js 16 needs >= 20.9" >&2
  exit 1
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "50-frontend: installing chromium"
  apt_install chromium
fi

if [ ! -f frontend/node_modules/.package-lock.json ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then
  echo "50-frontend: npm ci"
  (cd frontend && npm ci --no-audit --no-fund)
fi
