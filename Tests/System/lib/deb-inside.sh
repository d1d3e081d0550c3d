#!/bin/bash
# Runs inside the nspawn machine (deb.test.sh) as a oneshot unit once systemd is up: installs the
# package with apt as an admin would, runs lookoutd.service on a replay folder, removes and purges.
# /mnt/share: the .deb, photos/, models/ (read-only: the shared models), results written back.
# Prints one numbered line per check.
set -u
failures=0 number=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  number=$((number + 1))
  if "$@"; then printf 'ok   %2d %s\n' "$number" "$what"; else printf 'FAIL %2d %s\n' "$number" "$what"; failures=$((failures + 1)); fi
}
note() { echo "        $*"; }
now_ms() { date +%s%3N; }
wait_for() {  # wait_for SECONDS COMMAND...: polls until COMMAND succeeds; false on timeout.
  local deadline=$(( $(now_ms) + $1 * 1000 )); shift
  until "$@"; do [ "$(now_ms)" -lt "$deadline" ] || return 1; sleep 0.2; done
}
started_events() { journalctl -u lookoutd -o json --no-pager MESSAGE_ID=3baffa2e59ee4d31a0910cd162728a27 2>/dev/null; }
export -f started_events
export DEBIAN_FRONTEND=noninteractive
wait_for 20 systemctl is-active -q systemd-journald
deb=$(ls /mnt/share/lookout_*.deb)
release=$(. /etc/os-release; echo "Debian $VERSION_ID ($VERSION_CODENAME) $(dpkg --print-architecture)")
note "$release, $(basename "$deb")"

# 1-8: apt installs it with its dependencies from the archive; debhelper's scripts set it up.
apt-get install -y -q "$deb" > /tmp/apt-install.log 2>&1
status=$?
sed 's/^/        apt: /' /tmp/apt-install.log | grep -E 'apt: (Setting up|Job|Created|E:|W:)' | head -40
check "apt-get install ./$(basename "$deb"): exit 0" test "$status" = 0
check "Depends pulled the runtime libraries (XNNPACK, libturbojpeg, libspng, OpenBLAS, libv4l)" \
  bash -c "dpkg -l | grep -E '^ii +libxnnpack0' >/dev/null && ldd /usr/bin/lookoutd | grep -qi libxnnpack && ! ldd /usr/bin/lookoutd /usr/bin/lookout | grep 'not found'"
check "system user lookout in group video" bash -c 'id -nG lookout | grep -qw video'
check "tmpfiles: /var/lib/lookout as systemd/lookout.tmpfiles says (models, heads root's; inbox lookout's)" \
  bash -c 'while read -r type path mode user group rest; do [ "$type" = d ] || continue
    [ "$(stat -c "%U:%G %a" "$path")" = "$user:$group ${mode#0}" ] || { echo "        $path: $(stat -c "%U:%G %a" "$path")"; exit 1; }
  done < /usr/lib/tmpfiles.d/lookout.conf'
check "lookoutd.service enabled (multi-user.target wants it)" bash -c '[ "$(systemctl is-enabled lookoutd)" = enabled ]'
check "/etc/lookout/lookout.yaml is a conffile" bash -c "dpkg-query -W -f='\${Conffiles}' lookout | grep -q /etc/lookout/lookout.yaml"
check "man pages, bash/zsh/fish completions and the catalog are installed" bash -c '
  for f in /usr/share/man/man1/lookout.1.gz /usr/share/man/man1/lookoutd.1.gz /usr/share/bash-completion/completions/lookout \
    /usr/share/zsh/vendor-completions/_lookout /usr/share/fish/vendor_completions.d/lookout.fish /usr/lib/systemd/catalog/lookout.catalog; do
    [ -s "$f" ] || { echo "        missing $f"; exit 1; }; done'
check "journald catalog updated by systemd's trigger (journalctl --list-catalog)" \
  bash -c 'journalctl --list-catalog 2>/dev/null | grep -q 3baffa2e59ee4d31a0910cd162728a27'
note "after install, without a model: lookoutd is $(systemctl is-active lookoutd)" \
  "($(journalctl -u lookoutd -q --no-pager -o cat SYSLOG_IDENTIFIER=lookoutd | tail -1))"

# 9-11: a model, a replay source, a restart: events reach the journal.
lookout model install mobilenet_v1_0.25_128_quant --from /mnt/share/models > /tmp/model.log 2>&1
check "lookout model install (into /var/lib/lookout/models)" test -s /var/lib/lookout/models/mobilenet_v1_0.25_128_quant.tflite
mkdir -p /var/lib/lookout/replay && cp /mnt/share/photos/* /var/lib/lookout/replay/
cat > /etc/lookout/lookout.yaml <<'YAML'
source: {replay: /var/lib/lookout/replay, replay_fps: 5}
model: {path: mobilenet_v1_0.25_128_quant}
classify: {max_rate: 5}
events: {threshold: 0.3, min_frames: 1, window: 1, clear_frames: 1, heartbeat_seconds: 2}
YAML
systemctl reset-failed lookoutd 2>/dev/null
systemctl restart lookoutd
check "lookoutd.service active on the replay source" wait_for 120 systemctl is-active -q lookoutd
check "its events reach the journal (started entries with LOOKOUT_LABEL)" wait_for 120 bash -c 'started_events | grep -q LOOKOUT_LABEL'
note "$(journalctl -u lookoutd -q --no-pager -o cat MESSAGE_ID=3baffa2e59ee4d31a0910cd162728a27 | head -3 | tr '\n' ';')"
check "lookout tail --json shows them" bash -c 'lookout tail --json 2>/dev/null | grep -q "\"event\":\"started\""'
pid=$(systemctl show -p MainPID --value lookoutd)

# 12-13: an upgrade (the same package with a higher version) restarts the service and keeps the
# admin's config without asking.
rm -rf /tmp/upgrade && dpkg-deb -R "$deb" /tmp/upgrade && sed -i 's/^Version: .*/&.1/' /tmp/upgrade/DEBIAN/control &&
  dpkg-deb -Znone -b /tmp/upgrade /tmp/lookout-upgrade.deb > /dev/null
apt-get install -y -q /tmp/lookout-upgrade.deb > /tmp/apt-upgrade.log 2>&1
check "apt-get install of a higher version: exit 0, the admin's config kept" \
  bash -c "[ $? = 0 ] && grep -q replay /etc/lookout/lookout.yaml && dpkg-query -W -f='\${Version}' lookout | grep -q '\.1$'"
check "the upgrade restarted lookoutd (a new main process, active)" \
  wait_for 120 bash -c "systemctl is-active -q lookoutd && [ \"\$(systemctl show -p MainPID --value lookoutd)\" != $pid ]"
pid=$(systemctl show -p MainPID --value lookoutd)

# 14-17: remove stops it and keeps its state and config; purge deletes them.
apt-get remove -y -q lookout > /tmp/apt-remove.log 2>&1
check "apt-get remove: exit 0" test $? = 0
check "remove stopped lookoutd (unit inactive, process $pid gone)" bash -c "! systemctl is-active -q lookoutd && ! kill -0 $pid 2>/dev/null"
check "remove kept /var/lib/lookout (the model) and /etc/lookout/lookout.yaml" \
  bash -c 'test -s /var/lib/lookout/models/mobilenet_v1_0.25_128_quant.tflite && grep -q replay /etc/lookout/lookout.yaml && ! test -e /usr/bin/lookoutd'
apt-get purge -y -q lookout > /tmp/apt-purge.log 2>&1
check "apt-get purge: exit 0, /var/lib/lookout and /etc/lookout deleted, unit no longer enabled" \
  bash -c "[ $? = 0 ] && ! test -e /var/lib/lookout && ! test -e /etc/lookout && ! test -e /etc/systemd/system/multi-user.target.wants/lookoutd.service"

if [ "$failures" -gt 0 ]; then
  echo "--- apt install log"; cat /tmp/apt-install.log
  echo "--- lookoutd's journal"; journalctl -u lookoutd --no-pager | tail -30
fi
echo "$failures of $number checks failed"
[ "$failures" = 0 ]
