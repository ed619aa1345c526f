// Berth's attach and exec terminals: xterm.js over a websocket.
// Protocol: binary frames both ways carry the terminal's bytes; text frames are JSON control
// messages (browser: resize, eof; server: exactly one exit / detached / error before closing,
// and for an attach that started the container a "state" frame once it runs).
(() => {
  "use strict";
  const box = document.getElementById("terminal");
  if (!box || !window.Terminal || !window.FitAddon) return;

  const status = document.getElementById("terminal-status");
  const stateBadge = document.getElementById("container-state");
  const mode = box.dataset.mode;
  const hasTty = box.dataset.tty === "1";
  const PASTE_CHUNK = 16384; // well under Daphne's 1 MiB frame limit
  // What the page says, in one place and marked for translation (as in static/logs.js).
  const gettext = window.gettext || ((text) => text);
  const interpolate = window.interpolate || ((format, values) => format.replace(/%\((\w+)\)s/g, (_, key) => values[key]));
  const TEXT = {
    noMatch: gettext("Not found in the scrollback"),
  };
  const THEMES = {
    light: { background: "#fbfcfd", foreground: "#1d2330", cursor: "#1d2330", selectionBackground: "#b9cff5" },
    dark: { background: "#0b0e13", foreground: "#e4e8ee", cursor: "#e4e8ee", selectionBackground: "#3a4a66" },
  };
  const shownTheme = () =>
    window.BerthTheme?.effective() || (window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");

  const term = new window.Terminal({
    allowProposedApi: true, // term.unicode (the unicode11 widths) is still a proposed API in xterm 6
    cursorBlink: true,
    scrollback: 10000,
    convertEol: mode === "attach" && !hasTty, // without a TTY nobody turns \n into \r\n
    fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace',
    fontSize: 13,
    theme: THEMES[shownTheme()],
  });
  box.xterm = term; // for the browser tests and the devtools console
  const fit = new window.FitAddon.FitAddon();
  term.loadAddon(fit);
  loadAddons(term);
  term.open(box);
  box.dataset.renderer = loadRenderer(term);
  fit.fit();
  term.focus();
  // The theme switch (static/theme.js) and the system's setting re-theme the terminal at once.
  document.addEventListener("berth:theme", (event) => {
    term.options.theme = THEMES[event.detail.theme];
  });
  bindSearch(term);

  const say = (text, kind) => {
    status.textContent = text;
    status.className = `terminal-status ${kind || ""}`;
  };
  const setState = (text, state) => {
    if (!stateBadge) return;
    stateBadge.textContent = text;
    stateBadge.className = `badge state-${state}`;
  };

  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${window.location.host}${box.dataset.wsPath}`);
  socket.binaryType = "arraybuffer";
  const encoder = new TextEncoder();
  let ended = false;

  const sendControl = (message) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  };
  const sendResize = () => sendControl({ type: "resize", cols: term.cols, rows: term.rows });

  socket.addEventListener("open", () => {
    say(mode === "exec" ? "Connected: new process" : "Attached", "ok");
    sendResize(); // held by the server until the process has started
  });
  socket.addEventListener("message", (event) => {
    if (typeof event.data !== "string") {
      term.write(new Uint8Array(event.data)); // xterm decodes UTF-8 across chunks itself
      return;
    }
    const message = JSON.parse(event.data);
    if (message.type === "state") {
      // An attach with ?start=1 started the container after the page was drawn (Created).
      if (message.state === "running") setState(gettext("Running"), "running");
      return; // not an ending: the stream goes on
    }
    ended = true;
    if (message.type === "exit") {
      if (mode === "attach") {
        say(interpolate(gettext("The container exited with code %(code)s."), { code: message.code }, true), message.code === 0 ? "ok" : "error");
        setState(interpolate(gettext("Exited (%(code)s)"), { code: message.code }, true), "exited");
      } else {
        say(interpolate(gettext("The process exited with code %(code)s. The container keeps running."), { code: message.code }, true), message.code === 0 ? "ok" : "error");
      }
    } else if (message.type === "detached") {
      say(gettext("Detached: the container keeps running."), "ok");
    } else if (message.type === "error") {
      say(message.message, "error");
      term.write(`\r\n\x1b[31m${message.message}\x1b[0m\r\n`);
    }
  });
  socket.addEventListener("close", (event) => {
    term.options.cursorBlink = false;
    // After a text frame (an exit, or an error such as "Your session ended" before a 4401/4403
    // mid-stream) the page already says why: the close code must not replace it.
    if (ended) return;
    if (event.code === 4401) say(gettext("Not logged in: log in again, then reload."), "error");
    else if (event.code === 4403) say(gettext("You may not do this on this container."), "error");
    else say(mode === "exec" ? gettext("Connection lost: the process was killed.") : gettext("Connection lost."), "error");
  });

  const sendBytes = (bytes) => {
    for (let start = 0; start < bytes.length; start += PASTE_CHUNK) {
      socket.send(bytes.subarray(start, start + PASTE_CHUNK));
    }
  };
  term.onData((data) => {
    if (socket.readyState !== WebSocket.OPEN) return;
    if (mode === "attach" && !hasTty && data === "\x04") {
      sendControl({ type: "eof" }); // no TTY to turn Ctrl-D into end-of-file: close stdin
      return;
    }
    sendBytes(encoder.encode(data));
  });
  term.onBinary((data) => {
    if (socket.readyState !== WebSocket.OPEN) return;
    sendBytes(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff));
  });
  term.onResize(() => sendResize());

  // Copy with Ctrl-Shift-C (Ctrl-C stays the program's interrupt); paste is the browser's own.
  term.attachCustomKeyEventHandler((event) => {
    if (event.type === "keydown" && event.ctrlKey && event.shiftKey && event.code === "KeyC") {
      const selection = term.getSelection();
      if (selection && navigator.clipboard) navigator.clipboard.writeText(selection);
      return false;
    }
    return !(event.ctrlKey && event.shiftKey && event.code === "KeyV");
  });

  // The terminal fills the window and follows its size; resizes are debounced.
  let pending = null;
  new ResizeObserver(() => {
    clearTimeout(pending);
    pending = setTimeout(() => fit.fit(), 80);
  }).observe(box);

  // ------------------------------------------------------------------ addons
  // Links open in a new tab without a window.opener ("noopener": the tab cannot steer this
  // page), and only http and https: a program's output must not open file:, javascript: or
  // an application's own scheme with one click.
  function openLink(_event, uri) {
    let url;
    try {
      url = new URL(uri);
    } catch {
      return;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return;
    window.open(url.href, "_blank", "noopener,noreferrer");
  }

  function loadAddons(terminal) {
    if (window.WebLinksAddon) terminal.loadAddon(new window.WebLinksAddon.WebLinksAddon(openLink));
    if (window.Unicode11Addon) {
      // Hangul and emoji take two cells, as the programs in the container count them
      // (wcwidth of Unicode 11; xterm's default tables are Unicode 6's).
      terminal.loadAddon(new window.Unicode11Addon.Unicode11Addon());
      terminal.unicode.activeVersion = "11";
    }
  }

  // WebGL draws a busy terminal several times faster than the DOM; without WebGL2 (no GPU,
  // Chromium's --disable-gpu, a lost context) xterm's default DOM renderer stays or comes back.
  function loadRenderer(terminal) {
    if (!window.WebglAddon) return "dom";
    try {
      const webgl = new window.WebglAddon.WebglAddon();
      webgl.onContextLoss(() => {
        webgl.dispose();
        box.dataset.renderer = "dom";
      });
      terminal.loadAddon(webgl);
      return "webgl";
    } catch {
      return "dom";
    }
  }

  // Search in the scrollback: Enter finds the older match (upwards), Shift-Enter the newer one.
  function bindSearch(terminal) {
    const input = document.getElementById("terminal-search");
    if (!input || !window.SearchAddon) return;
    const searcher = new window.SearchAddon.SearchAddon();
    terminal.loadAddon(searcher);
    input.hidden = false;
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        searcher.clearDecorations();
        terminal.focus();
        return;
      }
      if (event.key !== "Enter") return;
      event.preventDefault();
      const found = event.shiftKey ? searcher.findNext(input.value) : searcher.findPrevious(input.value);
      if (!found && input.value) say(TEXT.noMatch, "error");
    });
  }
})();
