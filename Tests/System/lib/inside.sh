# Sourced first by a system test's steps run inside a private mount namespace (mqtt-inside.sh,
# web-inside.sh). Environment: W (scratch folder), where each process started keeps its pid in NAME.pid.
# Whatever happens, nothing started here outlives the test.
trap 'kill $(cat "$W"/*.pid 2>/dev/null) 2>/dev/null || true' EXIT
trap 'exit 143' TERM INT

# wait_for WHAT BOUND COMMAND...: polls until COMMAND succeeds; fails after BOUND seconds (generous: a
# slow board is fine).
wait_for() {
  local what=$1 bound=$2 start=$SECONDS
  shift 2
  until "$@"; do
    if ((SECONDS - start > bound)); then echo "timed out after $bound s waiting for $what" >&2; return 1; fi
    sleep 0.2
  done
}
# stop NAME: ends the process in $W/NAME.pid and waits until it is gone.
stop() { local pid; pid=$(cat "$W/$1.pid"); kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; rm -f "$W/$1.pid"; }
# on_failure NAME LOG...: a failing step says which line failed and shows the end of each log in $W.
on_failure() {
  failure_name=$1; shift; failure_logs=("$@")
  trap 'echo "$failure_name test (inside): failed at line $LINENO: $BASH_COMMAND" >&2
        for f in "${failure_logs[@]}"; do echo "--- $f"; tail -n 20 "$W/$f" 2>/dev/null; done' ERR
}
