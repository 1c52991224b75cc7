#!/bin/sh
# Entry point of the sleeper sample image.
set -eu

# Names only, never values: env carries secrets such as RPC passwords. Newlines inside values
# become spaces first, so no fragment of a multi-line value can pass for a name. /proc/$$ is
# this shell, started with exactly the container's environment (/proc/self in a redirect would
# be read after tr's exec and come back empty).
names=$(tr '\n\000' ' \n' </proc/$$/environ | sed 's/=.*//' | sort | tr '\n' ' ')
echo "sleeper: started; environment variables: ${names% }"

# busybox sleep as PID 1 ignores SIGTERM; the trapping shell exits at once.
trap 'echo "sleeper: stopping"; exit 0' TERM INT
sleep inf &
wait
