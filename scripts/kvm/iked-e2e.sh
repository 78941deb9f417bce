#!/usr/bin/env bash
# End to end with real ESP, run inside the guest by scripts/kvm/run-in-guest.sh (tests/CI:
# Tests/KernelTests). Two network namespaces joined by a veth; ipsecconf loads the policy on both
# sides; in.iked (XFRM kernel port, its default as root) runs on both; one ping triggers
# ACQUIRE -> Main Mode -> Quick Mode -> SAs; the traffic must cross as ESP (sniffed on the wire) and
# raise every SA byte counter; with a 15 s soft lifetime the SAs are rekeyed while pings keep flowing,
# and at the 60 s hard lifetime the first ones go on both sides;
# stopping one daemon must leave no SA on either side. Then RSA signatures with certificates the
# Solaris way (ikecert certlocal -ks on both, exchanged with certdb -e/-a, cert_trust), and the same
# PSK exchange against strongSwan's charon (kernel-netlink) in both directions. Prints "E2E PASS" at the end.
#
#   E2E_BIN   directory with in.iked, ipsecconf, ikeadm, ikecert (required)
#   E2E_PHASES  "iked certs strongswan" (default all three)
set -eEuo pipefail
[ "${IKE_GUEST:-}" = 1 ] || { echo "iked-e2e.sh: runs inside the guest (scripts/kvm/run-in-guest.sh)" >&2; exit 2; }
BIN=${E2E_BIN:?E2E_BIN must name the build directory}
PHASES=${E2E_PHASES:-iked certs strongswan}
A=e2e-a; B=e2e-b; IPA=198.51.100.1; IPB=198.51.100.2
W=/run/iked-e2e; OUT=${IKE_GUEST_OUT:-/run/guest-out}
PSK=e2e-preshared-secret-0123456789
PIDS=()

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=e2e-lib.sh
source "$HERE/e2e-lib.sh"

diagnose() { diagnose_namespaces $A $B; }
cleanup() {
    stop_all
    mkdir -p "$OUT"; cp "$W"/*/*.log "$OUT"/ 2>/dev/null || true
    ip netns del $A 2>/dev/null || true; ip netns del $B 2>/dev/null || true
}
trap cleanup EXIT

sniff() { sniff_start "$1" $B veth-b; } # B's side of the veth
sniff_stop() {
    local text; text=$(sniff_text)
    ESP=$(grep -c ': ESP(spi=' <<<"$text" || true)
    ICMP=$(grep -c ': ICMP ' <<<"$text" || true)
    IKE=$(grep -cE '\.(500|isakmp) > .*\.(500|isakmp): ' <<<"$text" || true)
    echo "   wire: $IKE IKE datagrams (UDP 500), $ESP ESP packets, $ICMP cleartext ICMP"
}
ping_ok() { ip netns exec "$1" ping -c 1 -W 2 "$2"; }
ping_flow() { # ping_flow COUNT NAME: pings from A to B every 0.2 s; LOSS = the percentage lost, at most 5
    ip netns exec $A ping -i 0.2 -c "$1" -W 1 $IPB >"$W/$2-ping.txt" 2>&1 || true
    tail -2 "$W/$2-ping.txt" | sed 's/^/   /'
    LOSS=$(grep -oE '[0-9.]+% packet loss' "$W/$2-ping.txt" | cut -d% -f1)
    awk -v l="$LOSS" 'BEGIN{exit !(l <= 5)}' || fail "$2 lost $LOSS % of the pings"
}

write_iked_files() { # write_iked_files NS ME PEER SOFT_SECS
    local d=$W/$1
    mkdir -p "$d/etc/inet/ike" "$d/etc/inet/secret" "$d/var/run"
    cat >"$d/etc/inet/ike/config" <<-CONF
	retry_timer_init 1
	retry_timer_max 8
	p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes(128) }
	p2_lifetime_secs 60
	p2_softlife_secs $4
	{ label "e2e" local_addr $2 remote_addr $3 }
	CONF
    printf '{ localidtype ip localid %s remoteidtype ip remoteid %s key "%s" }\n' "$2" "$3" "$PSK" >"$d/etc/inet/secret/ike.preshared"
    chmod 600 "$d/etc/inet/secret/ike.preshared"
    # Not /etc/inet/ipsecinit.conf: in.iked must learn this policy from what ipsecconf loads.
    printf '{ laddr %s raddr %s } ipsec { encr_algs aes(128) encr_auth_algs sha1 sa shared }\n' "$2" "$3" >"$d/policy.conf"
}
write_cert_files() { # write_cert_files NS ME PEER: an rsa_sig rule, our certificate by DN, the peer's trusted outright
    local d=$W/$1
    mkdir -p "$d/etc/inet/ike" "$d/var/run"
    cat >"$d/etc/inet/ike/config" <<-CONF
	retry_timer_init 1
	retry_timer_max 8
	cert_trust "C=US, O=E2E, CN=$4"
	p1_xform { auth_method rsa_sig oakley_group 14 auth_alg sha256 encr_alg aes(128) }
	{ label "e2e-certs" local_addr $2 remote_addr $3 local_id_type dn local_id "C=US, O=E2E, CN=$1" remote_id "C=US, O=E2E, CN=$4" }
	CONF
    printf '{ laddr %s raddr %s } ipsec { encr_algs aes(128) encr_auth_algs sha256 sa shared }\n' "$2" "$3" >"$d/policy.conf"
}
check_spis_cross() { # A's inbound SPIs are B's outbound ones and the other way round
    [ "$(esp_spis $A)" = "$(esp_spis $B)" ] || fail "SPIs differ: A $(esp_spis $A | tr '\n' ' ') B $(esp_spis $B | tr '\n' ' ')"
    echo "   same SPIs on both sides: $(esp_spis $A | tr '\n' ' ')"
}

step "guest $(uname -r), $(nproc) CPUs"
mkdir -p "$W" "$OUT"
ip netns add $A; ip netns add $B
ip link add veth-a netns $A type veth peer name veth-b netns $B
ip -n $A addr add $IPA/24 dev veth-a; ip -n $B addr add $IPB/24 dev veth-b
for n in $A $B; do ip -n $n link set lo up; done
ip -n $A link set veth-a up; ip -n $B link set veth-b up
wait_for 10 ping_ok $A $IPB || fail "no plain connectivity"

if [[ " $PHASES " == *" iked "* ]]; then
    step "in.iked on both sides, then ipsecconf loads the policy (the daemons pick it up live)"
    write_iked_files $A $IPA $IPB 15
    write_iked_files $B $IPB $IPA 15
    T=$(up); start_iked $A A; start_iked $B B; metric daemon_start_s "$(since "$T")"
    load_policy $A; load_policy $B
    ip netns exec $A "$BIN/ipsecconf" --root "$W/$A" -l | sed 's/^/   /'
    no_sas $A && no_sas $B || fail "SAs before any traffic"

    step "one ping: ACQUIRE -> Main Mode -> Quick Mode -> SAs"
    sniff iked
    T=$(up)
    ip netns exec $A ping -c 1 -W 1 $IPB >/dev/null 2>&1 || true   # dropped while the SAs are negotiated
    wait_for 60 sa_at_least $B 2 || fail "no SAs 60 s after the ACQUIRE"
    wait_for 20 sa_at_least $A 2 || fail "A has no SAs"
    metric acquire_to_sas_s "$(since "$T")"
    T_FIRST_SA=$(up); esp_spis $A >"$W/spis-first"
    grep -q "kernel ACQUIRE" "$W/$A/in.iked.log" || fail "A's in.iked saw no ACQUIRE"
    ip netns exec $A ping -c 5 -i 0.2 -W 2 $IPB | tail -2 | sed 's/^/   /'
    ip netns exec $B ping -c 3 -i 0.2 -W 2 $IPA | tail -2 | sed 's/^/   /'
    sniff_stop
    [ "$IKE" -ge 9 ] || fail "expected at least 9 IKE datagrams (MM 6 + QM 3), saw $IKE"
    [ "$ESP" -ge 12 ] || fail "expected at least 12 of the 16 ping packets as ESP, saw $ESP"
    [ "$ICMP" = 0 ] || fail "$ICMP ICMP packets crossed in clear"
    check_spis_cross
    check_counters_rise $A $B
    adm $A dump sa | sed 's/^/   A: /'

    step "soft expiry (15 s) rekeys while pings keep flowing"
    BEFORE=$(esp_spis $A)
    ping_flow 125 rekey
    # No process substitution: the guest has no /dev/fd.
    echo "$BEFORE" >"$W/spis-before"; esp_spis $A >"$W/spis-after"
    NEW=$(comm -13 "$W/spis-before" "$W/spis-after" | wc -l)
    [ "$NEW" -ge 2 ] || fail "no new SAs after the soft lifetime (SPIs now: $(esp_spis $A | tr '\n' ' '))"
    grep -q "soft expiry" "$W/$A/in.iked.log" || fail "no soft expiry in A's log"
    echo "   $NEW new SAs, $LOSS % loss; A now holds $(sa_count $A) ESP SAs, B $(sa_count $B)"
    check_spis_cross
    metric rekey_ping_loss_percent "$LOSS"

    step "hard expiry (60 s): the first SAs go on both sides while traffic keeps flowing"
    REMAINING=$(awk -v t="$T_FIRST_SA" -v now="$(up)" 'BEGIN{r = t + 64 - now; print (r > 1 ? int(r * 5) : 5)}')
    ping_flow "$REMAINING" "hard expiry"
    for n in $A $B; do
        esp_spis $n >"$W/spis-now"
        LEFT=$(comm -12 "$W/spis-first" "$W/spis-now" | wc -l)
        [ "$LEFT" = 0 ] || fail "$n still holds $LEFT of the first SAs after their hard lifetime"
    done
    grep -q "hard lifetime" "$W/$A/in.iked.log" || fail "no hard expiry in A's log"
    echo "   first SAs gone on both sides, $LOSS % loss; A holds $(sa_count $A) ESP SAs"
    check_spis_cross
    metric hard_expiry_ping_loss_percent "$LOSS"

    step "stopping A's in.iked leaves no SA on either side"
    stop_pid "$IKED_A"
    wait_for 20 no_sas $B || fail "B still holds $(sa_count $B) SAs after A stopped"
    no_sas $A || fail "A still holds $(sa_count $A) SAs after it stopped"
    echo "   no SAs left on A or B"
    stop_pid "$IKED_B"
    for n in $A $B; do ip netns exec $n "$BIN/ipsecconf" --root "$W/$n" -F; done
    [ -z "$(ip -n $A xfrm policy)" ] || fail "policy left after ipsecconf -F"
fi

if [[ " $PHASES " == *" certs "* ]]; then
    step "certificates: ikecert certlocal -ks on both, exchanged with certdb -e/-a, trusted with cert_trust"
    for pair in "$A $IPA $B" "$B $IPB $A"; do
        set -- $pair
        # A fresh configuration; the pre-shared-key phase's log stays beside it.
        rm -rf "$W/$1/etc"; mv "$W/$1/in.iked.log" "$W/$1/psk-in.iked.log" 2>/dev/null || true
        write_cert_files "$1" "$2" "$( [ "$1" = $A ] && echo $IPB || echo $IPA )" "$3"
        "$BIN/ikecert" --root "$W/$1" certlocal -ks -m 2048 -t rsa-sha1 -D "C=US, O=E2E, CN=$1" -A "IP=$2" >/dev/null 2>&1 || fail "ikecert certlocal -ks in $1"
    done
    "$BIN/ikecert" --root "$W/$A" certdb -e 0 | "$BIN/ikecert" --root "$W/$B" certdb -a >/dev/null 2>&1 || fail "certdb -e | certdb -a A -> B"
    "$BIN/ikecert" --root "$W/$B" certdb -e 0 | "$BIN/ikecert" --root "$W/$A" certdb -a >/dev/null 2>&1 || fail "certdb -e | certdb -a B -> A"
    start_iked $A A; start_iked $B B
    load_policy $A; load_policy $B

    step "one ping: Main Mode with RSA signatures, Quick Mode, ESP"
    sniff certs
    T=$(up)
    ip netns exec $A ping -c 1 -W 1 $IPB >/dev/null 2>&1 || true
    wait_for 60 sa_at_least $B 2 || fail "no SAs 60 s after the ACQUIRE"
    wait_for 20 sa_at_least $A 2 || fail "A has no SAs"
    metric certificate_acquire_to_sas_s "$(since "$T")"
    ip netns exec $A ping -c 5 -i 0.2 -W 2 $IPB | tail -2 | sed 's/^/   /'
    sniff_stop
    [ "$ESP" -ge 8 ] && [ "$ICMP" = 0 ] || fail "traffic did not cross as ESP (ESP $ESP, ICMP $ICMP)"
    check_spis_cross
    check_counters_rise $A $B
    adm $B dump p1 | grep -E "Authentication method|CERT:|REMID" | sed 's/^/   B: /'
    adm $B dump p1 | grep -q "Authentication method: RSA signatures" || fail "B's Phase 1 SA is not RSA-signature authenticated"
    adm $B dump p1 | grep -q "CERT:  peer authenticated with <C=US, O=E2E, CN=$A>" || fail "B does not show A's certificate"
    stop_pid "$IKED_A"; stop_pid "$IKED_B"
    for n in $A $B; do ip netns exec $n "$BIN/ipsecconf" --root "$W/$n" -F; done
    wait_for 10 no_sas $A || fail "SAs left in A"
fi

if [[ " $PHASES " == *" strongswan "* ]]; then
    step "strongSwan charon (kernel-netlink) in $B; in.iked in $A"
    start_charon $B "$W/ss" e2e $IPB $IPA $IPA "$PSK"
    write_iked_files $A $IPA $IPB 50
    load_policy $A
    start_iked $A A

    step "in.iked initiates (ping -> ACQUIRE), strongSwan responds"
    sniff strongswan-responder
    ip netns exec $A ping -c 1 -W 1 $IPB >/dev/null 2>&1 || true
    wait_for 60 sa_at_least $A 2 || fail "no SAs in A"
    wait_for 20 sa_at_least $B 2 || fail "no SAs in B"
    ip netns exec $A ping -c 5 -i 0.2 -W 2 $IPB | tail -2 | sed 's/^/   /'
    sniff_stop
    [ "$ESP" -ge 10 ] && [ "$ICMP" = 0 ] || fail "traffic did not cross as ESP (ESP $ESP, ICMP $ICMP)"
    check_spis_cross
    check_counters_rise $A $B

    step "strongSwan terminates: in.iked removes its SAs"
    sw --terminate --ike e2e >/dev/null
    wait_for 20 no_sas $A || fail "A keeps $(sa_count $A) SAs after strongSwan's Delete"
    echo "   no SAs left on A"

    step "strongSwan initiates, in.iked responds (inverse acquire through the kernel's policy)"
    sw --initiate --child e2e --timeout 90 >"$W/ss/initiate.log" 2>&1 || { cat "$W/ss/initiate.log"; fail "swanctl --initiate failed"; }
    wait_for 20 sa_at_least $A 2 || fail "no SAs in A"
    sniff strongswan-initiator
    ip netns exec $B ping -c 5 -i 0.2 -W 2 $IPA | tail -2 | sed 's/^/   /'
    sniff_stop
    [ "$ESP" -ge 10 ] && [ "$ICMP" = 0 ] || fail "traffic did not cross as ESP (ESP $ESP, ICMP $ICMP)"
    check_spis_cross
    check_counters_rise $A $B

    step "stopping in.iked: strongSwan is told, no SA is left"
    stop_pid "$IKED_A"
    wait_for 20 no_sas $B || fail "B keeps $(sa_count $B) SAs after in.iked stopped"
    no_sas $A || fail "A keeps SAs"
    echo "   no SAs left on A or B"
    stop_pid "$CHARON"
fi

step "done"
echo "E2E PASS"
