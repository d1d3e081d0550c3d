#!/usr/bin/env bash
# Installs the Debian packages a system test runs against (a broker, promtool, a browser) when they
# are missing: scripts/lib/packages.sh's need_host_packages, as a command.
set -euo pipefail
source "$(dirname "$0")/../../../scripts/lib/packages.sh"
need_host_packages "$@"
