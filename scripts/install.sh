#!/usr/bin/env bash
# Installs Lookout as a systemd service: lookout and lookoutd, the units, the sysusers.d and
# tmpfiles.d files, the journald catalog, the default config (kept if present) and a model.
#   scripts/install.sh [--destdir DIR] [--prefix /usr] [--bin DIR] [--no-strip] [--model NAME] [--model-from DIR]
# DESTDIR and PREFIX may also come from the environment (make install DESTDIR=...). Without
# --bin it builds release binaries with the Swift runtime linked in (--static-swift-stdlib), so
# the board needs only Debian's runtime libraries (libxnnpack0, libpthreadpool0, libturbojpeg0,
# libspng0, libopenblas0, libv4l-0, libsystemd0, and libcurl4 for the static Foundation's
# networking); the binaries are stripped (100 MB to 67 MB each) unless --no-strip.
# --model-from defaults to LOOKOUT_MODEL_DIR.
# Installing into / on a machine running systemd also creates the user and folders, registers
# the catalog and reloads systemd; then `systemctl enable --now lookoutd` starts it.
set -euo pipefail
cd "$(dirname "$0")/.."
destdir=${DESTDIR:-} prefix=${PREFIX:-/usr} bin="" strip=-s model=mobilenet_v1_1.0_224 model_from=${LOOKOUT_MODEL_DIR:-}
while [ $# -gt 0 ]; do
  case $1 in
    --destdir) destdir=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --no-strip) strip=; shift ;;
    --model) model=$2; shift 2 ;;
    --model-from) model_from=$2; shift 2 ;;
    *) echo "install: unknown option $1 (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
done
if [ -z "$bin" ]; then
  swift build -c release --static-swift-stdlib
  bin=.build/release
fi
if [ -n "$strip" ] && ! command -v strip >/dev/null; then
  echo "install: no strip here (binutils); installing the binaries unstripped"
  strip=
fi
root=$destdir
lib=$root$prefix/lib
install -Dm755 $strip "$bin/lookout" "$root$prefix/bin/lookout"
install -Dm755 $strip "$bin/lookoutd" "$root$prefix/bin/lookoutd"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for unit in lookoutd.service lookoutd@.service lookout-mqtt.service lookout-metrics.service lookout-web.service; do
  sed -e "s|/usr/bin/lookoutd|$prefix/bin/lookoutd|" -e "s|/usr/bin/lookout |$prefix/bin/lookout |" "systemd/$unit" > "$tmp"
  install -Dm644 "$tmp" "$lib/systemd/system/$unit"
done
install -Dm644 systemd/lookout.sysusers "$lib/sysusers.d/lookout.conf"
install -Dm644 systemd/lookout.tmpfiles "$lib/tmpfiles.d/lookout.conf"
install -Dm644 Logs/lookout.catalog "$lib/systemd/catalog/lookout.catalog"
install -Dm644 README.md "$root$prefix/share/doc/lookout/README.md"
install -Dm644 Logs/events.md "$root$prefix/share/doc/lookout/events.md"
if [ -e "$root/etc/lookout/lookout.yaml" ]; then
  echo "install: keeping $root/etc/lookout/lookout.yaml"
else
  install -Dm644 Config/lookout.yaml "$root/etc/lookout/lookout.yaml"
fi
for settings in mqtt web; do
  if [ -e "$root/etc/lookout/$settings.yaml" ]; then
    echo "install: keeping $root/etc/lookout/$settings.yaml"
  else
    install -Dm644 "Config/$settings.yaml" "$root/etc/lookout/$settings.yaml"
  fi
done
for board in Config/boards/*.yaml; do
  [ -e "$board" ] && install -Dm644 "$board" "$root$prefix/share/lookout/boards/$(basename "$board")"
done
if [ -n "$model_from" ]; then
  LOOKOUT_MODEL_STORE="$root/var/lib/lookout/models" "$bin/lookout" model install "$model" --from "$model_from"
else
  echo "install: no model installed (give --model-from DIR, or run 'lookout model install $model' later)"
fi
if [ -z "$destdir" ] && [ -d /run/systemd/system ]; then
  systemd-sysusers lookout.conf 2>/dev/null || systemd-sysusers
  # Ownership comes from tmpfiles.d: models/ and heads/ stay root's (read-only to the daemon).
  systemd-tmpfiles --create lookout.conf 2>/dev/null || systemd-tmpfiles --create "$lib/tmpfiles.d/lookout.conf"
  journalctl --update-catalog
  systemctl daemon-reload
  echo "install: done; start it with: systemctl enable --now lookoutd"
else
  echo "install: installed into ${destdir:-/}"
fi
