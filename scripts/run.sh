#!/usr/bin/env bash
# Sets up, builds and runs lookoutd in the foreground: on the camera when there is one
# (CAMERA, default /dev/video0), else replaying a folder of images (REPLAY, default ../shared/photos).
# Events are printed as JSON lines; Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release >/dev/null
export LOOKOUT_MODEL_DIR="${LOOKOUT_MODEL_DIR:-$(cd .. && pwd)/shared/models}"
camera="${CAMERA:-/dev/video0}"
if [ -c "$camera" ]; then
  source="$camera"
else
  source="${REPLAY:-$(cd .. && pwd)/shared/photos}"
  echo "run: no camera at $camera; replaying $source" >&2
fi
exec .build/release/lookoutd --config Config/lookout.yaml --source "$source" "$@"
