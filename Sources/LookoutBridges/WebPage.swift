/// The live view's page, self-contained (the board may be offline: no CDN, no fonts, no libraries).
/// Everything that comes from the journal or the frame's labels is put into the page with
/// textContent and SVG attributes, never as markup: a hostile label shows as text.
enum WebPage {
    static let html = #"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <title>Lookout live view</title>
        <style>
        body { font: 14px system-ui, sans-serif; margin: 1em; background: #f6f6f4; color: #222; }
        h1 { font-size: 1.3em; margin: 0 0 .5em; } h2 { font-size: 1em; margin: .8em 0 .3em; }
        main { display: grid; grid-template-columns: minmax(224px, 448px) 1fr; gap: 1.2em; }
        #frame { width: 100%; image-rendering: auto; background: #ccc; min-height: 224px; display: block; }
        .panel { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: .6em .8em; margin-bottom: .8em; }
        ul { margin: 0; padding-left: 1.1em; } #events li { font-family: monospace; white-space: pre-wrap; }
        .started { color: #17652a; font-weight: bold; } .ended { color: #555; }
        .chart svg { width: 100%; height: 90px; background: #fafafa; border: 1px solid #eee; }
        .muted { color: #777; } #active li { font-weight: bold; }
        </style></head>
        <body>
        <h1>Lookout live view <span id="status" class="muted">connecting…</span></h1>
        <main>
        <section>
          <img id="frame" alt="the latest classified frame">
          <p id="frame-note" class="muted">waiting for a frame (lookoutd writes one only while this page is open)</p>
          <div class="panel"><h2>This frame</h2><ul id="frame-labels"></ul></div>
          <div class="panel"><h2>Active labels</h2><ul id="active"></ul></div>
          <div class="panel"><h2>Head</h2><span id="head">the model's own labels</span>
            <a id="report" href="/head/report.html" hidden>report</a></div>
        </section>
        <section>
          <div class="panel chart" id="chart-fps"><h2>Classifications a second</h2><svg viewBox="0 0 300 90" preserveAspectRatio="none"></svg></div>
          <div class="panel chart" id="chart-cpu"><h2>CPU cores <span class="muted">(grey: the budget)</span></h2><svg viewBox="0 0 300 90" preserveAspectRatio="none"></svg></div>
          <div class="panel chart" id="chart-temp"><h2>Temperature °C</h2><svg viewBox="0 0 300 90" preserveAspectRatio="none"></svg></div>
          <div class="panel"><h2>Recent events</h2><ul id="events"></ul></div>
        </section>
        </main>
        <script src="/app.js"></script>
        </body></html>
        """#

    static let script = #"""
        "use strict";
        const SVG = "http://www.w3.org/2000/svg";
        const maxEvents = 50, maxBeats = 120;
        const beats = [], active = {};
        let lastID = 0;

        function text(id, value) { document.getElementById(id).textContent = value; }
        function item(list, value, cls) {
          const li = document.createElement("li");
          li.textContent = value;
          if (cls) li.className = cls;
          list.appendChild(li);
          return li;
        }
        function number(v, digits) { return typeof v === "number" && isFinite(v) ? v.toFixed(digits) : "–"; }

        function showActive() {
          const list = document.getElementById("active");
          list.replaceChildren();
          for (const camera of Object.keys(active).sort())
            for (const label of [...active[camera]].sort()) item(list, label + " (" + camera + ")");
          if (!list.children.length) item(list, "none", "muted");
        }

        function showHead(head) {
          text("head", typeof head === "string" ? head.split("/").pop() : "the model's own labels");
          document.getElementById("report").hidden = typeof head !== "string";
        }

        function line(svg, values, top, colour) {
          const p = document.createElementNS(SVG, "polyline");
          const n = values.length;
          p.setAttribute("points", values.map((v, i) =>
            (n < 2 ? 0 : i * 300 / (n - 1)).toFixed(1) + "," + (88 - 86 * Math.min(v / top, 1)).toFixed(1)).join(" "));
          p.setAttribute("fill", "none");
          p.setAttribute("stroke", colour);
          p.setAttribute("stroke-width", "2");
          p.setAttribute("vector-effect", "non-scaling-stroke");
          svg.appendChild(p);
        }

        function chart(id, series) {
          const svg = document.querySelector("#" + id + " svg");
          svg.replaceChildren();
          const all = series.flatMap(s => s.values).filter(v => typeof v === "number" && isFinite(v));
          if (!all.length) return;
          const top = Math.max(...all) * 1.15 || 1;
          for (const s of series) line(svg, s.values.map(v => typeof v === "number" && isFinite(v) ? v : 0), top, s.colour);
          const label = document.createElementNS(SVG, "text");
          label.setAttribute("x", "4"); label.setAttribute("y", "12"); label.setAttribute("font-size", "11");
          const latest = series[series.length - 1].values.slice(-1)[0];
          label.textContent = "now " + number(latest, 2);
          svg.appendChild(label);
        }

        function showCharts() {
          chart("chart-fps", [{ values: beats.map(b => b.fps), colour: "#2a6fdb" }]);
          chart("chart-cpu", [{ values: beats.map(b => b.cpu_budget), colour: "#bbb" },
                              { values: beats.map(b => b.cpu_cores), colour: "#d9822b" }]);
          chart("chart-temp", [{ values: beats.map(b => b.temperature_c), colour: "#c23030" }]);
        }

        function take(message, live) {
          lastID = Math.max(lastID, message.id);
          const e = message.event;
          if (message.kind === "heartbeat") {
            beats.push(e);
            if (beats.length > maxBeats) beats.shift();
            showHead(e.head);
            return;
          }
          const list = document.getElementById("events");
          const when = new Date(e.written * 1000).toLocaleTimeString();
          const what = message.kind === "started" ? "started " + e.label + " " + number(e.confidence, 2)
                                                  : "ended " + e.label + " after " + number(e.duration_s, 1) + " s";
          const li = document.createElement("li");
          li.textContent = when + "  " + e.camera + "  " + what;
          li.className = message.kind;
          li.dataset.label = e.label;
          li.dataset.id = String(message.id);
          if (live) li.dataset.live = "1";
          list.insertBefore(li, list.firstChild);
          while (list.children.length > maxEvents) list.removeChild(list.lastChild);
          const labels = active[e.camera] || (active[e.camera] = new Set());
          if (message.kind === "started") labels.add(e.label); else labels.delete(e.label);
        }

        async function start() {
          const state = await (await fetch("/state")).json();
          for (const camera of Object.keys(state.active)) active[camera] = new Set(state.active[camera]);
          for (const message of state.items) take(message, false);
          lastID = state.last_id;
          showHead(state.head);
          showActive(); showCharts();
          const stream = new EventSource("/events?after=" + lastID);
          stream.onopen = () => text("status", "live");
          stream.onerror = () => text("status", "reconnecting…");
          stream.onmessage = m => {
            const message = JSON.parse(m.data);
            if (message.id <= lastID) return;
            take(message, true);
            showActive(); showCharts();
          };
        }

        const frame = document.getElementById("frame");
        frame.onload = () => { document.getElementById("frame-note").hidden = true; frame.dataset.loaded = "1"; };
        frame.onerror = () => { document.getElementById("frame-note").hidden = false; };
        async function refreshFrame() {
          frame.src = "/frame.jpg?t=" + Date.now();
          try {
            const r = await fetch("/frame.json");
            if (!r.ok) return;
            const labels = await r.json();
            const list = document.getElementById("frame-labels");
            list.replaceChildren();
            for (const t of labels.top || []) item(list, t.label + "  " + number(t.score, 2));
          } catch (e) { /* the next refresh tries again */ }
        }
        setInterval(refreshFrame, 1000);
        refreshFrame();
        start().catch(e => text("status", "cannot load: " + e));
        """#
}
