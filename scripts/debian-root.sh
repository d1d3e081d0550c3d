#!/usr/bin/env bash
# Debian roots for the Debian 13 and arm64 lanes and the system tests, cached outside the checkout
# under ${LOOKOUT_CACHE:-/var/cache/lookout}/roots/NAME, so clean clones (CI) reuse them:
#   trixie-amd64    Debian 13 with its swiftlang 6.0.3 and Lookout's -dev libraries: builds natively
#                   with Debian 13's Swift and XNNPACK 2024, and cross-compiles for arm64
#   trixie-arm64    Debian 13 arm64 (qemu-user): the cross build's sysroot (with swiftlang's
#                   resource dir) and where the arm64 tests run
#   bookworm-amd64  Debian 12 with systemd and Lookout's runtime libraries, for the system tests
# Usage: scripts/debian-root.sh NAME...   (prints each root's path)
# A root is made when missing or when its package list changed; ROOT/.complete holds the list and is
# written last, so a root with the marker is whole. Downloads are kept in $LOOKOUT_CACHE/downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/in-root.sh
source scripts/lib/packages.sh

CACHE=${LOOKOUT_CACHE:-/var/cache/lookout}
MIRROR=${LOOKOUT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Lookout's build dependencies, as scripts/setup.sh installs them on the host (plus libssl-dev:
# SHA-256 comes from libcrypto).
DEV_PACKAGES="pkg-config libxnnpack-dev libpthreadpool-dev libturbojpeg0-dev libspng-dev libopenblas-dev libv4l-dev libsystemd-dev libssl-dev libcurl4-openssl-dev libmosquitto-dev"

# The package list of root NAME (what its marker holds), and how it is made.
packages_of() {
  case $1 in
    # python3: the model-download tests serve their mirror with python3's http.server.
    trixie-amd64) echo "swiftlang libstdc++-14-dev git ca-certificates python3 $DEV_PACKAGES" ;;
    # The tests need Swift's runtime (libswiftlang); the cross build needs swiftlang's resource dirs,
    # unpacked from the package (+): installing all of swiftlang under emulation takes 7 minutes.
    trixie-arm64) echo "libswiftlang libstdc++-14-dev python3 $DEV_PACKAGES +swiftlang" ;;
    bookworm-amd64) echo "systemd,systemd-sysv,udev,dbus,procps,libxnnpack0,libpthreadpool0,libturbojpeg0,libspng0,libopenblas0-pthread,libv4l-0,libsystemd0,libcurl4,libstdc++6,libmosquitto1" ;;
    *) echo "debian-root: unknown root '$1' (trixie-amd64, trixie-arm64, bookworm-amd64)" >&2; return 1 ;;
  esac
}

# qemu-user for arm64 binaries, registered with flag F so it works inside chroots.
need_qemu_aarch64() {
  need_host_packages qemu-user-static
  [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    cat /usr/lib/binfmt.d/qemu-aarch64.conf > /proc/sys/fs/binfmt_misc/register
  fi
  grep -q "flags: .*F" /proc/sys/fs/binfmt_misc/qemu-aarch64 || {
    echo "debian-root: qemu-aarch64 is registered without flag F; it will not run inside chroots" >&2; return 1; }
}

# apt_in_root ROOT CMD...: CMD in ROOT with the apt download cache bound in.
apt_in_root() {
  local root=$1; shift
  local archives="$CACHE/downloads/apt-$(basename "${root%.partial}")"
  mkdir -p "$archives/partial"
  in_root "$root" "$archives:/var/cache/apt/archives" -- "$@"
}

# unpack_swift_resources ROOT PACKAGE: the Swift resource dirs of PACKAGE (swiftlang) for ROOT's
# architecture, downloaded natively (apt under emulation fetches its 400 MB at a few MB a minute).
unpack_swift_resources() {
  local root=$1 url file sum
  read -r url file _ sum < <(chroot "$root" apt-get download --print-uris "$2" | tr -d "'")
  file="$CACHE/downloads/$file"
  if ! echo "${sum#SHA256:}  $file" | sha256sum -c --quiet 2>/dev/null; then
    curl -fsS -o "$file" "$url"
    echo "${sum#SHA256:}  $file" | sha256sum -c --quiet
  fi
  dpkg-deb --fsys-tarfile "$file" |
    tar -x -C "$root" ./usr/libexec/swift/lib/swift ./usr/libexec/swift/lib/swift_static ./usr/libexec/swift/lib/clang
}

# add_packages ROOT LIST: LIST's packages installed with apt (those marked + unpacked instead).
add_packages() {
  local root=$1 apt_list="" unpack="" p
  for p in ${2//,/ }; do case $p in +*) unpack+=" ${p#+}" ;; *) apt_list+=" $p" ;; esac; done
  apt_in_root "$root" apt-get update -qq
  # shellcheck disable=SC2086
  apt_in_root "$root" apt-get install -y -qq --no-install-recommends $apt_list >/dev/null
  for p in $unpack; do unpack_swift_resources "$root" "$p"; done
}

make_root() {
  local name=$1 list; list=$(packages_of "$name")
  local root="$CACHE/roots/$name" suite=${name%-*} arch=${name#*-}
  [ -e "$root/.complete" ] && [ "$(cat "$root/.complete")" = "$list" ] && return 0
  if [ -e "$root/.complete" ]; then
    # A whole root whose package list grew: apt adds what is new (minutes) instead of a new debootstrap.
    local start=$SECONDS
    [ "$arch" = amd64 ] || need_qemu_aarch64
    echo "debian-root: adding packages to $name" >&2
    add_packages "$root" "$list"
    echo "$list" > "$root/.complete"
    echo "debian-root: $name updated in $((SECONDS - start)) s" >&2
    return 0
  fi
  local work="$root.partial" start=$SECONDS
  need_host_packages debootstrap
  [ "$arch" = amd64 ] || need_qemu_aarch64
  # A run killed half-way may have left mounts (a bound /dev) in its partial root: never delete through them.
  { findmnt -rn -o TARGET | grep -E "^($root|$work)(/|\$)" || true; } | sort -r | xargs -r umount -l
  rm -rf "$root" "$work"; mkdir -p "$CACHE/roots" "$CACHE/downloads/debootstrap-$name"
  echo "debian-root: making $name in $root (once)" >&2
  local include=""
  [ "$name" = bookworm-amd64 ] && include="--include=$list"
  # In its own mount namespace, so what it mounts in the root goes away with it.
  unshare -m --propagation private debootstrap --variant=minbase --arch="$arch" $include --cache-dir="$CACHE/downloads/debootstrap-$name" \
    "$suite" "$work" "$MIRROR" >/dev/null
  if [ "$suite" = trixie ]; then
    # Packages beyond the base, with apt (which resolves alternatives and runs maintainer scripts in order).
    printf '#!/bin/sh\nexit 101\n' > "$work/usr/sbin/policy-rc.d"; chmod +x "$work/usr/sbin/policy-rc.d"
    add_packages "$work" "$list"
    # SwiftPM resolves github.com URLs from the local mirror, as on the host (/opt/swift-packages is
    # bound read-only at the same path by whoever builds in the root).
    mkdir -p "$work/opt/swift-packages"
    [ -f /etc/gitconfig ] && awk '/^\[url /{keep=1; print; next} /^\[/{keep=0} keep' /etc/gitconfig > "$work/etc/gitconfig"
  fi
  echo "$list" > "$work/.complete"
  mv "$work" "$root"
  echo "debian-root: $name made in $((SECONDS - start)) s" >&2
}

[ $# -gt 0 ] || { echo "usage: scripts/debian-root.sh trixie-amd64|trixie-arm64|bookworm-amd64..." >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "debian-root: debootstrap and chroot need root" >&2; exit 1; }
for name in "$@"; do
  packages_of "$name" >/dev/null
  mkdir -p "$CACHE/roots"
  # One maker per root at a time; others wait and then find it made.
  exec {lock}> "$CACHE/roots/.$name.lock"
  flock "$lock"
  make_root "$name"
  exec {lock}>&-
  echo "$CACHE/roots/$name"
done
