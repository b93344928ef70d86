#!/usr/bin/env bash
# Base tools and Go: make, a Go toolchain at least as new as go.work asks
# for, and every workspace module's dependencies. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/usr/local/go/bin:${HOME}/go/bin:${PATH}"

missing=()
command -v make >/dev/null 2>&1 || missing+=(make)
command -v git >/dev/null 2>&1 || missing+=(git)
command -v curl >/dev/null 2>&1 || missing+=(curl ca-certificates)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "00-go: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi

want=$(awk '/^go /{print $2; exit}' go.work)
if ! command -v go >/dev/null 2>&1; then
  echo "00-go: no Go toolchain; install Go >= ${want} into /usr/local/go (https://go.dev/dl/)" >&2
  exit 1
fi
have=$(go env GOVERSION | sed 's/^go//')
if [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -1)" != "$want" ]; then
  echo "00-go: Go ${have} is older than go.work's ${want}" >&2
  exit 1
fi
echo "00-go: $(go version)"

for dir in $(awk '/^use/{u=1; next} u && /^\)/{u=0} u {print $1} /^use \./{print $2}' go.work); do
  echo "00-go: go mod download in ${dir}"
  (cd "$dir" && go mod download)
done
