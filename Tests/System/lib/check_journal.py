"""Checks journal.test.sh's outputs: the journal (and tail) hold the events the stdout sink wrote."""
import json, sys
from pathlib import Path

from checks import check, failures, finish

W = Path(sys.argv[1])

def lines(path):
    return [json.loads(l) for l in path.read_text().splitlines() if l.startswith("{")]

def events(objects):
    return [o for o in objects if o.get("event") in ("started", "ended", "heartbeat")]

def from_journal(path):
    """Journal entries with LOOKOUT_EVENT, turned back into the stdout sink's keys and types."""
    out = []
    for entry in lines(path):
        if "LOOKOUT_EVENT" not in entry:
            continue
        record = {}
        for name, value in entry.items():
            if not name.startswith("LOOKOUT_"):
                continue
            key = "top" if name == "LOOKOUT_TOPK" else name[len("LOOKOUT_"):].lower()
            if key not in ("event", "camera", "label", "last_label", "captured_at", "model_sha256", "head", "snapshot", "thermal"):
                value = json.loads(value)
            record[key] = value
        record["_message"], record["_message_id"], record["_priority"] = entry.get("MESSAGE"), entry.get("MESSAGE_ID"), entry.get("PRIORITY")
        out.append(record)
    return out

def identity(e):
    """What must match between two runs of the same replay: timing fields differ."""
    keep = ("event", "label", "frame", "confidence", "peak_confidence", "top", "camera", "model_sha256")
    return json.dumps({k: e.get(k) for k in keep}, sort_keys=True)

def without_null(e):
    return {k: v for k, v in e.items() if v is not None and not k.startswith("_")}

expected = events(lines(W / "expected.jsonl"))
recognitions = [e for e in expected if e["event"] != "heartbeat"]
kinds = {e["event"] for e in expected}
check({"started", "ended", "heartbeat"} <= kinds, f"the stdout run wrote every event type: {sorted(kinds)} ({len(expected)} events)")
check(any(e["event"] == "started" and "cat" in e["label"] for e in expected), "a cat label started")
check(any(e["event"] == "started" and e["label"] == "hotdog, hot dog, red hot" for e in expected) or
      any(e["event"] == "started" and "hot" in e["label"] for e in expected), "a hot dog label started")

journal = from_journal(W / "run1.journal.json")
check([identity(e) for e in journal if e["event"] != "heartbeat"] == [identity(e) for e in recognitions],
      f"run 1: the journal holds the same {len(recognitions)} started/ended events, same labels, frames, scores, top-K")
by_kind = {}
for e in journal:
    by_kind.setdefault(e["event"], e)
for kind, sample in sorted(by_kind.items()):
    want = set(without_null(next(x for x in expected if x["event"] == kind)))
    have = set(without_null(sample))
    check(want <= have, f"run 1: a {kind} entry has every field {sorted(want - {'event'})}")
    check(bool(sample["_message"]) and sample["_message_id"] and sample["_priority"],
          f"run 1: a {kind} entry has MESSAGE ({sample['_message']!r}), MESSAGE_ID and PRIORITY")

tail = lines(W / "run1.tail.jsonl")
check([without_null(e) for e in tail] == [without_null(e) for e in journal],
      f"lookout tail --json --directory prints the journal's {len(tail)} events with the same fields and values")

check(lines(W / "run1.tail-noexe.jsonl") == [],
      "lookout tail without --exe shows none of a foreground lookoutd's entries (no lookoutd unit)")

forged = lines(W / "forged.journal.json")
check(len(forged) == 2 and all(e.get("SYSLOG_IDENTIFIER") == "lookoutd" and e.get("LOOKOUT_EVENT") == "started" for e in forged),
      "two forged started entries are in the journal, with SYSLOG_IDENTIFIER=lookoutd")
# journald sets _EXE itself (from /proc; the forger waits until its entry is stored, so it is
# there) and drops a client's own _EXE= and _SYSTEMD_UNIT=: the forged ones never reach the journal.
check(all("python3" in e.get("_EXE", "") and e.get("_SYSTEMD_UNIT") != "lookoutd.service" for e in forged),
      f"journald recorded the forger's own _EXE and unit: {[(e.get('_EXE'), e.get('_UID'), e.get('_SYSTEMD_UNIT')) for e in forged]}")
forged_tail = lines(W / "forged.tail.jsonl")
check(len(forged_tail) == len(tail) and not any("forged" in json.dumps(e) for e in forged_tail),
      f"lookout tail --json leaves both forged entries out ({len(forged_tail)} events, as before)")
check("forged" not in (W / "forged.tail.txt").read_text(), "lookout tail's text output leaves them out too")
forger_tail = (W / "forger.tail.txt").read_bytes()
check(b"forged \\x1b[31mred\\x1b]0;title\\x07 seen" in forger_tail and b"\x1b" not in forger_tail and b"\x07" not in forger_tail
      and b"forged-nobody" not in forger_tail and forger_tail.count(b"forged") == 1,
      f"with --exe python3 (the forger), root's entry is shown with its escape sequences escaped, nobody's is not: {forger_tail!r}")

run2 = from_journal(W / "run2.journal.json")
stderr = [json.loads(l) for l in (W / "run2.stderr").read_text().splitlines() if l.startswith("{")]
fallback = events(stderr)
check(len(fallback) > 0, f"run 2: while journald was down, {len(fallback)} events went to stderr as JSON lines")
notes = [o["message"] for o in stderr if "event" not in o]
check(any("journal" in n and "stderr" in n for n in notes) and any("reachable again" in n for n in notes),
      f"run 2: lookoutd said when the journal went and came back: {notes[:2]}")
got = sorted(identity(e) for e in run2 + fallback if e["event"] != "heartbeat")
want = sorted(identity(e) for e in recognitions)
lost = [json.loads(e)["event"] + " " + json.loads(e)["label"] + " #" + str(json.loads(e)["frame"]) for e in want if e not in got]
check(got == want, f"run 2: journal ({len(run2)}) + stderr ({len(fallback)}) hold all {len(recognitions)} started/ended events, none lost"
      + (f" (missing: {lost})" if lost else ""))

finish("journal")
