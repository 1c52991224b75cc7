#!/usr/bin/env bash
# Puts the engines back to what a fresh machine has, before CI runs the tests: no container made
# from a sample image (what tests create), no pulled copy of a sample image, no image a test
# built. A test that leans on what another left behind then fails here, as on a new machine.
# Kept: the sample registry itself, the busybox base image setup-engine.sh builds the samples
# from, the systemd host's image (`systemd-host.sh fresh` empties the stores inside it), and the
# containers of podwarden's default instance (a demo someone runs).
set -euo pipefail

readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib/shell.sh
source "$SCRIPT_DIR/lib/shell.sh"
LOG_PREFIX=clean-test-state

readonly SAMPLE_IMAGES='^(127\.0\.0\.1:5000/podwarden/|localhost/podwarden-(test|build)/)'
readonly DEFAULT_INSTANCE=podwarden

# $1: the CLI (podman, or docker -H ...). Containers of sample images, but the default instance's.
clean_engine() {
  local cli=("$@") ids images kept
  kept=$("${cli[@]}" ps --all --quiet --no-trunc --filter "label=io.podwarden.owner=$DEFAULT_INSTANCE")
  ids=$("${cli[@]}" ps --all --no-trunc --format '{{.ID}} {{.Image}}' |
    awk -v want="$SAMPLE_IMAGES" -v kept="$kept" 'BEGIN { split(kept, k); for (i in k) keep[k[i]] = 1 }
      $2 ~ want && !($1 in keep) { print $1 }')
  if [[ -n $ids ]]; then
    # shellcheck disable=SC2086 # one id a word
    "${cli[@]}" rm --force $ids >/dev/null
  fi
  images=$("${cli[@]}" images --format '{{.Repository}}:{{.Tag}}' | grep -E "$SAMPLE_IMAGES" || true)
  if [[ -n $images ]]; then
    # shellcheck disable=SC2086
    "${cli[@]}" rmi --force $images >/dev/null 2>&1 || log "some images are still in use: $("${cli[@]}" images --format '{{.Repository}}:{{.Tag}}' | grep -cE "$SAMPLE_IMAGES") left"
  fi
  log "${cli[0]}: removed $(wc -w <<<"$ids") test containers and $(wc -w <<<"$images") sample images"
}

require_root
clean_engine podman
if [[ -S /run/podwarden-dev/docker/docker.sock ]]; then
  clean_engine docker -H unix:///run/podwarden-dev/docker/docker.sock
fi
