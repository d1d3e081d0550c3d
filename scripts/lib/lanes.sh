# Sourced by the lanes that build and test in a Debian root (scripts/test-debian13.sh,
# scripts/test-arm64.sh) and by scripts/test.sh.

# The checkout at its own path inside the roots (the tests find Config/ and ../shared from where
# they were compiled), the shared data beside it read-only, and the Swift package mirror.
lane_binds() {
  local shared models
  shared=$(realpath "${LOOKOUT_SHARED_DIR:-../shared}")
  models=$(realpath "${LOOKOUT_MODEL_DIR:-$shared/models}")
  LANE_SHARED="$(dirname "$PWD")/shared"
  LANE_BINDS=("$PWD:$PWD" "$shared:$LANE_SHARED:ro" "/opt/swift-packages:/opt/swift-packages:ro")
  case $models in
    "$shared"/*) LANE_MODELS="$LANE_SHARED/${models#"$shared"/}" ;;
    *) LANE_MODELS=$models; LANE_BINDS+=("$models:$models:ro") ;;
  esac
  LANE_ENV=(LOOKOUT_SHARED_DIR="$LANE_SHARED" LOOKOUT_MODEL_DIR="$LANE_MODELS")
}

# step NAME CMD...: CMD, with how long it took (also kept for step_times).
STEP_TIMES=()
step() {
  local name=$1 start=$SECONDS status=0; shift
  echo "== $name" >&2
  "$@" || status=$?
  STEP_TIMES+=("$(printf '%6d s  %s%s' $((SECONDS - start)) "$name" "$([ $status -eq 0 ] || echo ", FAILED ($status)")")")
  echo "== ${STEP_TIMES[-1]}" >&2
  return $status
}

# step_times: every step's time so far.
step_times() {
  echo "== times:"
  printf '%s\n' "${STEP_TIMES[@]}"
}

# xctest_run CMD...: runs an XCTest suite; on failure the failed tests are repeated at the very end,
# where a CI log's tail shows them.
xctest_run() {
  local log status=0
  log=$(mktemp)
  "$@" 2>&1 | tee "$log" || status=$?
  if [ $status -ne 0 ]; then
    echo "--- failed tests:" >&2
    grep -E "error: |' failed \(" "$log" >&2 || true
  fi
  rm -f "$log"
  return $status
}
