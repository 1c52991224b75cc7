#!/usr/bin/env bash
# Brings up everything podwarden's podman tests and the demo need on one Debian 12 host:
# the podman packages, the Docker-compatible API socket, a local registry on 127.0.0.1:5000
# and the sample images in it. Safe to run again and again: each step checks first and does
# nothing when its thing is already in place, so a re-run takes well under 3 seconds.
#
# Runs as root. Works on a fresh machine (nothing installed) and without internet access
# beyond the Debian mirrors: the images are built from busybox-static, never pulled.
#
# Environment: PODWARDEN_SOCKET overrides the API socket path (default /run/podman/podman.sock).
set -euo pipefail

readonly SOCKET_PATH="${PODWARDEN_SOCKET:-/run/podman/podman.sock}"
readonly REGISTRY="127.0.0.1:5000"
# systemd: only for `systemd-analyze verify` of rendered companion units. Installing it does not
# make it PID 1 here (checked: PID 1 stays the container's init; podman keeps working).
readonly PACKAGES=(podman runc conmon netavark aardvark-dns containernetworking-plugins iptables
  catatonit docker-registry busybox-static curl systemd)

readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib/shell.sh
source "$SCRIPT_DIR/lib/shell.sh"
LOG_PREFIX=setup-engine
readonly RECIPES_DIR="$SCRIPT_DIR/images"
readonly STATE_DIR=/var/lib/podwarden-dev
readonly STAMP_DIR="$STATE_DIR/images"
readonly REGISTRY_STORAGE="$STATE_DIR/registry"
readonly REGISTRY_CONFIG="$STATE_DIR/registry.yml"
readonly LOG_DIR=/var/log/podwarden-dev
readonly RUN_DIR=/run/podwarden-dev
readonly REGISTRY_PIDFILE="$RUN_DIR/registry.pid"
readonly SERVICE_PIDFILE="$RUN_DIR/podman-service.pid"
readonly CONTAINERS_CONF=/etc/containers/containers.conf
readonly BASE_IMAGE=localhost/podwarden/busybox-base:latest

# One summary line per thing, printed at the end so CI logs show the state at a glance.
SUMMARY=()

# A pid file can outlive its process (a container's /run is not always a tmpfs), and the pid
# may since belong to something else: trust it only when the process runs the expected binary.
pid_from_file_running() {
  local pidfile=$1 binary=$2 pid
  [[ -f $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$binary" ]] || return 1
  printf '%s\n' "$pid"
}

# A zombie counts as gone: without systemd, PID 1 may never reap a daemon's corpse.
process_alive() {
  local stat
  { stat=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# Sends SIGTERM, waits up to 10 s, then SIGKILL. Only ever called with exact pids.
stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    process_alive "$pid" || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 20; i++)); do
    process_alive "$pid" || return 0
    sleep 0.1
  done
  die "process $pid did not exit after SIGKILL"
}

# Writes $2 to file $1 only when the content differs; returns 0 when it wrote, 1 when not.
write_if_changed() {
  local file=$1 content=$2
  if [[ -f $file ]] && [[ "$(<"$file")" == "$content" ]]; then
    return 1
  fi
  mkdir -p "$(dirname "$file")" || die "cannot create $(dirname "$file")"
  { printf '%s\n' "$content" >"$file.tmp.$$" && mv -f "$file.tmp.$$" "$file"; } || die "cannot write $file"
  return 0
}

# Starts "$@" detached: setsid -f gives it its own session, so it outlives this script and the
# caller's process group (CI shells, tool runners that kill their group on exit). It keeps no
# inherited descriptor beyond stdio: not our lock (fd 9), nor a caller's pipe that someone
# waits on to close. It runs in / : a daemon started from a checkout must not keep that folder
# as its working directory (CI deletes its clone, and podman then misbehaves in odd ways).
# The pid file holds the daemon's own pid (bash execs into it).
start_daemon() {
  local pidfile=$1 logfile=$2
  shift 2
  # shellcheck disable=SC2016 # expanded by the inner bash.
  setsid -f bash -c '
    for fd in /proc/$$/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then eval "exec $fd>&-"; fi
    done 2>/dev/null
    echo $$ >"$1"
    shift
    cd /
    exec nohup "$@"' daemon "$pidfile" "$@" </dev/null >>"$logfile" 2>&1
}

install_packages() {
  INSTALLED_PACKAGES=()
  ensure_packages "${PACKAGES[@]}"
  if ((${#INSTALLED_PACKAGES[@]} == 0)); then
    SUMMARY+=("packages: all ${#PACKAGES[@]} installed")
  else
    SUMMARY+=("packages: installed ${INSTALLED_PACKAGES[*]}")
  fi
}

# crun fails here ("cgroups in hybrid mode not supported"), and runtimes may not raise
# RLIMIT_NOFILE/NPROC above the host's limits, so podman's defaults break every container.
# Returns 0 when the file changed (a running service must be restarted to read it).
write_containers_conf() {
  local content
  content=$(
    cat <<'EOF'
# Written by podwarden's scripts/setup-engine.sh.
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]

[engine]
runtime = "runc"
EOF
  )
  if write_if_changed "$CONTAINERS_CONF" "$content"; then
    log "wrote $CONTAINERS_CONF"
    return 0
  fi
  return 1
}

registry_healthy() {
  curl -fsS -m 3 -o /dev/null "http://$REGISTRY/v2/" 2>/dev/null
}

# Pids of the Debian package's own registry daemon (its init script and systemd unit both run
# `docker-registry serve /etc/docker/registry/config.yml`, with htpasswd auth on :5000): it
# holds the port we need. Other docker-registry processes, on other ports, are left alone.
debian_registry_pids() {
  local dir cmdline
  for dir in /proc/[0-9]*; do
    [[ $(readlink "$dir/exe" 2>/dev/null) == /usr/bin/docker-registry ]] || continue
    { cmdline=$(tr '\0' ' ' <"$dir/cmdline"); } 2>/dev/null || continue
    [[ $cmdline == *" /etc/docker/registry/config.yml "* ]] && printf '%s\n' "${dir#/proc/}"
  done
  return 0
}

stop_debian_registry() {
  local pid
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
    systemctl disable --now docker-registry.service >/dev/null 2>&1 || true
  fi
  if [[ -x /etc/init.d/docker-registry ]] && pid_from_file_running /var/run/docker-registry.pid /usr/bin/docker-registry >/dev/null; then
    /etc/init.d/docker-registry stop >/dev/null 2>&1 || true
  fi
  for pid in $(debian_registry_pids); do
    log "stopping the Debian docker-registry daemon (pid $pid), it would hold port 5000 with auth"
    stop_pid "$pid"
  done
}

ensure_registry() {
  local config own i
  if registry_healthy; then
    SUMMARY+=("registry: http://$REGISTRY already up")
    return
  fi
  config=$(
    cat <<EOF
# Written by podwarden's scripts/setup-engine.sh: a plain-HTTP registry for tests and demos.
version: 0.1
log:
  level: warn
  fields:
    service: podwarden-dev-registry
storage:
  filesystem:
    rootdirectory: $REGISTRY_STORAGE
  delete:
    enabled: true
http:
  addr: $REGISTRY
EOF
  )
  write_if_changed "$REGISTRY_CONFIG" "$config" || true
  mkdir -p "$REGISTRY_STORAGE" "$LOG_DIR" "$RUN_DIR"

  own=$(pid_from_file_running "$REGISTRY_PIDFILE" /usr/bin/docker-registry || true)
  stop_debian_registry
  if [[ -n $own ]]; then
    # Ours but not answering: it may still be starting; otherwise it is wedged.
    for ((i = 0; i < 30; i++)); do
      registry_healthy && break
      sleep 0.1
    done
    if ! registry_healthy; then
      log "our registry (pid $own) does not answer, restarting it"
      stop_pid "$own"
      own=
    fi
  fi
  if [[ -z $own ]]; then
    start_daemon "$REGISTRY_PIDFILE" "$LOG_DIR/registry.log" /usr/bin/docker-registry serve "$REGISTRY_CONFIG"
  fi
  for ((i = 0; i < 300; i++)); do
    registry_healthy && break
    if ((i > 5)) && ! pid_from_file_running "$REGISTRY_PIDFILE" /usr/bin/docker-registry >/dev/null; then
      show_log_tail "$LOG_DIR/registry.log"
      die "docker-registry exited at start; is port 5000 held by another program? (ss -ltnp | grep 5000)"
    fi
    sleep 0.1
  done
  if ! registry_healthy; then
    show_log_tail "$LOG_DIR/registry.log"
    die "registry on http://$REGISTRY/v2/ did not answer within 30 s"
  fi
  SUMMARY+=("registry: http://$REGISTRY started (pid $(<"$REGISTRY_PIDFILE"), log $LOG_DIR/registry.log)")
}

service_answers() {
  [[ $(curl -sS -m 3 --unix-socket "$SOCKET_PATH" http://d/_ping 2>/dev/null) == OK ]]
}

ensure_podman_service() {
  local conf_changed=$1 own i
  own=$(pid_from_file_running "$SERVICE_PIDFILE" /usr/bin/podman || true)
  if [[ $conf_changed == yes && -n $own ]]; then
    # The service reads containers.conf only at start; containers survive its restart.
    log "containers.conf changed: restarting the podman service (pid $own)"
    stop_pid "$own"
    own=
  fi
  if service_answers; then
    if [[ $conf_changed == yes && -z $own ]]; then
      log "WARNING: the podman service on $SOCKET_PATH was not started by this script and still runs with the old $CONTAINERS_CONF: restart it"
    fi
    SUMMARY+=("socket: $SOCKET_PATH already answers")
    return
  fi
  if [[ -n $own ]]; then
    # Ours but silent: give a service that is still starting a moment, then replace it.
    for ((i = 0; i < 50; i++)); do
      service_answers && break
      sleep 0.1
    done
    if service_answers; then
      SUMMARY+=("socket: $SOCKET_PATH answers (pid $own)")
      return
    fi
    log "our podman service (pid $own) does not answer on $SOCKET_PATH, restarting it"
    stop_pid "$own"
  fi
  mkdir -p "$(dirname "$SOCKET_PATH")" "$LOG_DIR" "$RUN_DIR"
  # Nobody serves it: a socket file left behind by a killed service would make bind fail.
  rm -f "$SOCKET_PATH"
  # DISABLE_HC_SYSTEMD: podman 4.3 would try to schedule health checks with systemd timers,
  # and there is no systemd here.
  start_daemon "$SERVICE_PIDFILE" "$LOG_DIR/podman-service.log" \
    /usr/bin/env DISABLE_HC_SYSTEMD=true /usr/bin/podman system service --time=0 "unix://$SOCKET_PATH"
  for ((i = 0; i < 300; i++)); do
    service_answers && break
    if ((i > 20)) && ! pid_from_file_running "$SERVICE_PIDFILE" /usr/bin/podman >/dev/null; then
      show_log_tail "$LOG_DIR/podman-service.log"
      die "podman system service exited at start (socket $SOCKET_PATH)"
    fi
    sleep 0.1
  done
  if ! service_answers; then
    show_log_tail "$LOG_DIR/podman-service.log"
    die "podman API on $SOCKET_PATH did not answer GET /_ping within 30 s"
  fi
  SUMMARY+=("socket: $SOCKET_PATH started (pid $(<"$SERVICE_PIDFILE"), log $LOG_DIR/podman-service.log)")
}

# The base image's identity: the busybox binary plus this script's rootfs layout, so either
# changing rebuilds the base and, through recipe_hash, every image on top of it.
base_hash() {
  {
    sha256sum /bin/busybox | cut -d' ' -f1
    declare -f build_base_image
  } | sha256sum | cut -d' ' -f1
}

build_base_image() {
  local rootfs applet
  rootfs=$(mktemp -d /tmp/podwarden-rootfs.XXXXXX)
  CLEANUP+=("$rootfs")
  mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,var/tmp,proc,sys,dev}
  chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
  chmod 700 "$rootfs/root"
  cp /bin/busybox "$rootfs/bin/busybox"
  # --list-full gives each applet's usual directory (usr/bin/env, usr/sbin/httpd, ...), so
  # scripts with `#!/usr/bin/env` and the default PATH both work.
  while IFS= read -r applet; do
    [[ -e $rootfs/$applet ]] || ln -s /bin/busybox "$rootfs/$applet"
  done < <(/bin/busybox --list-full)
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' \
    >"$rootfs/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$rootfs/etc/group"
  tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -cf - . |
    podman import -q \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["/bin/sh"]' \
      - "$BASE_IMAGE" >/dev/null ||
    die "podman import of $BASE_IMAGE failed"
}

ensure_base_image() {
  local want=$1 stamp="$STAMP_DIR/busybox-base.sha"
  if podman image exists "$BASE_IMAGE" && [[ -f $stamp && $(<"$stamp") == "$want" ]]; then
    return
  fi
  log "building $BASE_IMAGE from /bin/busybox"
  build_base_image
  mkdir -p "$STAMP_DIR"
  printf '%s\n' "$want" >"$stamp"
  SUMMARY+=("base image: $BASE_IMAGE built")
}

recipe_hash() {
  local dir=$1 base=$2
  {
    printf '%s\n' "$base"
    (cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
  } | sha256sum | cut -d' ' -f1
}

registry_has_tag() {
  local name=$1
  curl -fsS -m 5 -o /dev/null -I \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY/v2/podwarden/$name/manifests/1" 2>/dev/null
}

ensure_images() {
  local base dir name ref hash stamp pushed=() skipped=() build_log="$LOG_DIR/images.log"
  local base_ready=no
  [[ -d $RECIPES_DIR ]] || die "no image recipes in $RECIPES_DIR"
  base=$(base_hash)
  mkdir -p "$STAMP_DIR" "$LOG_DIR"
  for dir in "$RECIPES_DIR"/*/; do
    dir=${dir%/}
    name=$(basename "$dir")
    [[ -f $dir/Containerfile ]] || die "recipe $dir has no Containerfile"
    ref="$REGISTRY/podwarden/$name:1"
    hash=$(recipe_hash "$dir" "$base")
    stamp="$STAMP_DIR/$name.sha"
    if [[ -f $stamp && $(<"$stamp") == "$hash" ]] && registry_has_tag "$name"; then
      skipped+=("$name")
      continue
    fi
    if [[ $base_ready == no ]]; then
      ensure_base_image "$base"
      base_ready=yes
    fi
    log "building and pushing $ref"
    {
      printf '=== %s %s\n' "$(date -Is)" "$ref"
      # --format docker keeps HEALTHCHECK (OCI image configs have no field for it);
      # --pull=never because the base exists only locally and there is no internet.
      podman build --format docker --pull=never -t "$ref" -f "$dir/Containerfile" "$dir" &&
        podman push --tls-verify=false --format v2s2 "$ref"
    } >>"$build_log" 2>&1 || {
      show_log_tail "$build_log"
      die "build or push of $ref (recipe $dir/Containerfile) failed"
    }
    # Drop the local copy so the first use in a test or the demo is a real pull.
    podman rmi "$ref" >>"$build_log" 2>&1 || log "could not remove local $ref (in use?), kept it"
    printf '%s\n' "$hash" >"$stamp"
    pushed+=("$name")
  done
  ((${#pushed[@]} == 0)) || SUMMARY+=("images pushed to $REGISTRY/podwarden: ${pushed[*]}")
  ((${#skipped[@]} == 0)) || SUMMARY+=("images already in $REGISTRY/podwarden: ${skipped[*]}")
}

main() {
  local conf_changed=no
  require_root
  # Several people (or test runs) may call this at once; one at a time, the others then find
  # everything up. The daemons started below close fd 9 (start_daemon), so they never hold it.
  take_lock setup
  install_packages
  write_containers_conf && conf_changed=yes
  ensure_registry
  ensure_podman_service "$conf_changed"
  SUMMARY=("podman: $(podman version --format '{{.Client.Version}}' 2>/dev/null || echo unknown)" "${SUMMARY[@]}")
  ensure_images
  printf '%s\n' "${SUMMARY[@]}"
}

main "$@"
