// The containers list's CPU and memory columns: the running rows on this page, from
// /ws/containers/stats/?ids=... (protocol in containers/consumers.py), only while the page is
// visible. A new table (filters, sorting, an action's fresh row) and rows that live.js placed
// ("berth:rows": a container started from the CLI) ask for their own rows again; a row drawn
// afresh shows its container's last sample until the next one comes.
(() => {
  "use strict";
  const gettext = window.gettext || ((text) => text);
  const TEXT = { stopped: gettext("stopped"), removed: gettext("removed"), engineLost: gettext("engine lost") };
  const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];
  const bytes = (n) => {
    let i = 0;
    while (n >= 1024 && i < UNITS.length - 1) { n /= 1024; i += 1; }
    return `${n.toFixed(i && n < 10 ? 1 : 0)} ${UNITS[i]}`;
  };

  let socket = null;
  let ids = "";
  let retry = null;
  let settle = null;
  const last = {}; // container id: its latest sample, for a row drawn again
  const rowIds = () => [...new Set([...document.querySelectorAll("[data-stats-cpu]")].map((cell) => cell.dataset.statsCpu))].slice(0, 100);

  const show = (id, sample) => {
    last[id] = sample;
    const cpu = document.querySelector(`[data-stats-cpu="${id}"]`);
    const mem = document.querySelector(`[data-stats-mem="${id}"]`);
    if (!cpu || !mem) return;
    if (sample.state) {
      cpu.textContent = TEXT[sample.state === "engine-lost" ? "engineLost" : sample.state] || sample.state;
      mem.textContent = "";
      cpu.className = mem.className = "stats-cell muted";
      return;
    }
    cpu.textContent = `${sample.cpu.toFixed(1)} %`;
    mem.textContent = bytes(sample.mem);
    mem.title = sample.limit ? `${bytes(sample.mem)} / ${bytes(sample.limit)} (${(sample.mem_pct || 0).toFixed(1)} %)` : "";
    cpu.className = mem.className = "stats-cell";
  };

  const close = () => {
    clearTimeout(retry);
    if (socket) socket.close();
    socket = null;
  };
  const open = () => {
    const wanted = rowIds().join(",");
    if (document.hidden || (socket && wanted === ids)) return;
    close();
    ids = wanted;
    if (!ids) return;
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const current = new WebSocket(`${scheme}//${window.location.host}/ws/containers/stats/?ids=${ids}`);
    socket = current;
    current.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "samples") Object.entries(message.samples).forEach(([id, sample]) => show(id, sample));
    });
    current.addEventListener("close", (event) => {
      if (socket !== current) return;
      socket = null;
      if (event.code !== 4401 && event.code !== 4403 && !document.hidden) retry = setTimeout(open, 3000);
    });
  };

  document.addEventListener("visibilitychange", () => (document.hidden ? close() : open()));
  document.body.addEventListener("htmx:afterSettle", open);
  document.addEventListener("berth:rows", () => {
    Object.entries(last).forEach(([id, sample]) => sample.state || show(id, sample));
    clearTimeout(settle);
    settle = setTimeout(open, 50); // a burst of rows (a relist, a compose up) opens one socket
  });
  open();
})();
