#!/usr/bin/env bash
# NAT traversal end to end with real ESP-in-UDP, run inside the guest by scripts/kvm/run-in-guest.sh
# (tests/CI: Tests/IKEKernelTests/KernelGuestTests). Three namespaces: the inside host (in.iked,
# 198.51.100.130/25) behind a NAPT (nftables masquerade with random ports) and the outside host
# (198.51.100.2/25), which sees the inside one as the NAT's 198.51.100.126. A ping from inside
# triggers ACQUIRE -> Main Mode (floating to 4500) -> Quick Mode in UDP-Encapsulated-Transport mode;
# the traffic must cross as ESP in UDP on port 4500 (sniffed outside the NAT: no clear ICMP), every
# SA counter must rise, and after the NAT forgets its mappings (conntrack flush, new random port)
# the outside side must follow the new mapping with the pings still flowing. Then the same with
# strongSwan's charon (kernel-netlink) outside. Prints "NATT E2E PASS" at the end.
#
#   E2E_BIN   directory with in.iked, ipsecconf, ikeadm (required)
set -eEuo pipefail
[ "${IKE_GUEST:-}" = 1 ] || { echo "natt-e2e.sh: runs inside the guest (scripts/kvm/run-in-guest.sh)" >&2; exit 2; }
BIN=${E2E_BIN:?E2E_BIN must name the build directory}
IN=natt-in; NAT=natt-nat; OUT_NS=natt-out
IP_IN=198.51.100.130; NAT_IN=198.51.100.129; NAT_OUT=198.51.100.126; IP_OUT=198.51.100.2
KEEPALIVE=5
W=/run/natt-e2e; OUT=${IKE_GUEST_OUT:-/run/guest-out}
PSK=natt-preshared-secret-0123456789
PIDS=()

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=e2e-lib.sh
source "$HERE/e2e-lib.sh"

diagnose() { diagnose_namespaces $IN $OUT_NS; ip netns exec $NAT conntrack -L 2>&1 | head -10; }
cleanup() {
    stop_all
    mkdir -p "$OUT"; for f in "$W"/*/*.log; do [ -f "$f" ] && cp "$f" "$OUT/natt-$(basename "$(dirname "$f")")-$(basename "$f")"; done
    for n in $IN $NAT $OUT_NS; do ip netns del $n 2>/dev/null || true; done
}
trap cleanup EXIT

encap_count() { ip -n "$1" xfrm state | grep -c 'encap type espinudp' || true; }
sniff() { sniff_start "natt-$1" $OUT_NS veth-out; } # outside the NAT
sniff_stop() {
    local text; text=$(sniff_text)
    ENCAPSULATED=$(grep -c 'UDP-encap: ESP(spi=' <<<"$text" || true)
    PLAIN_ESP=$(grep -c ': ESP(spi=' <<<"$text" | awk '{print $1}'); PLAIN_ESP=$((PLAIN_ESP - ENCAPSULATED))
    ICMP=$(grep -c ': ICMP ' <<<"$text" || true)
    IKE4500=$(grep -cE '\.4500: (NONESP-encap|isakmp)' <<<"$text" || true)
    echo "   wire outside the NAT: $ENCAPSULATED ESP-in-UDP packets, $PLAIN_ESP plain ESP, $IKE4500 IKE on 4500, $ICMP clear ICMP"
}
ping_flow() { # ping_flow COUNT NAME: pings from inside every 0.2 s; LOST = pings lost
    ip netns exec $IN ping -i 0.2 -c "$1" -W 1 $IP_OUT >"$W/$2-ping.txt" 2>&1 || true
    tail -2 "$W/$2-ping.txt" | sed 's/^/   /'
    local received; received=$(grep -oE '[0-9]+ received' "$W/$2-ping.txt" | cut -d' ' -f1)
    LOST=$(( $1 - ${received:-0} ))
}

write_iked_files() { # write_iked_files NS ME PEER REMOTEID POLICY_PEER
    local d=$W/$1
    mkdir -p "$d/etc/inet/ike" "$d/etc/inet/secret" "$d/var/run"
    cat >"$d/etc/inet/ike/config" <<-CONF
	retry_timer_init 1
	retry_timer_max 8
	nat_keepalive $KEEPALIVE
	p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes(128) }
	{ label "natt" local_addr $2 remote_addr $3 }
	CONF
    printf '{ localidtype ip localid %s remoteidtype ip remoteid %s key "%s" }\n' "$2" "$4" "$PSK" >"$d/etc/inet/secret/ike.preshared"
    chmod 600 "$d/etc/inet/secret/ike.preshared"
    printf '{ laddr %s raddr %s } ipsec { encr_algs aes(128) encr_auth_algs sha1 sa shared }\n' "$2" "$5" >"$d/policy.conf"
}
step "guest $(uname -r): inside $IP_IN -> NAT ($NAT_IN | $NAT_OUT, masquerade random) -> outside $IP_OUT"
mkdir -p "$W" "$OUT"
for n in $IN $NAT $OUT_NS; do ip netns add $n; ip -n $n link set lo up; done
ip link add veth-in netns $IN type veth peer name veth-nin netns $NAT
ip link add veth-out netns $OUT_NS type veth peer name veth-nout netns $NAT
ip -n $IN addr add $IP_IN/25 dev veth-in; ip -n $NAT addr add $NAT_IN/25 dev veth-nin
ip -n $NAT addr add $NAT_OUT/25 dev veth-nout; ip -n $OUT_NS addr add $IP_OUT/25 dev veth-out
for pair in "$IN veth-in" "$NAT veth-nin" "$NAT veth-nout" "$OUT_NS veth-out"; do set -- $pair; ip -n $1 link set $2 up; done
ip -n $IN route add default via $NAT_IN
ip netns exec $NAT sysctl -qw net.ipv4.ip_forward=1
ip netns exec $NAT nft -f - <<NFT
table ip nat {
    chain postrouting {
        type nat hook postrouting priority srcnat;
        oifname "veth-nout" masquerade random
    }
}
NFT
wait_for 20 ip netns exec $IN ping -c 1 -W 1 $IP_OUT || fail "no plain connectivity through the NAT"
ip netns exec $NAT conntrack -F >/dev/null 2>&1 || true

step "in.iked inside and outside; ipsecconf loads the policies (outside: the inside host is the NAT's address)"
write_iked_files $IN $IP_IN $IP_OUT $IP_OUT $IP_OUT
write_iked_files $OUT_NS $IP_OUT $NAT_OUT 198.51.100.0/24 $NAT_OUT
start_iked $IN I; start_iked $OUT_NS O
load_policy $IN; load_policy $OUT_NS
grep -q "4500" "$W/$IN/in.iked.log" || fail "in.iked does not listen on 4500: $(head -3 "$W/$IN/in.iked.log")"

step "a ping from inside: ACQUIRE -> Main Mode through the NAT (floats to 4500) -> Quick Mode, UDP-encapsulated"
sniff iked
T=$(up)
ip netns exec $IN ping -c 1 -W 1 $IP_OUT >/dev/null 2>&1 || true
wait_for 90 sa_at_least $OUT_NS 2 || fail "no SAs outside 90 s after the ACQUIRE"
wait_for 20 sa_at_least $IN 2 || fail "no SAs inside"
metric natt_acquire_to_sas_s "$(since "$T")"
[ "$(encap_count $IN)" -ge 2 ] && [ "$(encap_count $OUT_NS)" -ge 2 ] || fail "the SAs are not ESP-in-UDP"
ip -n $OUT_NS xfrm state | grep -E '^src|encap' | sed 's/^/   outside: /'
ping_flow 20 first
sniff_stop
[ "$LOST" -le 2 ] || fail "$LOST of 20 pings lost"
[ "$ENCAPSULATED" -ge 30 ] || fail "expected the pings as ESP in UDP, saw $ENCAPSULATED"
[ "$PLAIN_ESP" = 0 ] && [ "$ICMP" = 0 ] || fail "traffic crossed the NAT unencapsulated ($PLAIN_ESP ESP, $ICMP ICMP)"
check_counters_rise $IN $OUT_NS
adm $IN dump p1 | grep -E '^(IKESA: Cookies|LOCIP: AF|REMIP: AF|NAT):' | sed 's/^/   inside:  /'
adm $OUT_NS dump p1 | grep -E '^(IKESA: Cookies|LOCIP: AF|REMIP: AF|NAT):' | sed 's/^/   outside: /'
adm $IN dump p1 | grep -q 'NAT:.*(we) behind NAT' || fail "inside: dump p1 does not show us behind the NAT"
adm $OUT_NS dump p1 | grep -q 'NAT:.*(peer) behind NAT' || fail "outside: dump p1 does not show the peer behind the NAT"
adm $OUT_NS dump sa | grep -q 'ENCAP: ESP in UDP' || fail "outside: dump sa shows no encapsulation"

step "the NAT forgets its mappings (conntrack flush): the next packets get a new port, and the outside follows"
OLD_PORT=$(ip -n $OUT_NS xfrm state | awk '/encap type espinudp sport 4500 /{print $7; exit}')
ip netns exec $IN ping -i 0.2 -c 60 -W 1 $IP_OUT >"$W/mapping-ping.txt" 2>&1 &
PING=$!
sleep 3
ip netns exec $NAT conntrack -F >/dev/null 2>&1
wait "$PING" || true
tail -2 "$W/mapping-ping.txt" | sed 's/^/   /'
RECEIVED=$(grep -oE '[0-9]+ received' "$W/mapping-ping.txt" | cut -d' ' -f1)
LOST=$((60 - ${RECEIVED:-0}))
NEW_PORT=$(ip -n $OUT_NS xfrm state | awk '/encap type espinudp sport 4500 /{print $7; exit}')
echo "   outside's SAs: peer port $OLD_PORT -> $NEW_PORT; $LOST of 60 pings lost"
[ "$NEW_PORT" != "$OLD_PORT" ] || fail "the outside SAs still point at the old mapping ($OLD_PORT)"
# Lost pings (0.2 s apart) must cover less than one keepalive interval.
[ $((LOST * 2)) -lt $((KEEPALIVE * 10)) ] || fail "the tunnel was down for $LOST pings (more than $KEEPALIVE s)"
adm $OUT_NS get stats | grep 'NAT traversal' | sed 's/^/   outside: /'
adm $OUT_NS get stats | grep -q 'mappings followed: *[1-9]' || fail "outside: no mapping change counted"
metric natt_mapping_change_lost_pings "$LOST"

step "stopping the inside in.iked leaves no SA on either side"
stop_pid "$IKED_I"
wait_for 30 no_sas $OUT_NS || fail "outside still holds $(sa_count $OUT_NS) SAs"
no_sas $IN || fail "inside still holds SAs"
stop_pid "$IKED_O"
ip netns exec $OUT_NS "$BIN/ipsecconf" --root "$W/$OUT_NS" -F

step "strongSwan charon (kernel-netlink) outside; in.iked inside initiates through the NAT"
start_charon $OUT_NS "$W/ss" natt $IP_OUT %any $IP_IN "$PSK"
ip netns exec $NAT conntrack -F >/dev/null 2>&1 || true
start_iked $IN I
sniff strongswan
ip netns exec $IN ping -c 1 -W 1 $IP_OUT >/dev/null 2>&1 || true
wait_for 90 sa_at_least $IN 2 || fail "no SAs inside"
wait_for 20 sa_at_least $OUT_NS 2 || fail "strongSwan installed no SAs"
[ "$(encap_count $IN)" -ge 2 ] && [ "$(encap_count $OUT_NS)" -ge 2 ] || fail "the SAs are not ESP-in-UDP"
ping_flow 20 strongswan
sniff_stop
[ "$LOST" -le 2 ] || fail "$LOST of 20 pings lost"
[ "$ENCAPSULATED" -ge 30 ] && [ "$PLAIN_ESP" = 0 ] && [ "$ICMP" = 0 ] || fail "traffic did not cross as ESP in UDP ($ENCAPSULATED encapsulated, $PLAIN_ESP ESP, $ICMP ICMP)"
check_counters_rise $IN $OUT_NS
grep -q "NAT detected\|local host is behind NAT\|remote host is behind NAT" "$W/ss/charon.log" && grep -m1 "behind NAT" "$W/ss/charon.log" | sed 's/^/   charon: /' || true

step "stopping in.iked: strongSwan is told, no SA is left"
stop_pid "$IKED_I"
wait_for 30 no_sas $OUT_NS || fail "strongSwan keeps $(sa_count $OUT_NS) SAs"
no_sas $IN || fail "inside keeps SAs"
stop_pid "$CHARON"

step "done"
echo "NATT E2E PASS"
