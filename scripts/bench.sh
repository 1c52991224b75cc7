#!/usr/bin/env bash
# `npm run bench`: engine up, dependencies installed, then the benchmarks (numbers only).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup-engine.sh
bash scripts/ensure-node-deps.sh
exec node --expose-gc --import tsx scripts/bench.ts "$@"
