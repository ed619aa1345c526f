// The engine's log bytes split into lines in the browser: [stream, timestamp, text].
//
// Binary frames hold whole log messages as the engine sent them (containers/consumers.py):
// "timestamp text\n" (or "text\n" when the socket asked for no timestamps), inside 8-byte
// frames [stream id, 0, 0, 0, size (uint32 BE)] for a container without a TTY, plain for
// one with. Docker cuts a line at 16 KiB: a message without its newline is continued by its
// stream's next one. This is the server's LineAssembler (containers.streams), which splits
// the same bytes for searches; both are run over the same fixtures (tests/streams/fixtures/split/,
// by tests/streams/test_split_fixtures.py and tests/js/log_splitter.test.mjs).
//
// A classic script, as every page script is (no bundler): the page gets `Berth.LogSplitter`,
// node's test runner gets module.exports.
((root, make) => {
  "use strict";
  const api = make();
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.Berth = Object.assign(root.Berth || {}, api);
})(typeof globalThis === "object" ? globalThis : this, () => {
  "use strict";
  const LABELS = ["i", "o", "e", "s"];
  const MAX_LINE_CHARS = 65536;
  const TTY_TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) /;
  const utf8 = new TextDecoder(); // not fatal: bad bytes become U+FFFD, as on the server
  // The page's catalogue (Django's /jsi18n/) when there is one; node's tests read English.
  const gettext = (text) => (typeof globalThis.gettext === "function" ? globalThis.gettext(text) : text);

  // Characters, as the server counts them (Python's len): a line of emoji is cut after 65,536
  // of them, never inside a surrogate pair. Only a line over 65,536 UTF-16 units pays for this.
  const clip = (text) => {
    if (text.length <= MAX_LINE_CHARS) return text;
    const chars = Array.from(text);
    if (chars.length <= MAX_LINE_CHARS) return text;
    const marker = gettext("[line cut at %(kept)s of %(length)s characters]").replace("%(kept)s", MAX_LINE_CHARS).replace("%(length)s", chars.length);
    return `${chars.slice(0, MAX_LINE_CHARS).join("")} … ${marker}`;
  };
  // The engine trims trailing zeros from the nanoseconds: pad them so strings compare as times.
  const timeOrder = (ts) => (ts.length > 20 ? ts.slice(0, 20) + ts.slice(20, -1).padEnd(9, "0") : ts);
  const byTime = (a, b) => {
    const x = timeOrder(a[1]), y = timeOrder(b[1]);
    return x < y ? -1 : x > y ? 1 : 0;
  };
  const concat = (chunks) => {
    const joined = new Uint8Array(chunks.reduce((size, chunk) => size + chunk.length, 0));
    let at = 0;
    for (const chunk of chunks) { joined.set(chunk, at); at += chunk.length; }
    return joined;
  };

  class LogSplitter {
    constructor(timestamps) {
      this.timestamps = timestamps;
      this.tty = null; // told by the first byte: the stream id of a frame header, or the first digit of a timestamp
      this.partial = new Map(); // stream id -> {timestamp, chunks} of a line Docker cut
    }

    feed(bytes) {
      if (this.tty === null && bytes.length) this.tty = bytes[0] > 3;
      return this.tty ? this.ttyLines(bytes) : this.frameLines(bytes);
    }

    frameLines(bytes) {
      const header = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const lines = [];
      const streams = new Set();
      for (let at = 0; at + 8 <= bytes.length;) {
        const end = at + 8 + header.getUint32(at + 4);
        streams.add(bytes[at]);
        this.message(bytes[at], bytes.subarray(at + 8, end), lines);
        at = end;
      }
      // The engine writes each stream's lines as they come: put stdout's and stderr's in time order.
      if (streams.size > 1 && this.timestamps) lines.sort(byTime);
      return lines;
    }

    message(streamId, payload, lines) {
      let timestamp = "";
      let body = payload;
      const space = this.timestamps ? payload.indexOf(32) : -1;
      if (space > 0 && payload[0] >= 48 && payload[0] <= 57) {
        timestamp = utf8.decode(payload.subarray(0, space));
        body = payload.subarray(space + 1);
      }
      const part = this.partial.get(streamId);
      if (body[body.length - 1] !== 10) { // cut by Docker: the rest follows in the next message
        if (part) part.chunks.push(body); else this.partial.set(streamId, { timestamp, chunks: [body] });
        return;
      }
      if (part) {
        this.partial.delete(streamId);
        timestamp = part.timestamp;
        body = concat([...part.chunks, body]); // joined as bytes: a character may straddle the cut
      }
      lines.push([LABELS[streamId] || "o", timestamp, clip(utf8.decode(body).replace(/[\r\n]+$/, ""))]);
    }

    ttyLines(bytes) {
      // The server cuts a TTY's bytes after a newline, so every frame decodes whole; only the
      // last frame of a log may end without one (its last line). An empty line is a line, as
      // on the server and in a log without a TTY.
      const lines = [];
      const raws = utf8.decode(bytes).split("\n");
      if (raws[raws.length - 1] === "") raws.pop(); // what follows the last newline: no line
      for (const raw of raws) {
        const match = this.timestamps && TTY_TIMESTAMP.exec(raw);
        let timestamp = "", text = raw;
        if (match) {
          timestamp = match[1];
          // A cut message's successor starts with its own timestamp, inside the line; only
          // timestamps of the line's own minute are taken as such (as on the server). The
          // minute ("2026-11-28T10:57") holds no character that a RegExp would read as syntax.
          const sameMinute = new RegExp(`${timestamp.slice(0, 16)}:\\d\\d(?:\\.\\d+)?Z `, "g");
          text = raw.slice(match[0].length).replace(sameMinute, "");
        }
        lines.push(["o", timestamp, clip(text.replace(/\r+$/, ""))]);
      }
      return lines;
    }

    finish() {
      // What a stream left when it ended: lines Docker cut whose rest never came.
      const lines = [...this.partial].map(([id, part]) => [LABELS[id] || "o", part.timestamp, clip(utf8.decode(concat(part.chunks)))]);
      this.partial.clear();
      return lines;
    }
  }

  return { LogSplitter, MAX_LINE_CHARS };
});
