// Berth's live log view: a log arrives over a websocket as the engine's own bytes (split into
// lines by static/log_splitter.js), or, for a search, as JSON batches of lines; it is drawn with
// textContent only (log text is never parsed as HTML), and ANSI colours become styled spans
// (static/ansi.js); every other escape sequence is dropped.
(() => {
  "use strict";
  const view = document.getElementById("log-view");
  if (!view || view.dataset.disabled) return;

  const MAX_LINES = Number(view.dataset.maxLines) || 5000;
  const status = document.getElementById("log-status");
  const stateBadge = document.getElementById("container-state");
  const count = document.getElementById("log-count");
  const filterInput = document.getElementById("log-filter");
  const pauseButton = document.getElementById("log-pause");
  const download = document.getElementById("log-download");
  // What the page says of the socket's state, in one place and marked for translation: Django's
  // JavaScript catalogue defines gettext once a page loads it; until then the text is as written.
  const gettext = window.gettext || ((text) => text);
  const ngettext = window.ngettext || ((one, many, n) => (n === 1 ? one : many));
  const interpolate = window.interpolate || ((format, values) => format.replace(/%\((\w+)\)s/g, (_, key) => values[key]));
  const STREAM_NAMES = { o: "out", e: "err", s: gettext("engine") };
  const TEXT = {
    streaming: gettext("Streaming"),
    engineLost: gettext("Engine lost — reconnecting…"),
    engineLostNote: gettext("— the Docker engine went away: reconnecting —"),
    engineBackNote: gettext("— the Docker engine is back: following on —"),
  };

  let paused = false;
  let held = []; // lines that arrived while paused (bounded)
  let heldSkipped = 0;
  let shown = 0;
  let skippedTotal = 0;
  let filter = "";

  const say = (text, kind) => {
    status.textContent = text;
    status.className = `terminal-status ${kind || ""}`;
  };
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  // ---------------------------------------------------------------- ANSI colours
  // static/ansi.js (loaded before this script): colours and styles carry from line to line of
  // one stream, as on a terminal, and start afresh with each new stream (after a "state" frame).
  const { AnsiParser, ansiInto, tokensInto, stripAnsi } = window.Berth;
  let ansiStates = new Map(); // stream label -> AnsiParser
  const ansiFor = (stream) => {
    if (!ansiStates.has(stream)) ansiStates.set(stream, new AnsiParser());
    return ansiStates.get(stream);
  };

  // ---------------------------------------------------------------- JSON and logfmt lines
  const LEVEL_KEYS = ["level", "lvl", "severity", "levelname", "log.level"];
  const MESSAGE_KEYS = ["msg", "message", "event"];
  const LOGFMT = /([\w.\-/]+)=("(?:[^"\\]|\\.)*"|\S*)/g;

  function structured(text) {
    const trimmed = text.trim();
    if (trimmed.startsWith("{") && trimmed.endsWith("}")) {
      try {
        const value = JSON.parse(trimmed);
        if (value && typeof value === "object" && !Array.isArray(value)) return value;
      } catch (e) { /* not JSON after all */ }
    }
    if (trimmed.indexOf("=") > 0) {
      const fields = {};
      let matched = 0, pairs = 0;
      LOGFMT.lastIndex = 0;
      for (let match; (match = LOGFMT.exec(trimmed)); ) {
        const raw = match[2];
        fields[match[1]] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw;
        matched += match[0].length; pairs += 1;
      }
      // logfmt only when key=value pairs make up (nearly) the whole line
      if (pairs >= 2 && matched >= trimmed.replace(/\s+/g, "").length * 0.9) return fields;
    }
    return null;
  }

  // Fields come from the line's text without its escapes; a JSON string may hold escapes of its
  // own (decoded "\u001b"): the message keeps its colours (which end with it), keys and values
  // are shown without them.
  function structuredInto(parent, fields) {
    const levelKey = LEVEL_KEYS.find((k) => typeof fields[k] === "string" || typeof fields[k] === "number");
    const messageKey = MESSAGE_KEYS.find((k) => typeof fields[k] === "string");
    if (levelKey) {
      const level = stripAnsi(String(fields[levelKey]));
      parent.append(el("span", `level level-${level.toLowerCase().replace(/[^a-z]/g, "")}`, level.toUpperCase()));
    }
    if (messageKey) ansiInto(parent, fields[messageKey], new AnsiParser());
    for (const [key, value] of Object.entries(fields)) {
      if (key === levelKey || key === messageKey) continue;
      parent.append(" ", el("span", "field-key", `${stripAnsi(key)}=`), typeof value === "string" ? stripAnsi(value) : JSON.stringify(value));
    }
  }

  // ---------------------------------------------------------------- the engine's bytes
  // Split into lines by static/log_splitter.js (loaded before this script).
  const { LogSplitter } = window.Berth;

  // ---------------------------------------------------------------- timestamps
  // The engine's RFC 3339 UTC time ("2026-12-01T06:39:04.761428058Z", trailing zeros dropped) is
  // shown to the millisecond in the viewer's zone (the page's data-zone, which the server chose:
  // the user's setting or the browser's), or in UTC: a choice remembered in localStorage. The
  // span keeps the engine's own text (its title, to the nanosecond); downloads are never touched.
  const zoneChoice = document.getElementById("log-zone");
  const ZONE_KEY = "berth.logs.zone";
  const localZone = view.dataset.zone || "UTC";
  const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z$/;
  const clocks = new Map(); // zone -> Intl.DateTimeFormat (one each: making one costs ~50 µs)
  const clockIn = (zone) => {
    if (!clocks.has(zone)) {
      let format;
      try {
        format = new Intl.DateTimeFormat("en-US", {
          timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
          hour: "2-digit", minute: "2-digit", second: "2-digit",
        });
      } catch { // a zone this browser does not know: UTC, which the label then says
        format = clockIn("UTC");
      }
      clocks.set(zone, format);
    }
    return clocks.get(zone);
  };
  const storedZone = () => {
    try { return window.localStorage.getItem(ZONE_KEY) === "utc" ? "utc" : "local"; } catch { return "local"; }
  };
  let shownZone = storedZone();
  function stampText(timestamp) {
    const match = RFC3339.exec(timestamp);
    if (!match) return timestamp.replace("T", " ");
    const [, y, mo, d, h, mi, s, fraction] = match;
    const millis = `${fraction || ""}000`.slice(0, 3);
    const parts = {};
    const moment = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s));
    for (const part of clockIn(shownZone === "utc" ? "UTC" : localZone).formatToParts(moment)) parts[part.type] = part.value;
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}.${millis}`;
  }
  function stampNode(timestamp) {
    const node = el("span", "ts", stampText(timestamp));
    node.dataset.ts = timestamp;
    node.title = timestamp;
    return node;
  }
  if (zoneChoice) {
    zoneChoice.value = shownZone;
    zoneChoice.addEventListener("change", () => {
      shownZone = zoneChoice.value === "utc" ? "utc" : "local";
      try { window.localStorage.setItem(ZONE_KEY, shownZone); } catch { /* not remembered, still shown */ }
      for (const node of view.querySelectorAll(".ts[data-ts]")) node.textContent = stampText(node.dataset.ts);
    });
  }

  // ---------------------------------------------------------------- drawing
  function lineNode([stream, timestamp, text]) {
    const row = el("div", `line ${stream}`);
    if (timestamp) row.append(stampNode(timestamp));
    row.append(el("span", "stream", STREAM_NAMES[stream] || stream));
    const body = el("span", "text");
    const tokens = ansiFor(stream).tokens(text); // read whole, structured or not: its escapes set the stream's colours
    const fields = structured(tokens.length === 1 ? tokens[0].text : tokens.map((token) => token.text).join(""));
    if (fields) structuredInto(body, fields); else tokensInto(body, tokens);
    row.append(body);
    if (filter && !row.textContent.toLowerCase().includes(filter)) row.classList.add("filtered");
    return row;
  }

  const atBottom = () => view.scrollHeight - view.scrollTop - view.clientHeight < 40;

  function note(text, className) {
    const stick = atBottom();
    view.append(el("div", className || "note", text));
    if (stick) view.scrollTop = view.scrollHeight;
  }

  function draw(lines, skipped) {
    const stick = atBottom();
    const room = skipped ? MAX_LINES - 1 : MAX_LINES; // the marker takes a place too
    if (lines.length > room) { skipped += lines.length - room; lines = lines.slice(-room); }
    const fragment = document.createDocumentFragment();
    if (skipped) fragment.append(el("div", "marker", interpolate(ngettext("… %(n)s line skipped (the browser fell behind; Download has them all)", "… %(n)s lines skipped (the browser fell behind; Download has them all)", skipped), { n: skipped.toLocaleString() }, true)));
    for (const line of lines) fragment.append(lineNode(line));
    view.append(fragment);
    shown += lines.length;
    skippedTotal += skipped;
    let extra = view.childElementCount - MAX_LINES;
    while (extra-- > 0) view.firstElementChild.remove(); // the page keeps a bounded number of lines
    if (stick) view.scrollTop = view.scrollHeight;
    const values = { shown: shown.toLocaleString(), skipped: skippedTotal.toLocaleString() };
    count.textContent = interpolate(skippedTotal ? gettext("%(shown)s lines shown, %(skipped)s skipped") : gettext("%(shown)s lines shown"), values, true);
  }

  function receive(lines, skipped) {
    if (!paused) { draw(lines, skipped); return; }
    held.push(...lines);
    heldSkipped += skipped;
    if (held.length > MAX_LINES) { heldSkipped += held.length - MAX_LINES; held = held.slice(-MAX_LINES); }
    count.textContent = interpolate(gettext("%(shown)s lines shown · paused, %(waiting)s waiting"), { shown: shown.toLocaleString(), waiting: (held.length + heldSkipped).toLocaleString() }, true);
  }

  // ---------------------------------------------------------------- the socket
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${window.location.host}${view.dataset.wsPath}`);
  socket.binaryType = "arraybuffer";
  let ended = false;
  const timestamps = new URLSearchParams(view.dataset.wsPath.split("?")[1]).get("timestamps") === "1";
  let splitter = new LogSplitter(timestamps);
  const streamEnded = () => { // a stream ends before each state change and at the end
    const rest = splitter.finish();
    if (rest.length) receive(rest, 0);
    splitter = new LogSplitter(timestamps); // a restarted container's log is a new stream
    ansiStates = new Map(); // and its colours start afresh
  };
  say(gettext("Connecting…"));
  let engineLost = false; // between an "engine-lost" state and the state after it
  socket.addEventListener("open", () => say(TEXT.streaming, "ok"));
  socket.addEventListener("message", (event) => {
    if (event.data instanceof ArrayBuffer) {
      receive(splitter.feed(new Uint8Array(event.data)), 0);
      socket.send('{"type":"ack"}');
      return;
    }
    const message = JSON.parse(event.data);
    if (message.type !== "lines") streamEnded();
    if (message.type === "lines") {
      receive(message.lines, message.skipped);
      socket.send('{"type":"ack"}'); // flow control: the server keeps only a few frames in flight
    } else if (message.type === "state") {
      const wasLost = engineLost;
      engineLost = message.state === "engine-lost";
      if (engineLost) {
        note(TEXT.engineLostNote);
        say(TEXT.engineLost, "error");
      } else if (message.state === "running" && wasLost) { // it ran on: the log reads on after its last line
        note(TEXT.engineBackNote);
        say(TEXT.streaming, "ok");
      } else if (message.state === "running") {
        note(gettext("— the container started again: following its new output —"));
        say(gettext("Following"), "ok");
        if (stateBadge) { stateBadge.textContent = gettext("Running"); stateBadge.className = "badge state-running"; }
      } else if (message.state === "removed") {
        note(gettext("— the container was removed —"));
        say(gettext("The container was removed."), "error");
      } else {
        note(interpolate(gettext("— the container stopped (exit code %(code)s); waiting for it to start again —"), { code: message.code }, true));
        say(interpolate(gettext("Stopped (exit code %(code)s): waiting for a restart"), { code: message.code }, true), "error");
        if (stateBadge) { stateBadge.textContent = interpolate(gettext("Exited (%(code)s)"), { code: message.code }, true); stateBadge.className = "badge state-exited"; }
      }
    } else if (message.type === "end") {
      ended = true;
      say(message.cancelled ? gettext("Search cancelled: a newer search of yours replaced it") : gettext("End of the log"), "ok");
      if (!shown) note(gettext("No lines match."));
    } else if (message.type === "error") {
      ended = true;
      say(message.message, "error");
      note(message.message, "marker");
    }
  });
  socket.addEventListener("close", (event) => {
    // After an end or error frame (such as "Your session ended" before a 4401 mid-stream) the
    // page already says why: the close code must not replace it.
    if (ended) return;
    if (event.code === 4401) say(gettext("Not logged in: log in again, then reload."), "error");
    else if (event.code === 4403) say(gettext("You may not read this container's logs."), "error");
    else say(gettext("Connection lost: reload to follow again."), "error");
  });

  // ---------------------------------------------------------------- controls
  const cancel = document.getElementById("log-cancel");
  if (cancel) {
    cancel.addEventListener("click", () => {
      ended = true;
      socket.close(1000);
      say(gettext("Search cancelled"), "ok");
      cancel.disabled = true;
    });
  }
  pauseButton.addEventListener("click", () => {
    paused = !paused;
    pauseButton.textContent = paused ? gettext("Resume") : gettext("Pause");
    if (!paused) {
      const lines = held, skipped = heldSkipped;
      held = []; heldSkipped = 0;
      draw(lines, skipped);
    }
  });
  document.getElementById("log-clear").addEventListener("click", () => { view.replaceChildren(); });
  document.getElementById("log-wrap").addEventListener("change", (event) => view.classList.toggle("wrap", event.target.checked));
  let filterTimer = null;
  filterInput.addEventListener("input", () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => {
      filter = filterInput.value.trim().toLowerCase();
      for (const row of view.querySelectorAll(".line")) {
        row.classList.toggle("filtered", Boolean(filter) && !row.textContent.toLowerCase().includes(filter));
      }
    }, 120);
  });
  // stdout/stderr and timestamps: shown or hidden at once; the download link follows the choice.
  for (const box of document.querySelectorAll("#log-controls input[data-toggle]")) {
    const apply = () => {
      view.classList.toggle(box.dataset.toggle, box.dataset.toggle === "show-ts" ? box.checked : !box.checked);
      if (box.dataset.toggle === "show-ts" && zoneChoice) zoneChoice.closest("label").hidden = !box.checked; // no times, no zone
      const url = new URL(download.href, window.location.href);
      url.searchParams.set(box.name, box.checked ? "1" : "0");
      download.href = url.pathname + url.search;
    };
    box.addEventListener("change", apply);
    apply();
  }
})();
