#!/usr/bin/env bash
# Kernel-side benchmark (docs/PERFORMANCE.md), inside the QEMU guest (the only place here with ESP):
#  1. SA pair installation through XFRM by the daemon's port (ikebench xfrm) against `ip -batch` adding
#     the same SAs (same algorithms, key sizes, selectors, lifetimes, reqid) in the same run;
#  2. ACQUIRE -> both SAs installed between two in.iked in namespaces joined by a veth, from the
#     kernel's own timestamps (`ip -ts xfrm monitor`), Main Mode + Quick Mode each time.
# Under TCG emulation absolute times mean little: the figures to keep are the ratios.
#   scripts/kvm/bench-kernel.sh [PAIRS] [ROUNDS]     (root; builds release first)
set -euo pipefail
if [ "${IKE_GUEST:-}" != 1 ]; then
    cd "$(dirname "$0")/../.."
    swift build -c release --product ikebench >/dev/null
    swift build -c release --product in.iked >/dev/null
    swift build -c release --product ipsecconf >/dev/null
    swift build -c release --product ikeadm >/dev/null
    E2E_BIN=$(swift build -c release --show-bin-path) exec bash scripts/kvm/run-in-guest.sh "$0" "$@"
fi
PAIRS=${1:-200}; ROUNDS=${2:-10}
BIN=${E2E_BIN:?}
W=/run/bench; mkdir -p $W
modprobe esp4 2>/dev/null || true

echo "== SA pair installation, $PAIRS pairs (ESP AES-128-CBC/HMAC-SHA1-96, transport)"
ip netns add bench-x
ip netns exec bench-x "$BIN/ikebench" xfrm "$PAIRS" | tee $W/port.txt
# The same SAs through iproute2: one process reading a batch, so process start-up is not counted.
{
    for ((i = 0; i < PAIRS; i++)); do
        peer=10.1.$(((i + 1) / 256)).$(((i + 1) % 256))
        for dir in in out; do
            if [ $dir = in ]; then src=$peer dst=10.0.0.1 spi=$((0x20000000 + i)); else src=10.0.0.1 dst=$peer spi=$((0x40000000 + i)); fi
            echo "xfrm state add src $src dst $dst proto esp spi $spi reqid 65537 mode transport replay-window 32" \
                 "enc 'cbc(aes)' 0x11111111111111111111111111111111 auth-trunc 'hmac(sha1)' 0x2222222222222222222222222222222222222222 96" \
                 "sel src $src/32 dst $dst/32 limit time-soft 3240 limit time-hard 3600"
        done
    done
} >$W/batch
T0=$(date +%s%N); ip -n bench-x -batch $W/batch; T1=$(date +%s%N)
IP_US=$(awk -v a=$T0 -v b=$T1 -v n=$PAIRS 'BEGIN{printf "%.1f", (b-a)/1000/n}')
echo "install pair: ip -batch, 2 x xfrm state add                    $IP_US µs/pair"
OURS=$(awk '/daemon.s path/{print $(NF-1)}' $W/port.txt)
PLAIN=$(awk '/NEWSA \+ NEWSA/{print $(NF-1)}' $W/port.txt)
echo "RATIO port(ALLOCSPI+UPDSA+NEWSA)/ip = $(awk -v a=$OURS -v b=$IP_US 'BEGIN{printf "%.2f", a/b}')  port(NEWSA+NEWSA)/ip = $(awk -v a=$PLAIN -v b=$IP_US 'BEGIN{printf "%.2f", a/b}')"
T0=$(date +%s%N); ip -n bench-x xfrm state add src 10.9.0.1 dst 10.9.0.2 proto esp spi 0x30000001 reqid 65537 mode transport replay-window 32 \
    enc 'cbc(aes)' 0x11111111111111111111111111111111 auth-trunc 'hmac(sha1)' 0x2222222222222222222222222222222222222222 96; T1=$(date +%s%N)
ONE_IP_MS=$(awk -v a=$T0 -v b=$T1 'BEGIN{printf "%.1f", (b-a)/1e6}')
echo "one \`ip xfrm state add\` process, start to exit: $ONE_IP_MS ms"
ip netns del bench-x

echo; echo "== ACQUIRE -> SAs installed, $ROUNDS rounds of Main Mode + Quick Mode"
A=bench-a; B=bench-b; IPA=198.51.100.1; IPB=198.51.100.2
ip netns add $A; ip netns add $B
ip link add veth-a netns $A type veth peer name veth-b netns $B
ip -n $A addr add $IPA/24 dev veth-a; ip -n $B addr add $IPB/24 dev veth-b
for n in $A $B; do ip -n $n link set lo up; done
ip -n $A link set veth-a up; ip -n $B link set veth-b up
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null || true; done; cp -r $W "${IKE_GUEST_OUT:-/tmp}/" 2>/dev/null; ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; true' EXIT
for side in "$A $IPA $IPB" "$B $IPB $IPA"; do
    set -- $side; d=$W/$1
    mkdir -p $d/etc/inet/ike $d/etc/inet/secret $d/var/run
    printf 'p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes(128) }\n{ label "b" local_addr %s remote_addr %s }\n' $2 $3 >$d/etc/inet/ike/config
    printf '{ localidtype ip localid %s remoteidtype ip remoteid %s key "bench-key-0123456789" }\n' $2 $3 >$d/etc/inet/secret/ike.preshared
    chmod 600 $d/etc/inet/secret/ike.preshared
    printf '{ laddr %s raddr %s } ipsec { encr_algs aes(128) encr_auth_algs sha1 }\n' $2 $3 >$d/ipsecinit.conf
    ip netns exec $1 "$BIN/ipsecconf" --root $d -q -a $d/ipsecinit.conf
    ip netns exec $1 "$BIN/in.iked" --root $d --debug-level 0 >$d/in.iked.log 2>&1 &
    PIDS+=($!)
done
for n in $A $B; do for ((i = 0; i < 300; i++)); do [ -S $W/$n/var/run/ike_door ] && break; sleep 0.1; done; done
sas() { ip -n $1 xfrm state | grep -c 'proto esp' || true; }
: >$W/times
for ((r = 0; r < ROUNDS; r++)); do
    ip -ts -n $A xfrm monitor >$W/monitor.txt 2>&1 &
    MON=$!; sleep 0.5
    ip netns exec $A bash -c "echo x >/dev/udp/$IPB/9" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do [ "$(sas $A)" -ge 2 ] && break; sleep 0.1; done
    sleep 0.3; kill $MON; wait $MON 2>/dev/null || true
    # Each event starts "[2026-11-29T08:37:50.032651] ": the acquire, then our two SAs (UPDSA, NEWSA).
    awk '/^\[.*\] acquire/{a=substr($1, 13, 15)} /^\[.*\] (Updated )?src .* dst /{if (a != "") { n++; if (n == 2) { print a, substr($1, 13, 15); exit } }}' $W/monitor.txt >>$W/times
    ip netns exec $A "$BIN/ikeadm" --root $W/$A del sa $IPB >/dev/null
    ip netns exec $A "$BIN/ikeadm" --root $W/$A flush p1 >/dev/null
    for ((i = 0; i < 100; i++)); do [ "$(sas $A)" = 0 ] && [ "$(sas $B)" = 0 ] && break; sleep 0.1; done
    sleep 0.5
done
# Both columns are HH:MM:SS.micro.
awk '{split($1, a, ":"); split($2, b, ":"); d = (b[1]*3600 + b[2]*60 + b[3]) - (a[1]*3600 + a[2]*60 + a[3]); print d * 1000}' $W/times | sort -n >$W/ms
echo "rounds measured: $(wc -l <$W/ms) of $ROUNDS; ms from ACQUIRE to both SAs: $(tr '\n' ' ' <$W/ms)"
MEDIAN=$(awk '{v[NR]=$1} END{print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}' $W/ms)
echo "MEDIAN acquire->SAs ${MEDIAN} ms; RATIO to one SA add in ip -batch: $(awk -v m=$MEDIAN -v i=$IP_US 'BEGIN{printf "%.0f", m*1000/(i/2)}'); to one ip xfrm state add process: $(awk -v m=$MEDIAN -v o=$ONE_IP_MS 'BEGIN{printf "%.1f", m/o}')"
