// The browser's LogSplitter (static/log_splitter.js) over the fixtures the server's LineAssembler
// is tested on (tests/streams/test_split_fixtures.py): both must give the same lines.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";

const require = createRequire(import.meta.url);
const { LogSplitter } = require("../../static/log_splitter.js");

const FIXTURES = new URL("../streams/fixtures/split/", import.meta.url);

function cutSets(data, cuts) {
  const sets = [];
  for (const cut of cuts) {
    if (cut === "whole") sets.push([data]);
    else if (cut === "every") for (let at = 1; at < data.length; at++) sets.push([data.subarray(0, at), data.subarray(at)]);
    else if (cut === "bytes") sets.push(Array.from(data, (_, at) => data.subarray(at, at + 1)));
    else {
      const edges = [0, ...cut, data.length];
      sets.push(edges.slice(1).map((end, i) => data.subarray(edges[i], end)));
    }
  }
  return sets;
}

// What the page is sent: the server's MessageCutter (containers.streams, checked on the same
// reads by the Python test) passes on whole messages only, after the last whole frame of a
// container without a TTY, after the last newline of one with; a TTY's unended rest at the end.
function relayed(reads, tty) {
  const messages = [];
  let rest = new Uint8Array(0);
  for (const read of reads) {
    const buffer = new Uint8Array(rest.length + read.length);
    buffer.set(rest);
    buffer.set(read, rest.length);
    let end = 0;
    if (tty) end = buffer.lastIndexOf(10) + 1;
    else {
      const header = new DataView(buffer.buffer);
      while (buffer.length - end >= 8 && end + 8 + header.getUint32(end + 4) <= buffer.length) end += 8 + header.getUint32(end + 4);
    }
    if (end) messages.push(buffer.slice(0, end));
    rest = buffer.slice(end);
  }
  if (tty && rest.length) messages.push(rest);
  return messages;
}

function split(messages, timestamps) {
  const splitter = new LogSplitter(timestamps);
  const lines = messages.flatMap((message) => splitter.feed(message));
  return [...lines, ...splitter.finish()];
}

const names = readdirSync(FIXTURES).filter((name) => name.endsWith(".json")).sort();

test("there are fixtures to split", () => assert.ok(names.length >= 6));

for (const name of names) {
  const fixture = JSON.parse(readFileSync(new URL(name, FIXTURES), "utf-8"));
  test(`the browser splits ${name} as the fixture expects`, () => {
    const data = new Uint8Array(Buffer.from(fixture.input, "base64"));
    for (const reads of cutSets(data, fixture.cuts)) {
      const cutAt = reads.slice(0, -1).map((read) => read.length).slice(0, 4);
      assert.deepEqual(split(relayed(reads, fixture.tty), fixture.timestamps), fixture.expected, `reads of ${cutAt}...`);
    }
  });
}

test("a long line is cut after 65,536 characters, as the server counts them, not UTF-16 units", () => {
  // Too big for a fixture file (256 KiB of emoji): tests/streams/test_split_fixtures.py has its twin.
  const lines = new LogSplitter(false).feed(new TextEncoder().encode(`${"😀".repeat(65537)}\n`));
  assert.deepEqual(lines, [["o", "", `${"😀".repeat(65536)} … [line cut at 65536 of 65537 characters]`]]);
  const ascii = new LogSplitter(false).feed(new TextEncoder().encode(`${"a".repeat(65536)}\n`));
  assert.equal(ascii[0][2].length, 65536); // exactly at the limit: whole
});
