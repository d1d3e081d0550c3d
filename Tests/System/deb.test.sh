#!/usr/bin/env bash
# The Debian packages (scripts/make-deb.sh, `make deb`) as a user gets them:
# - amd64, Debian 12 and Debian 13: `apt-get install ./lookout_*.deb` in a booted systemd-nspawn
#   machine (testing-recipes.md, recipe 2) whose root has systemd but none of Lookout's libraries,
#   so Depends: must bring them; then lookoutd.service on a replay folder, its events in the journal,
#   `apt-get remove` stops it and keeps /var/lib/lookout, `apt-get purge` deletes it
#   (Tests/System/lib/deb-inside.sh);
# - arm64, Debian 13 (Raspberry Pi OS) under qemu-user, in a chroot: the README's Raspberry Pi path
#   as a new user with sudo, `lookout classify` giving the reference top-1 on the 8 reference photos
#   and lookoutd replaying a folder (Tests/System/lib/deb-arm64-inside.sh).
# Usage: Tests/System/run.sh deb   (or DEB_FLAVOURS="deb12-amd64" for fewer). Packages missing from
# dist/, or older than their sources, are built first (scripts/make-deb.sh; incremental).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/deb-lib.sh
SHARED=$(readlink -f "${LOOKOUT_SHARED_DIR:-../shared}")
MODELS=$(readlink -f "${LOOKOUT_MODEL_DIR:-$SHARED/models}")
MIRROR=${LOOKOUT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
trap 'echo "deb test: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
need_host_packages debootstrap systemd-container
version=$(lookout_version)
failed=0

package_of() {  # package_of FLAVOUR: dist/ path of its .deb, built when missing or older than its sources
  local deb="dist/lookout_${version}+${1%-*}_${1#*-}.deb"
  if [ ! -e "$deb" ] || [ -n "$(find Package.swift Sources systemd packaging Config Logs README.md scripts/make-deb.sh \
       scripts/deb-lib.sh -newer "$deb" -print -quit)" ]; then
    scripts/make-deb.sh "$1" >&2
  fi
  echo "$deb"
}

# A root with systemd and apt's package lists, without Lookout's libraries (debootstrap, once).
systemd_root() {  # systemd_root SUITE: prints its path
  local suite=$1 root="$CACHE/roots/deb-test-$1-amd64" list=systemd,systemd-sysv,dbus,procps,ca-certificates
  exec {lock}> "$CACHE/roots/.deb-test-$suite.lock"; flock "$lock"
  if [ ! -e "$root/.complete" ] || [ "$(cat "$root/.complete")" != "$list" ]; then
    rm -rf "$root" "$root.partial"
    echo "deb test: debootstrap $suite into $root (once)" >&2
    debootstrap --variant=minbase --include="$list" "$suite" "$root.partial" "$MIRROR" > /dev/null
    chroot "$root.partial" apt-get update -qq
    echo "$list" > "$root.partial/.complete"
    mv "$root.partial" "$root"
  fi
  exec {lock}>&-
  echo "$root"
}

# nspawn_test FLAVOUR SUITE [pi-path]: boots the root with the package and deb-inside.sh as a oneshot
# unit (after the README's Raspberry Pi path, Tests/System/lib/pi-path.sh, if asked).
nspawn_test() {
  local flavour=$1 suite=$2 pi_path=${3:-} deb root W start
  deb=$(package_of "$flavour")
  root=$(systemd_root "$suite")
  W=$(mktemp -d /tmp/lookout-deb.XXXXXX)
  mkdir -p "$W/upper" "$W/work" "$W/root" "$W/share/photos" "$W/share/models"
  mount -t overlay overlay -o "lowerdir=$root,upperdir=$W/upper,workdir=$W/work" "$W/root"
  cp "$deb" "$W/share/"
  cp "$SHARED"/photos/{cat.png,cat_720p.jpg,hot_dog.jpg,owl.jpg,grace_hopper.png} "$W/share/photos/"
  install -Dm755 Tests/System/lib/deb-inside.sh "$W/root/usr/local/bin/lookout-test"
  cp Tests/System/lib/check.sh "$W/share/"
  [ -z "$pi_path" ] || cp README.md Tests/System/lib/pi-path.sh "$W/share/"
  cat > "$W/root/usr/local/bin/lookout-test-run" <<'RUN'
#!/bin/bash
{ if [ -e /mnt/share/pi-path.sh ]; then
    bash /mnt/share/pi-path.sh /mnt/share/README.md /mnt/share booted || echo "FAIL: the README path"
  fi
  /usr/local/bin/lookout-test || echo "FAIL: the package checks"
} > /mnt/share/results 2>&1
grep -q "^FAIL" /mnt/share/results; echo $(( ! $? )) > /mnt/share/status
RUN
  chmod +x "$W/root/usr/local/bin/lookout-test-run"
  cat > "$W/root/etc/systemd/system/lookout-test.service" <<'UNIT'
[Unit]
Description=Lookout package test
After=multi-user.target network-online.target
[Service]
Type=oneshot
ExecStart=/usr/local/bin/lookout-test-run
ExecStartPost=/bin/systemctl poweroff --no-block
UNIT
  mkdir -p "$W/root/etc/systemd/system/multi-user.target.wants" "$W/root/mnt/share"
  ln -sf /etc/systemd/system/lookout-test.service "$W/root/etc/systemd/system/multi-user.target.wants/"
  # apt's downloads kept across runs.
  local archives="$CACHE/downloads/apt-deb-test-$suite-amd64"; mkdir -p "$archives/partial"
  start=$SECONDS
  echo "--- $flavour: $(basename "$deb") in Debian $suite (amd64, systemd-nspawn)"
  timeout 900 unshare -m --propagation private bash -c "mount -t tmpfs tmpfs /run && exec systemd-nspawn -q -D '$W/root' \
    --register=no --keep-unit --resolv-conf=copy-host --bind='$W/share:/mnt/share' --bind-ro='$MODELS:/mnt/share/models' \
    --bind='$archives:/var/cache/apt/archives' --boot" > "$W/boot.log" 2>&1 || true
  echo "boot, install, test, remove, purge, power-off: $((SECONDS - start)) s"
  if [ -e "$W/share/results" ]; then cat "$W/share/results"; else echo "no results; boot log:"; tail -30 "$W/boot.log"; fi
  [ "$(cat "$W/share/status" 2>/dev/null)" = 0 ] || failed=1
  umount "$W/root"; rm -rf "$W"
}

# The Pi path runs sudo, a setuid program: under qemu-user its credentials count only when the
# aarch64 binfmt entry has the C flag (binfmt_misc: "credentials"). Re-registers the host's entry with
# it when missing (same interpreter, magic and mask).
binfmt_with_credentials() {
  local entry=/proc/sys/fs/binfmt_misc/qemu-aarch64 flags interpreter magic mask
  [ -e "$entry" ] || { echo "deb test: no qemu-aarch64 binfmt entry (qemu-user-binfmt)" >&2; return 1; }
  flags=$(sed -n 's/^flags: //p' "$entry")
  [[ $flags == *C* ]] && return 0
  interpreter=$(sed -n 's/^interpreter //p' "$entry")
  magic=$(sed -n 's/^magic //p' "$entry" | sed 's/../\\x&/g')
  mask=$(sed -n 's/^mask //p' "$entry" | sed 's/../\\x&/g')
  echo -1 > "$entry"
  printf ':qemu-aarch64:M::%s:%s:%s:%sC' "$magic" "$mask" "$interpreter" "$flags" > /proc/sys/fs/binfmt_misc/register
  echo "deb test: qemu-aarch64 binfmt entry now has flags $(sed -n 's/^flags: //p' "$entry") (C: setuid sudo works in the arm64 root)"
}

# arm64_test: the arm64 package in the Debian 13 arm64 root (scripts/debian-root.sh trixie-arm64), in a
# throwaway overlay, chrooted under qemu-user.
arm64_test() {
  local deb W start
  deb=$(package_of deb13-arm64)
  W=$(mktemp -d /tmp/lookout-deb-arm64.XXXXXX)
  mkdir -p "$W/share/photos" "$W/share/models" "$W/share/reference-photos"
  cp "$deb" README.md Tests/System/lib/{check.sh,pi-path.sh,deb-arm64-inside.sh} "$W/share/"
  cp "$SHARED"/photos/{cat.png,cat_720p.jpg,hot_dog.jpg,owl.jpg,grace_hopper.png} "$W/share/photos/"
  # The photos ClassifyCommandTests checks, with LiteRT's top-1 for each (shared/reference).
  python3 - "$SHARED" > "$W/share/expected" <<'PY'
import json, sys
results = json.load(open(f"{sys.argv[1]}/reference/litert_outputs.json"))["mobilenet_v1_1.0_224.tflite"]["results"]
for photo in ["grace_hopper.png", "cat.png", "bird.png", "parrot.jpg", "hot_dog.jpg", "dragonfly.png", "owl.jpg", "pets.jpg"]:
    print(photo, results[photo.split(".")[0] + "_224.png"]["top5"][0])
PY
  for photo in $(cut -d' ' -f1 "$W/share/expected"); do cp "$SHARED/photos/$photo" "$W/share/reference-photos/"; done
  local archives="$CACHE/downloads/apt-trixie-arm64"; mkdir -p "$archives/partial"
  binfmt_with_credentials
  start=$SECONDS
  echo "--- deb13-arm64: $(basename "$deb") in Debian trixie (arm64, chroot under qemu-user)"
  with_root "$CACHE/roots/trixie-arm64" bash -c 'root=$1 share=$2 models=$3 archives=$4
    mkdir -p "$root/mnt/share"; mount --bind "$share" "$root/mnt/share"
    mount --bind -o ro "$models" "$root/mnt/share/models"
    mount --bind "$archives" "$root/var/cache/apt/archives"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
      timeout 3000 bash /mnt/share/deb-arm64-inside.sh' _ @ROOT@ "$W/share" "$MODELS" "$archives" || failed=1
  echo "arm64: install, Pi path, classify, replay: $((SECONDS - start)) s"
  rm -rf "$W"
}

for flavour in ${DEB_FLAVOURS:-deb12-amd64 deb13-amd64 deb13-arm64}; do
  case $flavour in
    deb12-amd64) nspawn_test deb12-amd64 bookworm ;;
    deb13-amd64) nspawn_test deb13-amd64 trixie pi-path ;;
    deb13-arm64) arm64_test ;;
  esac
done
[ "$failed" = 0 ]
