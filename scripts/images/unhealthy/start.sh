#!/bin/sh
# Entry point of the unhealthy sample image: up and answering /, but GET /health is 404.
set -eu

mkdir -p /www
printf '<!doctype html>\n<title>unhealthy</title>\n<p>running, but never healthy</p>\n' >/www/index.html
rm -f /www/health

# See the httpd image: the trap makes SIGTERM stop the container at once.
trap 'echo "unhealthy: stopping"; exit 0' TERM INT
echo "unhealthy: serving on :8080 without /health"
httpd -f -p 8080 -h /www &
wait
