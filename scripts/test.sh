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
# The JSON report gives CI a plain closing line it can read ("N passed, N failed").
results=.vitest-results.json
status=0
rm -f "$results"
npx vitest run --reporter=default --reporter=json --outputFile="$results" "$@" || status=$?
if [[ -f $results ]]; then
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);' "$results"
fi
exit "$status"
