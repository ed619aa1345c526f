// static/ansi.js over hostile escape sequences, drawn into a stand-in DOM that allows only what
// the page may do (createElement, textContent, className, style, append): no innerHTML, no
// attribute set by name, no element but <span>. The same sequences go through Chromium in
// tests/streams/test_ansi_browser.py.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";

const require = createRequire(import.meta.url);
const { AnsiParser, ansiInto, stripAnsi } = require("../../static/ansi.js");

class FakeNode {
  constructor(doc, tag) {
    this.ownerDocument = doc;
    this.tagName = tag;
    this.children = [];
    this.className = "";
    this.style = {};
    this.textContent = "";
    for (const forbidden of ["innerHTML", "outerHTML", "setAttribute", "insertAdjacentHTML", "href"]) {
      Object.defineProperty(this, forbidden, { get() { throw new Error(`${forbidden} used`); }, set() { throw new Error(`${forbidden} used`); } });
    }
  }

  append(...nodes) { this.children.push(...nodes); }
}

class FakeDocument {
  createElement(tag) {
    assert.equal(tag, "span", "only spans are made");
    return new FakeNode(this, tag);
  }
}

// What was drawn: [text, className, color, background] per run; strings are text nodes.
function draw(lines) {
  const parser = new AnsiParser();
  return lines.map((line) => {
    const parent = new FakeNode(new FakeDocument(), "div");
    ansiInto(parent, line, parser);
    return parent.children.map((child) => (typeof child === "string" ? [child, "", null, null]
      : [child.textContent, child.className, child.style.color ?? null, child.style.backgroundColor ?? null]));
  });
}
const textOf = (runs) => runs.map((run) => run[0]).join("");
// eslint-disable-next-line no-control-regex
const ESCAPE_BYTES = /[\x1b\x07\x80-\x9f]/;

const HOSTILE = [
  "\x1b[?25lcursor hidden\x1b[?25h, \x1b[?1049halternate screen\x1b[?1049l",
  "\x1b[38:5:196mred 256 with colons\x1b[0m and \x1b[38:2::10:20:30mtruecolour T.416\x1b[m",
  "\x1b]8;;https://evil.example/?q=<script>\x1b\\click me\x1b]8;;\x1b\\ and \x1b]8;id=1;javascript:alert(1)\x07js\x1b]8;;\x07",
  "\x1b]0;window title\x07\x1b]52;c;aGFja2Vk\x07clipboard\x1bP1$qm\x1b\\dcs \x1b_apc\x1b\\\x1b^pm\x1b\\\x1bXsos\x1b\\done",
  "\x1b(B\x1b)0\x1b7\x1b8\x1b=\x1b>\x1bc\x1bM\x1b#8charset and cursor",
  "\x9b31mC1 CSI\x9b0m \x9d8;;http://c1.example\x9cC1 OSC\x9d8;;\x9c \x85\x84",
  "cut \x1b[12 short \x1b[ and \x1b",
  "\x1b]8;;http://never-terminated.example/ the rest of the line is the OSC's",
  "<img src=x onerror=alert(1)> &amp; \x1b[1m<b>bold?</b>\x1b[0m",
  `${"\x1b[".repeat(2000)}many${";".repeat(5000)}m`,
];

test("no escape byte, URL or sequence text reaches the page, and only spans are made", () => {
  for (const line of HOSTILE) {
    const [runs] = draw([line]);
    const text = textOf(runs);
    assert.doesNotMatch(text, ESCAPE_BYTES, JSON.stringify(line));
    assert.doesNotMatch(text, /evil\.example|javascript:|c1\.example|window title|aGFja2Vk|\[\?25|38:5|1049/, JSON.stringify(line));
  }
  assert.deepEqual(HOSTILE.slice(0, 9).map((line) => textOf(draw([line])[0])), [
    "cursor hidden, alternate screen",
    "red 256 with colons and truecolour T.416",
    "click me and js",
    "clipboarddcs done",
    "charset and cursor",
    "C1 CSI C1 OSC ",
    "cut hort nd ", // as on a terminal: " " is an intermediate byte, "s" and "a" the finals
    "",
    "<img src=x onerror=alert(1)> &amp; <b>bold?</b>",
  ]);
});

test("256 and truecolour in both the ';' and the ':' forms", () => {
  const [runs] = draw(["\x1b[38;5;196ma\x1b[38:5:21mb\x1b[38;2;1;2;3mc\x1b[38:2:4:5:6md\x1b[38:2::7:8:9me\x1b[48;5;3;38;5;232mf"]);
  assert.deepEqual(runs, [
    ["a", "", "rgb(255, 0, 0)", null],
    ["b", "", "rgb(0, 0, 255)", null],
    ["c", "", "rgb(1, 2, 3)", null],
    ["d", "", "rgb(4, 5, 6)", null],
    ["e", "", "rgb(7, 8, 9)", null],
    ["f", "ansi-bg-3", "rgb(8, 8, 8)", null],
  ]);
  const [bad] = draw(["\x1b[38;5;256mx\x1b[38;2;300;0;0my\x1b[38:5mz\x1b[31;38;2;1m!"]);
  assert.deepEqual(bad.map((run) => [run[0], run[1], run[2]]), [["xyz", "", null], ["!", "ansi-fg-1", null]]);
});

test("reverse, strike and the other styles, set and unset", () => {
  const [runs] = draw(["\x1b[7mrev\x1b[31mred rev\x1b[27m red\x1b[9;1;3;4;2mall\x1b[29;22;23;24m\x1b[0mplain\x1b[4:3mcurly\x1b[4:0m"]);
  assert.deepEqual(runs, [
    ["rev", "ansi-reverse", null, null],
    ["red rev", "ansi-reverse ansi-bg-1", null, null],
    [" red", "ansi-fg-1", null, null],
    ["all", "ansi-bold ansi-dim ansi-italic ansi-underline ansi-strike ansi-fg-1", null, null],
    ["plain", "", null, null],
    ["curly", "ansi-underline", null, null],
  ]);
  const [truecolour] = draw(["\x1b[38;2;1;2;3;48;5;200;7mswapped"]);
  assert.deepEqual(truecolour, [["swapped", "ansi-reverse", "rgb(255, 0, 215)", "rgb(1, 2, 3)"]]);
});

test("colours carry from line to line of a stream until a reset; a new parser starts plain", () => {
  const lines = draw(["\x1b[32mgreen starts", "still green", "\x1b[9mand struck", "\x1b[0mplain again", "\x1b[7m"]);
  assert.deepEqual(lines, [
    [["green starts", "ansi-fg-2", null, null]],
    [["still green", "ansi-fg-2", null, null]],
    [["and struck", "ansi-strike ansi-fg-2", null, null]],
    [["plain again", "", null, null]],
    [],
  ]);
  const parser = new AnsiParser();
  parser.tokens("\x1b[31m");
  parser.reset();
  assert.deepEqual(parser.tokens("after a restart"), [{ text: "after a restart", className: "", color: null, background: null }]);
});

test("the text without escapes, for fields", () => {
  assert.equal(stripAnsi("\x1b[32mlevel\x1b[0m=info msg=\x1b]8;;http://x\x07hi\x1b]8;;\x07"), "level=info msg=hi");
  assert.equal(stripAnsi("nothing to strip"), "nothing to strip");
});
