# Sourced by the scripts that run inside a test machine (systemd-inside.sh, deb-inside.sh,
# deb-arm64-inside.sh): numbered checks, notes, and waiting on a condition.
failures=0 number=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  number=$((number + 1))
  if "$@"; then printf 'ok   %2d %s\n' "$number" "$what"; else printf 'FAIL %2d %s\n' "$number" "$what"; failures=$((failures + 1)); fi
}
note() { echo "        $*"; }
now_ms() { date +%s%3N; }
# wait_for SECONDS COMMAND...: polls every 0.1 s until COMMAND succeeds; false on timeout.
wait_for() {
  local deadline=$(( $(now_ms) + $1 * 1000 )); shift
  until "$@"; do [ "$(now_ms)" -lt "$deadline" ] || return 1; sleep 0.1; done
}
