// The container page's live stats: CPU, memory, network and block I/O drawn with uPlot from
// /ws/containers/<id>/stats/ (protocol in containers/consumers.py), and its processes (docker
// top) asked again every few seconds. Both only while the page is visible: a hidden tab closes
// its socket, so the server stops sampling a container nobody looks at.
(() => {
  "use strict";
  const root = document.getElementById("live-stats");
  if (!root || !window.uPlot) return;

  const WINDOW_SECONDS = 300; // what the server's ring buffer holds
  const PROCESSES_SECONDS = 5;
  const gettext = window.gettext || ((text) => text);
  const TEXT = {
    live: gettext("Live"),
    stopped: gettext("Not running: no live figures"),
    removed: gettext("Removed"),
    engineLost: gettext("Engine lost — reconnecting…"),
    closed: gettext("Disconnected — reconnecting…"),
    since: gettext("history since %(time)s"),
    noHistory: gettext("no history yet: nobody was watching it; live from now on"),
    cpu: gettext("CPU"),
    used: gettext("used"),
    received: gettext("received"),
    sent: gettext("sent"),
    read: gettext("read"),
    written: gettext("written"),
    of: gettext("%(used)s of %(limit)s (%(percent)s)"),
  };
  const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => values[key]);

  const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];
  const bytes = (n) => {
    if (n == null) return "—";
    let i = 0;
    while (n >= 1024 && i < UNITS.length - 1) { n /= 1024; i += 1; }
    return `${n.toFixed(i && n < 10 ? 1 : 0)} ${UNITS[i]}`;
  };
  const RATE_UNITS = ["B/s", "kB/s", "MB/s", "GB/s"]; // decimal, as docker stats shows I/O
  const rate = (n) => {
    if (n == null) return "—";
    let i = 0;
    while (n >= 1000 && i < RATE_UNITS.length - 1) { n /= 1000; i += 1; }
    return `${n.toFixed(i && n < 10 ? 1 : 0)} ${RATE_UNITS[i]}`;
  };
  const percent = (n) => (n == null ? "—" : `${n.toFixed(1)} %`);

  // Each chart: its series (a sample's keys) and how its axis and legend say a value.
  // A chart with two series names each beside its value, in its line's colour (no uPlot legend).
  const CHARTS = {
    cpu: { keys: ["cpu"], labels: [TEXT.cpu], format: percent, now: (s) => percent(s.cpu) },
    mem: {
      keys: ["mem"], labels: [TEXT.used], format: bytes,
      now: (s) => fill(TEXT.of, { used: bytes(s.mem), limit: bytes(s.limit), percent: percent(s.mem_pct) }),
    },
    net: { keys: ["rx", "tx"], labels: [TEXT.received, TEXT.sent], format: rate },
    blk: { keys: ["read", "write"], labels: [TEXT.read, TEXT.written], format: rate },
  };
  const POWERS_OF_TWO = Array.from({ length: 48 }, (_, i) => 2 ** i); // memory ticks: 256 KiB, 512 KiB, 1 MiB…
  const MIN_SPAN_SECONDS = 60; // the x axis shows at least a minute: a new chart's few samples are not stretched
  // Times in the viewer's zone, as the server chose it (data-zone: the user's setting or the
  // browser's, dashboard/zones.py); a zone this browser does not know leaves its own.
  const zoned = (options) => {
    try {
      return new Intl.DateTimeFormat([], { ...options, timeZone: root.dataset.zone || undefined });
    } catch {
      return new Intl.DateTimeFormat([], options);
    }
  };
  const clockFormat = zoned({ hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const sinceFormat = zoned({ hour: "numeric", minute: "2-digit", second: "2-digit", timeZoneName: "short" });
  const clock = (t) => clockFormat.format(new Date(t * 1000));

  const badge = document.getElementById("stats-state");
  const since = document.getElementById("stats-since");
  const samples = [];
  let plots = {};

  const say = (text, kind) => {
    badge.textContent = text;
    badge.className = `badge ${kind || ""}`;
    root.classList.toggle("not-running", kind === "stopped");
    if (kind === "stopped") root.querySelectorAll("[data-now]").forEach((node) => { node.textContent = "—"; });
  };

  // The palette is light-dark() pairs (berth.css): a custom property reads back as that text,
  // which a canvas cannot paint (uPlot drew every chart black). An element's computed colour
  // is the pair resolved for the theme on screen, as "rgb(r, g, b)".
  const colours = () => {
    const probe = document.createElement("span");
    probe.hidden = true;
    root.append(probe);
    const v = (name) => {
      probe.style.color = `var(${name})`;
      return getComputedStyle(probe).color;
    };
    const c = { text: v("--muted"), grid: v("--border"), lines: [v("--accent"), v("--warn")] };
    probe.remove();
    return c;
  };
  const faint = (colour) => colour.replace(/^rgb\((.*)\)$/, "rgba($1, 0.15)"); // the first series' fill

  // The last MIN_SPAN_SECONDS at least; before the first sample (no data: uPlot passes null),
  // the minute up to now, not the epoch (the axis read 12:00:00 AM on every tick).
  const xRange = (u, min, max) => {
    const end = max ?? Date.now() / 1000;
    return [Math.min(min ?? end, end - MIN_SPAN_SECONDS), end];
  };

  const build = () => {
    Object.values(plots).forEach((plot) => plot.destroy());
    plots = {};
    const c = colours();
    root.querySelectorAll("[data-chart]").forEach((figure) => {
      const chart = CHARTS[figure.dataset.chart];
      const box = figure.querySelector(".chart");
      const axis = { stroke: c.text, grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid, width: 1 }, font: "11px system-ui, sans-serif" };
      chart.colours = c.lines;
      plots[figure.dataset.chart] = new window.uPlot({
        width: Math.max(200, box.clientWidth),
        height: 150,
        padding: [8, 32, 0, 0], // room on the right for the last time label (it was cut)
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        scales: {
          x: { time: true, range: xRange },
          y: { range: (u, min, max) => [0, Math.max(max, chart.format === percent ? 1 : 1024) * 1.1] },
        },
        axes: [
          { ...axis, space: 110, values: (u, ticks) => ticks.map(clock) },
          { ...axis, size: 72, values: (u, ticks) => ticks.map(chart.format), ...(chart.format === bytes ? { incrs: POWERS_OF_TWO } : {}) },
        ],
        series: [{}, ...chart.keys.map((key, i) => ({
          label: chart.labels[i], stroke: c.lines[i], width: 1.5, fill: i === 0 ? faint(c.lines[i]) : undefined,
          points: { show: false }, spanGaps: false,
        }))],
      }, data(chart), box);
    });
  };

  const data = (chart) => [samples.map((s) => s.t), ...chart.keys.map((key) => samples.map((s) => s[key]))];

  const redraw = () => {
    Object.entries(plots).forEach(([name, plot]) => plot.setData(data(CHARTS[name])));
    const last = samples[samples.length - 1];
    if (!last) return;
    root.querySelectorAll("[data-now]").forEach((node) => {
      const chart = CHARTS[node.dataset.now];
      if (chart.now) {
        node.textContent = chart.now(last);
        return;
      }
      node.replaceChildren(...chart.keys.flatMap((key, i) => {
        const name = document.createElement("span");
        name.className = "series";
        name.style.borderColor = chart.colours[i];
        name.textContent = chart.labels[i];
        return [name, ` ${chart.format(last[key])} `];
      }));
    });
  };

  const add = (sample) => {
    samples.push(sample);
    while (samples.length && samples[0].t < sample.t - WINDOW_SECONDS) samples.shift();
  };

  let socket = null;
  let retry = null;
  const open = () => {
    if (socket || document.hidden) return;
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${window.location.host}${root.dataset.wsPath}`);
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "history") {
        samples.length = 0;
        message.samples.forEach(add);
        since.textContent = message.since
          ? fill(TEXT.since, { time: sinceFormat.format(new Date(message.since * 1000)) })
          : TEXT.noHistory;
        redraw();
        say(message.state === "running" ? TEXT.live : TEXT.stopped, message.state === "running" ? "ok" : "stopped");
      } else if (message.type === "sample") {
        if (!badge.classList.contains("ok")) say(TEXT.live, "ok");
        add(message.sample);
        redraw();
      } else if (message.type === "state") {
        const said = { running: [TEXT.live, "ok"], stopped: [TEXT.stopped, "stopped"], removed: [TEXT.removed, "stopped"] };
        say(...(said[message.state] || [TEXT.engineLost, "error"]));
      } else if (message.type === "error") {
        say(message.message, "error");
      }
    });
    socket.addEventListener("close", (event) => {
      socket = null;
      if (event.code === 4401 || event.code === 4403 || document.hidden) return;
      if (!badge.classList.contains("error")) say(TEXT.closed, "error");
      retry = setTimeout(open, 3000);
    });
  };
  const close = () => {
    clearTimeout(retry);
    if (socket) socket.close();
    socket = null;
  };

  const processes = document.getElementById("processes");
  let asking = null;
  const askProcesses = async () => {
    clearTimeout(asking);
    if (document.hidden) return;
    try {
      const answer = await fetch(root.dataset.processesUrl, { credentials: "same-origin" });
      if (answer.ok) processes.innerHTML = await answer.text(); // Berth's own escaped HTML
    } catch (error) { /* the next turn asks again */ }
    asking = setTimeout(askProcesses, PROCESSES_SECONDS * 1000);
  };

  document.addEventListener("visibilitychange", () => {
    if (document.hidden) { close(); clearTimeout(asking); } else { open(); askProcesses(); }
  });
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => { build(); redraw(); });
  document.addEventListener("berth:theme", () => { build(); redraw(); }); // the header's switch
  let resizing = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => Object.values(plots).forEach((plot) => {
      plot.setSize({ width: Math.max(200, plot.root.parentNode.clientWidth), height: 150 });
    }), 150);
  });
  build();
  open();
  askProcesses();
})();
