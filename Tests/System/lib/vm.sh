# Sourced by system tests: a QEMU VM (software emulation; testing-recipes.md, recipe 3) with a real
# V4L2 driver (vivid). It boots Debian's kernel from a busybox initramfs that holds only kernel
# modules; the host's root is shared read-only over 9p and programs run in a chroot of it, so the
# binaries under test run with exactly the libraries they were built against. The kernel is
# downloaded once into .cache/vm (git-ignored).
#   vm_prepare                  kernel, modules and initramfs (cached)
#   vm_run SCRIPT OUT [SECONDS] boots, runs SCRIPT (busybox sh) with OUT shared at /share, powers off
#                               (or boots the system SCRIPT mounted at /newroot; VM_ROOT=DIR shares
#                               DIR as the 9p tag "root" for that)
#   vm_stage OUT [BIN [MODEL...]]  puts lookoutd and lookout (from BIN, default .build/debug) and the
#                               named model files (with their labels) in OUT/stage: the VM copies it
#                               into its RAM, at /tmp in the host's chroot (/tmp/bin, /tmp/models)
# In SCRIPT: `host CMD...` runs CMD in the chroot of the host's root, with /share at /mnt;
# modprobe and rmmod work on the VM's own kernel. The host's root is mounted with cache=loose:
# mmap'd libraries page in once (a Swift program starts in ~2 s, not ~30 s as with cache=none);
# the share is not cached, so what SCRIPT writes there reaches the host as it is written.
VM_CACHE=${LOOKOUT_VM_CACHE:-$PWD/.cache/vm}

vm_prepare() {
  need_host_packages qemu-system-x86 busybox-static cpio kmod v4l-utils xz-utils
  local pkg version
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-6/ {print $2; exit}')
  if [ -z "$pkg" ]; then  # no package lists: the kernel downloaded before, if there is one
    pkg=$(ls -d "$VM_CACHE"/*/vmlinux 2>/dev/null | tail -1 | xargs -r dirname | xargs -r basename)
    [ -n "$pkg" ] || { echo "vm: cannot resolve linux-image-amd64 (apt-get update?)" >&2; return 1; }
    pkg=linux-image-$pkg
  fi
  version=${pkg#linux-image-}
  if [ ! -e "$VM_CACHE/$version/vmlinux" ]; then
    rm -rf "$VM_CACHE/$version"; mkdir -p "$VM_CACHE/$version"
    (cd "$VM_CACHE" && apt-get download "$pkg" 2>/dev/null && dpkg -x "${pkg}"_*.deb "$version/kernel" && rm -f "${pkg}"_*.deb)
    depmod -b "$VM_CACHE/$version/kernel" "$version"
    # The uncompressed ELF kernel boots in half the time of vmlinuz: it is the xz stream inside.
    python3 - "$VM_CACHE/$version/kernel/boot/vmlinuz-$version" "$VM_CACHE/$version/vmlinux" <<'PY'
import lzma, sys
data = open(sys.argv[1], "rb").read()
start = data.find(b"\xfd7zXZ\x00")
open(sys.argv[2] + ".tmp", "wb").write(lzma.LZMADecompressor().decompress(data[start:]))
PY
    mv "$VM_CACHE/$version/vmlinux.tmp" "$VM_CACHE/$version/vmlinux"
  fi
  # The initramfs is rebuilt whenever this file changes.
  local stamp
  stamp=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
  if [ "$(cat "$VM_CACHE/$version/initramfs.stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$VM_CACHE/$version/initramfs"
    vm_initramfs "$version"
    echo "$stamp" > "$VM_CACHE/$version/initramfs.stamp"
  fi
  VM_KERNEL=$VM_CACHE/$version/vmlinux
  VM_INITRD=$VM_CACHE/$version/initramfs.cpio
}

vm_initramfs() {
  local version=$1 root=$VM_CACHE/$1/initramfs
  mkdir -p "$root"/{bin,sbin,proc,sys,dev,host,share,tmp,lib/modules/"$version"}
  cp /bin/busybox "$root/bin/busybox"
  for applet in switch_root sh mount umount mkdir sleep cat echo poweroff modprobe rmmod insmod chroot kill ls grep date timeout wc cut tr head tail sed awk lsmod seq; do
    ln -sf busybox "$root/bin/$applet"
  done
  ln -sf ../bin/busybox "$root/sbin/modprobe"
  for name in vivid virtio_pci 9pnet_virtio 9p; do
    modprobe -d "$VM_CACHE/$version/kernel" -S "$version" --show-depends "$name"
  done | awk '/^insmod/ {print $2}' | sort -u | while read -r module; do
      local relative=${module#"$VM_CACHE/$version/kernel"}
      mkdir -p "$root$(dirname "$relative")"
      cp "$module" "$root$relative"
    done
  cp "$VM_CACHE/$version/kernel/lib/modules/$version"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$version/" 2>/dev/null || true
  depmod -b "$root" "$version"
  cat > "$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
modprobe virtio_pci; modprobe 9pnet_virtio; modprobe 9p
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro,cache=loose host /host
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 share /share
mount -t devtmpfs dev /host/dev; mount -t proc proc /host/proc; mount -t sysfs sys /host/sys
mount -t tmpfs tmp /host/tmp; mount -t tmpfs run /host/run; mount --bind /share /host/mnt
host() { chroot /host "$@"; }
cut -d' ' -f1 /proc/uptime > /share/vm-boot
[ -d /share/stage ] && cp -a /share/stage/. /host/tmp/
if [ -f /share/vm-script.sh ]; then
  (. /share/vm-script.sh) > /share/vm-output 2>&1
  echo $? > /share/vm-status
  cut -d' ' -f1 /proc/uptime > /share/vm-end
fi
# A script that mounted a whole system at /newroot boots it (systemd as PID 1).
# The share's 9p channel is released first, so that the system can mount it again.
if [ -x /newroot/lib/systemd/systemd ]; then
  umount /host/mnt /host/tmp /host/run /host/dev /host/proc /host/sys /host /share
  exec switch_root /newroot /lib/systemd/systemd
fi
sync
poweroff -f
INIT
  chmod +x "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet > "$VM_CACHE/$version/initramfs.cpio")
}

# How long a VM run may take before it counts as hung: a guard, not a speed target. The camera test's
# VM took 211 s on CI's host and over 300 s on a loaded 2-core one (emulated CPU); a board-class or
# nested host is slower still.
VM_PATIENCE=${VM_PATIENCE:-1800}

vm_run() {
  local script=$1 out=$2 seconds=${3:-120}
  cp "$script" "$out/vm-script.sh"
  rm -f "$out/vm-status" "$out/vm-boot" "$out/vm-end"
  timeout "$seconds" qemu-system-x86_64 -accel tcg,thread=multi -cpu "${VM_CPU:-max}" -m 1024 -smp 2 -nographic -no-reboot \
    -kernel "$VM_KERNEL" -initrd "$VM_INITRD" \
    -virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap,id=host \
    -virtfs local,path="$out",mount_tag=share,security_model=none,id=share \
    ${VM_ROOT:+-virtfs local,path="$VM_ROOT",mount_tag=root,security_model=none,multidevs=remap,id=root} \
    -append "console=ttyS0 quiet panic=-1" > "$out/vm-console.log" 2>&1 || true
  [ -e "$out/vm-status" ] || { echo "vm: no result within $seconds s; console:"; tail -20 "$out/vm-console.log"; return 1; }
  VM_BOOT_SECONDS=$(cat "$out/vm-boot" 2>/dev/null || echo "?")
  VM_SCRIPT_SECONDS=$(awk '{print $1 - b}' b="$VM_BOOT_SECONDS" "$out/vm-end" 2>/dev/null || echo "?")
}

vm_stage() {
  local out=$1 bin=${2:-.build/debug} model
  shift; [ $# -gt 0 ] && shift
  mkdir -p "$out/stage/bin" "$out/stage/models"
  cp "$bin/lookoutd" "$bin/lookout" "$out/stage/bin/"
  for model in "$@"; do
    cp "$model" "$out/stage/models/"
    for labels in "${model%.tflite}.labels.txt" "$(dirname "$model")"/imagenet_labels_1001.txt; do
      [ -e "$labels" ] && cp "$labels" "$out/stage/models/"
    done
  done
  return 0
}
