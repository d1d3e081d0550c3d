#!/usr/bin/env bash
# lookoutd under a real systemd (systemd-nspawn booting Debian; testing-recipes.md, recipe 2),
# installed by the project's own scripts/install.sh and unit files, on a replay source:
# READY before active, STATUS=, journal events, reload to a new head without restart, a broken
# config refused on reload, the watchdog restarting a stopped daemon, a clean stop, and the
# `systemd-analyze security` exposure; a per-camera instance (lookoutd@front) whose camera is
# missing. Every check is printed, numbered. Figures (READY time, reload time, exposure, ...) are
# printed and kept in .cache/system-tests/systemd.txt with the sandbox report (BENCHMARKS.md).
# LOOKOUT_BIN picks the binaries (default .build/debug; .build/release for `make install`'s).
set -euo pipefail
cd "$(dirname "$0")/../.."
source Tests/System/lib/rootfs.sh
BIN=${LOOKOUT_BIN:-.build/debug}
SHARED=${LOOKOUT_SHARED_DIR:-../shared}
export LOOKOUT_MODEL_DIR=${LOOKOUT_MODEL_DIR:-$SHARED/models}
trap 'echo "systemd test: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
make_rootfs

W=$(mktemp -d /tmp/lookout-systemd.XXXXXX)
trap 'rm -rf "$W"' EXIT
OUT=$W/out; mkdir -p "$OUT"
# A snapshot of the binaries: the shared .build may be relinked by another build meanwhile.
mkdir -p "$W/bin"
for tool in lookout lookoutd; do
  for _ in 1 2 3 4 5 6; do cp "$BIN/$tool" "$W/bin/$tool" 2>/dev/null && "$W/bin/$tool" --help >/dev/null 2>&1 && break; sleep 10; done
  "$W/bin/$tool" --help >/dev/null || { echo "systemd test: $BIN/$tool does not run (build it first)"; exit 1; }
done
SOURCE_BIN=$BIN BIN=$W/bin
root_overlay "$W"
trap 'umount "$W/root" 2>/dev/null || true; rm -rf "$W"' EXIT
R=$W/root
root_install "$R" "$BIN" Tests/System/lib/systemd-inside.sh
# The replay "camera" and a head for the reload test: two Caltech-101 labels, a few images each.
mkdir -p "$R/var/lib/lookout/replay" "$W/data"
cp "$SHARED"/photos/{cat.png,cat_720p.jpg,hot_dog.jpg,owl.jpg,grace_hopper.png} "$R/var/lib/lookout/replay/"
for label in airplanes Motorbikes; do
  mkdir -p "$W/data/$label"; ls "$SHARED/datasets/caltech101/$label" | sed -n 1,12p | while read f; do cp "$SHARED/datasets/caltech101/$label/$f" "$W/data/$label/"; done
done
"$BIN/lookout" retrain --model "$LOOKOUT_MODEL_DIR/mobilenet_v1_0.25_128_quant.tflite" --data "$W/data" \
  --output "$R/var/lib/lookout/heads/planes-bikes" --cache "$W/cache" --validation-percent 0 > "$W/retrain.log" 2>&1
cat > "$R/etc/lookout/lookout.yaml" <<'YAML'
source: {replay: /var/lib/lookout/replay, replay_fps: 5}
model: {path: mobilenet_v1_0.25_128_quant}
classify: {max_rate: 5, cpu_budget: 0.5}
events: {threshold: 0.3, min_frames: 1, window: 1, clear_frames: 1, heartbeat_seconds: 2}
YAML
# A camera instance: /dev/video0 does not exist in the machine.
sed 's|^source: .*|source: {device: /dev/video0}|' "$R/etc/lookout/lookout.yaml" > "$R/etc/lookout/front.yaml"
# A shorter watchdog for the test than the shipped 20 s.
mkdir -p "$R/etc/systemd/system/lookoutd.service.d"
printf '[Service]\nWatchdogSec=3s\nEnvironment=LOOKOUT_LIVE_WATCH_SECONDS=3\n' > "$R/etc/systemd/system/lookoutd.service.d/test.conf"
# The machine also sees this checkout, the binaries and the models (read-only), to run
# scripts/install.sh once more inside, on a running systemd.
# The Swift runtime of a development build (an installed release build links it in statically).
# (Not `ldd | grep -q`: under pipefail, ldd killed by SIGPIPE once grep has its match fails the test.)
grep -q /opt/swift <<<"$(ldd "$BIN/lookoutd")" && SWIFT_BIND=--bind-ro=/opt/swift || SWIFT_BIND=
start=$(date +%s)
timeout 120 unshare -m --propagation private bash -c "mount -t tmpfs tmpfs /run && exec systemd-nspawn -q -D '$R' \
  --register=no --keep-unit --bind='$OUT:/mnt/share' $SWIFT_BIND --bind-ro='$PWD:/mnt/src' \
  --bind-ro='$BIN:/mnt/bin' --bind-ro='$(realpath "$LOOKOUT_MODEL_DIR"):/mnt/models' --boot" > "$W/boot.log" 2>&1 || true
echo "boot, test and power-off: $(( $(date +%s) - start )) s"
cat "$OUT/results" 2>/dev/null || { echo "no results; boot log:"; tail -30 "$W/boot.log"; exit 1; }
keep=.cache/system-tests; mkdir -p "$keep"
{ echo "# Tests/System/run.sh systemd, $(date -u +%FT%TZ), $(git rev-parse --short HEAD), binaries $SOURCE_BIN, $(nproc) cores"
  echo "boot, test and power-off: $(( $(date +%s) - start )) s"
  cat "$OUT/figures" 2>/dev/null; } > "$keep/systemd.txt"
cp "$OUT/security.txt" "$keep/systemd-security.txt" 2>/dev/null || true
echo "--- figures (kept in $keep/systemd.txt)"; cat "$keep/systemd.txt"
[ "$(cat "$OUT/status" 2>/dev/null)" = 0 ]
