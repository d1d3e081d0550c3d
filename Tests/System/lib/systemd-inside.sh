#!/bin/bash
# Runs inside the nspawn machine (systemd.test.sh): checks lookoutd as a systemd service.
set -u
failures=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; failures=$((failures + 1)); fi
}
show() { systemctl show -p "$1" --value lookoutd; }
now_ms() { date +%s%3N; }
events() { journalctl -u lookoutd -o json --no-pager "$@" 2>/dev/null; }

systemctl is-active -q systemd-journald || sleep 1
journalctl --update-catalog
check "the unit files verify" systemd-analyze verify lookoutd.service lookoutd@.service
check "sysusers made the lookout user, in group video" bash -c 'id -nG lookout | grep -qw video'

# Start: Type=notify, so `systemctl start` returns once READY=1 came.
t0=$(now_ms)
systemctl start lookoutd
t1=$(now_ms)
main_start=$(show ExecMainStartTimestampMonotonic); active=$(show ActiveEnterTimestampMonotonic)
ready_ms=$(( (active - main_start) / 1000 ))
echo "figure: READY after start: ${ready_ms} ms (systemctl start returned in $((t1 - t0)) ms)"
check "active after READY" test "$(systemctl is-active lookoutd)" = active
check "activating lasted until READY (ActiveEnter after ExecMainStart)" test "$active" -gt "$main_start"
check "runs as lookout" test "$(ps -o user= -p "$(show MainPID)")" = lookout
sleep 6
status=$(show StatusText)
echo "       STATUS=$status"
check "STATUS= shows classifications, latency and CPU" bash -c "[[ '$status' == *classifications/s* && '$status' == *CPU* ]]"
check "started events in the journal with their LOOKOUT_ fields" \
  bash -c "journalctl -u lookoutd -o json LOOKOUT_EVENT=started | grep -q LOOKOUT_TOPK"
check "journalctl -x explains them from the catalog" \
  bash -c "journalctl -u lookoutd -x --no-pager LOOKOUT_EVENT=started | grep -q 'recognised'"

# Reload with a valid new head: same process, the head's labels from then on.
pid=$(show MainPID)
sed -i 's|^model: .*|model: {path: mobilenet_v1_0.25_128_quant, head: /var/lib/lookout/heads/planes-bikes}|' /etc/lookout/lookout.yaml
t0=$(now_ms); systemctl reload lookoutd; t1=$(now_ms)
echo "figure: reload to a new head: $((t1 - t0)) ms (systemctl reload, RELOADING=1 to READY=1)"
sleep 4
check "reload kept the process (MainPID $pid)" test "$(show MainPID)" = "$pid"
check "the reload is logged" bash -c "journalctl -u lookoutd MESSAGE_ID=a03312dd418241d7b27326cd00f194af | grep -q reloaded"
# Entries after the reload's own: started events from then on.
labels=$(journalctl -u lookoutd -o json | sed -n '/reloaded in/,$p' | grep '"LOOKOUT_EVENT":"started"' | grep -o '"LOOKOUT_LABEL":"[^"]*"' | sort -u | tr '\n' ' ')
echo "       labels after the reload: $labels"
check "events after the reload carry the head's labels" bash -c "[ -n '$labels' ] && ! echo '$labels' | grep -qv -e airplanes -e Motorbikes"

# Reload with a broken config: refused, the running one stays.
cp /etc/lookout/lookout.yaml /tmp/good.yaml
echo "classify: {cpu_budget: lots}" >> /etc/lookout/lookout.yaml
systemctl reload lookoutd; sleep 3
check "a broken config is refused, same process still active" \
  bash -c "[ '$(show MainPID)' = '$pid' ] && systemctl is-active -q lookoutd"
check "the refusal names the key" bash -c "journalctl -u lookoutd -p err | grep -q 'reload refused.*classify.cpu_budget'"
check "events go on with the head" bash -c "sleep 2; journalctl -u lookoutd -o json LOOKOUT_EVENT=heartbeat --since -3s | grep -q planes-bikes"
cp /tmp/good.yaml /etc/lookout/lookout.yaml

# The watchdog: a stopped daemon stops pinging and systemd restarts it.
restarts=$(show NRestarts)
pid=$(show MainPID)
[ "$pid" -gt 0 ] && kill -STOP "$pid"
for _ in $(seq 1 20); do sleep 0.5; [ "$(show NRestarts)" != "$restarts" ] && break; done
check "kill -STOP: the watchdog restarted it (NRestarts $restarts → $(show NRestarts))" test "$(show NRestarts)" -gt "$restarts"
check "systemd logged result 'watchdog'" bash -c "journalctl -u lookoutd | grep -q \"Failed with result 'watchdog'\""
for _ in $(seq 1 20); do systemctl is-active -q lookoutd && break; sleep 0.5; done
check "active again after the restart, new process" bash -c "systemctl is-active -q lookoutd && [ '$(show MainPID)' != '$pid' ]"

# A clean stop.
t0=$(now_ms); systemctl stop lookoutd; t1=$(now_ms)
echo "figure: systemctl stop: $((t1 - t0)) ms"
check "stop is clean (Result=success, exit status 0, under 2 s)" \
  bash -c "[ '$(show Result)' = success ] && [ '$(show ExecMainStatus)' = 0 ] && [ $((t1 - t0)) -lt 2000 ]"

exposure=$(systemd-analyze security lookoutd.service --no-pager 2>/dev/null | awk -F': ' '/Overall exposure level/ {split($2, a, " "); print a[1]}')
echo "figure: systemd-analyze security lookoutd.service: overall exposure $exposure"
check "exposure at most 3.0" awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 3.0) }'
if [ $failures -gt 0 ]; then
  echo "--- journal of lookoutd (last 40 lines)"
  journalctl -u lookoutd --no-pager | tail -40
fi
echo "$failures failed"
exit $((failures > 0))
