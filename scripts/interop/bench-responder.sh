#!/usr/bin/env bash
# Responder cost per Main Mode + Quick Mode (PSK or RSA-2048 signatures, MODP-2048, AES-128/SHA1),
# strongSwan initiating: against our in.iked (release build) and against strongSwan's own responder,
# in the same run; with rsa also the crypto floor of one such handshake (ikebench floor).
#   scripts/interop/bench-responder.sh [COUNT] [CONCURRENCY] [pfs|nopfs] [psk|rsa]
# Prints responder CPU per handshake and handshakes per second (initiator and responder share the
# machine's cores, as in docs/PERFORMANCE.md). Needs root and scripts/interop/peers.sh install.
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNT=${1:-100}
CONCURRENCY=${2:-16}
PFS=${3:-nopfs}
AUTH=${4:-psk}
ID=bench$$
H=scripts/interop/peers.sh
DIR=/tmp/ike-interop-$ID
swift build -c release --product in.iked >/dev/null
swift build -c release --product ikecert >/dev/null
swift build -c release --product ikebench >/dev/null
BIN=$(swift build -c release --show-bin-path)
IKED=$BIN/in.iked

cleanup() { bash $H down $ID >/dev/null 2>&1 || true; }
trap cleanup EXIT
[ "${KEEP:-}" = 1 ] && trap - EXIT
bash $H up $ID >/dev/null
for i in $(seq 0 $((COUNT - 1))); do
    ip -n ikepeer-$ID addr add 192.0.2.$((100 + i % 150))/24 dev ip-$ID 2>/dev/null || true
done

esp="aes128-sha1"; [ "$PFS" = pfs ] && esp="aes128-sha1-modp2048"
pfs_ours=0; [ "$PFS" = pfs ] && pfs_ours=14

# With rsa: a CA (strongSwan's pki), the responder's key pair from ikecert and its certificate from the
# CA (the same certificate for both responders), and one certificate all initiators share.
PKI=$DIR/pki
RESPONDER_DN="C=US, O=Bench, CN=responder"
INITIATOR_DN="C=US, O=Bench, CN=initiator"
if [ "$AUTH" = rsa ]; then
    mkdir -p "$PKI"
    (cd "$PKI"
     pki --gen --type rsa --size 2048 > ca.key 2>/dev/null
     pki --self --ca --lifetime 30 --in ca.key --dn "C=US, O=Bench, CN=Bench CA" --outform pem > ca.pem 2>/dev/null
     "$BIN/ikecert" --root "$DIR/us" certlocal -kc -m 2048 -t rsa-sha1 -D "$RESPONDER_DN" > responder.req 2>/dev/null
     pki --issue --cacert ca.pem --cakey ca.key --type pkcs10 --in responder.req --dn "$RESPONDER_DN" --lifetime 30 --outform pem > responder.pem 2>/dev/null
     "$BIN/ikecert" --root "$DIR/us" certdb -a < responder.pem >/dev/null 2>&1
     "$BIN/ikecert" --root "$DIR/us" certdb -a < ca.pem >/dev/null 2>&1
     pki --gen --type rsa --size 2048 --outform pem > initiator.key 2>/dev/null
     pki --pub --in initiator.key | pki --issue --cacert ca.pem --cakey ca.key --dn "$INITIATOR_DN" --lifetime 30 --outform pem > initiator.pem 2>/dev/null)
fi
# The local and remote sections of a connection for $AUTH.
auth_sections() { # auth_sections LOCAL_ID LOCAL_CERT
    if [ "$AUTH" = rsa ]; then
        printf '    local { auth = pubkey\n      certs = %s\n      id = "%s" }\n    remote { auth = pubkey\n      cacerts = %s }\n' "$2" "$1" "$PKI/ca.pem"
    else
        printf '    local { auth = psk\n      id = %s }\n    remote { auth = psk }\n' "$1"
    fi
}

# A charon with a VICI socket and a quiet log in directory $1 (initiator and responder alike).
charon_conf() {
    cat > "$1/strongswan.conf" <<CONF
charon-systemd {
  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey constraints curve25519 aes sha1 sha2 md5 hmac kdf kernel-netlink socket-default vici
  install_routes = no
  threads = 16
  init_limit_half_open = 0
  ikesa_table_size = 1024
  plugins { vici { socket = unix://$1/charon.vici } }
  filelog { main { path = $1/charon.log
    default = 0 } }
  journal { default = -1 }
}
CONF
}

# CPU seconds of every thread of process $1, from the scheduler's nanosecond accounting
# (/proc/PID/task/*/schedstat), not the tick-sampled utime+stime.
cpu_of() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ total += $1 } END { printf "%.6f", total / 1e9 }'; }

start_initiator() {
    local conf=$DIR/init
    mkdir -p "$conf/private"
    charon_conf "$conf"
    [ "$AUTH" = rsa ] && cp "$PKI/initiator.key" "$conf/private/"
    {
        echo "connections {"
        for i in $(seq 0 $((COUNT - 1))); do
            local address=192.0.2.$((100 + i % 150))
            cat <<CONN
  c$i { version = 1
    local_addrs = $address
    remote_addrs = 192.0.2.1
    proposals = aes128-sha1-modp2048
$(if [ "$AUTH" = rsa ]; then auth_sections "$INITIATOR_DN" "$PKI/initiator.pem"; else auth_sections "$address"; fi)
    children { c$i { local_ts = $address/32
        remote_ts = 192.0.2.1/32
        esp_proposals = $esp
        mode = transport } } }
CONN
        done
        echo "}"
        echo 'secrets { ike-all { secret = "bench key" } }'
    } > "$conf/swanctl.conf"
    ip netns exec ikepeer-$ID env STRONGSWAN_CONF="$conf/strongswan.conf" LD_PRELOAD="$(bash $H shim-path $ID)" /usr/sbin/charon-systemd >/dev/null 2>&1 &
    INITIATOR=$!
    for _ in $(seq 1 100); do [ -S "$conf/charon.vici" ] && break; sleep 0.05; done
    swanctl --load-all --file "$conf/swanctl.conf" --uri "unix://$conf/charon.vici" >/dev/null
}

run_round() {
    local label=$1 responder=$2 conf=$DIR/init
    local before; before=$(cpu_of "$responder")
    local start; start=$(date +%s.%N)
    seq 0 $((COUNT - 1)) | xargs -P "$CONCURRENCY" -I{} swanctl --initiate --child c{} --timeout 30 --uri "unix://$conf/charon.vici" >"$DIR/initiate.log" 2>&1 || true
    local end; end=$(date +%s.%N)
    local after; after=$(cpu_of "$responder")
    local done_count; done_count=$(swanctl --list-sas --uri "unix://$conf/charon.vici" 2>/dev/null | grep -c "INSTALLED" || true)
    awk -v l="$label" -v b="$before" -v a="$after" -v s="$start" -v e="$end" -v n="$done_count" -v c="$COUNT" \
        'BEGIN { printf "%-34s %4d/%d established  responder CPU %.2f ms per MM+QM  %.0f handshakes/s\n", l, n, c, (a - b) * 1000 / n, n / (e - s) }'
}

stop_initiator() { kill "$INITIATOR" 2>/dev/null || true; wait "$INITIATOR" 2>/dev/null || true; rm -rf "$DIR/init"; }

# Round 1: our responder.
mkdir -p "$DIR/us/etc/inet/ike" "$DIR/us/etc/inet/secret"
if [ "$AUTH" = rsa ]; then
    cat > "$DIR/us/etc/inet/ike/config" <<CONF
cert_root "C=US, O=Bench, CN=Bench CA"
p1_xform { auth_method rsa_sig oakley_group 14 auth_alg sha1 encr_alg aes(128) }
p2_pfs $pfs_ours
{ label "bench" local_addr 192.0.2.1 remote_addr 192.0.2.0/24 local_id_type dn local_id "$RESPONDER_DN" remote_id "" }
CONF
else
    cat > "$DIR/us/etc/inet/ike/config" <<CONF
p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes(128) }
p2_pfs $pfs_ours
{ label "bench" local_addr 192.0.2.1 remote_addr 192.0.2.0/24 }
CONF
fi
echo '{ localid 192.0.2.1 remoteid 192.0.2.0/24 key "bench key" }' > "$DIR/us/etc/inet/secret/ike.preshared"
chmod 600 "$DIR/us/etc/inet/secret/ike.preshared"
echo '{laddr 192.0.2.1 raddr 192.0.2.0/24} ipsec {encr_algs aes encr_auth_algs sha1}' > "$DIR/us/etc/inet/ipsecinit.conf"
ip netns exec ikeus-$ID "$IKED" --root "$DIR/us" --kernel memory --debug-level 0 >"$DIR/in.iked.log" 2>&1 &
OURS=$!
sleep 1
start_initiator
run_round "in.iked responder ($AUTH, $PFS)" "$OURS"
stop_initiator
kill "$OURS"; wait "$OURS" 2>/dev/null || true

# Round 2: strongSwan's responder, same initiator set-up.
mkdir -p "$DIR/resp/private"
charon_conf "$DIR/resp"
[ "$AUTH" = rsa ] && cp "$DIR/us/etc/inet/secret/ike.privatekeys/0" "$DIR/resp/private/responder.key"
cat > "$DIR/resp/swanctl.conf" <<CONF
connections { resp { version = 1
    local_addrs = 192.0.2.1
    proposals = aes128-sha1-modp2048
$(if [ "$AUTH" = rsa ]; then auth_sections "$RESPONDER_DN" "$PKI/responder.pem"; else auth_sections 192.0.2.1; fi)
    children { resp { local_ts = 192.0.2.1/32
        remote_ts = 192.0.2.0/24
        esp_proposals = $esp
        mode = transport } } } }
secrets { ike-all { secret = "bench key" } }
CONF
ip netns exec ikeus-$ID env STRONGSWAN_CONF="$DIR/resp/strongswan.conf" LD_PRELOAD="$(bash $H shim-path $ID)" /usr/sbin/charon-systemd >/dev/null 2>&1 &
THEIRS=$!
for _ in $(seq 1 100); do [ -S "$DIR/resp/charon.vici" ] && break; sleep 0.05; done
swanctl --load-all --file "$DIR/resp/swanctl.conf" --uri "unix://$DIR/resp/charon.vici" >/dev/null
start_initiator
run_round "strongSwan responder ($AUTH, $PFS)" "$THEIRS"
stop_initiator
kill "$THEIRS"; wait "$THEIRS" 2>/dev/null || true

# The crypto floor of the same handshake, on the same machine in the same run.
if [ "$AUTH" = rsa ]; then
    "$BIN/ikebench" floor $([ "$PFS" = pfs ] && echo pfs)
fi
