"""The engine's bytes, taken apart: Docker's frame headers, log lines, whole messages, and the
HTTP/1.0 request and response head of a stream. Pure: no I/O, no engine, no Django.

The hot paths are here (LineAssembler.feed runs once per log line, MessageCutter once per read
of a relayed log): their tricks are said where they are; add no work per line to them.
"""

from __future__ import annotations

import codecs
import json
import re
import struct
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.utils.translation import gettext as _

STREAM_LABELS = {0: "i", 1: "o", 2: "e", 3: "s"}  # stdin, stdout, stderr, daemon error
READ_SIZE = 65536  # what a read of the engine takes at most
MAX_LINE_CHARS = 65536  # longer lines are cut for the browser, with a note

_FRAME_HEADER = struct.Struct(">BxxxL").unpack_from  # compiled once: the loop below runs per line
_STREAM_LABEL_OF = [STREAM_LABELS.get(stream_id, "o") for stream_id in range(256)]
# Docker's RFC 3339 timestamp with nanoseconds, as the engine puts it before each message.
TIMESTAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ")


def _is_tty_log(data: bytes) -> bool:
    """A log's first byte tells: a TTY's starts with text (a timestamp's digit, or the output),
    any other's with a frame header, whose first byte is a stream id 0-3."""
    return data[0] not in (0, 1, 2, 3)


class LineAssembler:
    """Turns the engine's log stream into whole lines: (stream label, timestamp, text).

    Non-TTY logs arrive as frames, one per log message, each "timestamp message". A message
    without a trailing newline is a partial (Docker cuts lines at 16 KiB) and the next message
    of the same stream continues it. TTY logs arrive as bytes; messages still start with a
    timestamp and end at a newline, except partials, whose successor's timestamp then sits
    inside the line.
    """

    def __init__(self, tty: bool | None = None, timestamps: bool = True):
        self.tty = tty  # None: told by the first byte (a frame header, or a timestamp's digit)
        self.timestamps = timestamps  # did the engine put one before each message?
        self.decoders: dict[int, codecs.IncrementalDecoder] = {}
        self.pending: dict[int, list[str]] = {}  # partial message text per stream id
        self.pending_ts: dict[int, str] = {}
        self.frames = FrameParser()
        self.raw = b""  # TTY bytes not yet ended by a newline
        self.mixed: bool | None = None  # did the last feed hold lines of more than one stream?

    def _decode(self, stream_id: int, data: bytes, final: bool = False) -> str:
        decoder = self.decoders.get(stream_id)
        if decoder is None:
            decoder = self.decoders[stream_id] = codecs.getincrementaldecoder("utf-8")("replace")
        return decoder.decode(data, final)

    def feed(self, data: bytes) -> list[tuple[str, str, str]]:
        if self.tty is None and data:
            self.tty = _is_tty_log(data)
        if self.tty:
            return self._feed_tty(data)
        # The frame loop is inlined: it runs once per log line, millions of times for a big log.
        buffer = self.frames.buffer + data if self.frames.buffer else data
        lines: list[tuple[str, str, str]] = []
        append, pending, header, labels, stamped = (
            lines.append,
            self.pending,
            _FRAME_HEADER,
            _STREAM_LABEL_OF,
            self.timestamps,
        )
        position, size = 0, len(buffer)
        previous_stream = self.mixed = None
        while size - position >= 8:
            stream_id, length = header(buffer, position)
            start = position + 8
            end = start + length
            if end > size:
                break
            position = end
            if stream_id != previous_stream:
                self.mixed, previous_stream = previous_stream is not None, stream_id
            if length and buffer[end - 1] == 10 and stream_id not in pending:
                # A whole line ("timestamp text\n", or "text\n" when the engine was asked for no
                # timestamps) with nothing pending: its stream's decoder is empty (a newline ended
                # what it had last), so a plain decode is the same. One decode of the whole line,
                # split at its first space, is the cheapest way.
                line = buffer[start : end - 1].decode("utf-8", "replace")
                timestamp, space, text = line.partition(" ") if stamped else ("", " ", line)
                if space and (not stamped or 48 <= buffer[start] <= 57):
                    if text[-1:] == "\r":  # every CR before the newline, as the joined path and the browser do
                        text = text.rstrip("\r")
                    append((labels[stream_id], timestamp, text if len(text) <= MAX_LINE_CHARS else _clip(text)))
                    continue
            self._message(stream_id, buffer[start:end], lines)
        self.frames.buffer = buffer[position:]
        return lines

    def _message(self, stream_id: int, payload: bytes, lines: list) -> None:
        space = payload.find(b" ")
        if space > 0 and payload[:1].isdigit() and self.timestamps:
            timestamp, body = payload[:space].decode("ascii", "replace"), payload[space + 1 :]
        else:
            timestamp, body = "", payload
        complete = body.endswith(b"\n")
        text = self._decode(stream_id, body)
        parts = self.pending.get(stream_id)
        if not complete:
            if parts is None:
                self.pending[stream_id] = [text]
                self.pending_ts[stream_id] = timestamp
            else:
                parts.append(text)
            return
        if parts is not None:
            parts.append(text)
            text = "".join(parts)
            timestamp = self.pending_ts.pop(stream_id)
            del self.pending[stream_id]
        lines.append((STREAM_LABELS.get(stream_id, "o"), timestamp, _clip(text.rstrip("\r\n"))))

    def _feed_tty(self, data: bytes) -> list[tuple[str, str, str]]:
        self.raw += data
        end = self.raw.rfind(b"\n")
        if end < 0:
            return []
        block, self.raw = self.raw[: end + 1], self.raw[end + 1 :]
        text = self._decode(1, block)
        lines = []
        for line in text.split("\n")[:-1]:
            timestamp = ""
            match = (
                TIMESTAMP.match(line.encode("utf-8", "surrogatepass")[:40])
                if line[:1].isdigit() and self.timestamps
                else None
            )
            if match:
                timestamp, line = line[: match.end() - 1], line[match.end() :]
                line = self._join_tty_partials(timestamp, line)
            lines.append(("o", timestamp, _clip(line.rstrip("\r"))))
        return lines

    @staticmethod
    def _join_tty_partials(timestamp: str, line: str) -> str:
        # A partial message's successor starts with its own timestamp, inside our line. Only
        # timestamps within the same minute as the line's own are taken as such (a program's own
        # RFC 3339 text elsewhere in the line stays).
        if "Z " not in line:
            return line
        prefix = timestamp[:16]
        pattern = re.compile(re.escape(prefix) + r":\d\d(?:\.\d+)?Z ")
        return pattern.sub("", line)

    def finish(self) -> list[tuple[str, str, str]]:
        """What is left when the stream ends: partial messages and a last line with no newline."""
        lines = []
        if self.tty and self.raw:
            self.raw += b"\n"
            lines = self._feed_tty(b"")
        for stream_id, parts in list(self.pending.items()):
            text = "".join(parts) + self._decode(stream_id, b"", final=True)
            lines.append((STREAM_LABELS.get(stream_id, "o"), self.pending_ts.get(stream_id, ""), _clip(text)))
        self.pending.clear()
        return lines


def _clip(text: str) -> str:
    if len(text) <= MAX_LINE_CHARS:
        return text
    marker = _("[line cut at %(kept)s of %(length)s characters]") % {"kept": MAX_LINE_CHARS, "length": len(text)}
    return f"{text[:MAX_LINE_CHARS]} … {marker}"


class FrameParser:
    """The engine's multiplexed stream: 8-byte headers [stream id, 0, 0, 0, size (uint32 BE)]."""

    def __init__(self):
        self.buffer = b""

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        buffer = self.buffer + data if self.buffer else data
        frames, position, size = [], 0, len(buffer)
        header = _FRAME_HEADER
        while size - position >= 8:
            stream_id, length = header(buffer, position)
            end = position + 8 + length
            if end > size:
                break
            frames.append((stream_id, buffer[position + 8 : end]))
            position = end
        self.buffer = buffer[position:]
        return frames


def _frames_end(buffer: bytes) -> int:
    """Where the last whole multiplexed frame in `buffer` ends."""
    position, size, header = 0, len(buffer), _FRAME_HEADER
    while size - position >= 8:
        end = position + 8 + header(buffer, position)[1]
        if end > size:
            break
        position = end
    return position


@dataclass(frozen=True, slots=True)
class LogBytes:
    """Whole log messages, as the engine sent them, and how many lines they end."""

    data: bytes
    lines: int


class MessageCutter:
    """Cuts the engine's log bytes after their last whole message, so that no relayed batch (and
    no batch dropped for a slow browser) splits one: after the last whole frame of a container
    without a TTY, after the last newline of one with."""

    def __init__(self):
        self.tty: bool | None = None
        self.rest = b""

    def feed(self, data: bytes) -> LogBytes | None:
        buffer = self.rest + data if self.rest else data
        if self.tty is None and buffer:
            self.tty = _is_tty_log(buffer)
        end = buffer.rfind(b"\n") + 1 if self.tty else _frames_end(buffer)
        self.rest = buffer[end:]
        return LogBytes(buffer[:end], buffer.count(b"\n", 0, end)) if end else None

    def finish(self) -> LogBytes | None:
        """A TTY's last line without a newline (a cut frame at the end is not a message)."""
        rest, self.rest = self.rest, b""
        return LogBytes(rest, 1) if rest and self.tty else None


def lines_in_time_order(assembler: LineAssembler, data: bytes) -> list[tuple[str, str, str]]:
    """The lines in `data`, stdout's and stderr's sorted together: the engine writes each stream's
    lines as they come (logs.js does the same for relayed bytes)."""
    lines = assembler.feed(data)
    if assembler.mixed and len(lines) > 1:
        lines.sort(key=time_order)
    return lines


def time_order(line: tuple[str, str, str]) -> str:
    # The engine trims trailing zeros from the nanoseconds: pad them so strings compare as times.
    timestamp = line[1]
    return timestamp[:20] + timestamp[20:-1].ljust(9, "0") if len(timestamp) > 20 else timestamp


def format_line(line: tuple[str, str, str], timestamps: bool) -> str:
    stream, timestamp, text = line
    label = {"o": "stdout", "e": "stderr", "s": "engine"}.get(stream, stream)
    return f"{timestamp} {label} {text}\n" if timestamps else f"{label} {text}\n"


def dumps(message: dict) -> str:
    return json.dumps(message, separators=(",", ":"))


# ---------------------------------------------------------------- HTTP/1.0, as the streams speak it


def request(path: str, params: dict) -> bytes:
    """`GET path?params` in HTTP/1.0: the engine then sends the body as it is, where HTTP/1.1
    would wrap every log line in a chunk of its own to be undone again in Python. `path` is the
    API's, version included ("/v1.47/containers/{id}/logs"); its id is quoted here."""
    return f"GET {quote(path)}?{urlencode(params)} HTTP/1.0\r\nHost: docker\r\nUser-Agent: berth\r\n\r\n".encode()


def response_head(received: bytes) -> tuple[int, bytes] | None:
    """The status of a response whose first bytes are `received`, and the body bytes after its
    head; None while the head is not complete."""
    head, end, body = received.partition(b"\r\n\r\n")
    if not end:
        return None
    try:
        return int(head.split(b" ", 2)[1]), body
    except (IndexError, ValueError):
        return 502, head  # not HTTP: said as the engine's refusal, with what it sent
