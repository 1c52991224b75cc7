#!/usr/bin/env bash
# The home-server host that podwarden's users run, inside this machine: Debian 13 with systemd
# 257 as PID 1, podman 5 with Quadlet, a lingering rootless user `warden` (uid 1000). It runs as
# a privileged container of the outer podman (scripts/setup-engine.sh must have run), and
# exposes both podman APIs to the outer machine:
#   /run/podwarden-dev/systemd-host/root.sock        rootful podman 5
#   /run/podwarden-dev/systemd-host/user/user.sock   rootless podman 5 (user warden)
# and a file of facts for tests, /run/podwarden-dev/systemd-host/lane.env.
#
#   systemd-host.sh build    build the image once (cached by a hash of its recipe); prints the time
#   systemd-host.sh up       build if needed, start (or keep) the host for this checkout, wait until ready
#   systemd-host.sh fresh    like up, but from empty image stores and home (what CI wants)
#   systemd-host.sh down     stop and remove the host and its volumes
#   systemd-host.sh status   print what runs
#
# Inside, the outer sample registry is served read-only on 127.0.0.1:5000, so image references
# are the same on both sides; the outer `node` binary and this checkout (read-only at
# /opt/podwarden) let podwarden run there as a service. Facts behind each choice:
# ../shared/notes/systemd-host.md and the comments in scripts/systemd-host/rootfs/.
set -euo pipefail

readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly REPO_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"
readonly OVERLAY_DIR="$SCRIPT_DIR/systemd-host/rootfs"
# shellcheck source=scripts/lib/shell.sh
source "$SCRIPT_DIR/lib/shell.sh"
LOG_PREFIX=systemd-host

readonly SUITE=trixie
readonly MIRROR=http://deb.debian.org/debian
readonly PACKAGES=(systemd systemd-sysv systemd-container dbus dbus-user-session libpam-systemd
  podman crun uidmap passt catatonit conmon netavark aardvark-dns nftables iptables iproute2
  procps busybox-static ca-certificates curl)
readonly USER_NAME=warden USER_UID=1000
readonly IMAGE_REPO=localhost/podwarden/systemd-host
readonly CONTAINER=podwarden-systemd-host
readonly SHARE_DIR=/run/podwarden-dev/systemd-host
readonly VOLUMES=(podwarden-systemd-host-containers podwarden-systemd-host-home)
readonly STATE_DIR=/var/lib/podwarden-dev
readonly REGISTRY_STORAGE="$STATE_DIR/registry"
readonly BUILD_LOG=/var/log/podwarden-dev/systemd-host-build.log
readonly BUILD_TIME_FILE="$STATE_DIR/systemd-host-build-seconds"
# Boot takes ~3 s on a quiet machine and up to ~30 s under load.
readonly READY_TIMEOUT_S=180

# The image's identity: this script's build steps, the package list and every file of the overlay.
recipe_hash() {
  {
    printf '%s\n' "$SUITE" "${PACKAGES[*]}" "$USER_NAME:$USER_UID"
    declare -f build_rootfs
    (cd "$OVERLAY_DIR" && find . -print0 | LC_ALL=C sort -z | xargs -0 stat -c '%n %a' && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -c1-16
}

image_ref() { printf '%s:%s\n' "$IMAGE_REPO" "$(recipe_hash)"; }

build_rootfs() {
  local rootfs=$1 packages
  packages=$(IFS=,; printf '%s' "${PACKAGES[*]}")
  debootstrap --variant=minbase --include="$packages" "$SUITE" "$rootfs" "$MIRROR"
  cp -a "$OVERLAY_DIR/." "$rootfs/"
  chroot "$rootfs" useradd --create-home --uid "$USER_UID" --shell /bin/bash "$USER_NAME"
  grep -q "^$USER_NAME:" "$rootfs/etc/subuid" ||
    printf '%s:100000:65536\n' "$USER_NAME" | tee -a "$rootfs/etc/subuid" >>"$rootfs/etc/subgid"
  # Lingering: user@1000.service (and the user's sockets) start at boot, without a login.
  mkdir -p "$rootfs/var/lib/systemd/linger"
  touch "$rootfs/var/lib/systemd/linger/$USER_NAME"
  systemctl --root="$rootfs" enable podwarden-host-unprotect.service podwarden-api.socket \
    podwarden-registry.service podman.socket
  systemctl --root="$rootfs" --global enable podwarden-api.socket podman.socket
  # Real hosts reach network-online.target (NetworkManager or networkd wait-online); nothing
  # pulls it in here, and podman's user units (Quadlet) wait for it before they start.
  ln -sf /usr/lib/systemd/system/network-online.target "$rootfs/etc/systemd/system/multi-user.target.wants/"
  # Units that would write to the shared kernel or wait for a console.
  systemctl --root="$rootfs" mask systemd-sysctl.service systemd-modules-load.service \
    systemd-remount-fs.service systemd-firstboot.service getty.target console-getty.service \
    getty@.service serial-getty@.service
  # systemd fills these at boot: an image that carries them makes every host the same machine.
  : >"$rootfs/etc/machine-id"
  rm -f "$rootfs/etc/hostname"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
}

cmd_build() {
  local ref began seconds rootfs
  require_root
  ref=$(image_ref)
  if podman image exists "$ref"; then
    log "image $ref is built (it took ${BUILD_TIME:-$(cat "$BUILD_TIME_FILE" 2>/dev/null || echo '?')} s)"
    return
  fi
  ensure_packages debootstrap
  mkdir -p "$(dirname "$BUILD_LOG")" "$STATE_DIR"
  rootfs=$(mktemp -d /var/tmp/podwarden-systemd-host.XXXXXX)
  CLEANUP+=("$rootfs")
  log "building $ref from Debian $SUITE (once; ~2 min; log $BUILD_LOG)"
  began=$SECONDS
  { build_rootfs "$rootfs"; } >>"$BUILD_LOG" 2>&1 || {
    show_log_tail "$BUILD_LOG"
    die "building the rootfs of $ref failed"
  }
  tar -C "$rootfs" --numeric-owner -cf - . |
    podman import -q --change 'CMD ["/usr/local/sbin/host-init"]' - "$ref" >/dev/null ||
    die "podman import of $ref failed"
  seconds=$((SECONDS - began))
  printf '%s\n' "$seconds" >"$BUILD_TIME_FILE"
  log "built $ref in ${seconds} s"
  # Older recipes' images are only disk now.
  podman images --format '{{.Repository}}:{{.Tag}}' | grep "^$IMAGE_REPO:" | grep -vx "$ref" |
    xargs -r podman rmi >/dev/null 2>&1 || true
}

host_exec() { podman exec "$CONTAINER" "$@"; }

user_exec() { podman exec --user "$USER_NAME" --env "XDG_RUNTIME_DIR=/run/user/$USER_UID" "$CONTAINER" "$@"; }

socket_answers() { [[ $(curl -sS -m 5 --unix-socket "$1" http://d/_ping 2>/dev/null) == OK ]]; }

wait_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT_S)) state began=$SECONDS
  until state=$(host_exec systemctl is-system-running 2>/dev/null); [[ $state == running || $state == degraded ]]; do
    ((SECONDS < deadline)) || die "systemd in $CONTAINER did not finish booting within ${READY_TIMEOUT_S} s (state: ${state:-none})"
    sleep 0.2
  done
  if [[ $state == degraded ]]; then
    log "systemd is degraded; failed units:"
    host_exec systemctl --failed --no-legend >&2 || true
  fi
  until socket_answers "$SHARE_DIR/root.sock" && socket_answers "$SHARE_DIR/user/user.sock"; do
    ((SECONDS < deadline)) || die "the podman APIs in $CONTAINER do not answer on $SHARE_DIR within ${READY_TIMEOUT_S} s"
    sleep 0.2
  done
  until host_exec curl -fsS -m 5 -o /dev/null http://127.0.0.1:5000/v2/ 2>/dev/null; do
    ((SECONDS < deadline)) || die "the registry copy in $CONTAINER does not answer within ${READY_TIMEOUT_S} s"
    sleep 0.2
  done
  BOOT_SECONDS=$((SECONDS - began))
}

write_lane_env() {
  local ip podman_version
  ip=$(podman inspect --format '{{.NetworkSettings.IPAddress}}' "$CONTAINER")
  podman_version=$(host_exec podman version --format '{{.Client.Version}}')
  cat >"$SHARE_DIR/lane.env.tmp" <<EOF
# Written by scripts/systemd-host.sh up: where the tests find the systemd host.
PODWARDEN_HOST_CONTAINER=$CONTAINER
PODWARDEN_HOST_ADDRESS=$ip
PODWARDEN_HOST_PODMAN=$podman_version
PODWARDEN_HOST_ROOT_SOCKET=$SHARE_DIR/root.sock
PODWARDEN_HOST_USER_SOCKET=$SHARE_DIR/user/user.sock
PODWARDEN_HOST_USER=$USER_NAME
PODWARDEN_HOST_UID=$USER_UID
PODWARDEN_HOST_CHECKOUT=/opt/podwarden
PODWARDEN_HOST_BOOT_SECONDS=${BOOT_SECONDS:-0}
PODWARDEN_HOST_BUILD_SECONDS=$(cat "$BUILD_TIME_FILE" 2>/dev/null || echo 0)
EOF
  mv -f "$SHARE_DIR/lane.env.tmp" "$SHARE_DIR/lane.env"
}

running_for_this_checkout() {
  local ref=$1 found
  found=$(podman inspect --format '{{.State.Running}} {{.ImageName}} {{index .Config.Labels "io.podwarden.checkout"}}' "$CONTAINER" 2>/dev/null) || return 1
  [[ $found == "true $ref $REPO_DIR" ]]
}

cmd_down() {
  require_root
  if podman container exists "$CONTAINER"; then
    # systemd takes longer than podman's default 10 s to stop every unit.
    podman stop --time 30 "$CONTAINER" >/dev/null 2>&1 || true
    podman rm --force --time 0 "$CONTAINER" >/dev/null
  fi
  podman volume rm --force "${VOLUMES[@]}" >/dev/null 2>&1 || true
  rm -rf "$SHARE_DIR"
}

cmd_up() {
  local fresh=$1 ref node
  require_root
  cmd_build
  ref=$(image_ref)
  if [[ $fresh == no ]] && running_for_this_checkout "$ref"; then
    wait_ready
    write_lane_env
    log "up (kept): podman $(grep PODWARDEN_HOST_PODMAN= "$SHARE_DIR/lane.env" | cut -d= -f2) at $(grep ADDRESS= "$SHARE_DIR/lane.env" | cut -d= -f2)"
    return
  fi
  cmd_down
  [[ -d $REGISTRY_STORAGE ]] || die "no sample registry in $REGISTRY_STORAGE: run scripts/setup-engine.sh first"
  node=$(command -v node) || die "node is not on PATH"
  mkdir -p "$SHARE_DIR"
  local began=$SECONDS
  podman run --detach --name "$CONTAINER" --hostname podwarden-host \
    --privileged --cgroupns=private --systemd=always --tty \
    --label "io.podwarden.checkout=$REPO_DIR" \
    --volume "${VOLUMES[0]}:/var/lib/containers" \
    --volume "${VOLUMES[1]}:/home" \
    --volume "$SHARE_DIR:/run/podwarden-host" \
    --volume "$REGISTRY_STORAGE:/srv/registry:ro" \
    --volume /usr/bin/docker-registry:/usr/local/bin/docker-registry:ro \
    --volume "$node:/usr/local/bin/node:ro" \
    --volume "$REPO_DIR:/opt/podwarden:ro" \
    "$ref" 9>&- >/dev/null || die "podman run of $ref failed"
  wait_ready
  BOOT_SECONDS=$((SECONDS - began))
  write_lane_env
  log "up in ${BOOT_SECONDS} s: podman $(host_exec podman version --format '{{.Client.Version}}'), sockets in $SHARE_DIR"
}

cmd_status() {
  if ! podman container exists "$CONTAINER"; then
    echo "$CONTAINER: not created (image $(image_ref) $(podman image exists "$(image_ref)" && echo built || echo 'not built'))"
    return
  fi
  podman ps --all --filter "name=^$CONTAINER\$" --format '{{.Names}} {{.Status}} {{.Image}}'
  [[ -f $SHARE_DIR/lane.env ]] && grep -v '^#' "$SHARE_DIR/lane.env"
  return 0
}

main() {
  case "${1:-}" in
    build) cmd_build ;;
    up) take_lock systemd-host && cmd_up no ;;
    fresh) take_lock systemd-host && cmd_up yes ;;
    down) take_lock systemd-host && cmd_down ;;
    status) cmd_status ;;
    *) die "usage: $0 build|up|fresh|down|status" ;;
  esac
}

main "$@"
