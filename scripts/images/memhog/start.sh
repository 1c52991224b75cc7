#!/bin/sh
# Entry point of the memhog sample image: dd fills a HOG_MIB MiB buffer (default 256) from
# /dev/zero, which makes the memory resident. Under a smaller limit the kernel OOM-kills dd
# and the container exits 137 (podman 4.3 on cgroup v1 still reports OOMKilled false).
set -eu

mib="${HOG_MIB:-256}"
case "$mib" in
  '' | *[!0-9]*) echo "memhog: HOG_MIB must be a whole number of MiB, got '$mib'" >&2; exit 2 ;;
esac

echo "memhog: taking ${mib} MiB"
dd if=/dev/zero of=/dev/null bs="${mib}M" count=1 2>/dev/null
echo "memhog: got ${mib} MiB, idling"

# See the httpd image: the trap makes SIGTERM stop the container at once.
trap 'echo "memhog: stopping"; exit 0' TERM INT
sleep 2147483647 &
wait
