# Helpers shared by the guest's end-to-end scripts (iked-e2e.sh, natt-e2e.sh); sourced, not run.
# The caller sets BIN (in.iked, ipsecconf, ikeadm), W (work directory), OUT (files to keep) and
# PIDS=() before sourcing, and defines fail().

up() { cut -d' ' -f1 /proc/uptime; }
T0=$(up)
since() { awk -v a="$1" -v b="$(up)" 'BEGIN{printf "%.2f", b-a}'; }
step() { echo; echo "== [$(since "$T0") s] $*"; }
metric() { echo "METRIC $1 $2"; echo "$1 $2" >>"$OUT/metrics.txt"; }

wait_for() { # wait_for SECONDS COMMAND...: poll every 0.2 s
    local limit=$1 i; shift
    for ((i = 0; i < limit * 5; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    return 1
}
esp_spis() { ip -n "$1" xfrm state | awk '/proto esp spi/{print $4}' | sort; }
sa_count() { ip -n "$1" xfrm state | grep -c 'proto esp' || true; }
no_sas() { [ "$(sa_count "$1")" = 0 ]; }
# sa_at_least NS N: counted anew on every call (wait_for must re-evaluate it, not a count taken once).
sa_at_least() { [ "$(sa_count "$1")" -ge "$2" ]; }
# "src dst spi bytes" per ESP SA.
sa_bytes() {
    ip -n "$1" -s xfrm state | awk '/^src /{s=$2; d=$4} /proto esp spi/{spi=$4}
        /lifetime current:/{getline; b=$1; sub(/\(bytes\).*/, "", b); print s, d, spi, b}'
}
check_counters_rise() { # check_counters_rise NS NS: every ESP SA in both has carried bytes
    local n line bad=0 count=0
    for n in "$@"; do
        while read -r line; do
            [ -n "$line" ] || continue; set -- $line; count=$((count + 1))
            echo "   $n: $1 -> $2 spi $3: $4 bytes"
            [ "$4" -gt 0 ] || bad=$((bad + 1))
        done <<<"$(sa_bytes $n)"
    done
    [ "$count" -ge 4 ] || fail "expected 4 ESP SAs, found $count"
    [ "$bad" = 0 ] || fail "$bad SA byte counters stayed at 0"
}
sniff_start() { # sniff_start NAME NS INTERFACE: tcpdump there, both directions, into $OUT/NAME.pcap
    SNIFF_FILE=$OUT/$1.pcap
    ip netns exec "$2" tcpdump -Z root -U -n -i "$3" -w "$SNIFF_FILE" >"$W/tcpdump-$1.log" 2>&1 &
    SNIFF_PID=$!; PIDS+=("$SNIFF_PID")
    wait_for 30 grep -q "listening on" "$W/tcpdump-$1.log" || fail "tcpdump did not start"
}
sniff_text() { # stops the capture and prints it as text
    sleep 1.5; kill -INT "$SNIFF_PID" 2>/dev/null || true; wait "$SNIFF_PID" 2>/dev/null || true
    tcpdump -n -r "$SNIFF_FILE" 2>/dev/null
}

# diagnose NS...: the daemons' logs and the namespaces' SAs and policies, after a failure.
diagnose_namespaces() {
    local f n
    for f in "$W"/*/in.iked.log "$W"/*/charon.log; do [ -s "$f" ] && { echo "---- tail $f"; tail -n 40 "$f"; }; done
    for n in "$@"; do echo "---- $n"; ip -n $n -s xfrm state 2>&1 | head -40; ip -n $n xfrm policy 2>&1 | head -20; done
}
fail() { echo "FAIL: $*"; diagnose; exit 1; }
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND (rc=$?)"; diagnose' ERR
stop_all() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }

load_policy() { ip netns exec "$1" "$BIN/ipsecconf" --root "$W/$1" -a "$W/$1/policy.conf"; }
start_iked() { # start_iked NS VAR: in.iked in NS, its pid in IKED_VAR
    local d=$W/$1
    ip netns exec "$1" "$BIN/in.iked" --root "$d" -d >"$d/in.iked.log" 2>&1 &
    eval "IKED_$2=$!"; PIDS+=("$!")
    wait_for 60 test -S "$d/var/run/ike_door" || fail "in.iked did not start in $1: $(cat "$d/in.iked.log")"
}
adm() { local ns=$1; shift; ip netns exec "$ns" "$BIN/ikeadm" --root "$W/$ns" "$@"; }
stop_pid() { local p=$1 i; kill "$p" 2>/dev/null || return 0; for ((i = 0; i < 100; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; wait "$p" 2>/dev/null || true; }

# start_charon NS DIR NAME LOCAL REMOTE_ADDRS REMOTE_ID PSK: strongSwan's charon (kernel-netlink) in NS
# with its files under DIR and one IKEv1 PSK connection NAME (transport mode, aes128-sha1, MODP-2048)
# from LOCAL to REMOTE_ADDRS (%any: whoever comes) whose peer is REMOTE_ID; `sw` then talks to it.
# Its pid is in CHARON.
start_charon() {
    local ns=$1 d=$2 name=$3 local_address=$4 remote=$5 remote_id=$6 psk=$7
    command -v /usr/sbin/charon-systemd >/dev/null || fail "no charon-systemd (scripts/interop/peers.sh install)"
    mkdir -p "$d"/swanctl/{x509,x509ca,x509ocsp,x509aa,x509ac,x509crl,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
    cat >"$d/strongswan.conf" <<-CONF
	charon-systemd {
	  load = random nonce openssl pem pkcs1 x509 pubkey gmp aes sha1 sha2 hmac kdf kernel-netlink socket-default vici
	  install_routes = no
	  plugins { vici { socket = unix://$d/charon.vici } }
	  filelog { main { path = $d/charon.log
	                   default = 1
	                   ike = 2
	                   knl = 2
	                   flush_line = yes } }
	  journal { default = -1 }
	}
	swanctl { load = pem pkcs1 pkcs8 x509 pubkey openssl random }
	CONF
    cat >"$d/swanctl/swanctl.conf" <<-CONF
	connections { $name { version = 1
	    local_addrs = $local_address
	    remote_addrs = $remote
	    proposals = aes128-sha1-modp2048
	    local { auth = psk
	            id = $local_address }
	    remote { auth = psk
	             id = $remote_id }
	    children { $name { mode = transport
	                     esp_proposals = aes128-sha1
	                     start_action = none } } } }
	secrets { ike-$name { id-1 = $local_address
	                    id-2 = $remote_id
	                    secret = "$psk" } }
	CONF
    CHARON_DIR=$d
    STRONGSWAN_CONF=$d/strongswan.conf ip netns exec "$ns" /usr/sbin/charon-systemd >"$d/stdout.log" 2>&1 </dev/null &
    PIDS+=("$!"); CHARON=$!
    wait_for 60 test -S "$d/charon.vici" || fail "charon did not start: $(cat "$d/stdout.log")"
    sw --load-all >/dev/null
}
sw() { STRONGSWAN_CONF=$CHARON_DIR/strongswan.conf SWANCTL_DIR=$CHARON_DIR/swanctl swanctl "$@" --uri "unix://$CHARON_DIR/charon.vici"; }
