# Sourced: in_root ROOT [SRC:DST[:ro]]... -- CMD...
# Runs CMD chrooted in the Debian root ROOT (scripts/debian-root.sh), in a private mount namespace so
# nothing leaks to the host and everything is unmounted when CMD ends: /proc, /dev, /sys, a private
# /tmp, and each SRC bound at DST inside the root (read-only with :ro). CMD starts with a clean
# environment (PATH, HOME, LANG); put variables in front of it with `env`.
in_root() {
  local root=$1; shift
  unshare -m --propagation private bash -euc '
    root=$1; shift
    mount -t proc proc "$root/proc"; mount --rbind /dev "$root/dev"; mount --rbind /sys "$root/sys"
    mount -t tmpfs tmpfs "$root/tmp"
    while [ "$1" != -- ]; do
      IFS=: read -r src dst mode <<< "$1"; shift
      mkdir -p "$root$dst"; mount --bind "$src" "$root$dst"
      [ "${mode:-}" != ro ] || mount -o remount,bind,ro "$root$dst"
    done
    shift
    exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"' \
    _ "$root" "$@"
}
