#!/usr/bin/env bash
# Foundation benchmarks (docs/PERFORMANCE.md): our release-mode timings, then `openssl speed` for the
# same primitives in the same run, so the cost of the Swift layer over libcrypto can be read off.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product ikebench >/dev/null
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(openssl version)"
.build/release/ikebench
echo "== openssl speed (same run)"
openssl speed -seconds 2 rsa2048 ffdh2048 ffdh3072 ffdh4096 ecdhp256 ecdhp384 2>/dev/null | sed -n '/sign    verify/,$p'
