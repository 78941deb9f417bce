#!/usr/bin/env bash
# Runs one script inside a stock Debian kernel (which has ESP, unlike some CI hosts) booted under QEMU
# over this machine's own filesystem, and exits with the script's status.
#
#   scripts/kvm/run-in-guest.sh SCRIPT [ARGS...]     run SCRIPT as root in the guest
#   scripts/kvm/run-in-guest.sh --setup              prepare only (packages, kernel, initramfs)
#
# The guest sees the host's / read-only with a tmpfs on top (writes vanish at power-off), runs the
# script in the caller's directory with the caller's PATH, and has no network device. Files to keep go
# to /run/guest-out, which is $IKE_GUEST_OUT_DIR on the host (a fresh temporary directory by default,
# removed after a passing run). Variables named in IKE_GUEST_ENV (and CI, E2E_*) are passed on.
# Exit status: the script's; 124 time-out (IKE_GUEST_TIMEOUT, default 900 s); 125 the guest died.
# IKE_GUEST_INIT=systemd boots systemd as PID 1 instead, with a default target that runs the script.
#
# How: the kernel .deb (linux-image-amd64's current dependency) and busybox-static are unpacked, not
# installed; a small initramfs loads virtio, 9p and overlay, mounts the host root over 9p under an
# overlay, and switch_roots into it (module autoload needs PID 1 in the new root); QEMU runs under TCG
# (nested KVM on some hosts cannot run a stock kernel) and boots the ELF vmlinux directly (PVH).
set -euo pipefail

CACHE=${IKE_GUEST_CACHE:-/opt/ike-kvm}
TIMEOUT=${IKE_GUEST_TIMEOUT:-900}
MEMORY=${IKE_GUEST_MEMORY:-1024}
CPUS=${IKE_GUEST_CPUS:-2}
LAYOUT=4   # bump when the initramfs changes

say() { echo "run-in-guest: $*" >&2; }
die() { say "$*"; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (apt-get, QEMU with the host root exported)"

UPDATED=0
apt_update() { [ $UPDATED = 1 ] || { apt-get -o DPkg::Lock::Timeout=600 update -qq; UPDATED=1; }; }

host_packages() {
    local missing=()
    command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
    command -v modprobe >/dev/null || missing+=(kmod)
    command -v cpio >/dev/null || missing+=(cpio)
    command -v ping >/dev/null || missing+=(iputils-ping)
    command -v tcpdump >/dev/null || missing+=(tcpdump)
    command -v nft >/dev/null || missing+=(nftables)
    command -v conntrack >/dev/null || missing+=(conntrack)
    [ ${#missing[@]} = 0 ] && return
    say "installing ${missing[*]}"
    apt_update
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

unpack_deb() { # unpack_deb PACKAGE DIR
    local deb
    mkdir -p "$CACHE/debs"
    deb=$(ls "$CACHE/debs/$1"_*.deb 2>/dev/null | sort -V | tail -1 || true)
    if [ -z "$deb" ]; then
        (cd "$CACHE/debs" && apt-get download -qq "$1" 2>/dev/null) || { apt_update; (cd "$CACHE/debs" && apt-get download -qq "$1"); }
        deb=$(ls "$CACHE/debs/$1"_*.deb | sort -V | tail -1)
    fi
    rm -rf "$2"; mkdir -p "$2"; dpkg -x "$deb" "$2"
}

kernel() {
    local package
    package=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
    if [ -z "$package" ]; then apt_update; package=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}'); fi
    [ -n "$package" ] || die "cannot find the linux-image-amd64 kernel package"
    KDIR=$CACHE/kernel/$package
    if [ ! -e "$KDIR/.ready" ]; then
        say "unpacking $package"
        unpack_deb "$package" "$KDIR"
        KVER=$(ls "$KDIR/lib/modules" | head -1)
        depmod -a -b "$KDIR" "$KVER"   # the .deb ships no modules.dep
        # The ELF kernel inside the bzImage: QEMU boots it directly (PVH), skipping the BIOS and the
        # decompressor, which are slow under emulation.
        python3 - "$KDIR/boot/vmlinuz-$KVER" "$KDIR/vmlinux" <<'PY'
import lzma, sys, zlib
data = open(sys.argv[1], "rb").read()
start = data.find(b"\xfd7zXZ\x00")
elf = lzma.LZMADecompressor().decompress(data[start:]) if start >= 0 else None
if elf is None:
    start = data.find(b"\x1f\x8b\x08\x00")
    elf = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[start:]) if start >= 0 else b""
if elf[:4] != b"\x7fELF":
    sys.exit("no ELF kernel inside " + sys.argv[1])
open(sys.argv[2], "wb").write(elf)
PY
        touch "$KDIR/.ready"
    fi
    KVER=$(ls "$KDIR/lib/modules" | head -1)
    MODULES=$KDIR/lib/modules/$KVER
}

module_paths() { # the initramfs modules and their dependencies, dependencies first
    local -A seen=()
    local order=()
    visit() {
        local path=$1 dependency
        [ -n "${seen[$path]:-}" ] && return
        seen[$path]=1
        for dependency in $(grep -E "^$path:" "$MODULES/modules.dep" | cut -d: -f2-); do visit "$dependency"; done
        order+=("$path")
    }
    local name path
    for name in virtio_pci virtio_console virtio_rng 9pnet_virtio 9p overlay; do
        path=$(grep -E "/${name//_/[-_]}\.ko(\.[a-z]+)?:" "$MODULES/modules.dep" | head -1 | cut -d: -f1)
        if [ -z "$path" ]; then grep -qE "/${name//_/[-_]}\.ko" "$MODULES/modules.builtin" && continue; die "module $name missing"; fi
        visit "$path"
    done
    printf '%s\n' "${order[@]}"
}

initramfs() {
    INITRD=$CACHE/initramfs-$KVER-$LAYOUT.cpio.gz
    [ -s "$INITRD" ] && return
    local busybox=$CACHE/busybox
    [ -x "$busybox/bin/busybox" ] || unpack_deb busybox-static "$busybox"
    local stage; stage=$(mktemp -d)
    mkdir -p "$stage"/{bin,dev,proc,sys,mnt,newroot,modules}
    cp "$busybox/bin/busybox" "$stage/bin/busybox"
    local module file
    for module in $(module_paths); do
        file=$stage/modules/$(basename "${module%.xz}")
        case $module in *.xz) xz -dc "$MODULES/$module" >"$file" ;; *) cp "$MODULES/$module" "$file" ;; esac
        echo "$(basename "$file")" >>"$stage/modules/order"
    done
    cat >"$stage/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
halt() { echo "guest: \$*"; echo o >/proc/sysrq-trigger; sleep 10; }
while read -r m; do insmod /modules/\$m || echo "guest: insmod \$m failed"; done </modules/order
mkdir -p /mnt/host /mnt/tmp
mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose hostroot /mnt/host || halt "9p mount failed"
mount -t tmpfs -o mode=0755 tmpfs /mnt/tmp; mkdir -p /mnt/tmp/upper /mnt/tmp/work
mount -t overlay -o lowerdir=/mnt/host,upperdir=/mnt/tmp/upper,workdir=/mnt/tmp/work overlay /newroot || halt "overlay failed"
mount -t proc proc /newroot/proc; mount -t sysfs sysfs /newroot/sys; mount -t devtmpfs devtmpfs /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /newroot/dev/pts; mount -t tmpfs tmpfs /newroot/dev/shm
mount -t tmpfs -o mode=0755 tmpfs /newroot/run
mkdir -p /newroot/run/guest-out /newroot/run/guest-bin
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 guestout /newroot/run/guest-out || halt "output share failed"
mkdir -p /newroot/lib/modules; ln -sfn $MODULES /newroot/lib/modules/$KVER
for port in /sys/class/virtio-ports/*; do [ "\$(cat \$port/name)" = guest.log ] && echo /dev/\${port##*/} >/newroot/run/guest-bin/log; done
cp /bin/busybox /newroot/run/guest-bin/busybox
cat >/newroot/run/guest-bin/stage2 <<'STAGE2'
B=/run/guest-bin/busybox
/bin/bash /run/guest-out/job.sh </dev/null >"\$(\$B cat /run/guest-bin/log)" 2>&1
echo \$? >/run/guest-out/status
\$B sync; echo o >/proc/sysrq-trigger; \$B sleep 30
STAGE2
ip link set lo up
if [ -e /newroot/run/guest-out/init-systemd ]; then
    # systemd as PID 1 (IKE_GUEST_INIT=systemd): a minimal default target whose one job runs stage2.
    S=/newroot/etc/systemd/system
    mkdir -p \$S
    : >/newroot/etc/fstab
    printf '[Unit]\nDescription=IKE guest job\nRequires=basic.target ike-guest-job.service\nAfter=basic.target\nAllowIsolate=yes\n' >\$S/ike-guest.target
    printf '[Unit]\nDescription=IKE guest job\nAfter=basic.target\n[Service]\nType=oneshot\nExecStart=/run/guest-bin/busybox sh /run/guest-bin/stage2\n' >\$S/ike-guest-job.service
    ln -sfn ike-guest.target \$S/default.target
    # The host's /tmp and /var are the lower layer: boot-time cleaning would walk them over 9p
    # (minutes) and hide the caller's files.
    for unit in systemd-tmpfiles-setup.service systemd-tmpfiles-clean.timer systemd-tmpfiles-clean.service; do ln -sfn /dev/null \$S/\$unit; done
    exec switch_root /newroot /lib/systemd/systemd
fi
exec switch_root /newroot /run/guest-bin/busybox sh /run/guest-bin/stage2
INIT
    chmod 755 "$stage/init"
    (cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$INITRD.new"
    mv "$INITRD.new" "$INITRD"
    rm -rf "$stage"
}

setup() {
    mkdir -p "$CACHE"
    exec 8>"$CACHE/.lock"; flock 8
    host_packages; kernel; initramfs
    flock -u 8
}

[ $# -ge 1 ] || die "usage: run-in-guest.sh SCRIPT [ARGS...] | --setup"
if [ "$1" = --setup ]; then setup; say "ready: $KVER"; exit 0; fi
SCRIPT=$(readlink -f "$1"); shift
[ -f "$SCRIPT" ] || die "no script $SCRIPT"
setup

OUTDIR=${IKE_GUEST_OUT_DIR:-$(mktemp -d /tmp/ike-guest.XXXXXX)}
mkdir -p "$OUTDIR"; rm -f "$OUTDIR/status" "$OUTDIR/log" "$OUTDIR/init-systemd"
# IKE_GUEST_INIT=systemd boots systemd as init and runs the script as its one job (service tests).
[ "${IKE_GUEST_INIT:-}" = systemd ] && : >"$OUTDIR/init-systemd"
{
    echo '#!/bin/bash'
    printf 'export PATH=%q HOME=/root IKE_GUEST=1 IKE_GUEST_OUT=/run/guest-out\n' "$PATH:/usr/sbin:/usr/bin:/sbin:/bin"
    for name in CI ${IKE_GUEST_ENV:-} $(compgen -v E2E_ || true); do
        [ -n "${!name+x}" ] && printf 'export %s=%q\n' "$name" "${!name}"
    done
    printf 'cd %q\nexec /bin/bash %q' "$PWD" "$SCRIPT"
    printf ' %q' "$@"
    echo
} >"$OUTDIR/job.sh"

: >"$OUTDIR/log"
tail -n +1 -s 0.2 -f "$OUTDIR/log" &
TAIL=$!
trap 'kill $TAIL 2>/dev/null || true' EXIT
status=0
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -nodefaults -no-user-config -no-reboot -machine q35 \
    -accel tcg,thread=multi -cpu max -smp "$CPUS" -m "$MEMORY" -display none -monitor none \
    -serial file:"$OUTDIR/console.log" -kernel "$KDIR/vmlinux" -initrd "$INITRD" \
    -append "console=ttyS0 loglevel=4 panic=-1 rdinit=/init mitigations=off tsc=reliable no_timer_check random.trust_cpu=on" \
    -fsdev local,id=host,path=/,readonly=on,security_model=none,multidevs=remap -device virtio-9p-pci,fsdev=host,mount_tag=hostroot \
    -fsdev local,id=out,path="$OUTDIR",security_model=none -device virtio-9p-pci,fsdev=out,mount_tag=guestout \
    -device virtio-rng-pci -device virtio-serial-pci -chardev file,id=log,path="$OUTDIR/log" \
    -device virtserialport,chardev=log,name=guest.log || status=$?
sleep 0.5
if [ -s "$OUTDIR/status" ]; then
    status=$(cat "$OUTDIR/status")
elif [ "$status" = 124 ]; then
    say "timed out after $TIMEOUT s"
else
    say "the guest died before the script finished; console:"; tail -n 30 "$OUTDIR/console.log" >&2; status=125
fi
if [ "$status" = 0 ] && [ -z "${IKE_GUEST_OUT_DIR:-}" ]; then rm -rf "$OUTDIR"; else say "guest files kept in $OUTDIR"; fi
exit "$status"
