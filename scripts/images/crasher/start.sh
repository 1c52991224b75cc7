#!/bin/sh
# Entry point of the crasher sample image.
code="${EXIT_CODE:-3}"
case "$code" in
  '' | *[!0-9]*)
    echo "crasher: EXIT_CODE must be a number from 0 to 255" >&2
    exit 2
    ;;
esac
if [ "$code" -gt 255 ]; then
  echo "crasher: EXIT_CODE must be a number from 0 to 255" >&2
  exit 2
fi
echo "crasher: failing on purpose with exit code $code" >&2
exit "$code"
