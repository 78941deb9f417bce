#!/usr/bin/env bash
# Builds a Debian package of the suite from this checkout with dpkg-deb:
#
#   scripts/package-deb.sh [OUTDIR]       -> OUTDIR/ike-solaris_VERSION_ARCH.deb (default .build/deb)
#
# The package holds what scripts/install.sh installs (static Swift runtime: it depends on libc,
# libstdc++ and libssl3 only). /etc/default/in.iked is a conffile; /etc/inet/ike/config and ike.preshared are the
# administrator's and never shipped. postinst creates the Solaris directories with their modes and
# enables the units only when their configuration exists (in.iked: /etc/inet/ike/config,
# ipsec-policy: /etc/inet/ipsecinit.conf); prerm stops them; removal leaves the administrator's files.
# BIN=DIR uses prebuilt binaries instead of building.
set -euo pipefail
cd "$(dirname "$0")/.."
OUTDIR=${1:-.build/deb}
export PATH="/opt/swift/usr/bin:$PATH"
VERSION=${VERSION:-0.$(git rev-list --count HEAD 2>/dev/null || echo 0)+git$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}
ARCH=$(dpkg --print-architecture)
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT

if [ -n "${BIN:-}" ]; then scripts/install.sh --destdir "$STAGE/root" --bin "$BIN" >/dev/null
else scripts/install.sh --destdir "$STAGE/root" >/dev/null; fi
ROOT=$STAGE/root
# The example and the directories are made by postinst (dpkg would remove directories it owns with
# files of the administrator's in them, and would not keep 0700 on an existing one).
rm -rf "$ROOT/etc/inet"
install -d "$ROOT/usr/share/ike-solaris" "$ROOT/DEBIAN"
install -m 0644 Tests/IKEConfigTests/Examples/site-to-site.config "$ROOT/usr/share/ike-solaris/config.sample"

cat >"$ROOT/DEBIAN/control" <<CONTROL
Package: ike-solaris
Version: $VERSION
Architecture: $ARCH
Maintainer: IKE suite developers <root@localhost>
Depends: libc6, libssl3, libstdc++6, libgcc-s1
Recommends: systemd
Section: net
Priority: optional
Installed-Size: $(du -sk "$ROOT" | cut -f1)
Description: Solaris-compatible IKEv1 key management (in.iked, ikeadm, ipsecconf)
 A re-implementation of the Solaris Internet Key Exchange subsystem for Linux:
 in.iked negotiates IPsec SAs with IKEv1 (Main Mode, Quick Mode, NAT traversal,
 Dead Peer Detection) and installs them through XFRM; ikeadm administers it,
 ipsecconf loads /etc/inet/ipsecinit.conf, ikedump reads IKE captures. The files
 are Solaris's: /etc/inet/ike/config, /etc/inet/secret/ike.preshared.
CONTROL
echo /etc/default/in.iked >"$ROOT/DEBIAN/conffiles"

cat >"$ROOT/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    install -d -m 0755 /etc/inet /etc/inet/ike /etc/inet/ike/publickeys /etc/inet/ike/crls
    install -d -m 0700 /etc/inet/secret /etc/inet/secret/ike.privatekeys
    chmod 0700 /etc/inet/secret /etc/inet/secret/ike.privatekeys
    [ -e /etc/inet/ike/config.sample ] || install -m 0644 /usr/share/ike-solaris/config.sample /etc/inet/ike/config.sample
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload || true
        # Enabled only when configured, as Solaris starts in.iked only when its config exists.
        if [ -e /etc/inet/ipsecinit.conf ]; then systemctl enable ipsec-policy.service || true; fi
        if [ -e /etc/inet/ike/config ]; then systemctl enable in.iked.service || true; fi
    fi
fi
exit 0
POSTINST
cat >"$ROOT/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && { [ "$1" = remove ] || [ "$1" = deconfigure ]; }; then
    systemctl stop in.iked.service ipsec-policy.service || true
    systemctl disable in.iked.service ipsec-policy.service || true
fi
exit 0
PRERM
cat >"$ROOT/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
[ -d /run/systemd/system ] && systemctl daemon-reload || true
if [ "$1" = purge ]; then
    # Only what the package made and nobody changed: the sample and empty directories.
    rm -f /etc/inet/ike/config.sample
    rmdir /etc/inet/ike/publickeys /etc/inet/ike/crls /etc/inet/secret/ike.privatekeys 2>/dev/null || true
    rmdir /etc/inet/ike /etc/inet/secret /etc/inet 2>/dev/null || true
fi
exit 0
POSTRM
chmod 0755 "$ROOT/DEBIAN/postinst" "$ROOT/DEBIAN/prerm" "$ROOT/DEBIAN/postrm"
mkdir -p "$OUTDIR"
DEB=$OUTDIR/ike-solaris_${VERSION}_${ARCH}.deb
dpkg-deb --root-owner-group --build "$ROOT" "$DEB" >/dev/null
echo "$DEB"
