#!/usr/bin/env bash
# The main job on a fresh machine: podman + local registry up, dependencies installed, then
# the podwarden daemon supervising the sample node (examples/catalog) until Ctrl-C.
# Extra arguments go to `podwarden run` (e.g. --interval 10s --log-level debug).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-engine.sh
bash scripts/ensure-node-deps.sh

state_dir="${PODWARDEN_STATE_DIR:-$PWD/.podwarden/state}"
# bitcoind's bitcoin.conf embeds an RPC password from this values file (see examples/catalog).
secrets="$state_dir/secrets/bitcoind.env"
if [ ! -f "$secrets" ]; then
  mkdir -p "$(dirname "$secrets")"
  (umask 077 && printf 'RPC_USER=podwarden-rpc\nRPC_PASSWORD=%s\n' "$(head -c 18 /dev/urandom | base64 | tr -d '/+=')" >"$secrets")
fi
echo "podwarden: state in $state_dir; try 'podman ps' and 'podman kill podwarden-electrs' in another shell"
exec npx tsx src/cli/main.ts run \
  --catalog examples/catalog \
  --state-dir "$state_dir" \
  --insecure-registry 127.0.0.1:5000 \
  --install bitcoind electrs btcpay mempool \
  "$@"
