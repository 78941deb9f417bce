#!/usr/bin/env bash
# in.iked as a systemd service, in a guest booted with systemd as init (scripts/kvm/run-in-guest.sh
# with IKE_GUEST_INIT=systemd; tests/CI: Tests/IKEKernelTests/KernelGuestTests). Installs the Debian
# package (E2E_DEB), checks that the units stay off without configuration, writes
# /etc/inet/ike/config, ike.preshared and ipsecinit.conf, starts ipsec-policy and in.iked
# (Type=notify: `systemctl start` returns once in.iked is ready), negotiates real ESP with a second
# in.iked in a namespace, reloads a changed config with `systemctl reload`, fails the unit on a
# broken config (the file:line:column error in the journal), keeps it running with --ignore-errors,
# stops it leaving no SA, and removes the package. Prints "SERVICE E2E PASS" at the end.
#
#   E2E_BIN  directory with in.iked, ikeadm, ipsecconf (the peer's)
#   E2E_DEB  the package to install
set -eEuo pipefail
[ "${IKE_GUEST:-}" = 1 ] || { echo "service-e2e.sh: runs inside the guest (scripts/kvm/run-in-guest.sh)" >&2; exit 2; }
BIN=${E2E_BIN:?E2E_BIN must name the build directory}
DEB=${E2E_DEB:?E2E_DEB must name the package}
PEER=svc-peer; IP=198.51.100.1; IP_PEER=198.51.100.2
W=/run/service-e2e; OUT=${IKE_GUEST_OUT:-/run/guest-out}
PSK=service-preshared-secret-0123456789
PIDS=()

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=e2e-lib.sh
source "$HERE/e2e-lib.sh"

diagnose() {
    systemctl status --no-pager in.iked.service ipsec-policy.service 2>&1 | tail -20
    journalctl --no-pager -n 40 -u in.iked.service 2>&1
    diagnose_namespaces $PEER
    ip -s xfrm state 2>&1 | head -30
}
cleanup() {
    stop_all
    journalctl --no-pager -u in.iked.service >"$OUT/service-journal.txt" 2>&1 || true
    mkdir -p "$OUT"; cp "$W"/*/*.log "$OUT"/ 2>/dev/null || true
    ip netns del $PEER 2>/dev/null || true
}
trap cleanup EXIT
root_sas() { ip xfrm state | grep -c 'proto esp' || true; }
# Counted anew on every call (wait_for re-evaluates it).
root_sas_at_least() { [ "$(root_sas)" -ge "$1" ]; }
active() { systemctl is-active --quiet "$1"; }

step "guest $(uname -r) with $(systemctl --version | head -1) as PID 1 ($(cat /proc/1/comm))"
[ "$(cat /proc/1/comm)" = systemd ] || fail "PID 1 is not systemd"
mkdir -p "$W" "$OUT"

step "install the package: programs, units, man pages; nothing starts without a configuration"
dpkg -i "$DEB" >"$W/dpkg.log" 2>&1 || { cat "$W/dpkg.log"; fail "dpkg -i failed"; }
for f in /usr/sbin/in.iked /usr/sbin/ikeadm /usr/sbin/ipsecconf /lib/systemd/system/in.iked.service /usr/share/man/man8/in.iked.8; do
    [ -e "$f" ] || fail "$f not installed"
done
[ "$(stat -c %a /etc/inet/secret)" = 700 ] || fail "/etc/inet/secret is $(stat -c %a /etc/inet/secret), not 700"
! systemctl is-enabled --quiet in.iked.service || fail "in.iked.service enabled without /etc/inet/ike/config"
systemctl start in.iked.service
! active in.iked.service || fail "in.iked started without /etc/inet/ike/config (ConditionPathExists)"
echo "   installed; in.iked.service is $(systemctl is-active in.iked.service || true) without a configuration"

step "the peer: in.iked in a namespace"
ip netns add $PEER; ip -n $PEER link set lo up
ip link add veth-host type veth peer name veth-peer netns $PEER
ip addr add $IP/24 dev veth-host; ip link set veth-host up
ip -n $PEER addr add $IP_PEER/24 dev veth-peer; ip -n $PEER link set veth-peer up
wait_for 10 ping -c 1 -W 1 $IP_PEER || fail "no connectivity to the peer"
d=$W/$PEER; mkdir -p "$d/etc/inet/ike" "$d/etc/inet/secret" "$d/var/run"; chmod 700 "$d/etc/inet/secret"
printf 'p1_xform { auth_method preshared oakley_group 14 auth_alg sha256 encr_alg aes(128) }\n{ label "to host" local_addr %s remote_addr %s }\n' $IP_PEER $IP >"$d/etc/inet/ike/config"
printf '{ localid %s remoteid %s key "%s" }\n' $IP_PEER $IP "$PSK" >"$d/etc/inet/secret/ike.preshared"; chmod 600 "$d/etc/inet/secret/ike.preshared"
printf '{ laddr %s raddr %s } ipsec { encr_algs aes(128) encr_auth_algs sha256 sa shared }\n' $IP_PEER $IP >"$d/policy.conf"
load_policy $PEER
start_iked $PEER P

step "configure the host the Solaris way and start the service"
cat >/etc/inet/ike/config <<CONF
p1_xform { auth_method preshared oakley_group 14 auth_alg sha256 encr_alg aes(128) }
{ label "to peer" local_addr $IP remote_addr $IP_PEER }
CONF
printf '{ localid %s remoteid %s key "%s" }\n' $IP $IP_PEER "$PSK" >/etc/inet/secret/ike.preshared
chmod 600 /etc/inet/secret/ike.preshared
printf '{ laddr %s raddr %s } ipsec { encr_algs aes(128) encr_auth_algs sha256 sa shared }\n' $IP $IP_PEER >/etc/inet/ipsecinit.conf
T=$(up)
systemctl start ipsec-policy.service in.iked.service
metric service_start_s "$(since "$T")"
active in.iked.service || fail "in.iked.service is $(systemctl is-active in.iked.service || true)"
# Type=notify: start returned after READY=1, so ikeadm answers at once.
ikeadm get stats >/dev/null || fail "ikeadm cannot reach the service right after start"
echo "   $(systemctl show -p StatusText --value in.iked.service)"
[ -n "$(ip xfrm policy)" ] || fail "ipsec-policy.service loaded no policy"

step "traffic from the peer: ACQUIRE there, Main Mode and Quick Mode with the service, real ESP"
ip netns exec $PEER ping -c 1 -W 1 $IP >/dev/null 2>&1 || true
wait_for 60 sa_at_least $PEER 2 || fail "no SAs in the peer"
wait_for 20 root_sas_at_least 2 || fail "no SAs on the host"
ip netns exec $PEER ping -c 3 -i 0.2 -W 2 $IP | tail -1 | sed 's/^/   /'
ikeadm dump sa | grep -q "IPsec SAs (1)" || fail "the service holds no IPsec SA pair"

step "systemctl reload (SIGHUP) picks up a changed configuration"
sed -i 's/label "to peer"/label "to peer, reloaded"/' /etc/inet/ike/config
systemctl reload in.iked.service
wait_for 10 sh -c 'ikeadm dump rule | grep -q "to peer, reloaded"' || fail "the reloaded rule is not there: $(ikeadm dump rule)"
active in.iked.service || fail "the service stopped on reload"
echo "   $(ikeadm dump rule | grep -m1 'to peer')"

step "systemctl stop: every SA goes, here and at the peer"
systemctl stop in.iked.service
[ "$(root_sas)" = 0 ] || fail "the host keeps $(root_sas) ESP SAs after stop"
wait_for 20 no_sas $PEER || fail "the peer keeps $(sa_count $PEER) SAs"
echo "   no SAs left on either side"

step "a broken configuration fails the unit, the error (file:line:column) in the journal"
printf 'p1_xform { auth_method preshared oakley_group 14 auth_alg sha256 encr_alg aes(128) }\n{ label "broken" local_addr %s remote_addr }\n' $IP >/etc/inet/ike/config
! systemctl start in.iked.service 2>/dev/null || fail "in.iked started with a broken configuration"
wait_for 10 sh -c 'journalctl --no-pager -u in.iked.service | grep -q "/etc/inet/ike/config:2:"' || fail "no file:line error in the journal"
journalctl --no-pager -u in.iked.service | grep -m1 "/etc/inet/ike/config:2:" | sed 's/^/   journal: /'
[ "$(systemctl is-active in.iked.service || true)" = failed ] || fail "in.iked.service is $(systemctl is-active in.iked.service || true), not failed"

step "with --ignore-errors (Solaris ignore_errors) it runs without rules, to be configured by ikeadm"
printf 'IKED_OPTIONS="--ignore-errors"\n' >/etc/default/in.iked
systemctl reset-failed in.iked.service
systemctl start in.iked.service
active in.iked.service || fail "in.iked.service is $(systemctl is-active in.iked.service || true) with --ignore-errors"
ikeadm dump rule | grep -q "Completed dump of rules (0)" || fail "rules loaded from a broken file: $(ikeadm dump rule)"
printf '{ label "added" local_addr %s remote_addr %s p1_xform { auth_method preshared oakley_group 14 auth_alg sha256 encr_alg aes(128) } }\n' $IP $IP_PEER >"$W/added.conf"
ikeadm add rule "$W/added.conf" >/dev/null || fail "ikeadm add rule failed"
ikeadm dump rule | grep -q "Label 'added'" || fail "the added rule is not there"
systemctl stop in.iked.service ipsec-policy.service
[ -z "$(ip xfrm policy | grep -v socket)" ] || fail "policy left after ipsec-policy.service stopped"

step "remove the package: programs and units go, the administrator's files stay"
dpkg -r ike-solaris >"$W/dpkg-r.log" 2>&1 || { cat "$W/dpkg-r.log"; fail "dpkg -r failed"; }
[ ! -e /usr/sbin/in.iked ] && [ ! -e /lib/systemd/system/in.iked.service ] || fail "files left after dpkg -r"
[ -e /etc/inet/ike/config ] && [ -e /etc/inet/secret/ike.preshared ] || fail "dpkg -r removed the administrator's files"
stop_pid "$IKED_P"

step "done"
echo "SERVICE E2E PASS"
