// Pages that follow the engine (issue 13; protocol: containers/consumers.py), over the socket that
// #live-state names: /containers/ (rows pushed: the page's query string says its filters, sort
// and page, and the socket follows it when htmx swaps the table) and a container's page (its
// summary and "why it stopped"), the overview (its blocks). "parts" frames swap the elements they
// name by id: a list's counts, the overview's counts and events. A page that slept (laptop lid: the timer jumps) or whose socket
// dropped opens it again with catchup=1 and gets the whole table or summary: events it missed are gone.
(() => {
  "use strict";
  const state = document.getElementById("live-state");
  if (!state) return;
  const newLine = document.getElementById("live-new");
  const SLEPT_MS = 15000; // a 5 s tick that came this late: the machine slept
  const TICK_MS = 5000;
  const MAX_RETRY_MS = 30000;
  let socket = null;
  let retries = 0;
  let retryTimer = null;
  let lastTick = Date.now();
  let stopped = false;

  const say = (key) => {
    state.dataset.state = key;
    state.textContent = state.dataset[key];
  };
  const tableId = state.dataset.table || "";
  const rowId = (id) => state.dataset.rowPrefix + (state.dataset.shortIds ? id.slice(0, 12) : id);

  function address(catchup) {
    const query = new URLSearchParams(window.location.search);
    if (catchup) query.set("catchup", "1");
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${window.location.host}${state.dataset.wsPath}?${query}`;
  }

  function connect(catchup) {
    clearTimeout(retryTimer);
    if (stopped) return;
    if (socket) {
      socket.onclose = null;
      socket.close();
    }
    const ws = new WebSocket(address(catchup));
    socket = ws;
    ws.onmessage = (message) => handle(JSON.parse(message.data));
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = null;
      if (event.code === 4401 || event.code === 4403) {
        say("unavailable"); // logged out or refused: a reload shows why
        return;
      }
      say("reconnecting");
      retryTimer = setTimeout(() => connect(true), Math.min(MAX_RETRY_MS, 500 * 2 ** retries++));
    };
  }

  function handle(frame) {
    if (["row", "remove", "table"].includes(frame.type)) {
      update(frame);
      // The list's CPU and memory columns (stats_list.js) follow the rows.
      document.dispatchEvent(new CustomEvent("berth:rows"));
    } else update(frame);
  }

  function update(frame) {
    if (frame.type === "state") {
      if (frame.state === "live") retries = 0;
      say(frame.state === "live" ? "live" : "unavailable");
    } else if (frame.type === "row") {
      placeRow(frame);
    } else if (frame.type === "remove") {
      document.getElementById(rowId(frame.id))?.remove();
    } else if (frame.type === "new") {
      showNew(frame.count);
    } else if (frame.type === "parts") {
      Object.entries(frame.html).forEach(([id, html]) => swap(id, html));
    } else if (frame.type === "summary") {
      swap("container-summary", frame.html, "section");
      swap("why-stopped", frame.why, "div");
    } else if (frame.type === "removed") {
      say("removed"); // nothing more to follow
      stopped = true;
      socket.onclose = null;
      socket.close();
      socket = null;
    } else if (frame.type === "table") {
      const table = document.getElementById(tableId);
      const fresh = parse(frame.html, "div");
      if (table && fresh) {
        table.replaceWith(fresh);
        window.htmx?.process(fresh);
      }
      showNew(0);
    }
  }

  function swap(id, html, tag) {
    const shown = document.getElementById(id);
    const fresh = parse(html, tag || shown?.localName);
    if (shown && fresh && (tag || fresh.id === id)) { // a part must name itself
      shown.replaceWith(fresh);
      window.htmx?.process(fresh);
    }
  }

  function parse(html, tag) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const element = template.content.firstElementChild;
    return element && element.localName === tag ? element : null;
  }

  function placeRow(frame) {
    const row = parse(frame.html, "tr");
    if (!row) return;
    const shown = document.getElementById(rowId(frame.id));
    if (shown) {
      const box = shown.querySelector("input[name=ids]");
      if (box?.checked) row.querySelector("input[name=ids]").checked = true; // keep the selection (containers)
      shown.replaceWith(row);
    } else {
      const body = document.querySelector(`#${tableId} table tbody`);
      if (!body) return;
      body.querySelector("td.empty")?.parentElement.remove();
      const before = frame.before ? document.getElementById(rowId(frame.before)) : null;
      body.insertBefore(row, before && before.parentElement === body ? before : null);
    }
    window.htmx?.process(row);
  }

  function showNew(count) {
    if (!newLine) return;
    newLine.hidden = !count;
    newLine.querySelector("a").textContent =
      count === 1 ? newLine.dataset.one : newLine.dataset.many.replace("{n}", count);
  }

  // The filters, sort links and pager swap the table with htmx and push the new address: follow it.
  document.body.addEventListener("htmx:afterSettle", (event) => {
    if (tableId && (event.detail.target?.id === tableId || event.target?.id === tableId)) {
      showNew(0);
      setTimeout(() => connect(false), 0);
    }
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && (!socket || socket.readyState > WebSocket.OPEN)) connect(true);
  });
  setInterval(() => {
    const now = Date.now();
    if (now - lastTick > SLEPT_MS) connect(true);
    lastTick = now;
  }, TICK_MS);

  say("connecting");
  connect(false);
})();
