#!/usr/bin/env bash
# Interop harness: our in.iked and a third-party IKEv1 peer (strongSwan or Libreswan) in two network
# namespaces joined by a veth pair. Used by Tests/InteropTests; every name carries the caller's id, and
# `down ID` removes namespaces, processes and files (call it also when a test fails).
#
#   peers.sh install                                   packages (strongSwan; Libreswan unpacked to /opt/libreswan)
#   peers.sh up ID [nat-us|nat-peer]                   namespaces ikeus-ID (192.0.2.1) and ikepeer-ID (192.0.2.2);
#                                                      with nat-us/nat-peer that side sits behind a NAPT in iknat-ID
#                                                      (nftables masquerade with random ports, UDP 500/4500
#                                                      forwarded to it): its own address becomes 192.0.3.x and
#                                                      the other side sees it as 192.0.2.254
#   peers.sh addresses ID                              US PEER US_SEEN PEER_SEEN (own addresses, and as the
#                                                      other side addresses them)
#   peers.sh keepalives ID                             NAT keepalives (1-byte UDP 4500) the NAT saw leave the inside
#   peers.sh flush-nat ID                              the NAT forgets its mappings (conntrack flush)
#   peers.sh strongswan ID IKE ESP MODE PFS KEY [PEER_NET US_NET]   start charon with one IKEv1 connection
#   peers.sh libreswan ID IKE ESP MODE PFS KEY [PEER_NET US_NET]    start pluto with one IKEv1 connection
#                                                      "interop"; the nets are its traffic (default: the two hosts)
#                                                      PEER_DPD=SECONDS in the environment: the peer runs DPD
#                                                      (R-U-THERE after that much quiet, gives up after 3 x)
#                                                      PEER_CERTS=DIR: the peer authenticates with certificates
#                                                      instead (RSA signatures): DIR/peer.pem and DIR/peer.key
#                                                      are its own, DIR/cacerts/*.pem the CAs it trusts,
#                                                      DIR/peercerts/*.pem end certificates it trusts outright;
#                                                      PEER_ID and US_ID are the two identities (a DN, an
#                                                      address, or @fqdn)
#   peers.sh initiate ID | terminate ID | status ID    act on the peer's connection (PEER_INITIATE_TIMEOUT: seconds
#                                                      the initiation may take, 20 for strongSwan, 30 for Libreswan)
#   peers.sh isolate ID                                the peer's link goes down: it vanishes without a word
#   peers.sh stop ID                                   the peer stops (its files go; start it again with other settings)
#   peers.sh small-path ID                             the link's MTU becomes 1280 and both sides drop IP fragments
#                                                      (as much CPE does): a large IKE message passes only in IKE fragments
#   peers.sh down ID
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LIBRESWAN_ROOT=/opt/libreswan
US=192.0.2.1
PEER=192.0.2.2
NAT_PUBLIC=192.0.2.254
NAT_INSIDE=192.0.3.254

die() { echo "peers.sh: $*" >&2; exit 1; }
state() { echo "/tmp/ike-interop-$1"; }
ns_us() { echo "ikeus-$1"; }
ns_peer() { echo "ikepeer-$1"; }
ns_nat() { echo "iknat-$1"; }

# The topology's addresses, written by `up`: US PEER (own), US_SEEN PEER_SEEN (as the other side sees them).
load_addresses() {
    local file; file="$(state "$1")/addresses"
    if [ -f "$file" ]; then read -r US PEER US_SEEN PEER_SEEN < "$file"; else US_SEEN=$US; PEER_SEEN=$PEER; fi
}

install_packages() {
    export DEBIAN_FRONTEND=noninteractive
    local missing=()
    for package in strongswan-charon strongswan-swanctl strongswan-pki charon-systemd libstrongswan-standard-plugins \
                   libcharon-extra-plugins iproute2 gcc libc6-dev libnss3-tools libunbound8 libldns3 \
                   libevent-core-2.1-7 libevent-pthreads-2.1-7 libcurl3-nss libcap-ng0 libnspr4 libnss3 \
                   nftables conntrack; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        apt-get -o DPkg::Lock::Timeout=600 update -qq
        apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}" >/dev/null
    fi
    # Libreswan's package conflicts with strongSwan's starter, so it is unpacked, not installed.
    if [ ! -x "$LIBRESWAN_ROOT/usr/libexec/ipsec/pluto" ]; then
        local scratch; scratch=$(mktemp -d)
        (cd "$scratch" && apt-get -o DPkg::Lock::Timeout=600 download libreswan >/dev/null 2>&1) || { apt-get update -qq; (cd "$scratch" && apt-get download libreswan >/dev/null); }
        dpkg-deb -x "$scratch"/libreswan_*.deb "$LIBRESWAN_ROOT"
        rm -rf "$scratch"
    fi
    # pluto runs addconn from this compiled-in path.
    if [ -e /usr/libexec/ipsec ] && [ ! -L /usr/libexec/ipsec ]; then die "/usr/libexec/ipsec exists and is not ours"; fi
    mkdir -p /usr/libexec
    ln -sfn "$LIBRESWAN_ROOT/usr/libexec/ipsec" /usr/libexec/ipsec
}

shim() {
    local out; out="$(state "$1")/xfrm-sa-shim.so"
    [ -f "$out" ] || gcc -shared -fPIC -O2 -o "$out" "$HERE/xfrm-sa-shim.c" -ldl -lpthread
    echo "$out"
}

up() {
    local id=$1 topology=${2:-direct} dir; dir=$(state "$id")
    mkdir -p "$dir"
    case "$topology" in
        direct) ;;
        nat-us|nat-peer) up_nat "$id" "$topology"; return ;;
        *) die "unknown topology $topology" ;;
    esac
    ip netns add "$(ns_us "$id")"
    ip netns add "$(ns_peer "$id")"
    ip link add "iu-$id" type veth peer name "ip-$id"
    ip link set "iu-$id" netns "$(ns_us "$id")"
    ip link set "ip-$id" netns "$(ns_peer "$id")"
    ip -n "$(ns_us "$id")" addr add "$US/24" dev "iu-$id"
    ip -n "$(ns_peer "$id")" addr add "$PEER/24" dev "ip-$id"
    for ns in "$(ns_us "$id")" "$(ns_peer "$id")"; do
        ip -n "$ns" link set lo up
    done
    ip -n "$(ns_us "$id")" link set "iu-$id" up
    ip -n "$(ns_peer "$id")" link set "ip-$id" up
}

# One side behind a NAPT: inside 192.0.3.0/24 (the NAT at .254), outside 192.0.2.0/24 (the NAT at
# .254). Masquerade picks random ports (a mapping change is a new port); 500 and 4500 are forwarded
# to the inside host so that it can also be the responder.
up_nat() {
    local id=$1 topology=$2 dir; dir=$(state "$id")
    local nat; nat=$(ns_nat "$id")
    ip netns add "$(ns_us "$id")"
    ip netns add "$(ns_peer "$id")"
    ip netns add "$nat"
    ip link add "iu-$id" type veth peer name "nu-$id"
    ip link add "ip-$id" type veth peer name "np-$id"
    ip link set "iu-$id" netns "$(ns_us "$id")"
    ip link set "ip-$id" netns "$(ns_peer "$id")"
    ip link set "nu-$id" netns "$nat"
    ip link set "np-$id" netns "$nat"
    local inside_ns inside_if inside_nat outside_ns outside_if outside_nat inside_host
    if [ "$topology" = nat-us ]; then
        US=192.0.3.1; US_SEEN=$NAT_PUBLIC; PEER_SEEN=$PEER
        inside_ns=$(ns_us "$id"); inside_if="iu-$id"; inside_nat="nu-$id"; inside_host=$US
        outside_ns=$(ns_peer "$id"); outside_if="ip-$id"; outside_nat="np-$id"
        ip -n "$outside_ns" addr add "$PEER/24" dev "$outside_if"
    else
        PEER=192.0.3.2; PEER_SEEN=$NAT_PUBLIC; US_SEEN=$US
        inside_ns=$(ns_peer "$id"); inside_if="ip-$id"; inside_nat="np-$id"; inside_host=$PEER
        outside_ns=$(ns_us "$id"); outside_if="iu-$id"; outside_nat="nu-$id"
        ip -n "$outside_ns" addr add "$US/24" dev "$outside_if"
    fi
    echo "$US $PEER $US_SEEN $PEER_SEEN" > "$dir/addresses"
    ip -n "$inside_ns" addr add "$inside_host/24" dev "$inside_if"
    ip -n "$nat" addr add "$NAT_INSIDE/24" dev "$inside_nat"
    ip -n "$nat" addr add "$NAT_PUBLIC/24" dev "$outside_nat"
    for ns in "$inside_ns" "$outside_ns" "$nat"; do ip -n "$ns" link set lo up; done
    ip -n "$inside_ns" link set "$inside_if" up
    ip -n "$outside_ns" link set "$outside_if" up
    ip -n "$nat" link set "$inside_nat" up
    ip -n "$nat" link set "$outside_nat" up
    ip -n "$inside_ns" route add default via "$NAT_INSIDE"
    ip netns exec "$nat" sysctl -qw net.ipv4.ip_forward=1
    ip netns exec "$nat" nft -f - <<NFT
table ip nat {
    chain prerouting {
        type nat hook prerouting priority dstnat;
        iifname "$outside_nat" udp dport { 500, 4500 } dnat to $inside_host
    }
    chain postrouting {
        type nat hook postrouting priority srcnat;
        oifname "$outside_nat" masquerade random
    }
}
table ip count {
    chain forward {
        type filter hook forward priority 0;
        iifname "$inside_nat" udp dport 4500 udp length 9 @th,64,8 0xff counter name keepalives
    }
    counter keepalives { }
}
NFT
}

strongswan() {
    local id=$1 ike=$2 esp=$3 mode=$4 pfs=$5 key=$6 dir; dir=$(state "$id")
    load_addresses "$id"
    local peer_net=${7:-$PEER/32} us_net=${8:-$US/32}
    local shim_path; shim_path=$(shim "$id")
    cat > "$dir/strongswan.conf" <<CONF
charon-systemd {
  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey revocation constraints curve25519 aes sha1 sha2 md5 hmac kdf kernel-netlink socket-default vici
  install_routes = no
  install_virtual_ip = no
  retransmit_timeout = 1.0
  retransmit_tries = 3
  keep_alive = ${PEER_KEEPALIVE:-20}s
  plugins { vici { socket = unix://$dir/charon.vici } }
  filelog { main { path = $dir/charon.log
    default = 1
    ike = 2
    cfg = 2
    flush_line = yes } }
  journal { default = -1 }
}
CONF
    local esp_proposal=$esp
    [ "$pfs" != none ] && esp_proposal="$esp-$pfs"
    local dpd=""
    [ -n "${PEER_DPD:-}" ] && dpd=$(printf '    dpd_delay = %ss\n    dpd_timeout = %ss' "$PEER_DPD" "$((PEER_DPD * 3))")
    local local_auth="auth = psk
      id = $PEER" remote_auth="auth = psk
      id = $US"
    if [ -n "${PEER_CERTS:-}" ]; then
        # swanctl reads private keys from private/ beside its configuration.
        mkdir -p "$dir/private"
        cp "$PEER_CERTS/peer.key" "$dir/private/peer.key"
        local cacerts peercerts
        cacerts=$(ls "$PEER_CERTS"/cacerts/*.pem 2>/dev/null | paste -sd, - || true)
        peercerts=$(ls "$PEER_CERTS"/peercerts/*.pem 2>/dev/null | paste -sd, - || true)
        local_auth="auth = pubkey
      certs = $PEER_CERTS/peer.pem
      id = \"$PEER_ID\""
        remote_auth="auth = pubkey
      id = \"$US_ID\""
        [ -n "$cacerts" ] && remote_auth="$remote_auth
      cacerts = $cacerts"
        [ -n "$peercerts" ] && remote_auth="$remote_auth
      certs = $peercerts"
    fi
    cat > "$dir/swanctl.conf" <<CONF
connections {
  interop {
    version = 1
    local_addrs = $PEER
    remote_addrs = $US_SEEN
    proposals = $ike
    rekey_time = 4h
$dpd
    fragmentation = ${PEER_FRAGMENTATION:-yes}
    local { $local_auth }
    remote { $remote_auth }
    children {
      interop {
        local_ts = $peer_net
        remote_ts = $us_net
        esp_proposals = $esp_proposal
        mode = $mode
        start_action = none
        dpd_action = clear
      }
    }
  }
}
secrets {
  ike-interop { id-a = $US
    id-b = $PEER
    secret = "$key" }
}
CONF
    ip netns exec "$(ns_peer "$id")" env STRONGSWAN_CONF="$dir/strongswan.conf" LD_PRELOAD="$shim_path" XFRM_SHIM_LOG="$dir/peer-sas.log" \
        /usr/sbin/charon-systemd >"$dir/charon.out" 2>&1 &
    echo $! > "$dir/peer.pid"
    echo strongswan > "$dir/peer.kind"
    for _ in $(seq 1 100); do [ -S "$dir/charon.vici" ] && break; sleep 0.05; done
    swanctl --load-all --file "$dir/swanctl.conf" --uri "unix://$dir/charon.vici" >"$dir/load.log" 2>&1 || { cat "$dir/load.log" >&2; die "swanctl --load-all failed"; }
}

libreswan() {
    local id=$1 ike=$2 esp=$3 mode=$4 pfs=$5 key=$6 dir; dir=$(state "$id")
    load_addresses "$id"
    local subnets=""
    [ -n "${7:-}" ] && subnets=$(printf '    leftsubnet=%s\n    rightsubnet=%s' "$7" "$8")
    [ -x /usr/libexec/ipsec/pluto ] || die "Libreswan is not installed (peers.sh install)"
    local shim_path; shim_path=$(shim "$id")
    mkdir -p "$dir/run" "$dir/nss" "$dir/ipsec.d"
    certutil -N -d "sql:$dir/nss" --empty-password >/dev/null 2>&1
    local pfs_setting=no
    [ "$pfs" != none ] && pfs_setting=yes
    # Libreswan spells the group after a semicolon: aes128-sha1;modp2048.
    local ike_libreswan="${ike%-*};${ike##*-}"
    local dpd=""
    [ -n "${PEER_DPD:-}" ] && dpd=$(printf '    dpddelay=%s\n    dpdtimeout=%s\n    dpdaction=clear' "$PEER_DPD" "$((PEER_DPD * 3))")
    local auth="authby=secret
    leftid=$PEER
    rightid=$US"
    if [ -n "${PEER_CERTS:-}" ]; then
        # Libreswan keeps certificates in NSS: CAs trusted for issuing (CT), peers' certificates
        # trusted outright (P), its own certificate and key from a PKCS#12 file.
        local file name
        for file in "$PEER_CERTS"/cacerts/*.pem; do
            [ -f "$file" ] || continue
            certutil -A -d "sql:$dir/nss" -n "ca-$(basename "$file" .pem)" -t "CT,," -a -i "$file"
        done
        local rightcert=""
        for file in "$PEER_CERTS"/peercerts/*.pem; do
            [ -f "$file" ] || continue
            name="peer-$(basename "$file" .pem)"
            certutil -A -d "sql:$dir/nss" -n "$name" -t "P,," -a -i "$file"
            rightcert="    rightcert=$name"
        done
        openssl pkcs12 -export -in "$PEER_CERTS/peer.pem" -inkey "$PEER_CERTS/peer.key" -name interop-peer -out "$dir/peer.p12" -passout pass: 2>/dev/null
        pk12util -i "$dir/peer.p12" -d "sql:$dir/nss" -W "" >/dev/null
        auth="authby=rsasig
    leftcert=interop-peer
    leftsendcert=always
    leftid=\"$PEER_ID\"
    rightid=\"$US_ID\"
$rightcert"
    fi
    cat > "$dir/ipsec.conf" <<CONF
config setup
    logfile=$dir/pluto.log
    logappend=no
    plutodebug=none
    ikev1-policy=accept
    uniqueids=no
    keep-alive=${PEER_KEEPALIVE:-20}

conn interop
    keyexchange=ike
    ikev2=no
    $auth
    left=$PEER
    right=$US_SEEN
    fragmentation=${PEER_FRAGMENTATION:-yes}
    type=$mode
$subnets
    ike=$ike_libreswan
    phase2alg=$esp
    pfs=$pfs_setting
    leftupdown=%disabled
    ikelifetime=4h
    salifetime=1h
$dpd
    auto=add
CONF
    printf '%s %s : PSK "%s"\n' "$PEER" "$US" "$key" > "$dir/ipsec.secrets"
    chmod 600 "$dir/ipsec.secrets"
    ip netns exec "$(ns_peer "$id")" env LD_PRELOAD="$shim_path" XFRM_SHIM_LOG="$dir/peer-sas.log" \
        /usr/libexec/ipsec/pluto --nofork --config "$dir/ipsec.conf" --rundir "$dir/run" --nssdir "$dir/nss" \
        --ipsecdir "$dir/ipsec.d" --secretsfile "$dir/ipsec.secrets" >"$dir/pluto.out" 2>&1 &
    echo $! > "$dir/peer.pid"
    echo libreswan > "$dir/peer.kind"
    for _ in $(seq 1 100); do [ -S "$dir/run/pluto.ctl" ] && break; sleep 0.05; done
    [ -S "$dir/run/pluto.ctl" ] || die "pluto did not start: $(tail -5 "$dir/pluto.out" 2>/dev/null)"
    # pluto loads auto=add connections itself; wait until it has.
    for _ in $(seq 1 100); do
        /usr/libexec/ipsec/whack --ctlsocket "$dir/run/pluto.ctl" --status 2>/dev/null | grep -q '"interop"' && return 0
        sleep 0.05
    done
    die "pluto did not load the connection"
}

peer_command() {
    local id=$1 action=$2 dir; dir=$(state "$id")
    local kind; kind=$(cat "$dir/peer.kind")
    case "$kind:$action" in
        strongswan:initiate) swanctl --initiate --child interop --timeout "${PEER_INITIATE_TIMEOUT:-20}" --uri "unix://$dir/charon.vici" ;;
        strongswan:terminate) swanctl --terminate --ike interop --timeout 10 --uri "unix://$dir/charon.vici" ;;
        strongswan:status) swanctl --list-sas --uri "unix://$dir/charon.vici" ;;
        libreswan:initiate) timeout "${PEER_INITIATE_TIMEOUT:-30}" /usr/libexec/ipsec/whack --ctlsocket "$dir/run/pluto.ctl" --initiate --name interop ;;
        libreswan:terminate) /usr/libexec/ipsec/whack --ctlsocket "$dir/run/pluto.ctl" --terminate --name interop ;;
        libreswan:status) /usr/libexec/ipsec/whack --ctlsocket "$dir/run/pluto.ctl" --trafficstatus; /usr/libexec/ipsec/whack --ctlsocket "$dir/run/pluto.ctl" --showstates ;;
        *:isolate) ip netns exec "$(ns_peer "$id")" ip link set "ip-$id" down ;;
        *:keepalives) ip netns exec "$(ns_nat "$id")" nft list counter ip count keepalives | awk '/packets/ { print $2 }' ;;
        *:flush-nat) ip netns exec "$(ns_nat "$id")" conntrack -F >/dev/null 2>&1 || true ;;
        *) die "unknown action $action for $kind" ;;
    esac
}

small_path() {
    local id=$1 ns
    for ns in "$(ns_us "$id")" "$(ns_peer "$id")"; do
        local link; link=$(ip -n "$ns" -o link show | awk -F': ' '$2 ~ /^i[up]-/ { sub(/@.*/, "", $2); print $2 }')
        ip -n "$ns" link set "$link" mtu 1280
        # Before defragmentation (priority -400), so no fragment reaches UDP.
        ip netns exec "$ns" nft -f - <<NFT
table ip fragments {
    chain prerouting {
        type filter hook prerouting priority -450;
        ip frag-off & 0x3fff != 0 counter drop
    }
}
NFT
    done
}

stop_peer() {
    local id=$1 dir; dir=$(state "$id")
    if [ -f "$dir/peer.pid" ]; then kill "$(cat "$dir/peer.pid")" 2>/dev/null || true; fi
    for _ in $(seq 1 50); do [ -f "$dir/peer.pid" ] && kill -0 "$(cat "$dir/peer.pid")" 2>/dev/null || break; sleep 0.1; done
    rm -rf "$dir/peer.pid" "$dir/nss" "$dir/run" "$dir/private" "$dir/charon.vici"
}

down() {
    local id=$1 dir; dir=$(state "$id")
    if [ -f "$dir/peer.pid" ]; then kill "$(cat "$dir/peer.pid")" 2>/dev/null || true; fi
    ip netns pids "$(ns_peer "$id")" 2>/dev/null | xargs -r kill 2>/dev/null || true
    ip netns pids "$(ns_us "$id")" 2>/dev/null | xargs -r kill 2>/dev/null || true
    sleep 0.2
    ip netns del "$(ns_us "$id")" 2>/dev/null || true
    ip netns del "$(ns_peer "$id")" 2>/dev/null || true
    ip netns del "$(ns_nat "$id")" 2>/dev/null || true
    [ "${KEEP_INTEROP_STATE:-}" = 1 ] || rm -rf "$dir"
}

command=${1:-}; shift || true
case "$command" in
    install) install_packages ;;
    up) up "$@" ;;
    strongswan) strongswan "$@" ;;
    libreswan) libreswan "$@" ;;
    initiate|terminate|status|isolate|keepalives|flush-nat) peer_command "$1" "$command" ;;
    stop) stop_peer "$1" ;;
    small-path) small_path "$1" ;;
    addresses) load_addresses "$1"; echo "$US $PEER $US_SEEN $PEER_SEEN" ;;
    shim-path) mkdir -p "$(state "$1")"; shim "$1" ;;
    down) down "$@" ;;
    *) die "usage: see the header of $0" ;;
esac
