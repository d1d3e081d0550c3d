"""Writes one journal entry under lookoutd's name (FIELD=value arguments) with sd_journal_sendv, and
stays alive until journald has stored it: journald reads the sender's _EXE from /proc while the
sender lives, and the bridges trust an entry only with it (a `logger` that has already exited leaves
the entry without _EXE). The test then trusts this interpreter as a foreground writer."""
import ctypes, subprocess, sys, time, uuid

tag = uuid.uuid4().hex
fields = [a.encode() for a in sys.argv[1:]] + [b"SYSLOG_IDENTIFIER=lookoutd", f"LOOKOUT_TEST_ID={tag}".encode()]


class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_char_p), ("len", ctypes.c_size_t)]


vectors = (iovec * len(fields))(*[iovec(f, len(f)) for f in fields])
if ctypes.CDLL("libsystemd.so.0").sd_journal_sendv(vectors, len(fields)) < 0:
    sys.exit("journal_entry: journald did not take the entry")
start = time.monotonic()
while not subprocess.run(["journalctl", "--no-pager", "-q", "-o", "cat", f"LOOKOUT_TEST_ID={tag}"], capture_output=True).stdout.strip():
    if time.monotonic() - start > 300:
        sys.exit("journal_entry: the entry never showed up in the journal")
    time.sleep(0.05)
