#!/usr/bin/env bash
# The system-call floor per datagram under the MM1 flood (docs/PERFORMANCE.md): a C responder that
# answers every datagram with 120 bytes and does nothing else, flooded like in.iked by mm1-flood.py.
#   scripts/flood/echo-floor.sh [COUNT] [SECONDS]
# Sends only to loopback. Needs cc and python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNT=${1:-30000}
SECONDS_=${2:-20}
PORT=${PORT:-4713}
DIR=$(mktemp -d /tmp/ike-echo.XXXXXX)
cc -O2 -o "$DIR/echo-floor" scripts/flood/echo-floor.c
"$DIR/echo-floor" "$PORT" &
ECHO=$!
trap 'kill $ECHO 2>/dev/null || true; rm -rf "$DIR"' EXIT
sleep 0.3
TICKS=$(getconf CLK_TCK)
before=$(awk '{ print $14 + $15 }' "/proc/$ECHO/stat")
python3 scripts/flood/mm1-flood.py 127.0.0.1 "$PORT" "$COUNT" "$SECONDS_" random | tail -1
after=$(awk '{ print $14 + $15 }' "/proc/$ECHO/stat")
awk -v b="$before" -v a="$after" -v t="$TICKS" -v n="$COUNT" 'BEGIN { printf "C responder CPU per datagram: %.1f us\n", (a - b) / t / n * 1e6 }'
