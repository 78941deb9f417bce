#!/usr/bin/env bash
# Installs the suite for real use: the release binaries, the systemd units, the man pages and the
# Solaris directories. Run as root from a checkout:
#
#   sudo scripts/install.sh                 build (release) if needed, install under /usr and /etc
#   scripts/install.sh --destdir DIR        stage everything below DIR (packaging; no root needed)
#
# Options: --prefix P (default /usr), --destdir DIR, --bin DIR (prebuilt binaries: in.iked, ikeadm,
# ipsecconf, ikedump, ikecert), --unit-dir D (default /lib/systemd/system), --no-build.
#
# Layout: P/sbin/{in.iked,ikeadm,ipsecconf,ikedump,ikecert}, with P/lib/inet/in.iked linking to it as on
# Solaris; units in the unit directory; man pages (mdoc, read by man directly) in P/share/man;
# /etc/default/in.iked (the SMF properties as options), /etc/inet/ike (0755) with publickeys/ and
# crls/, /etc/inet/secret (0700) with ike.privatekeys/ (0700); /etc/inet/ike/config.sample. Existing
# files are never overwritten: an administrator's config, keys and /etc/default/in.iked stay as they are.
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=/usr DESTDIR="" BIN="" UNIT_DIR=/lib/systemd/system BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) PREFIX=$2; shift 2 ;;
        --destdir) DESTDIR=$2; shift 2 ;;
        --bin) BIN=$2; BUILD=0; shift 2 ;;
        --unit-dir) UNIT_DIR=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        *) echo "install.sh: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
    esac
done
if [ -z "$DESTDIR" ] && [ "$(id -u)" != 0 ]; then echo "install.sh: installing into / needs root (or --destdir DIR)" >&2; exit 2; fi

PROGRAMS="in.iked ikeadm ipsecconf ikedump ikecert"
if [ -z "$BIN" ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
    # The Swift runtime goes into the binaries: the installed programs need only libc and libcrypto.
    if [ "$BUILD" = 1 ]; then
        for program in $PROGRAMS; do swift build -c release --static-swift-stdlib --product "$program" >&2; done
    fi
    BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)
fi
for program in $PROGRAMS; do [ -x "$BIN/$program" ] || { echo "install.sh: $BIN/$program is missing (build first)" >&2; exit 1; }; done

root=${DESTDIR%/}
# install_new MODE SOURCE TARGET: copies unless TARGET exists (administrators' files stay).
install_new() { [ -e "$3" ] || install -m "$1" "$2" "$3"; }

install -d -m 0755 "$root$PREFIX/sbin" "$root$PREFIX/lib/inet" "$root$UNIT_DIR" "$root$PREFIX/share/man/man5" "$root$PREFIX/share/man/man8"
for program in $PROGRAMS; do
    install -m 0755 "$BIN/$program" "$root$PREFIX/sbin/$program"
    # Debug symbols stay in the build tree.
    if command -v strip >/dev/null; then strip --strip-debug "$root$PREFIX/sbin/$program" 2>/dev/null || true; fi
done
ln -sfn "$PREFIX/sbin/in.iked" "$root$PREFIX/lib/inet/in.iked"
for unit in dist/systemd/*.service; do install -m 0644 "$unit" "$root$UNIT_DIR/$(basename "$unit")"; done
for page in man/*.[58]; do install -m 0644 "$page" "$root$PREFIX/share/man/man${page##*.}/$(basename "$page")"; done

install -d -m 0755 "$root/etc/default" "$root/etc/inet" "$root/etc/inet/ike" "$root/etc/inet/ike/publickeys" "$root/etc/inet/ike/crls"
install -d -m 0700 "$root/etc/inet/secret" "$root/etc/inet/secret/ike.privatekeys"
# A directory that existed with a looser mode is tightened: keys must not be listable by others.
chmod 0700 "$root/etc/inet/secret" "$root/etc/inet/secret/ike.privatekeys"
install_new 0644 dist/default/in.iked "$root/etc/default/in.iked"
install_new 0644 Tests/IKEConfigTests/Examples/site-to-site.config "$root/etc/inet/ike/config.sample"
echo "installed in.iked, ikeadm, ipsecconf, ikedump, ikecert under ${root:-}$PREFIX, units in ${root:-}$UNIT_DIR"
if [ -z "$DESTDIR" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    echo "enable with: systemctl enable --now ipsec-policy.service in.iked.service (in.iked starts only when /etc/inet/ike/config exists)"
fi
