#!/usr/bin/env bash
# The main job on a fresh machine: podman + local registry up, dependencies installed, then
# the podwarden daemon supervising the sample node (examples/catalog) until Ctrl-C.
# Extra arguments go to `podwarden run` (e.g. --interval 10s --log-level debug).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-engine.sh
bash scripts/ensure-node-deps.sh

echo "podwarden: building the CLI (npm run build)"
npm run build --silent

# The CLI's own default state dir (and so its default API socket), unless told otherwise: a
# `podwarden status` in another shell finds this daemon with no flag.
default_state_dir="$(node --input-type=module -e "import { defaultStateDir } from './dist/src/host/host-paths.js'; process.stdout.write(defaultStateDir())")"
state_dir="${PODWARDEN_STATE_DIR:-$default_state_dir}"
# bitcoind's bitcoin.conf embeds an RPC password from this values file (see examples/catalog).
secrets="$state_dir/secrets/bitcoind.env"
if [ ! -f "$secrets" ]; then
  mkdir -p "$(dirname "$secrets")"
  (umask 077 && printf 'RPC_USER=podwarden-rpc\nRPC_PASSWORD=%s\n' "$(head -c 18 /dev/urandom | base64 | tr -d '/+=')" >"$secrets")
fi
podwarden="node $PWD/dist/src/cli/main.js"
echo "podwarden: state in $state_dir, API socket $state_dir/podwarden.sock"
echo "podwarden: in another shell, try: alias podwarden='$podwarden'"
if [ "$state_dir" != "$default_state_dir" ]; then
  echo "podwarden:   export PODWARDEN_API_SOCKET=$state_dir/podwarden.sock   # not the CLI's default state dir"
fi
echo "podwarden:   podwarden status; podwarden events -f; podman kill podwarden-electrs"
# As the service runs it (src/service/service-unit.ts): with its environment and node flags.
service_env="$(node --input-type=module -e "import { SERVICE_ENVIRONMENT } from './dist/src/service/service-unit.js'; process.stdout.write(Object.entries(SERVICE_ENVIRONMENT).map(([key, value]) => key + '=' + value).join(' '))")"
service_flags="$(node --input-type=module -e "import { SERVICE_NODE_FLAGS } from './dist/src/service/service-unit.js'; process.stdout.write(SERVICE_NODE_FLAGS.join(' '))")"
# shellcheck disable=SC2086 # words, on purpose
exec env $service_env node $service_flags dist/src/cli/main.js run \
  --catalog examples/catalog \
  --state-dir "$state_dir" \
  --insecure-registry 127.0.0.1:5000 \
  --install bitcoind electrs btcpay mempool \
  "$@"
