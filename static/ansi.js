// ANSI escape sequences in log text: SGR colours and styles become spans with classes (and an
// inline colour for 256-colour and truecolour); every other sequence is dropped whole, never
// shown. Text is only ever set with textContent or as text nodes: no sequence can make markup,
// and an OSC 8 hyperlink keeps its text as plain text, never a link.
//
// A parser of Berth's own, after ECMA-48 (section 5.4) and xterm's ctlseqs, because the npm
// tokenizers leak what this must drop: anser 2.3.5 (checked when this was written) splits only
// at ESC "[", reads only digits and ";" as parameters (so "38:5:196m" stays in the text) and
// leaves OSC strings (OSC 8 links' addresses among them) and escapes such as ESC "(B" in the
// text; ansi-sequence-parser 1.1.3 reads "ESC [" up to the next "m" whatever lies between.
//
// A classic script like every page script (no bundler): the page gets Berth.AnsiParser and
// Berth.ansiInto, node's test runner gets module.exports.
((root, make) => {
  "use strict";
  const api = make();
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.Berth = Object.assign(root.Berth || {}, api);
})(typeof globalThis === "object" ? globalThis : this, () => {
  "use strict";
  // ESC, and the C1 controls (U+0080-U+009F), whose CSI, OSC, DCS, SOS, PM and APC open
  // sequences as ESC "[", "]", "P", "X", "^" and "_" do; any other C1 control is dropped alone.
  // eslint-disable-next-line no-control-regex
  const SPECIAL = /[\x1b\x80-\x9f]/g;
  const C1_OPENS = { 0x9b: "csi", 0x9d: "osc", 0x90: "string", 0x98: "string", 0x9e: "string", 0x9f: "string" };
  const ESC_OPENS = { "[": "csi", "]": "osc", P: "string", X: "string", "^": "string", _: "string" };

  // xterm's 256 colours past the 16 the stylesheet names (.ansi-fg-0 ... .ansi-fg-15).
  const color256 = (n) => {
    if (n >= 232) { const v = 8 + (n - 232) * 10; return `rgb(${v}, ${v}, ${v})`; }
    const c = (v) => (v ? 55 + v * 40 : 0);
    const i = n - 16;
    return `rgb(${c(Math.floor(i / 36))}, ${c(Math.floor(i / 6) % 6)}, ${c(i % 6)})`;
  };
  const byte = (text) => (/^\d{1,3}$/.test(text) && Number(text) <= 255 ? Number(text) : null);

  const FLAGS = ["bold", "dim", "italic", "underline", "strike", "reverse"];
  const blank = () => ({ bold: false, dim: false, italic: false, underline: false, strike: false, reverse: false, fg: null, bg: null });

  // 38/48 (and 58, the underline's colour, read only to be skipped): "5;N" or "2;R;G;B" after
  // it with ";", or in its own parameter with ":" ("38:5:N", "38:2::R:G:B" with ITU T.416's
  // colour-space id, "38:2:R:G:B" without). A colour is a palette index 0-255 or an rgb() string.
  function extendedColor(parts) {
    if (parts[0] === "5") return { value: byte(parts[1] ?? ""), used: 2 };
    if (parts[0] === "2") {
      const rgb = parts.length >= 5 ? parts.slice(2, 5) : parts.slice(1, 4);
      const values = rgb.map((part) => byte(part === "" ? "0" : part));
      const value = values.length === 3 && values.every((v) => v !== null) ? `rgb(${values.join(", ")})` : null;
      return { value, used: 4 };
    }
    return { value: null, used: parts.length ? 1 : 0 };
  }

  const SIMPLE = {
    0: (s) => Object.assign(s, blank()),
    1: (s) => { s.bold = true; }, 2: (s) => { s.dim = true; }, 3: (s) => { s.italic = true; },
    4: (s) => { s.underline = true; }, 7: (s) => { s.reverse = true; }, 9: (s) => { s.strike = true; },
    21: (s) => { s.underline = true; }, // doubly underlined (ECMA-48), shown as underlined
    22: (s) => { s.bold = false; s.dim = false; }, 23: (s) => { s.italic = false; },
    24: (s) => { s.underline = false; }, 27: (s) => { s.reverse = false; }, 29: (s) => { s.strike = false; },
    39: (s) => { s.fg = null; }, 49: (s) => { s.bg = null; },
  };
  // Not drawn: blink (5, 6), conceal (8: a log viewer shows what a container wrote), fonts.

  function applySgr(style, params) {
    const list = params.split(";");
    for (let i = 0; i < list.length; i++) {
      if (list[i].includes(":")) { applySubParameters(style, list[i].split(":")); continue; }
      const code = list[i] === "" ? 0 : Number(list[i]);
      if (SIMPLE[code]) SIMPLE[code](style);
      else if (code >= 30 && code <= 37) style.fg = code - 30;
      else if (code >= 40 && code <= 47) style.bg = code - 40;
      else if (code >= 90 && code <= 97) style.fg = code - 82;
      else if (code >= 100 && code <= 107) style.bg = code - 92;
      else if (code === 38 || code === 48 || code === 58) {
        const { value, used } = extendedColor(list.slice(i + 1, i + 5));
        if (value !== null && code === 38) style.fg = value;
        if (value !== null && code === 48) style.bg = value;
        i += used;
      }
    }
  }

  function applySubParameters(style, parts) {
    const code = parts[0] === "" ? 0 : Number(parts[0]);
    if (code === 4) { style.underline = parts[1] !== "0"; return; } // 4:0 none, 4:1-4:5 a kind of underline
    if (code !== 38 && code !== 48) return;
    const { value } = extendedColor(parts.slice(1));
    if (value !== null) style[code === 38 ? "fg" : "bg"] = value;
  }

  // Where the CSI whose parameters start at `body` ends, and its parameters when it is SGR.
  function csiEnd(text, body) {
    let at = body;
    while (at < text.length && text.charCodeAt(at) >= 0x30 && text.charCodeAt(at) <= 0x3f) at++;
    const params = text.slice(body, at);
    const middle = at;
    while (at < text.length && text.charCodeAt(at) >= 0x20 && text.charCodeAt(at) <= 0x2f) at++;
    const final = text.charCodeAt(at);
    if (!(final >= 0x40 && final <= 0x7e)) return { end: at, sgr: null }; // cut short: dropped up to there
    const sgr = final === 0x6d && middle === at && /^[\d:;]*$/.test(params) ? params : null; // "?", "<", "=", ">": private
    return { end: at + 1, sgr };
  }

  // OSC ends at BEL or ST (ESC "\" or U+009C); DCS, SOS, PM and APC at ST. Another ESC ends the
  // string and starts its own sequence; the end of the line ends an unterminated one.
  function stringEnd(text, body, bell) {
    for (let at = body; at < text.length; at++) {
      const c = text.charCodeAt(at);
      if (c === 0x9c || (bell && c === 0x07)) return at + 1;
      if (c === 0x1b) return text[at + 1] === "\\" ? at + 2 : at;
    }
    return text.length;
  }

  // ESC, intermediates (0x20-0x2F), a final (0x30-0x7E), as "ESC ( B" or "ESC 7"; cut short
  // (the line ends, or another character comes), what came of it is dropped all the same.
  function escapeEnd(text, body) {
    let at = body;
    while (at < text.length && text.charCodeAt(at) >= 0x20 && text.charCodeAt(at) <= 0x2f) at++;
    const final = text.charCodeAt(at);
    return final >= 0x30 && final <= 0x7e ? at + 1 : at;
  }

  class AnsiParser {
    // One per stream of a log: colours and styles carry from line to line, as on a terminal.
    constructor() { this.style = blank(); }

    reset() { this.style = blank(); }

    get plain() { return FLAGS.every((flag) => !this.style[flag]) && this.style.fg === null && this.style.bg === null; }

    // The text's runs, each {text, className, color, background} in the style it is drawn in.
    tokens(text) {
      const tokens = [];
      let from = 0;
      SPECIAL.lastIndex = 0;
      for (let match; (match = SPECIAL.exec(text)); ) {
        this.push(tokens, text.slice(from, match.index));
        from = this.skip(text, match.index);
        SPECIAL.lastIndex = from;
      }
      this.push(tokens, text.slice(from));
      return tokens;
    }

    // Past the escape sequence at `at`, applying it when it is SGR.
    skip(text, at) {
      const c = text.charCodeAt(at);
      let kind = C1_OPENS[c], body = at + 1;
      if (c === 0x1b) {
        kind = ESC_OPENS[text[at + 1]];
        body = at + 2;
        if (!kind) return escapeEnd(text, at + 1);
      }
      if (kind === "csi") {
        const { end, sgr } = csiEnd(text, body);
        if (sgr !== null) applySgr(this.style, sgr);
        return end;
      }
      if (kind === "osc" || kind === "string") return stringEnd(text, body, kind === "osc");
      return at + 1; // a C1 control that opens nothing
    }

    push(tokens, text) {
      if (!text) return;
      const style = this.style;
      const classes = FLAGS.filter((flag) => style[flag]).map((flag) => `ansi-${flag}`);
      const [fg, bg] = style.reverse ? [style.bg, style.fg] : [style.fg, style.bg];
      let color = null, background = null;
      if (typeof fg === "number" && fg < 16) classes.push(`ansi-fg-${fg}`);
      else if (fg !== null) color = typeof fg === "number" ? color256(fg) : fg;
      if (typeof bg === "number" && bg < 16) classes.push(`ansi-bg-${bg}`);
      else if (bg !== null) background = typeof bg === "number" ? color256(bg) : bg;
      const className = classes.join(" ");
      const last = tokens[tokens.length - 1]; // runs either side of a dropped sequence, alike: one
      if (last && last.className === className && last.color === color && last.background === background) last.text += text;
      else tokens.push({ text, className, color, background });
    }
  }

  // The text without its escape sequences (for what is read as JSON or logfmt fields).
  const stripAnsi = (text) => (text.search(SPECIAL) < 0 ? text : new AnsiParser().tokens(text).map((token) => token.text).join(""));

  // Appends the tokens to `parent`: unstyled runs as text, styled ones as <span>s; only ever
  // textContent, className and style properties.
  function tokensInto(parent, tokens) {
    const doc = parent.ownerDocument;
    for (const token of tokens) {
      if (!token.className && !token.color && !token.background) { parent.append(token.text); continue; }
      const span = doc.createElement("span");
      if (token.className) span.className = token.className;
      if (token.color) span.style.color = token.color;
      if (token.background) span.style.backgroundColor = token.background;
      span.textContent = token.text;
      parent.append(span);
    }
  }

  function ansiInto(parent, text, parser) {
    if (parser.plain && text.search(SPECIAL) < 0) { parent.append(text); return; } // most lines
    tokensInto(parent, parser.tokens(text));
  }

  return { AnsiParser, ansiInto, tokensInto, stripAnsi };
});
