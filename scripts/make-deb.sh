#!/usr/bin/env bash
# Builds Lookout's Debian packages into dist/:
#   deb12-amd64  lookout_V+deb12_amd64.deb  Debian 12 bookworm: built on this host (Swift 6.3.1), XNNPACK 2022
#   deb13-amd64  lookout_V+deb13_amd64.deb  Debian 13 trixie / Raspberry Pi OS: built in the trixie-amd64 root
#   deb13-arm64  lookout_V+deb13_arm64.deb  with Debian 13's swiftlang 6.0.3 (natively, and cross for arm64), XNNPACK 2024
# Usage: scripts/make-deb.sh [FLAVOUR...]   (default: all three)
# One version per Debian release, because the two releases' libraries differ in ABI: XNNPACK 2022
# (libxnnpack0) against 2024 (libxnnpack0.20241108), glibc 2.36 against 2.41. The +debNN suffix
# orders them (a dist-upgrade from 12 to 13 upgrades the package) and names the release.
# Each package holds release binaries with the Swift runtime linked in (--static-swift-stdlib), so
# the board needs only Debian's libraries; Depends: is what dpkg-shlibdeps finds for those binaries
# in a root of the target release and architecture. Man pages come from swift-argument-parser's
# generate-manual tool and completions from --generate-completion-script, both run on the binaries
# being packed. The packing itself is debhelper's (packaging/debian/, dpkg-buildpackage -b).
# Builds are cached per flavour in .build-deb12/ and .build-deb13-*/ (git-ignored): a rerun after no
# change only repacks. Debian roots: scripts/debian-root.sh, cached in /var/cache/lookout/roots.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deb-lib.sh

flavours=("$@")
[ ${#flavours[@]} -gt 0 ] || flavours=(deb12-amd64 deb13-amd64 deb13-arm64)
need_host_packages debhelper fakeroot lintian
version=$(lookout_version)
mkdir -p dist .cache/deb

for flavour in "${flavours[@]}"; do
  start=$SECONDS
  release=${flavour%-*} arch=${flavour#*-}
  echo "make-deb: $flavour"
  build_flavour "$flavour"
  built=$SECONDS
  bin=$(flavour_bin "$flavour")

  stage=.cache/deb/$flavour
  rm -rf "$stage"; mkdir -p "$stage"/{bin,man,completions/bash,completions/zsh,completions/fish}
  cp -r packaging/debian "$stage/debian"
  cp -r systemd Logs Config README.md "$stage/"
  rm -f "$stage"/Logs/*.jsonl
  cp "$stage/systemd/lookout.sysusers" "$stage/debian/lookout.sysusers"
  cp "$stage/systemd/lookout.tmpfiles" "$stage/debian/lookout.tmpfiles"
  for tool in lookout lookoutd; do
    "$LLVM_OBJCOPY" --strip-all "$bin/$tool" "$stage/bin/$tool"
  done

  # Generated from the binaries themselves, run where they run (a root of their release and arch).
  for tool in lookout lookoutd; do
    # (bash-completion sources its files: no #! line, which lintian warns about.)
    run_for "$flavour" "$stage/bin" "/mnt/$tool" --generate-completion-script bash | sed '1{/^#!/d}' > "$stage/completions/bash/$tool"
    run_for "$flavour" "$stage/bin" "/mnt/$tool" --generate-completion-script zsh > "$stage/completions/zsh/_$tool"
    run_for "$flavour" "$stage/bin" "/mnt/$tool" --generate-completion-script fish > "$stage/completions/fish/$tool.fish"
    wrapper=$stage/run-$tool
    printf '#!/bin/sh\nexec %q run_for %q %q /mnt/%q "$@"\n' "$PWD/scripts/deb-lib.sh" "$flavour" "$PWD/$stage/bin" "$tool" > "$wrapper"
    chmod +x "$wrapper"
    "$(generate_manual)" "$wrapper" --section 1 --date "$(git log -1 --format=%cs)" \
      --authors "Lookout maintainers<maintainers@lookout.invalid>" --output-directory "$stage/man"
    [ -s "$stage/man/$tool.1" ] || { echo "make-deb: generate-manual wrote no $tool.1" >&2; exit 1; }
    # mdoc breaks paragraphs with .Pp, not with the empty lines generate-manual leaves (groff warns).
    sed -i 's/^$/.Pp/' "$stage/man/$tool.1"
  done

  depends=$(shlibs_depends "$flavour" "$stage/bin")
  echo "make-deb: $flavour Depends: $depends"
  suite=$( [ "$release" = deb12 ] && echo bookworm || echo trixie )
  { echo "lookout ($version+$release) $suite; urgency=medium"
    echo
    echo "  * Lookout $version, git $(git rev-parse --short HEAD), for Debian ${release#deb} ($suite)."
    echo
    echo " -- Lookout maintainers <maintainers@lookout.invalid>  $(git log -1 --format=%aD)"
  } > "$stage/debian/changelog"
  (cd "$stage" && LOOKOUT_SHLIBS_DEPENDS="$depends" dpkg-buildpackage -b -us -uc -d --host-arch="$arch" \
      > ../$flavour.build.log 2>&1) || { tail -30 ".cache/deb/$flavour.build.log"; exit 1; }
  deb=lookout_${version}+${release}_$arch.deb
  mv ".cache/deb/$deb" dist/
  rm -f .cache/deb/lookout_"${version}+${release}_$arch".{buildinfo,changes}
  lintian --tag-display-limit 0 --display-info --pedantic "dist/$deb" > "dist/${deb%.deb}.lintian" 2>&1 || true
  echo "make-deb: dist/$deb: $(du -k "dist/$deb" | cut -f1) kB, installed $(dpkg-deb -f "dist/$deb" Installed-Size) kB;" \
    "build $((built - start)) s, pack $((SECONDS - built)) s; lintian: $(grep -c '^E:' "dist/${deb%.deb}.lintian") errors," \
    "$(grep -c '^W:' "dist/${deb%.deb}.lintian") warnings (dist/${deb%.deb}.lintian)"
  if grep -q '^E:' "dist/${deb%.deb}.lintian"; then grep '^E:' "dist/${deb%.deb}.lintian"; exit 1; fi
done
