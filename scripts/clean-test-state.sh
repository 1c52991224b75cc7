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
  local cli=("$@") ids images kept dangling
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
  # Untagged images: what a test's push of a new image under the same tag (same tag, new digest)
  # or a rebuild left behind. On a fresh machine there are none either.
  dangling=$("${cli[@]}" images --quiet --no-trunc --filter dangling=true | sort -u)
  # Not forced: one a kept container still runs stays (a forced rmi would remove the container).
  local image
  for image in $dangling; do
    "${cli[@]}" rmi "$image" >/dev/null 2>&1 || log "untagged image $image is still in use: kept"
  done
  log "${cli[0]}: removed $(wc -w <<<"$ids") test containers, $(wc -w <<<"$images") sample images and $(wc -w <<<"$dangling") untagged ones"
}

# What test/podman/kube-play.test.ts makes with `podman kube play`: pods (their infra containers
# are of podman's pause image, so clean_engine does not see them), the volumes of their claims,
# and its DNS network. All carry its label; the network its name.
readonly KUBE_PLAY_LABEL='io.podwarden.test=kube-play'
readonly KUBE_PLAY_NETWORK=podwarden-test-kube

clean_kube_play() {
  local pods volumes
  pods=$(podman pod ps --quiet --filter "label=$KUBE_PLAY_LABEL")
  if [[ -n $pods ]]; then
    # shellcheck disable=SC2086 # one id a word
    podman pod rm --force $pods >/dev/null
  fi
  volumes=$(podman volume ls --quiet --filter "label=$KUBE_PLAY_LABEL")
  if [[ -n $volumes ]]; then
    # shellcheck disable=SC2086
    podman volume rm --force $volumes >/dev/null
  fi
  podman network rm --force "$KUBE_PLAY_NETWORK" >/dev/null 2>&1 || true
  log "podman: removed $(wc -w <<<"$pods") kube-play pods and $(wc -w <<<"$volumes") of their volumes"
}

require_root
clean_kube_play
clean_engine podman
# Docker only when its daemon answers: after a reboot the socket file outlives dockerd, and
# setup-docker.sh starts it later from a clean store anyway.
readonly DOCKER=(docker -H unix:///run/podwarden-dev/docker/docker.sock)
if [[ -S /run/podwarden-dev/docker/docker.sock ]] && timeout 10 "${DOCKER[@]}" version >/dev/null 2>&1; then
  clean_engine "${DOCKER[@]}"
else
  log "docker: not running, nothing to clean"
fi
