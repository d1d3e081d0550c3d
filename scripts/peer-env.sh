#!/usr/bin/env bash
# The benchmark peer: LiteRT (TensorFlow Lite's runtime, the one the reference outputs came from) in a
# virtual environment at .venv-peer. Idempotent; quiet when it is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."
version=2.3.0
if ! .venv-peer/bin/python -c "import ai_edge_litert" 2>/dev/null; then
  python3 -m venv .venv-peer
  .venv-peer/bin/pip install -q "ai-edge-litert==$version" pillow || {
    echo "peer-env: could not install ai-edge-litert $version from PyPI" >&2; exit 1; }
fi
