#!/usr/bin/env bash
# Runs a command in the current network namespace once it is sure that the
# namespace reaches nothing but itself: only the `lo` interface, no route off
# it, and nothing listening yet. run.sh starts it as
#   unshare --net -- bash isolated.sh COMMAND [ARGS ...]
# so that the conformance suite's mock servers (which listen on every
# interface) and anything the suite or the client tries to fetch stay on this
# machine's loopback.
set -euo pipefail

refuse() {
  echo "isolated.sh: refusing to run: $*" >&2
  exit 3
}

ip link set lo up

links=$(ip -o link show | awk -F': ' '{ print $2 }' | tr '\n' ' ')
[ "$links" = "lo " ] || refuse "the namespace has interfaces besides lo: $links"

off_loopback=$({ ip -4 route show table all; ip -6 route show table all; } \
  | grep -v ' dev lo ' || true)
[ -z "$off_loopback" ] || refuse "the namespace has routes off loopback: $off_loopback"

listening=$(ss -H -t -u -l -n)
[ -z "$listening" ] || refuse "something already listens in the namespace: $listening"

echo "isolated.sh: network namespace with lo only, no route off it, no listener" >&2
exec "$@"
