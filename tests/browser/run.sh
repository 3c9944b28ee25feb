#!/bin/sh
# Runs one browser test file with node's test runner. As root, inside a fresh
# network namespace holding only loopback, so that the browser cannot reach
# anything but the parleyd the test started; elsewhere, directly.
set -e
test_file="$1"
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
  exec unshare -n sh -c 'ip link set lo up && PARLEY_IN_NETNS=1 exec node --test --test-reporter=spec "$0"' "$test_file"
fi
exec node --test --test-reporter=spec "$test_file"
