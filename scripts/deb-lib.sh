#!/usr/bin/env bash
# Sourced by scripts/make-deb.sh and Tests/System/deb.test.sh: the package flavours, where each is
# built, and running things in a Debian root of the flavour's release and architecture.
# Also runnable: scripts/deb-lib.sh FUNCTION ARGS... (generate-manual calls run_for through it).
CACHE=${LOOKOUT_CACHE:-/var/cache/lookout}
LLVM_OBJCOPY=${LLVM_OBJCOPY:-$(command -v llvm-objcopy || echo "$(dirname "$(readlink -f "$(command -v swift)")")/llvm-objcopy")}

source "$(dirname "${BASH_SOURCE[0]}")/lib/packages.sh"

# The version in head bundles (Retrainer.version) is Lookout's version.
lookout_version() {
  sed -n 's/.*static let version = "\(.*\)".*/\1/p' Sources/LookoutTraining/Retrainer.swift
}

# The Debian root a flavour's binaries run in (none: this host, which is Debian 12 amd64).
flavour_root() {
  case $1 in
    deb12-amd64) echo "" ;;
    deb13-amd64) echo "$CACHE/roots/trixie-amd64" ;;
    deb13-arm64) echo "$CACHE/roots/trixie-arm64" ;;
    *) echo "deb: unknown flavour '$1' (deb12-amd64, deb13-amd64, deb13-arm64)" >&2; return 1 ;;
  esac
}

flavour_scratch() { echo ".build-${1%-amd64}"; }
# (SwiftPM links SCRATCH/release to the triple's folder: x86_64-unknown-linux-gnu for the host's Swift,
# x86_64-pc-linux-gnu for Debian's, aarch64-unknown-linux-gnu for the cross build.)
flavour_bin() { echo "$(flavour_scratch "$1")/release"; }

# build_flavour FLAVOUR: release binaries with the Swift runtime linked in (incremental). Debian 13's
# are built by its swiftlang 6.0.3 in the trixie-amd64 root, natively or, for arm64, against the
# trixie-arm64 root as sysroot (testing-recipes.md, recipe 5).
build_flavour() {
  local scratch; scratch=$(flavour_scratch "$1")
  # Read-only relocations and immediate binding, as dpkg-buildflags asks of every package (lintian's
  # hardening-no-relro). In the Debian 13 root, lld (swiftlang's own) makes the GNU_RELRO segment,
  # which its default linker there leaves out even when asked.
  local build=(swift build -c release --static-swift-stdlib --scratch-path "$scratch"
               -Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now)
  case $1 in
    deb12-amd64) nice -n 10 "${build[@]}" ;;
    deb13-amd64) in_build_root "$PWD" nice -n 10 "${build[@]}" -Xswiftc -use-ld=lld ;;
    deb13-arm64)
      # The static runtime's resource folder (swift_static): only it holds static-stdlib-args.lnk.
      mkdir -p "$scratch"
      cat > "$scratch/aarch64.json" <<'JSON'
{"version": 1, "sdk": "/sysroot-arm64", "toolchain-bin-dir": "/usr/libexec/swift/bin",
 "target": "aarch64-unknown-linux-gnu", "dynamic-library-extension": "so",
 "extra-cc-flags": ["-fPIC"], "extra-cpp-flags": ["-fPIC"],
 "extra-swiftc-flags": ["-sdk", "/sysroot-arm64", "-resource-dir", "/sysroot-arm64/usr/libexec/swift/lib/swift_static",
   "-use-ld=lld", "-tools-directory", "/usr/libexec/swift/bin", "-no-toolchain-stdlib-rpath"]}
JSON
      in_build_root "$PWD" nice -n 10 "${build[@]}" --destination "$scratch/aarch64.json" ;;
  esac
}

# in_build_root DIR CMD...: runs CMD in DIR in the trixie-amd64 root (a throwaway overlay on it), with
# DIR bound at its own path, the Swift package mirror, and the trixie-arm64 root at /sysroot-arm64
# (the arm64 root's /etc/alternatives links, which point into /usr, repointed into it).
in_build_root() {
  local dir=$1; shift
  with_root "$CACHE/roots/trixie-amd64" bash -c '
    dir=$1 root=$2 arm=$3; shift 3
    mkdir -p "$root$dir" "$root/sysroot-arm64"
    mount --bind "$dir" "$root$dir"
    mount --bind -o ro /opt/swift-packages "$root/opt/swift-packages"
    if [ -d "$arm/usr" ]; then
      mount --bind -o ro "$arm" "$root/sysroot-arm64"
      for link in "$arm"/etc/alternatives/*aarch64-linux-gnu; do
        ln -sfn "/sysroot-arm64$(readlink "$link")" "$root/etc/alternatives/$(basename "$link")"
      done
    fi
    exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 sh -c "cd \"\$0\" && exec \"\$@\"" "$dir" "$@"
  ' _ "$dir" @ROOT@ "$CACHE/roots/trixie-arm64" "$@"
}

# with_root ROOT CMD...: runs CMD (on the host) in a private mount namespace where a throwaway
# writable overlay of ROOT (with its tools layer) is mounted, /proc and /dev in it; the argument @ROOT@
# is replaced by the overlay's path.
with_root() {
  local root=$1; shift
  [ -e "$root/.complete" ] || { echo "deb: no Debian root $root (scripts/debian-root.sh $(basename "$root"))" >&2; return 1; }
  local layer; layer=$(tools_layer "$root")
  local work; work=$(mktemp -d /tmp/lookout-deb-root.XXXXXX)
  local status=0
  unshare -m --propagation private bash -c '
    lower=$1 work=$2; shift 2
    mkdir -p "$work/upper" "$work/work" "$work/root"
    mount -t overlay overlay -o "lowerdir=$lower,upperdir=$work/upper,workdir=$work/work" "$work/root"
    # /sys too: XNNPACK (cpuinfo) reads the CPU list from it and refuses to start without it.
    mount -t proc proc "$work/root/proc"; mount --rbind /dev "$work/root/dev"; mount --rbind /sys "$work/root/sys"
    exec "${@/#@ROOT@/$work/root}"' _ "$layer:$root" "$work" "$@" || status=$?
  rm -rf "$work"
  return $status
}

# tools_layer ROOT: an overlay layer with dpkg-dev (dpkg-shlibdeps) installed over ROOT, made once
# per state of ROOT and cached in $CACHE/deb/layers (ROOT itself, shared, stays as it is).
tools_layer() {
  local root=$1 key layer
  key=$(cat "$root/.complete" "$root/var/lib/dpkg/status" | sha256sum | cut -c1-12)
  layer=$CACHE/deb/layers/$(basename "$root")-$key
  if [ ! -e "$layer/.complete" ]; then
    echo "deb: installing dpkg-dev in a layer over $root (once)" >&2
    rm -rf "$layer.partial"; mkdir -p "$layer.partial"/{upper,work,root} "$CACHE/downloads/apt-$(basename "$root")/partial"
    unshare -m --propagation private bash -c '
      root=$1 l=$2 archives=$3
      mount -t overlay overlay -o "lowerdir=$root,upperdir=$l/upper,workdir=$l/work" "$l/root"
      mount -t proc proc "$l/root/proc"; mount --rbind /dev "$l/root/dev"
      mount --bind "$archives" "$l/root/var/cache/apt/archives"
      chroot "$l/root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends dpkg-dev > "$l/apt.log" 2>&1 || { cat "$l/apt.log" >&2; exit 1; }
      ' _ "$root" "$layer.partial" "$CACHE/downloads/apt-$(basename "$root")" >&2
    rm -rf "$layer"; mv "$layer.partial/upper" "$layer"; rm -rf "$layer.partial"
    touch "$layer/.complete"
  fi
  echo "$layer"
}

# run_for FLAVOUR DIR CMD...: runs CMD where the flavour's binaries run, with DIR seen as /mnt: bound
# there in a root of the flavour's release and architecture (under qemu-user for arm64); on this
# host, /mnt in CMD's arguments is replaced by DIR.
run_for() {
  local flavour=$1 dir; dir=$(readlink -f "$2"); shift 2
  local root; root=$(flavour_root "$flavour")
  if [ -z "$root" ]; then
    "${@/#\/mnt/$dir}"
    return
  fi
  with_root "$root" bash -c 'dir=$1 root=$2; shift 2
    mount --bind "$dir" "$root/mnt"
    exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"' _ "$dir" @ROOT@ "$@"
}

# generate_manual: the path of swift-argument-parser's generate-manual tool, built once from the
# version the package resolved (the tool the GenerateManual plugin runs; the plugin itself would
# first rebuild the whole package in its own release configuration).
generate_manual() {
  local checkout version out
  checkout=$(ls -d .build-deb*/checkouts/swift-argument-parser 2>/dev/null | head -1)
  [ -n "$checkout" ] || { echo "deb: no swift-argument-parser checkout (build a flavour first)" >&2; return 1; }
  version=$(git -C "$checkout" describe --tags 2>/dev/null || git -C "$checkout" rev-parse --short HEAD)
  out=$CACHE/deb/generate-manual-$version
  if [ ! -x "$out/generate-manual" ]; then
    swift build -q -c release --package-path "$checkout" --scratch-path "$out.build" --product generate-manual >&2
    mkdir -p "$out"; cp "$out.build/release/generate-manual" "$out/"
  fi
  echo "$out/generate-manual"
}

# shlibs_depends FLAVOUR DIR: the Depends: value for the binaries in DIR, from dpkg-shlibdeps run in a
# root of the flavour's release and architecture (where it maps each library to its Debian package).
shlibs_depends() {
  local flavour=$1 work; work=$(mktemp -d)
  mkdir -p "$work/debian/lookout/usr/bin" "$work/debian/lookout/DEBIAN"
  printf 'Source: lookout\n\nPackage: lookout\nArchitecture: any\n' > "$work/debian/control"
  cp "$2"/* "$work/debian/lookout/usr/bin/"
  run_for "$flavour" "$work" sh -c 'cd "$0" && dpkg-shlibdeps -O debian/lookout/usr/bin/*' /mnt | sed -n 's/^shlibs:Depends=//p'
  rm -rf "$work"
}

if [ "${BASH_SOURCE[0]}" = "$0" ] && [ $# -gt 0 ]; then
  set -euo pipefail
  "$@"
fi
