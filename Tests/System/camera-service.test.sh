#!/usr/bin/env bash
# End to end, everything real at once: a QEMU VM with the vivid camera driver boots Debian with
# systemd (root shared from the host over 9p), Lookout installed by scripts/install.sh and run
# by its own lookoutd.service; camera frames go in, recognition events come out in journald,
# and `lookout tail` shows them.
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/System/lib/rootfs.sh
source Tests/System/lib/vm.sh
BIN=$(cd "${LOOKOUT_BIN:-.build/debug}" && pwd)
trap 'echo "camera-service test: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
make_rootfs
vm_prepare
W=$(mktemp -d /tmp/lookout-e2e.XXXXXX)
OUT=$W/out; mkdir -p "$OUT"
root_overlay "$W"
trap 'umount "$W/root" 2>/dev/null || true; rm -rf "$W"' EXIT
R=$W/root
root_install "$R" "$BIN" Tests/System/lib/camera-service-inside.sh
# The VM emulates its CPU: a small model, a low rate, and a low bar so vivid's test pattern starts events.
cat > "$R/etc/lookout/lookout.yaml" <<'YAML'
source: {device: /dev/video0, width: 640, height: 480}
model: {path: mobilenet_v1_0.25_128_quant}
classify: {max_rate: 2, cpu_budget: 1}
events: {threshold: 0.05, min_frames: 1, window: 1, clear_frames: 1, heartbeat_seconds: 2}
YAML
# The emulated CPU can take seconds for one inference, and a stop waits for the one in flight:
# more time to stop than the shipped 5 s, here only.
mkdir -p "$R/etc/systemd/system/lookoutd.service.d"
printf '[Service]\nTimeoutStopSec=60s\n' > "$R/etc/systemd/system/lookoutd.service.d/emulated-cpu.conf"
cat > "$W/boot.sh" <<'SCRIPT'
modprobe vivid n_devs=1 node_types=0x1
mkdir -p /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=mmap root /newroot
SCRIPT
start=$(date +%s)
# The Swift runtime of a development build, where the binaries expect it (a release install links it in).
unshare -m --propagation private bash -c "
  mkdir -p '$R/opt/swift' && mount --bind -o ro /opt/swift '$R/opt/swift'
  source Tests/System/lib/rootfs.sh; source Tests/System/lib/vm.sh; vm_prepare
  VM_ROOT='$R' vm_run '$W/boot.sh' '$OUT' '$VM_PATIENCE'"
echo "VM boot with systemd, test and power-off: $(( $(date +%s) - start )) s"
cat "$OUT/results" 2>/dev/null || { echo "no results; console:"; tail -40 "$OUT/vm-console.log"; exit 1; }
[ "$(cat "$OUT/status" 2>/dev/null)" = 0 ]
