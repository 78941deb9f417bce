#!/usr/bin/env bash
# MM1 flood against in.iked on loopback (docs/PERFORMANCE.md): a responder on 127.0.0.1 receives
# COUNT valid-looking MM1 from random 127.x.y.z addresses in SECONDS (then ONE_COUNT from a single
# address), while a second in.iked on 127.0.0.2 keeps negotiating Main Mode + Quick Mode with it.
# Prints the responder's CPU per MM1, its memory, how fast `ikeadm get stats` answers during the
# flood, and how many of the legitimate negotiations completed.
#   scripts/flood/bench-flood.sh [COUNT] [SECONDS] [ONE_COUNT]
# Sends only to loopback; stops by itself. Needs python3 and the release build (made here).
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNT=${1:-100000}
SECONDS_=${2:-60}
ONE_COUNT=${3:-20000}
PORT=${PORT:-4711}
swift build -c release --product in.iked >/dev/null
swift build -c release --product ikeadm >/dev/null
BIN=$(swift build -c release --show-bin-path)
DIR=$(mktemp -d /tmp/ike-flood.XXXXXX)
TICKS=$(getconf CLK_TCK)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT
[ "${KEEP:-}" = 1 ] && trap - EXIT && echo "keeping $DIR"

daemon() { # daemon NAME ADDRESS PEER_RULE_REMOTE PEER_KEY_REMOTE
    local d=$DIR/$1
    mkdir -p "$d/etc/inet/ike" "$d/etc/inet/secret"
    cat > "$d/etc/inet/ike/config" <<CONF
p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes(128) }
{ label "flood" local_addr $2 remote_addr $3 }
CONF
    echo "{ localid $2 remoteid $4 key \"flood bench key\" }" > "$d/etc/inet/secret/ike.preshared"
    chmod 600 "$d/etc/inet/secret/ike.preshared"
    echo "{laddr $2 raddr $4} ipsec {encr_algs aes(128) encr_auth_algs sha1}" > "$d/etc/inet/ipsecinit.conf"
    "$BIN/in.iked" --root "$d" --kernel memory --listen "$2" --port "$PORT" >"$d/log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 100); do "$BIN/ikeadm" --root "$d" get stats >/dev/null 2>&1 && return 0; sleep 0.05; done
    echo "in.iked $1 did not start: $(cat "$d/log")" >&2; exit 1
}
cpu_of() { awk -v t="$TICKS" '{ printf "%.3f", ($14 + $15) / t }' "/proc/$1/stat"; }
rss_of() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
hwm_of() { awk '/VmHWM/ { print $2 }' "/proc/$1/status"; }
now() { date +%s.%N; }

daemon responder 127.0.0.1 127.0.0.0/8 127.0.0.2
R=${PIDS[-1]}
daemon initiator 127.0.0.2 127.0.0.1 127.0.0.1
RADM=("$BIN/ikeadm" --root "$DIR/responder")
IADM=("$BIN/ikeadm" --root "$DIR/initiator")

quick_modes() { "${IADM[@]}" get stats | awk '/Quick Mode:/ { print $4 }'; }

run() { # run LABEL COUNT SECONDS MODE
    local label=$1 count=$2 seconds=$3 mode=$4
    local cpu0 rss0; cpu0=$(cpu_of "$R"); rss0=$(rss_of "$R")
    python3 scripts/flood/mm1-flood.py 127.0.0.1 "$PORT" "$count" "$seconds" "$mode" > "$DIR/flood.out" &
    local flood=$!
    local attempts=0 completed=0 worst=0
    local end; end=$(echo "$(now) + $seconds - 3" | bc)
    while (( $(echo "$(now) < $end" | bc) )); do
        # A fresh Main Mode and Quick Mode each time: delete what the last attempt made.
        "${IADM[@]}" del sa 127.0.0.1 >/dev/null 2>&1 || true
        "${IADM[@]}" flush p1 >/dev/null 2>&1 || true
        sleep 0.2
        local before_qm; before_qm=$(quick_modes)
        attempts=$((attempts + 1))
        "${IADM[@]}" initiate 127.0.0.2 127.0.0.1 >/dev/null 2>&1 || true
        for _ in $(seq 1 25); do
            if [ "$(quick_modes)" -gt "$before_qm" ]; then completed=$((completed + 1)); break; fi
            sleep 0.2
        done
        local t0 t1; t0=$(now); "${RADM[@]}" get stats >/dev/null; t1=$(now)
        worst=$(echo "$t1 - $t0 > $worst" | bc -l | grep -q 1 && echo "$t1 - $t0" | bc -l || echo "$worst")
        sleep 0.5
    done
    wait "$flood"
    local sent; sent=$(awk '{print $2}' "$DIR/flood.out")
    local cpu1; cpu1=$(cpu_of "$R")
    printf '%s: %s\n' "$label" "$(cat "$DIR/flood.out")"
    printf '  responder CPU %.2f s = %.1f us per MM1 (legitimate negotiations included)\n' "$(echo "$cpu1 - $cpu0" | bc -l)" "$(echo "($cpu1 - $cpu0) * 1000000 / $sent" | bc -l)"
    printf '  responder RSS %d KB before, %d KB after, peak %d KB\n' "$rss0" "$(rss_of "$R")" "$(hwm_of "$R")"
    printf '  ikeadm get stats during the flood: slowest %.3f s\n' "$worst"
    printf '  legitimate Main Mode + Quick Mode during the flood: %d of %d completed\n' "$completed" "$attempts"
    "${RADM[@]}" get stats | grep -E "Half-open|Attempted|Dropped" | sed 's/^/  /'
}

run "$COUNT MM1 from random 127.x.y.z in $SECONDS_ s" "$COUNT" "$SECONDS_" random
run "$ONE_COUNT MM1 from one address in $((SECONDS_ / 3)) s" "$ONE_COUNT" "$((SECONDS_ / 3))" one
