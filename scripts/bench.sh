#!/usr/bin/env bash
# `npm run bench`: engines up (every lane), dependencies installed, then the benchmarks (numbers only).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup-engine.sh
bash scripts/ensure-node-deps.sh
# Every engine lane, so kill → restart is measured where podwarden's users run it.
bash scripts/systemd-host.sh up
bash scripts/setup-docker.sh
# The at-rest measurement runs the built daemon, as a service does.
npm run --silent build
exec node --expose-gc --import tsx scripts/bench.ts "$@"
