#!/usr/bin/env bash
# Runs the system tests: each Tests/System/*.test.sh drives the built binaries against real parts
# (a real journald, a real systemd in systemd-nspawn, a real V4L2 driver in a QEMU VM). Each test
# prints what it checked and exits non-zero on failure; this runner reports every result and fails
# if any failed. Usage: Tests/System/run.sh [NAME...]   (NAME: e.g. journal, systemd, camera, deb)
set -uo pipefail
cd "$(dirname "$0")/../.."
names=("$@")
# By name only: deb (it builds the three release packages first, tens of minutes on this machine).
[ ${#names[@]} -gt 0 ] || names=($(ls Tests/System/*.test.sh | xargs -n1 basename | sed 's/\.test\.sh$//' | grep -vx deb))
failed=()
for name in "${names[@]}"; do
  echo "=== system test: $name"
  start=$(date +%s)
  if bash "Tests/System/$name.test.sh"; then
    echo "=== passed: $name ($(( $(date +%s) - start )) s)"
  else
    echo "=== FAILED: $name ($(( $(date +%s) - start )) s)"
    failed+=("$name")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "system tests failed: ${failed[*]}"
  exit 1
fi
echo "system tests: all ${#names[@]} passed"
