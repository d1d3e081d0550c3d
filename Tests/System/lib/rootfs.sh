# Sourced by system tests: a Debian bookworm root with systemd and Lookout's runtime libraries,
# made once by debootstrap (40-60 s) and cached in .cache/rootfs (git-ignored).
ROOTFS=${LOOKOUT_ROOTFS:-$PWD/.cache/rootfs/bookworm}
ROOTFS_PACKAGES=systemd,systemd-sysv,dbus,procps,libxnnpack0,libpthreadpool0,libturbojpeg0,libspng0,libopenblas0-pthread,libv4l-0,libsystemd0,libcurl4,libstdc++6

need_packages() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

make_rootfs() {
  need_packages debootstrap systemd-container
  if [ ! -e "$ROOTFS/.complete" ] || [ "$(cat "$ROOTFS/.complete")" != "$ROOTFS_PACKAGES" ]; then
    rm -rf "$ROOTFS"; mkdir -p "$(dirname "$ROOTFS")"
    echo "rootfs: debootstrap bookworm into $ROOTFS (once)"
    debootstrap --variant=minbase --include="$ROOTFS_PACKAGES" bookworm "$ROOTFS" http://deb.debian.org/debian >/dev/null
    echo "$ROOTFS_PACKAGES" > "$ROOTFS/.complete"
  fi
}
