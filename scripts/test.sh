#!/usr/bin/env bash
# The whole test suite, as `npm test` runs it: engines and registry up, dependencies installed,
# a build (the type check, and the dist/ the systemd lane runs as a service), lint, the chart check,
# then the vitest projects lane by lane (see vitest.config.ts):
#   main     fast + model + podman + chaos (this machine's podman 4.3), in one vitest run
#   systemd  rootful and rootless podman 5 under systemd (scripts/systemd-host.sh)
#   docker   Debian's Docker engine (scripts/setup-docker.sh)
# Usage: scripts/test.sh [main|systemd|docker]... [-- vitest arguments]
#   npm test                         every lane
#   npm run test:systemd             the systemd lane alone
#   npm test -- test/lanes/core.test.ts   one file, on every lane that includes it
# PODWARDEN_FRESH_HOST=1 starts the systemd host from empty image stores (CI does).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

runs=()
while (($# > 0)) && [[ $1 != -- ]]; do
  case $1 in
    main | systemd | docker) runs+=("$1") ;;
    *) echo "test.sh: unknown run '$1' (main, systemd, docker)" >&2 && exit 2 ;;
  esac
  shift
done
[[ ${1:-} == -- ]] && shift
((${#runs[@]} > 0)) || runs=(main systemd docker)
extra_args="$*"

phase_began=$SECONDS
phase() {
  printf 'test.sh: %s took %d s\n' "$1" $((SECONDS - phase_began))
  phase_began=$SECONDS
}

bash scripts/setup-engine.sh
bash scripts/ensure-node-deps.sh
phase "setup"
npm run --silent build
# ESLint and Prettier: a finding fails the run as a test would.
npm run --silent lint
# The committed state charts must match the machines they were generated from.
npm run --silent visualize:check
phase "build, lint and chart check"

status=0
results=()
# One vitest run; its JSON report gives the closing line CI reads ("N passed, N failed").
vitest_run() {
  local name=$1 file=".vitest-results-$1.json"
  shift
  rm -f "$file"
  # Extra arguments may name files that only some runs include.
  npx vitest run ${extra_args:+--passWithNoTests} --reporter=default --reporter=json --outputFile="$file" "$@" || status=1
  results+=("$file")
  phase "$name"
}

for run in "${runs[@]}"; do
  case $run in
    main) vitest_run main --project fast --project model --project podman --project chaos "$@" ;;
    systemd)
      bash scripts/systemd-host.sh "$([[ ${PODWARDEN_FRESH_HOST:-} == 1 ]] && echo fresh || echo up)"
      phase "systemd host"
      vitest_run systemd --project systemd "$@"
      ;;
    docker)
      bash scripts/setup-docker.sh
      vitest_run docker --project docker "$@"
      ;;
  esac
done

node -e '
  let passed = 0, failed = 0, skipped = 0;
  for (const file of process.argv.slice(1)) {
    let r;
    try { r = JSON.parse(require("fs").readFileSync(file, "utf8")); } catch { failed += 1; console.log(`${file}: no report (vitest did not finish)`); continue; }
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
    console.log(`${file}: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
  }
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);' "${results[@]}"
exit "$status"
