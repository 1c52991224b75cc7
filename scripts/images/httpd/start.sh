#!/bin/sh
# Entry point of the httpd sample image.
set -eu

app_name="${APP_NAME:-podwarden sample}"
# The name lands in HTML: escape it so an odd app name cannot break the page.
escaped=$(printf '%s' "$app_name" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g')

mkdir -p /www
printf '<!doctype html>\n<title>%s</title>\n<h1>%s</h1>\n<p>served by the podwarden httpd sample image</p>\n' \
  "$escaped" "$escaped" >/www/index.html
printf 'ok\n' >/www/health

# busybox httpd as PID 1 ignores SIGTERM, so `podman stop` would wait for its timeout and
# SIGKILL; a shell that traps TERM and waits exits at once.
trap 'echo "httpd: stopping"; exit 0' TERM INT
echo "httpd: serving \"$app_name\" on :8080"
httpd -f -p 8080 -h /www &
wait
