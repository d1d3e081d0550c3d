"""Checks camera.test.sh's outputs from the VM."""
import json, sys
from pathlib import Path

from checks import check, failures, finish

OUT, HZ = Path(sys.argv[1]), int(sys.argv[2])

def read(name):
    path = OUT / name
    return path.read_text() if path.exists() else ""

if (OUT / "vm-output").exists() and read("vm-output").strip():
    print("VM script output:\n" + read("vm-output"))
marks = {}
for line in read("marks").splitlines():
    name, log_lines, event_lines, utime, stime = line.split()
    marks[name] = (int(log_lines), int(event_lines), (int(utime) + int(stime)) / HZ)
check(set(marks) == {"before-camera", "unplug", "outage", "outage-end", "back"}, f"the VM ran every step: {sorted(marks)}")
log = read("a.log").splitlines()
events = [json.loads(l) for l in read("a.events").splitlines() if l.startswith("{")]
camera_lines = [l for l in log if "camera" in l]
print("lookoutd's camera log:\n  " + "\n  ".join(camera_lines))

def lines(a, b):
    return log[marks[a][0]:marks[b][0]] if a in marks and b in marks else []

before = log[:marks.get("before-camera", (0,))[0]]
check(sum("cannot open" in l and "No such file" in l for l in before) == 1,
      "no camera at start: said once that /dev/video0 is missing, kept running")
check(any("streaming YUYV 640×480" in l for l in lines("before-camera", "unplug")),
      "the camera appeared: streaming YUYV 640×480")
stream1 = events[:marks.get("unplug", (0, 0))[1]]
beats1 = [e for e in stream1 if e["event"] == "heartbeat"]
check(any(e["classifications"] > 0 for e in beats1), f"classifying: {max([e['classifications'] for e in beats1] or [0])} classifications before the unplug")
check(any(e["event"] == "started" for e in events), f"recognition events: {sorted({e['label'] for e in events if e['event'] == 'started'})[:5]}")
outage = [l for l in lines("unplug", "outage-end") if "camera" in l]
check(1 <= len(outage) <= 2 and all("retrying" in l for l in outage),
      f"the unplug is logged with its cause, once per state ({len(outage)} lines)")
if "outage" in marks and "outage-end" in marks:
    cpu = marks["outage-end"][2] - marks["outage"][2]
    check(cpu < 0.2, f"waiting for the camera does not spin: {cpu:.2f} s CPU in 4 s of outage")
check(any("streaming YUYV 640×480" in l for l in lines("outage-end", "back")), "the camera came back: streaming again, by itself")
after = [e for e in events[marks.get("back", (0, 0))[1]:] if e["event"] == "heartbeat"]
count_at_unplug = max([e["classifications"] for e in beats1] or [0])
check(any(e["classifications"] > count_at_unplug for e in after), "classifications go on after the recovery")
check(read("a.exit").strip() == "0", f"SIGTERM: exit status {read('a.exit').strip()}")
b_log = read("b.log")
check("busy" in b_log.lower(), "a second lookoutd on the busy camera says it is busy")
check("streaming YUYV" in b_log, "… and takes the camera when the first one stops")
check(read("b.exit").strip() == "0", f"the second one exits 0 on SIGTERM too")
devices = read("devices.txt")
check("/dev/video0" in devices and "YUYV" in devices and "640×480" in devices, "lookout devices lists /dev/video0 with YUYV 640×480")
saved = [l for l in read("capture.txt").splitlines() if l.endswith(".jpg") or ".jpg " in l]
check(len(saved) == 3, f"lookout capture saved 3 frames: {read('capture.txt').strip()[:200]}")
classified = [json.loads(l) for l in read("classify.txt").splitlines() if l.startswith("{")]
check(len(classified) == 3, f"lookout classify reads each saved frame ({len(classified)})")
finish("camera", "--- a.log\n" + read("a.log")[-3000:] + "\n--- b.log\n" + b_log[-1500:])
