#!/usr/bin/env bash
# The whole test suite, as `npm test` runs it: engine and registry up, dependencies installed,
# type check, then both vitest projects (fast and podman). Extra arguments go to vitest, e.g.
#   npm test -- --project fast
#   npm test -- test/podman/setup-smoke.test.ts
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-engine.sh

bash scripts/ensure-node-deps.sh

npx tsc -p tsconfig.json --noEmit
# The committed state charts must match the machines they were generated from.
npm run --silent visualize:check
npx vitest run "$@"
