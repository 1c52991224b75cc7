#!/usr/bin/env bash
# Installs the npm dependencies when they are missing or older than package-lock.json.
# npm ci writes node_modules/.package-lock.json; a lock file newer than it means the
# dependencies changed since the last install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ ! -d node_modules || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
