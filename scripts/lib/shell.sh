# Shared by podwarden's setup scripts (sourced, not run). The caller sets LOG_PREFIX.

log() { printf '%s: %s\n' "${LOG_PREFIX:-podwarden}" "$*" >&2; }
die() {
  printf '%s: ERROR: %s\n' "${LOG_PREFIX:-podwarden}" "$*" >&2
  exit 1
}

# Prints the last lines of a log file so a failure explains itself without a second command.
show_log_tail() {
  local file=$1
  if [[ -s $file ]]; then
    printf -- '--- last lines of %s ---\n' "$file" >&2
    tail -n 20 "$file" >&2
    printf -- '---\n' >&2
  fi
}

require_root() {
  [[ $(id -u) -eq 0 ]] || die "must run as root (it installs packages and runs rootful podman): sudo bash $0"
}

# Temporary paths to delete however the script ends.
CLEANUP=()
cleanup() {
  local path
  for path in "${CLEANUP[@]}"; do
    rm -rf -- "$path"
  done
}
trap cleanup EXIT

# Installs the Debian packages among "$@" that are missing; quiet when all are there.
ensure_packages() {
  local missing=() pkg status
  for pkg in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed (are the Debian mirrors reachable?)"
  # 9>&-: a daemon the install starts (Debian's registry, dockerd) must not inherit our lock.
  apt-get install -y -qq "${missing[@]}" 9>&- >/dev/null || die "apt-get install ${missing[*]} failed"
  INSTALLED_PACKAGES=("${missing[@]}")
}

# One caller at a time per name; the others wait (up to 10 minutes) and then find things up.
# Daemons started while it is held must close fd 9 (`9>&-`): a held descriptor inherited by a
# long-lived process (conmon of a container) would keep the lock for ever.
take_lock() {
  mkdir -p /run/podwarden-dev
  exec 9>"/run/podwarden-dev/$1.lock"
  flock -w 600 9 || die "another caller has held /run/podwarden-dev/$1.lock for 10 minutes"
}
