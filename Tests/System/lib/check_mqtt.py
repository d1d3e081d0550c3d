"""mqtt.test.sh's checks on what the watcher (mosquitto_sub -F '%r %t %x') received, against the journal.

Usage: check_mqtt.py W                    the final checks
       check_mqtt.py arrived W            exit 0 once every lookoutd event in the journal reached the watcher
       check_mqtt.py more-events W N      exit 0 once an event arrived after line N
       check_mqtt.py has W TOPIC PAYLOAD  exit 0 once TOPIC carried PAYLOAD
       check_mqtt.py retained-count W     how many retained topics the watcher has seen (non-empty, not events)
"""
import json, subprocess, sys
from datetime import datetime, timezone
from pathlib import Path

from checks import check, finish


def received(W):
    """(line number, retained, topic, payload bytes) per message."""
    out = []
    path = W / "sub.txt"
    if not path.exists():
        return out
    for n, line in enumerate(path.read_text(errors="replace").splitlines()):
        retained, rest = line.split(" ", 1)
        topic, _, payload = rest.rpartition(" ")
        try:
            out.append((n, retained == "1", topic, bytes.fromhex(payload)))
        except ValueError:
            pass  # the line being written as we read
    return out


def text(value):
    return bytes(value).decode(errors="replace") if isinstance(value, list) else value


def journal_events(entries):
    """lookoutd's own started/ended events (uid 0 in the test), in journal order."""
    out = []
    for e in entries:
        if e.get("SYSLOG_IDENTIFIER") == "lookoutd" and e.get("_UID") == "0" and e.get("LOOKOUT_EVENT") in ("started", "ended"):
            out.append({k: text(v) for k, v in e.items()})
    return out


def live_journal():
    run = subprocess.run(["journalctl", "-o", "json", "--no-pager", "SYSLOG_IDENTIFIER=lookoutd"], capture_output=True, text=True)
    return [json.loads(l) for l in run.stdout.splitlines() if l.startswith("{")]


def key_of_entry(e):
    return (e["LOOKOUT_EVENT"], e["LOOKOUT_LABEL"], e["LOOKOUT_CAMERA"], e.get("LOOKOUT_FRAME"), e.get("LOOKOUT_CAPTURED_AT"))


def key_of_message(record):
    frame = record.get("frame")
    return (record.get("event"), record.get("label"), record.get("camera"), None if frame is None else str(frame), record.get("captured_at"))


def event_messages(messages):
    """(line, key, record) of each message on a .../events topic."""
    out = []
    for n, _, topic, payload in messages:
        if topic.endswith("/events"):
            record = json.loads(payload)
            out.append((n, key_of_message(record), record))
    return out


def arrived(W):
    wanted = [key_of_entry(e) for e in journal_events(live_journal())]
    got = {k for _, k, _ in event_messages(received(W))}
    return bool(wanted) and all(k in got for k in wanted)


mode = sys.argv[1]
if mode == "arrived":
    sys.exit(0 if arrived(Path(sys.argv[2])) else 1)
if mode == "more-events":
    sys.exit(0 if any(n >= int(sys.argv[3]) for n, _, _ in event_messages(received(Path(sys.argv[2])))) else 1)
if mode == "has":
    _, _, W, topic, payload = sys.argv
    sys.exit(0 if any(t == topic and p == payload.encode() for _, _, t, p in received(Path(W))) else 1)
if mode == "retained-count":
    topics = {t for _, _, t, p in received(Path(sys.argv[2])) if p and not t.endswith("/events")}
    print(len(topics))
    sys.exit(0)

W = Path(mode)
messages = received(W)
journal = journal_events(json.loads(l) for l in (W / "journal.json").read_text().splitlines() if l.startswith("{"))
photos = [e for e in journal if e["LOOKOUT_CAMERA"].endswith("/photos")]
events = event_messages(messages)
mark1, mark2 = int((W / "mark1").read_text()), int((W / "mark2").read_text())
bridge_log = (W / "bridge.log").read_text().splitlines()

# 1. Every event arrived, in journal order; no event twice except across the broker outage.
wanted = [key_of_entry(e) for e in photos]
first_seen = []
for _, k, _ in events:
    if k not in first_seen:
        first_seen.append(k)
check(len(wanted) >= 12, f"the replays wrote {len(wanted)} started/ended events")
check([k for k in first_seen if k in set(wanted)] == wanted, f"all {len(wanted)} events arrived, in journal order")
counts = {}
for n, k, _ in events:
    counts.setdefault(k, []).append(n)
twice_outside = [k for k, lines in counts.items() if len(lines) > 1 and not all(mark1 <= n < mark2 for n in lines)]
check(not twice_outside, f"no event published twice outside the outage window ({len([1 for l in counts.values() if len(l) > 1])} repeated across it)")
run3 = [k for n, k, _ in events if n >= mark2 and k[2].endswith("/photos")]
run3_start = float((W / "run3.start").read_text())
def written_at(k):
    return datetime.strptime(k[4], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
check(run3 and all(written_at(k) >= run3_start - 1 for k in run3) and len(run3) == len(set(run3)),
      f"after the bridge's restart only the {len(run3)} new events were published, each once (nothing acknowledged re-sent)")
check(all(r.get("model_sha256") and r.get("camera") for _, _, r in events if r.get("camera", "").endswith("/photos")),
      "event JSON carries lookoutd's fields (model_sha256, camera, ...)")

# 2. State topics: the last ON/OFF per label matches its last event.
last_kind = {}
for e in photos:
    last_kind[e["LOOKOUT_LABEL"]] = e["LOOKOUT_EVENT"]
camera = photos[0]["LOOKOUT_CAMERA"].rstrip("/").split("/")[-1]
state = {}
for _, _, t, p in messages:
    state[t] = p.decode(errors="replace")
check(all(state.get(f"lookout/{camera}/{l.replace('/', '_')}") == ("ON" if k == "started" else "OFF") for l, k in last_kind.items()),
      f"lookout/{camera}/<label> holds ON/OFF as of each label's last event ({len(last_kind)} labels)")
heartbeats = [json.loads(p) for _, _, t, p in messages if t == f"lookout/{camera}/heartbeat"]
check(heartbeats and all(isinstance(h.get("fps"), (int, float)) and "temperature_c" in h for h in heartbeats),
      f"heartbeats on lookout/{camera}/heartbeat ({len(heartbeats)}) with fps and temperature_c (null when unknown)")
snapshots = [p for _, _, t, p in messages if t == f"lookout/{camera}/snapshot"]
check(snapshots and all(p[:3] == b"\xff\xd8\xff" for p in snapshots), f"inbox snapshots published as JPEG ({len(snapshots)})")
check(state.get("lookout/availability") is not None and any(t == "lookout/availability" and p == b"online" for _, _, t, p in messages)
      and any(t == "lookout/availability" and p == b"offline" for _, _, t, p in messages),
      "lookout/availability went online, and offline when the bridge stopped")

# 3. Discovery configs: retained, with what Home Assistant needs.
lines = (W / "retained.txt").read_text().splitlines()
configs = {}
for line in lines:
    flag, rest = line.split(" ", 1)
    topic, _, payload = rest.rpartition(" ")
    if topic.startswith("homeassistant/") and payload:
        configs[topic] = (flag == "1", json.loads(bytes.fromhex(payload)))
check(configs and all(r for r, _ in configs.values()), f"{len(configs)} discovery configs, all retained")
configs = {t: c for t, (_, c) in configs.items()}
binary = {t: c for t, c in configs.items() if t.startswith("homeassistant/binary_sensor/")}
sensors = {t: c for t, c in configs.items() if t.startswith("homeassistant/sensor/")}
images = {t: c for t, c in configs.items() if t.startswith("homeassistant/image/")}
common = ("name", "unique_id", "device", "availability_topic", "payload_available", "payload_not_available")
check(all(all(k in c for k in common) and c["availability_topic"] == "lookout/availability" and c["device"].get("identifiers")
          for c in configs.values()), "every config has name, unique_id, device.identifiers and the availability topic and payloads")
check(len({c["unique_id"] for c in configs.values()}) == len(configs), "unique_ids are unique")
run1_labels = {r["label"] for n, _, r in events if n < mark1}
check({c["name"] for c in binary.values()} >= run1_labels and
      all(c["state_topic"].startswith("lookout/") and c["payload_on"] == "ON" and c["payload_off"] == "OFF" for c in binary.values()),
      f"a binary_sensor per label seen ({len(binary)}), each with its state topic and ON/OFF payloads")
check(all(state.get(c["state_topic"]) in ("ON", "OFF") for c in binary.values() if c["name"] in run1_labels),
      "each binary_sensor's state_topic is where its state was published")
names = sorted(t.split("/")[-2] for t in sensors)
check({"fps", "cpu_budget", "temperature", "power"} <= set(names) and
      all(c["state_topic"] == f"lookout/{camera}/heartbeat" and "value_template" in c for c in sensors.values() if f"/{camera}" in c["state_topic"]),
      f"sensors fed by heartbeats: {names}")
check(any(c.get("image_topic") == f"lookout/{camera}/snapshot" and c.get("content_type") == "image/jpeg" for c in images.values()),
      "an image entity on the snapshot topic")

# 4. Faults.
def count(pattern, log=bridge_log):
    return sum(pattern in l for l in log)
check(count("cannot reach") >= 1 and count("after") >= 1,
      f"broker down at start and during the outage: {count('cannot reach')} 'cannot reach' lines (one per outage), then 'connected ... after N failed attempts'")
check(count("cannot reach") <= 2 and count("reconnecting") == 1, "one line for the lost connection, not one per retry")
check(count("skipping a malformed heartbeat entry") == 1 and "fps" in next(l for l in bridge_log if "malformed heartbeat" in l),
      "the malformed heartbeat: one line naming the field, skipped")
check(state.get("lookout/video9/a_b_c_d_e") == "ON", "a label with + # / and a control character: topic lookout/video9/a_b_c_d_e")
check(not any("intruder" in t or b"intruder" in p for _, _, t, p in messages), "an entry under lookoutd's name from another uid is not published")
wrong_log = (W / "wrong.log").read_text().splitlines()
check(len(wrong_log) == 1 and "refused" in wrong_log[0], f"wrong credentials: one line ({wrong_log[:1]}), retried")
check(any("is gone" in l and "were lost" in l for l in bridge_log) and state.get("lookout/video9/after-vacuum") == "ON",
      "journal vacuumed under the cursor: resumed at the oldest entry, saying how much was lost")
check(all(not l.startswith("Fatal") and "error:" not in l.lower() for l in bridge_log), "the bridge never crashed")

finish("mqtt", "\n".join(["--- bridge.log"] + bridge_log))
