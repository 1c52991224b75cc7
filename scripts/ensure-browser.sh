#!/usr/bin/env bash
# Installs Debian's chromium when it is missing: the browser the live page's end-to-end test
# (test/podman/live-page.test.ts) drives through playwright-core. Playwright's own browser
# download needs the internet; the Debian mirror is all these machines reach. Idempotent: a
# no-op when /usr/bin/chromium is there. Runs as root (apt); works on bookworm and trixie.
set -euo pipefail

readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib/shell.sh
source "$SCRIPT_DIR/lib/shell.sh"
LOG_PREFIX=ensure-browser
readonly BROWSER=/usr/bin/chromium

[[ -x $BROWSER ]] && exit 0
require_root
# Two test runs may start at once on a fresh machine: one installs, the other waits and finds it.
take_lock browser
[[ -x $BROWSER ]] && exit 0
log "installing chromium (Debian's package; ~1 minute)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || die "apt-get update failed (are the Debian mirrors reachable?)"
# No recommends: they pull udev and upower, daemons a headless test browser does not need.
apt-get install -y -qq --no-install-recommends chromium 9>&- >/dev/null || die "apt-get install chromium failed"
[[ -x $BROWSER ]] || die "chromium installed but $BROWSER is missing"
log "chromium: $("$BROWSER" --version 2>/dev/null || echo 'installed')"
