#!/usr/bin/env bash
# Installs the Debian packages Lookout builds and runs with. Idempotent: only missing packages are
# fetched, and the package lists are refreshed only when something has to be installed.
set -euo pipefail

packages=(
  pkg-config
  libxnnpack-dev libpthreadpool-dev   # inference engine (XNNPACK) and its thread pool
  libturbojpeg0-dev libspng-dev       # JPEG and PNG decoding
  libopenblas-dev                     # linear algebra for retraining
  libv4l-dev                          # cameras (libv4l2)
  libsystemd-dev                      # journald and sd_notify
  libmosquitto-dev                    # MQTT client for `lookout mqtt`
  libssl-dev                          # SHA-256 (libcrypto)
  libcurl4-openssl-dev                # -lcurl for the static Foundation (make install: --static-swift-stdlib)
  time                                # /usr/bin/time -v for the memory benchmarks
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: Swift 5.10 or newer is needed (https://www.swift.org/install/linux/)" >&2; exit 1; }
echo "setup: all build dependencies present"
