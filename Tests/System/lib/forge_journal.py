"""Sends one native-protocol journal entry (the fields in argv[1], one FIELD=value per line), then
waits to be killed: journald reads the sender's _EXE from /proc, which a short-lived sender such
as logger may have left already (the entry then has no _EXE at all)."""
import signal, socket, sys

with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
    s.sendto(open(sys.argv[1], "rb").read(), "/run/systemd/journal/socket")
signal.pause()
