#!/usr/bin/env bash
# `npm run chaos`: the chaos suite (test/chaos, docs/reliability.md) on the real engine, with
# every repeated fault run CHAOS_ROUNDS times (default 3; `npm test` runs each once).
# Scenarios restart the engine's API service: run it while you hold the engine-tests lock,
#   flock /run/podwarden-dev/engine-tests.lock npm run chaos
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup-engine.sh
bash scripts/ensure-node-deps.sh
CHAOS_ROUNDS="${CHAOS_ROUNDS:-3}" exec npx vitest run --project chaos "$@"
