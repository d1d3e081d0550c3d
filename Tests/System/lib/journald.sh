# Sourced by the system tests inside a private mount namespace (unshare -m): journald's folders
# become the test's own under $W, and a journald started by hand writes there
# (../shared/docs/testing-recipes.md, recipe 1). Needs $W/run-systemd/journal, $W/run-log, $W/var-log.
mount_journal_folders() {
  mount --bind "$W/run-systemd" /run/systemd
  mount --bind "$W/run-log" /run/log
  mount --bind "$W/var-log" /var/log/journal
}
# Starts journald (its pid in $W/journald.pid) and returns once its socket is there.
start_journald() {
  /lib/systemd/systemd-journald > "$W/journald.log" 2>&1 &
  echo $! > "$W/journald.pid"
  until [ -S /run/systemd/journal/socket ]; do sleep 0.05; done
}
# Takes journald away mid-run the way lookoutd meets an outage (the socket gone: a send fails at
# once) without dropping what journald had already accepted. A datagram still queued in the socket
# dies with a killed journald here, whereas under systemd the socket outlives journald
# (systemd-journald.socket) and the next journald reads it. So the socket is moved aside, a marker
# sent through it, and journald is stopped once the marker is stored (a socket is read in order).
stop_journald() {
  mv /run/systemd/journal/socket /run/systemd/journal/socket.aside  # one folder: the bound inode stays
  python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"MESSAGE=drained\nLOOKOUT_TEST_MARKER=drained\n", sys.argv[1])' \
    /run/systemd/journal/socket.aside
  for _ in $(seq 6000); do
    [ -n "$(journalctl --no-pager -o cat LOOKOUT_TEST_MARKER=drained)" ] && break; sleep 0.1
  done
  kill "$(cat "$W/journald.pid")"; wait "$(cat "$W/journald.pid")" || true
  rm -f /run/systemd/journal/socket.aside
}
# An entry under lookoutd's name (FIELD=value arguments) written by journal_entry.py as root: what a
# test feeds the bridges as a malformed or odd event. They trust it as a foreground writer: $ENTRY_EXE.
ENTRY_EXE=$(python3 -c "import os, sys; print(os.path.realpath(sys.executable))")
fake_entry() { python3 "$(dirname "${BASH_SOURCE[0]}")/journal_entry.py" "$@"; }
# The same from another account (nobody): bridges must not trust it.
forged_entry() { printf '%s\n' SYSLOG_IDENTIFIER=lookoutd "$@" | setpriv --reuid=65534 --regid=65534 --clear-groups logger --journald; }
# Both: the test's folders mounted and journald running on them.
private_journald() { mount_journal_folders; start_journald; }
