"""metrics.test.sh's checks: the .prom files' figures against the journal lookoutd wrote."""
import json, re, sys
from pathlib import Path

from checks import check, finish

W = Path(sys.argv[1])


def samples(path):
    """{(name, frozenset(labels)): value} from a text exposition (labels parsed with escapes)."""
    out = {}
    for line in path.read_text().splitlines():
        if line.startswith("#") or not line:
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$', line)
        labels = {}
        for k, v in re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""):
            labels[k] = v.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
        out[(m.group(1), frozenset(labels.items()))] = float(m.group(3))
    return out


def journal(path):
    entries = [json.loads(l) for l in path.read_text().splitlines() if l.startswith("{")]
    return [e for e in entries if e.get("_UID") == "0" and e.get("LOOKOUT_CAMERA", "").endswith("/photos")]


def value(s, name, **labels):
    return s.get((name, frozenset(labels.items())))


camera = "/" + str(W / "photos").strip("/")
for run in (1, 2):
    prom = samples(W / ("run1.prom" if run == 1 else "textfile/lookout.prom"))
    entries = journal(W / f"run{run}.journal.json")
    heartbeats = [e for e in entries if e.get("LOOKOUT_EVENT") == "heartbeat"]
    last = heartbeats[-1]
    check(value(prom, "lookout_classifications_total", camera=camera) == float(last["LOOKOUT_CLASSIFICATIONS"]),
          f"run {run}: classifications_total = the last heartbeat's ({last['LOOKOUT_CLASSIFICATIONS']})")
    check(value(prom, "lookout_dropped_frames_total", camera=camera) == float(last["LOOKOUT_DROPPED"]), f"run {run}: dropped_frames_total")
    check(value(prom, "lookout_cpu_budget_cores", camera=camera) == 2.0 and value(prom, "lookout_cpu_cores", camera=camera) is not None,
          f"run {run}: CPU use and budget")
    buckets = json.loads(last["LOOKOUT_LATENCY_BUCKETS_MS"])
    check(value(prom, "lookout_latency_seconds_count", camera=camera) == float(buckets["+Inf"]) > 0
          and value(prom, "lookout_latency_seconds_bucket", camera=camera, le="+Inf") == float(buckets["+Inf"])
          and value(prom, "lookout_latency_seconds_bucket", camera=camera, le="0.1") == float(buckets["100"]),
          f"run {run}: latency histogram from the heartbeat's buckets ({buckets['+Inf']} classifications)")
    counts = {}
    for e in entries:
        if e.get("LOOKOUT_EVENT") in ("started", "ended"):
            key = (e["LOOKOUT_LABEL"], e["LOOKOUT_EVENT"])
            counts[key] = counts.get(key, 0) + 1
    check(counts and all(value(prom, "lookout_events_total", camera=camera, label=l, event=k) == n for (l, k), n in counts.items()),
          f"run {run}: events_total by label and kind = the journal's ({sum(counts.values())} events, {len(counts)} series)")
    check(value(prom, "lookout_thermal_state", camera=camera, state="normal") == 1.0, f"run {run}: thermal state")

prom = samples(W / "textfile/lookout.prom")
check(value(prom, "lookout_malformed_entries_total") == 1.0, "the malformed heartbeat counted as malformed")
log = (W / "metrics.log").read_text().splitlines()
check(sum("malformed heartbeat" in l and "fps" in l for l in log) == 1, "… and said in one line naming the field")
check(value(prom, "lookout_events_total", camera="/dev/video9", label='say "hi" \\ there', event="started") == 1.0,
      "a label with a quote and a backslash is escaped (and read back intact)")
check(not any(dict(k[1]).get("label") == "intruder" for k in prom), "the forged entry from another uid is not counted")
finish("metrics")
