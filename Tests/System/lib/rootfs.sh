# Sourced by system tests: a Debian bookworm root with systemd and Lookout's runtime libraries, made
# once by scripts/debian-root.sh (40-60 s) and cached outside the checkout, so clean clones reuse it.

source scripts/lib/packages.sh

# make_rootfs: sets ROOTFS, the root's path.
make_rootfs() {
  need_host_packages systemd-container
  ROOTFS=$(scripts/debian-root.sh bookworm-amd64)
}

# root_overlay DIR: the cached root as a read-only lower layer with this run's changes in DIR/upper,
# mounted at DIR/root (unmount with `umount DIR/root`).
root_overlay() {
  mkdir -p "$1/upper" "$1/work" "$1/root"
  mount -t overlay overlay -o "lowerdir=$ROOTFS,upperdir=$1/upper,workdir=$1/work" "$1/root"
}

# root_install ROOT BIN SCRIPT: Lookout installed by scripts/install.sh (with the small quantized
# model: the VM emulates its CPU), and SCRIPT as a oneshot unit that runs once the machine is up,
# writes its output and status to /mnt/share (mounted over 9p when not bound already) and powers off.
root_install() {
  local root=$1 bin=$2 script=$3
  scripts/install.sh --destdir "$root" --bin "$bin" --model mobilenet_v1_0.25_128_quant \
    --model-from "${LOOKOUT_MODEL_DIR:-${LOOKOUT_SHARED_DIR:-../shared}/models}" > /dev/null
  install -Dm755 "$script" "$root/usr/local/bin/lookout-test"
  mkdir -p "$root/mnt/share" "$root/etc/systemd/system/multi-user.target.wants"
  cat > "$root/etc/systemd/system/lookout-test.service" <<'UNIT'
[Unit]
Description=Lookout system test
After=multi-user.target
[Service]
Type=oneshot
ExecStartPre=-/bin/sh -c 'mountpoint -q /mnt/share || mount -t 9p -o trans=virtio,version=9p2000.L share /mnt/share'
ExecStart=/bin/bash -c '/usr/local/bin/lookout-test > /mnt/share/results 2>&1; echo $? > /mnt/share/status'
ExecStartPost=/bin/systemctl poweroff --no-block
UNIT
  ln -sf /etc/systemd/system/lookout-test.service "$root/etc/systemd/system/multi-user.target.wants/lookout-test.service"
  echo lookout-test > "$root/etc/hostname"
}
