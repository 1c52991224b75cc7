#!/usr/bin/env bash
# The Docker lane: Debian's docker.io engine, started beside podman with everything of its own
# (socket, data root, exec root, containerd namespace) under podwarden-dev paths, so it never
# meets a Docker the machine may already run:
#   /run/podwarden-dev/docker/docker.sock
# Idempotent: a running daemon that answers is kept. `setup-docker.sh stop` stops it.
# Docker pulls from 127.0.0.1:5000 (scripts/setup-engine.sh's registry) over plain HTTP by
# itself: it treats 127.0.0.0/8 registries as insecure.
set -euo pipefail

readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib/shell.sh
source "$SCRIPT_DIR/lib/shell.sh"
LOG_PREFIX=setup-docker

readonly RUN_DIR=/run/podwarden-dev/docker
readonly SOCKET="$RUN_DIR/docker.sock"
readonly PIDFILE="$RUN_DIR/dockerd.pid"
readonly DATA_ROOT=/var/lib/podwarden-dev/docker
readonly LOG_FILE=/var/log/podwarden-dev/dockerd.log

answers() { [[ $(curl -sS -m 3 --unix-socket "$SOCKET" http://d/_ping 2>/dev/null) == OK ]]; }

running_pid() {
  local pid
  [[ -f $PIDFILE ]] || return 1
  pid=$(<"$PIDFILE")
  [[ $pid =~ ^[0-9]+$ && $(readlink "/proc/$pid/exe" 2>/dev/null) == /usr/sbin/dockerd ]] || return 1
  printf '%s\n' "$pid"
}

start() {
  local i
  if answers; then
    log "dockerd answers on $SOCKET"
    return
  fi
  ensure_packages docker.io
  # The package's own units would start a second dockerd on /run/docker.sock where systemd runs.
  if [[ -d /run/systemd/system ]]; then systemctl disable --now docker.service docker.socket >/dev/null 2>&1 || true; fi
  if pid=$(running_pid); then
    log "dockerd (pid $pid) does not answer; stopping it"
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do [[ -d /proc/$pid ]] || break; sleep 0.1; done
  fi
  mkdir -p "$RUN_DIR" "$DATA_ROOT" "$(dirname "$LOG_FILE")"
  rm -f "$SOCKET"
  # setsid -f: outlives this script and the caller's process group; 9>&-: never holds a lock.
  setsid -f /usr/sbin/dockerd --host "unix://$SOCKET" --data-root "$DATA_ROOT" \
    --exec-root "$RUN_DIR/exec" --pidfile "$PIDFILE" --containerd-namespace podwarden-dev \
    --containerd-plugins-namespace podwarden-dev-plugins </dev/null >>"$LOG_FILE" 2>&1 9>&-
  for ((i = 0; i < 300; i++)); do
    answers && break
    sleep 0.1
  done
  answers || {
    show_log_tail "$LOG_FILE"
    die "dockerd did not answer on $SOCKET within 30 s"
  }
  log "dockerd $(curl -sS --unix-socket "$SOCKET" http://d/version | sed -n 's/.*"Version":"\([^"]*\)".*/\1/p' | head -1) answers on $SOCKET (log $LOG_FILE)"
}

stop() {
  local pid i
  pid=$(running_pid) || return 0
  kill "$pid"
  for ((i = 0; i < 300; i++)); do [[ -d /proc/$pid ]] || return 0; sleep 0.1; done
  die "dockerd (pid $pid) did not stop within 30 s"
}

require_root
take_lock docker
case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 [start|stop]" ;;
esac
