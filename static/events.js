// The live part of /events/: rows the server rendered (escaped, as the page's own partial) go on
// top of the table as they come over /ws/events/ (protocol: system/event_consumers.py).
// The words shown come from the page (data-* attributes, translated there).
(() => {
  const rows = document.getElementById("event-rows");
  if (!rows || !rows.dataset.wsPath) return;
  const status = document.getElementById("events-status");
  const empty = document.getElementById("events-empty");
  const maxRows = Number(rows.dataset.maxRows) || 2000;
  let skipped = 0;
  const say = (text) => { status.textContent = text; };
  say(status.dataset.connecting);
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${window.location.host}${rows.dataset.wsPath}`);
  socket.addEventListener("open", () => { say(status.dataset.live); status.dataset.state = "live"; });
  socket.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === "events") {
      if (frame.html) rows.insertAdjacentHTML("afterbegin", frame.html);
      while (rows.rows.length > maxRows) rows.deleteRow(-1);
      if (rows.rows.length && empty) empty.hidden = true;
      skipped += frame.skipped || 0;
      if (skipped) say(`${status.dataset.live} · ${status.dataset.skipped} ${skipped}`);
    } else if (frame.type === "error") {
      say(frame.message);
      status.dataset.state = "ended";
    }
  });
  socket.addEventListener("close", () => {
    if (status.dataset.state !== "ended") say(status.dataset.ended);
    status.dataset.state = "ended";
  });
})();
