#!/bin/sh
# Entry point of the chatter sample image. The lines are a second apart: stdout and stderr are
# separate pipes, so only time orders lines of the two streams in the container's log.
set -eu

# A stop ends it at once and quietly: the simulator models no line for it.
trap 'exit 0' TERM INT
echo "chatter: started"
sleep 1 &
wait
echo "chatter: a warning" >&2
sleep 1 &
wait
echo "chatter: done"
