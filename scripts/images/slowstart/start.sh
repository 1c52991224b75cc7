#!/bin/sh
# Entry point of the slowstart sample image.
set -eu

delay="${SLOW_SECONDS:-5}"
case "$delay" in
  '' | *[!0-9]*)
    echo "slowstart: SLOW_SECONDS must be a whole number of seconds" >&2
    exit 2
    ;;
esac

# Trap first: a stop during the warm-up must be as quick as one after it.
trap 'echo "slowstart: stopping"; exit 0' TERM INT
echo "slowstart: warming up for ${delay}s"
sleep "$delay" &
wait

mkdir -p /www
printf '<!doctype html>\n<title>slowstart</title>\n<p>ready after %ss</p>\n' "$delay" >/www/index.html
printf 'ok\n' >/www/health
echo "slowstart: serving on :8080"
httpd -f -p 8080 -h /www &
wait
