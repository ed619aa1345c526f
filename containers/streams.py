"""Live Docker streams: container logs, attach and exec terminals.

This is the only stream code that touches the Docker SDK (services.py does the rest), and it
takes its client from `dashboard.engine.get_client()`. Nothing here imports Django's request
machinery, so the consumers, the download view and the benches share it.

The shape (see shared/reference/streaming-hard-cases.md):
- a log stream is read by one dedicated thread (`Pump`) that offers what it reads to a
  bounded `asyncio.Queue` on the consumer's loop. Log pumps drop batches when the queue is full
  and count the lines as skipped; download pumps block instead (back-pressure);
- terminals are the exception: their sockets are read on the event loop itself
  (`Terminal.read_output`), since a keystroke's echo is latency, not throughput, and the
  thread hop was an eighth of its round trip; each read waits for the browser (back-pressure);
- a log asked for whole (both streams, no search) from an engine on a unix socket is the
  other exception: it is read on the event loop too (`relay_logs`) and relayed as the engine
  sends it, cut only between messages (`MessageCutter`); the browser splits it into lines
  (static/logs.js), so the server does no per-line work and starts no thread for it;
- the default download is the engine's payloads unwrapped, byte for byte (containers/raw_log.py);
- other logs (searches, one stream, annotated downloads, engines not on a unix socket) are read in a
  pump thread, decoded with one incremental UTF-8 decoder per stream id, split into lines, and
  Docker's 16 KiB partial messages are joined again (`LineAssembler`);
- terminals carry raw bytes; exec uses tty=True on create *and* start, and the exec'd process
  is killed when its socket closes, since the Engine API has no call that would do it.
"""

from __future__ import annotations

import asyncio
import codecs
import io
import json
import logging
import re
import select
import shlex
import socket
import struct
import tarfile
import threading
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from containers import log_resume
from dashboard.engine import EngineError, EngineNotFound, EngineUnavailable, _translate, get_client

log = logging.getLogger(__name__)

STREAM_LABELS = {0: "i", 1: "o", 2: "e", 3: "s"}  # stdin, stdout, stderr, daemon error
READ_SIZE = 65536
GATHER_SECONDS = 0.003  # how long a followed log's read waits for more before passing on what it has
UNFOLLOWED_BATCH = 16384  # what a log that is not followed is read in
MAX_LINE_CHARS = 65536  # longer lines are cut for the browser, with a note
DEFAULT_TAIL = 300
# The engine holds back every byte that starts its detach sequence until the next key, so it
# gets one nobody types; Berth watches for Ctrl-P Ctrl-Q itself (attach only).
ENGINE_DETACH_KEYS = "ctrl-^,ctrl-_,ctrl-^,ctrl-_"
ENGINE_DETACH_BYTES = b"\x1e\x1f\x1e\x1f"
CTRL_P = b"\x10"
DETACH_SEQUENCE = b"\x10\x11"  # Ctrl-P Ctrl-Q, as `docker attach` detaches
NOT_SHELLS = ("nologin", "false", "sync", "shutdown", "halt")
EOF = object()  # the last item a pump offers


# ---------------------------------------------------------------- parsing options


_RELATIVE = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*([smhdw]))+\s*$", re.I)
_RELATIVE_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.I)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_time(value: str | None, now: datetime | None = None) -> datetime | None:
    """A log bound from the user: "" (none), "10m" / "1h30m" ago, a Unix time or an ISO date.

    Naive ISO times are taken as UTC. Raises ValueError with a readable message.
    """
    value = (value or "").strip()
    if not value:
        return None
    now = now or datetime.now(UTC)
    if _RELATIVE.match(value):
        seconds = sum(float(n) * _UNITS[u.lower()] for n, u in _RELATIVE_PART.findall(value))
        return now - timedelta(seconds=seconds)
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return datetime.fromtimestamp(float(value), UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not a time: use e.g. 10m, 2h, 2026-01-31T12:00 or a Unix time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def engine_time(moment: datetime) -> str:
    """The engine's `since`/`until` format: seconds.nanoseconds (docker-py would round a float)."""
    seconds = moment.timestamp()
    return f"{int(seconds)}.{round((seconds % 1) * 1e6):06d}000"


def engine_time_from_rfc3339(value: str) -> str | None:
    """ "2026-11-28T06:39:04.761428058Z" -> "1795847944.761428058", keeping the nanoseconds.

    None for the engine's "never" (0001-01-01), e.g. the FinishedAt of a container never stopped.
    """
    if not value or value.startswith("0001-"):
        return None
    match = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?", value)
    if not match:
        return "0"
    base = datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC)
    return f"{int(base.timestamp())}.{(match.group(2) or '0')[:9].ljust(9, '0')}"


@dataclass(frozen=True)
class LogOptions:
    tail: int | None = DEFAULT_TAIL  # None: the whole log
    since: datetime | None = None
    until: datetime | None = None
    timestamps: bool = False
    follow: bool = True
    stdout: bool = True
    stderr: bool = True
    search: str = ""
    regex: bool = False

    @classmethod
    def from_query(cls, query: dict[str, str]) -> LogOptions:
        """From `?tail=&since=&until=&timestamps=&follow=` (plus stdout/stderr/q/regex)."""

        def flag(name: str, default: bool) -> bool:
            return (query.get(name, "") or ("1" if default else "0")).lower() in ("1", "true", "on", "yes")

        tail_text = query.get("tail")
        tail_text = "default" if tail_text is None else tail_text.strip().lower()
        if tail_text == "default":
            tail = DEFAULT_TAIL
        elif tail_text in ("", "all"):
            tail = None
        elif tail_text.isdigit():
            tail = int(tail_text)
        else:
            raise ValueError(f"tail must be a number of lines or 'all', not {tail_text!r}")
        options = cls(
            tail=tail,
            since=parse_time(query.get("since")),
            until=parse_time(query.get("until")),
            timestamps=flag("timestamps", False),
            follow=flag("follow", True),
            stdout=flag("stdout", True),
            stderr=flag("stderr", True),
            search=query.get("q", ""),
            regex=flag("regex", False),
        )
        options.matcher()  # a bad regex is refused up front, with re2's own message
        return options

    @property
    def relayable(self) -> bool:
        """Is every line wanted (both streams, no search)? Then a live view may relay the
        engine's bytes as they come (relay_logs); the client splits them."""
        return self.stdout and self.stderr and not self.search

    @property
    def following(self) -> bool:
        # A bound in the past ends the log: there is nothing to follow.
        return self.follow and (self.until is None or self.until > datetime.now(UTC))

    def matcher(self) -> Callable[[str], bool] | None:
        """The search as a predicate. Regexes run on RE2: linear time, so no pattern can hang."""
        if not self.search:
            return None
        if not self.regex:
            needle = self.search.lower()
            return lambda text: needle in text.lower()
        import re2

        try:
            pattern = re2.compile(self.search)
        except re2.error as e:
            raise ValueError(f"Bad regular expression: {e}") from None
        return lambda text: pattern.search(text) is not None


# ---------------------------------------------------------------- assembling log lines

_FRAME_HEADER = struct.Struct(">BxxxL").unpack_from  # compiled once: the loop below runs per line
_STREAM_LABEL_OF = [STREAM_LABELS.get(stream_id, "o") for stream_id in range(256)]
# Docker's RFC 3339 timestamp with nanoseconds, as the engine puts it before each message.
_TIMESTAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ")


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
                    if text[-1:] == "\r":
                        text = text[:-1]
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
                _TIMESTAMP.match(line.encode("utf-8", "surrogatepass")[:40])
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
    return f"{text[:MAX_LINE_CHARS]} … [line cut at {MAX_LINE_CHARS} of {len(text)} characters]"


class FrameParser:
    """The engine's multiplexed stream: 8-byte headers [stream id, 0, 0, 0, size (uint32 BE)]."""

    def __init__(self):
        self.buffer = b""

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        buffer = self.buffer + data if self.buffer else data
        frames, position, size = [], 0, len(buffer)
        unpack = struct.unpack_from
        while size - position >= 8:
            stream_id, length = unpack(">BxxxL", buffer, position)
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


class Dechunker:
    """HTTP/1.1 chunked transfer decoding, done on whole reads (urllib3 would do it per chunk)."""

    def __init__(self):
        self.buffer = b""
        self.remaining = 0  # bytes of the current chunk still to come
        self.done = False

    def feed(self, data: bytes) -> bytes:
        out = []
        buffer = self.buffer + data if self.buffer else data
        position = 0
        while position < len(buffer):
            if self.remaining:
                take = buffer[position : position + self.remaining]
                out.append(take)
                self.remaining -= len(take)
                position += len(take)
                continue
            line_end = buffer.find(b"\r\n", position)
            if line_end < 0:
                break
            header = buffer[position:line_end].split(b";")[0].strip()
            if not header:  # the CRLF closing the previous chunk
                position = line_end + 2
                continue
            self.remaining = int(header, 16)
            position = line_end + 2
            if self.remaining == 0:
                self.done = True
                position = len(buffer)
        self.buffer = buffer[position:]
        return b"".join(out)


# ---------------------------------------------------------------- the pump: one thread per stream


class Pump:
    """Runs `produce(offer)` in its own thread (or on the loop: start_on_loop); `offer` puts
    items on a bounded asyncio queue.

    With `drop=True` (live logs) a full queue drops the batch and counts its lines in
    `skipped`; otherwise (downloads) the thread waits for room, which holds the
    engine back instead. `stop()` runs the producer's closer, which shuts the engine socket
    down and wakes the blocked read.
    """

    live: weakref.WeakSet = weakref.WeakSet()  # every pump not yet collected (tests, diagnostics)

    def __init__(self, loop: asyncio.AbstractEventLoop, maxsize: int, drop: bool, name: str, max_lines: int = 0):
        Pump.live.add(self)
        self.loop = loop
        self.queue: asyncio.Queue = asyncio.Queue(maxsize=maxsize)
        self.drop = drop
        # Live logs also cap the lines waiting (batches vary from one line to thousands).
        self.max_lines = max_lines
        self.queued_lines = 0
        self.skipped = 0
        self.stopping = threading.Event()
        self._room = threading.Semaphore(maxsize)
        self._closers: list[Callable[[], None]] = []
        self.thread: threading.Thread | None = None
        self.task: asyncio.Task | None = None  # a producer on the loop (start_on_loop)
        self.name = name

    # called from the pump thread
    def offer(self, item, size: int = 1) -> None:
        if self.stopping.is_set():
            return
        if not self.drop:
            while not self._room.acquire(timeout=0.5):
                if self.stopping.is_set():
                    return
        try:
            self.loop.call_soon_threadsafe(self._put, item, size)
        except RuntimeError:  # the loop is closed: nobody is listening any more
            self.stopping.set()

    def on_stop(self, closer: Callable[[], None]) -> None:
        self._closers.append(closer)
        if self.stopping.is_set():
            _quietly(closer)

    # called on the loop
    def _put(self, item, size: int) -> None:
        if self.max_lines and is_batch(item):
            if self.queued_lines + size > self.max_lines:
                self.skipped += size
                return
            self.queued_lines += size
        if self._merged(item):
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            if is_batch(item):
                self.queued_lines -= size
            if item is EOF:  # the end must always get through: make room for it
                removed = self.queue.get_nowait()
                if is_batch(removed):
                    self.skipped += lines_in(removed)
                    self.queued_lines -= lines_in(removed) if self.max_lines else 0
                self.queue.put_nowait(item)
            else:
                self.skipped += size

    def _merged(self, item) -> bool:
        """Relayed bytes join the bytes queued last, up to READ_SIZE: read on the loop, a fast
        log comes in many small pieces, which would fill the queue's places long before its
        lines. (Nobody waits on a queue that holds something, so its last item may change.)"""
        waiting = self.queue._queue
        if not (isinstance(item, LogBytes) and waiting and isinstance(waiting[-1], LogBytes)):
            return False
        if len(waiting[-1].data) + len(item.data) > READ_SIZE:
            return False
        waiting[-1] = LogBytes(waiting[-1].data + item.data, waiting[-1].lines + item.lines)
        return True

    async def get(self):
        return self._taken(await self.queue.get())

    def get_nowait(self):
        return self._taken(self.queue.get_nowait())

    def _taken(self, item):
        if not self.drop and item is not EOF:  # the end is offered without taking room
            self._room.release()
        if self.max_lines and is_batch(item):
            self.queued_lines -= lines_in(item)
        return item

    def start(self, produce: Callable[[Pump], None]) -> None:
        def run():
            try:
                produce(self)
            except Exception as e:  # noqa: BLE001 - reported to the user, never lost
                self._failed(e)
            finally:
                self.offer_end()

        self.thread = threading.Thread(target=run, name=f"berth-{self.name}", daemon=True)
        self.thread.start()

    def start_on_loop(self, produce: Callable[[Pump], Awaitable[None]]) -> None:
        """Like start(), for a producer that reads on the event loop and offers with offer_here()."""

        async def run():
            try:
                await produce(self)
            except Exception as e:  # noqa: BLE001 - reported to the user, never lost
                self._failed(e)
            finally:
                self.offer_end()

        self.task = self.loop.create_task(run())

    def offer_here(self, item, size: int = 1) -> None:
        """offer() from the event loop itself."""
        if not self.stopping.is_set():
            self._put(item, size)

    def _failed(self, error: Exception) -> None:
        if not self.stopping.is_set():
            log.debug("stream %s failed", self.name, exc_info=True)
            self.offer(StreamError(engine_message(error)))

    def offer_end(self) -> None:
        try:
            self.loop.call_soon_threadsafe(self._put, EOF, 0)
        except RuntimeError:
            pass

    def stop(self) -> None:
        self.stopping.set()
        for closer in self._closers:
            _quietly(closer)

    async def stop_and_join(self, timeout: float = 3) -> None:
        """Stop, and wait for the thread to end: polled, so no executor thread is taken for it."""
        self.stop()
        if self.task is not None:
            await asyncio.wait([self.task], timeout=timeout)
        deadline = time.monotonic() + timeout
        while self.thread is not None and self.thread.is_alive() and time.monotonic() < deadline:
            await asyncio.sleep(0.005)


def is_batch(item) -> bool:
    """Log lines a pump offers: a list of (stream, timestamp, text), or relayed LogBytes."""
    return isinstance(item, (list, LogBytes))


def lines_in(batch: list | LogBytes) -> int:
    return batch.lines if isinstance(batch, LogBytes) else len(batch)


@dataclass(frozen=True)
class StreamError:
    message: str


@dataclass(frozen=True)
class StateChange:
    state: str  # "exited", "running", "removed"
    code: int | None = None


def _quietly(call: Callable[[], None]) -> None:
    try:
        call()
    except Exception:  # noqa: BLE001 - closing something already closed
        pass


def engine_message(error: Exception) -> str:
    """The text a user sees for a failure: the daemon's explanation when there is one."""
    if not isinstance(error, (EngineError, EngineUnavailable)):
        try:
            _translate(lambda: _raise(error))
        except (EngineError, EngineUnavailable) as translated:
            error = translated
        except Exception:  # noqa: BLE001 - not an engine error: say what it was
            return f"{type(error).__name__}: {error}"
    return getattr(error, "message", None) or str(error)


def _raise(error: Exception):
    raise error


def _shutdown(sock: socket.socket) -> None:
    _quietly(lambda: sock.shutdown(socket.SHUT_RDWR))
    _quietly(sock.close)


# ---------------------------------------------------------------- logs


@dataclass(frozen=True)
class ContainerFacts:
    id: str
    name: str
    tty: bool
    open_stdin: bool
    running: bool
    state: str
    exit_code: int
    started_at: str
    finished_at: str
    log_driver: str
    user: str
    stdin_once: bool


def container_facts(container_id: str) -> ContainerFacts:
    data = _translate(lambda: get_client().api.inspect_container(container_id))
    config, state = data.get("Config") or {}, data.get("State") or {}
    return ContainerFacts(
        id=data["Id"],
        name=data.get("Name", "").lstrip("/"),
        tty=bool(config.get("Tty")),
        open_stdin=bool(config.get("OpenStdin")),
        running=bool(state.get("Running")),
        state=state.get("Status", ""),
        exit_code=state.get("ExitCode", 0),
        started_at=state.get("StartedAt", ""),
        finished_at=state.get("FinishedAt", ""),
        log_driver=((data.get("HostConfig") or {}).get("LogConfig") or {}).get("Type", ""),
        user=config.get("User") or "",
        stdin_once=bool(config.get("StdinOnce")),
    )


@dataclass
class LogWindow:
    """Which part of a log to ask the engine for; read on, after a restart, from its stop."""

    tail: int | None
    since: str | None
    until: str | None
    follow: bool

    @classmethod
    def of(cls, options: LogOptions) -> LogWindow:
        return cls(
            tail=options.tail,
            since=engine_time(options.since) if options.since else None,
            until=engine_time(options.until) if options.until else None,
            follow=options.following,
        )

    def params(self, timestamps: bool) -> dict:
        params = {
            "stdout": 1,
            "stderr": 1,
            "timestamps": int(timestamps),
            "follow": int(self.follow),
            "tail": "all" if self.tail is None else self.tail,
        }
        if self.since:
            params["since"] = self.since
        if self.until:
            params["until"] = self.until
        return params

    def read_on(self, last_line: str, stopped_at: str = "") -> None:
        """Read on after the last line offered, or from the container's stop when that is later."""
        self.since, self.tail = log_resume.since_after(self.since, last_line, stopped_at), None


def engine_socket_path() -> str | None:
    """The engine's unix socket when DOCKER_HOST is one; None for tcp:// and ssh:// engines."""
    api = get_client().api
    path = getattr(getattr(api, "_custom_adapter", None), "socket_path", None)
    return path if path and api.base_url.startswith("http+docker://") else None


def logs_request(container_id: str, params: dict) -> bytes:
    """`GET /containers/{id}/logs` in HTTP/1.0: the engine then sends the body as it is, where
    HTTP/1.1 would wrap every log line in a chunk of its own to be undone again."""
    from urllib.parse import urlencode, urlsplit

    path = urlsplit(get_client().api._url("/containers/{0}/logs", container_id)).path
    return f"GET {path}?{urlencode(params)} HTTP/1.0\r\nHost: docker\r\nUser-Agent: berth\r\n\r\n".encode()


def _status_and_body(head: bytes) -> tuple[int, bytes]:
    """The status of a response whose head ends in `head`, and the body bytes after it."""
    head, body = head.split(b"\r\n\r\n", 1)
    return int(head.split(b" ", 2)[1]), body


def engine_refusal(status: int, body: bytes) -> EngineError:
    try:
        message = json.loads(body.decode("utf-8", "replace")).get("message", "")
    except ValueError:
        message = body.decode("utf-8", "replace").strip()
    return (EngineNotFound if status == 404 else EngineError)(message or f"The engine answered {status}.", status)


class LogStream:
    """One `GET /containers/{id}/logs` read as raw bytes, closable from another thread.

    On a unix socket it speaks HTTP/1.0 itself: the engine then sends the body as it is, where
    HTTP/1.1 would wrap every log line in a chunk of its own to be undone again in Python.
    Other DOCKER_HOSTs go through docker-py's session.
    """

    response = None
    raw_socket: socket.socket | None = None

    def __init__(self, container_id: str, window: LogWindow, params: dict | None = None):
        self.follow = window.follow
        api = get_client().api
        params = params or window.params(timestamps=True)
        socket_path = engine_socket_path()
        if socket_path:
            self._open_unix(socket_path, logs_request(container_id, params))
            return
        response = _translate(
            lambda: api._get(api._url("/containers/{0}/logs", container_id), params=params, stream=True)
        )
        _translate(lambda: api._raise_for_status(response))
        self.response = response
        self.socket = api._get_raw_response_socket(response)
        api._disable_socket_timeout(self.socket)
        self.chunked = response.headers.get("Transfer-Encoding", "").lower() == "chunked"
        # http.client's buffered reader may already hold body bytes: read through it.
        self.reader = response.raw._fp.fp

    def _open_unix(self, socket_path: str, request: bytes) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.raw_socket = sock
        try:
            sock.settimeout(get_client().api.timeout)
            sock.connect(socket_path)
            sock.sendall(request)
            head = b""
            while b"\r\n\r\n" not in head:
                data = sock.recv(READ_SIZE)
                if not data:
                    raise EngineUnavailable("The engine closed the connection.")
                head += data
        except OSError as e:
            _shutdown(sock)
            raise EngineUnavailable(type(e).__name__) from e
        status, self.first = _status_and_body(head)
        if status != 200:
            body = self.first + b"".join(iter(lambda: sock.recv(READ_SIZE), b""))
            _shutdown(sock)
            raise engine_refusal(status, body)
        sock.settimeout(None)  # a followed log may stay quiet for hours

    def __iter__(self) -> Iterator[bytes]:
        if self.raw_socket is not None:
            yield from self._iter_unix()
            return
        dechunker = Dechunker() if self.chunked else None
        while True:
            try:
                data = self.reader.read1(READ_SIZE)
            except (OSError, ValueError):  # closed by close()
                return
            if not data:
                return
            if dechunker is not None:
                data = dechunker.feed(data)
                if data:
                    yield data
                if dechunker.done:
                    return
            else:
                yield data

    def _iter_unix(self) -> Iterator[bytes]:
        if self.first:
            yield self.first
        sock = self.raw_socket
        # A followed log's recv() waits at most GATHER_SECONDS for the rest of a batch (see
        # _gather). A log that is not followed has an end: its batches are UNFOLLOWED_BATCH bytes
        # or the rest, so a short log comes whole (its stdout and stderr lines sorted together
        # whatever pauses the engine makes) and a long one still flows while the engine reads.
        if self.follow:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 0, int(GATHER_SECONDS * 1e6)))
        buffer = memoryview(bytearray(READ_SIZE))[: READ_SIZE if self.follow else UNFOLLOWED_BATCH]
        while True:
            try:
                select.select([sock], [], [])  # however long the log stays quiet
                size = self._gather(sock, buffer)
            except BlockingIOError:  # the timeout, and nothing read after all: wait again
                continue
            except (OSError, ValueError):  # closed by close()
                return
            if not size:
                return
            yield bytes(buffer[:size])

    @staticmethod
    def _gather(sock: socket.socket, buffer: memoryview) -> int:
        """Read what is there and what follows within GATHER_SECONDS, up to a full buffer.

        The engine writes a log line at a time. With SO_RCVLOWAT at the buffer's size the
        kernel gathers them in one recv() (until the buffer is full, the timeout, or the end):
        a fast log costs a few system calls per 64 KiB instead of a select() and a recv() per
        line, which was most of Berth's CPU for a 1,000-line tail.
        """
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, len(buffer))
        try:
            return sock.recv_into(buffer)
        finally:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, 1)

    def close(self) -> None:
        if self.raw_socket is not None:
            _shutdown(self.raw_socket)
            return
        raw = getattr(self.socket, "_sock", None)
        if raw is not None:
            _quietly(lambda: raw.shutdown(socket.SHUT_RDWR))
        _quietly(self.response.close)


class LogDriverUnreadable(EngineError):
    pass


def read_logs(pump: Pump, container_id: str, options: LogOptions, batch_size: int = 4096) -> None:
    """The producer of a log view: history, then live lines; re-follows across stop and start.

    Offers lists of (stream, timestamp, text), filtered, whose timestamp is "" unless
    options.timestamps (the engine is always asked for them: they put stdout's and stderr's
    lines in time order); and StateChange items. Runs in the pump thread.
    """
    # No inspect first: the stream's first byte tells a TTY's log from a multiplexed one, and a
    # log driver that keeps nothing is the engine's own refusal. That saves a round trip.
    window = LogWindow.of(options)
    position = log_resume.LogPosition()
    opened = lost = False
    while not pump.stopping.is_set():
        try:
            stream = LogStream(container_id, window)
            opened = True
        except EngineUnavailable:
            if not (opened and window.follow):  # no engine to begin with: said at once
                raise
            lost = True  # went away again while it was coming back
        except EngineError as e:
            raise unreadable_log(container_id, e) from None
        else:
            pump.on_stop(stream.close)
            try:
                offer_assembled(pump, stream, options, batch_size, position)
            finally:
                stream.close()
        if not window.follow or pump.stopping.is_set():
            return
        # The container stopped, or its engine went away: say so, wait, and read on after the
        # last line offered, so that no line comes twice.
        position.ended()
        if not log_resume.read_on(pump, container_id, window, position, lost):
            return
        lost = False


def unreadable_log(container_id: str, error: EngineError) -> EngineError:
    """The engine's refusal to read a log, said better when a log driver keeps none."""
    if "does not support reading" not in error.message:
        return error
    driver = container_facts(container_id).log_driver
    return LogDriverUnreadable(f"This container's log driver is “{driver}”: it keeps no logs to read.")


async def relay_logs(pump: Pump, container_id: str, options: LogOptions) -> None:
    """read_logs() for a log asked for whole (options.relayable) from an engine on a unix socket,
    read on the event loop itself (Pump.start_on_loop): offers LogBytes, the engine's bytes as
    `GET /containers/{id}/logs` gives them, with timestamps only when options.timestamps.

    No thread to start and no hop between threads: a 1,000-line tail took about a tenth less
    than in a pump thread. Waiting for a stopped container to start again still takes a thread
    (the events call blocks, maybe for days: not a job for the loop's executor).
    """
    window = LogWindow.of(options)
    position = log_resume.LogPosition()
    opened = lost = False
    while not pump.stopping.is_set():
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.setblocking(False)
        pump.on_stop(lambda sock=sock: _quietly(lambda: sock.shutdown(socket.SHUT_RDWR)))  # wakes the read
        try:
            first = await _open_log_on_loop(sock, logs_request(container_id, window.params(options.timestamps)))
            opened = True
            await _relay_socket(pump, sock, first, window.follow, position)
        except EngineUnavailable:
            if not (opened and window.follow):  # no engine to begin with: said at once
                raise
            lost = True  # went away again while it was coming back
        except EngineError as e:
            raise (await asyncio.to_thread(unreadable_log, container_id, e)) from None
        finally:
            sock.close()
        if not window.follow or pump.stopping.is_set():
            return
        position.ended()
        if not await _in_own_thread(log_resume.read_on, pump, container_id, window, position, lost):
            return
        lost = False


async def _open_log_on_loop(sock: socket.socket, request: bytes) -> bytes:
    """Send the request, read the response's head; the body bytes read with it."""
    loop = asyncio.get_running_loop()
    try:
        # An engine that hangs must not hold the socket for ever: the head comes within the
        # client's timeout, as for any other request (the body may then stay quiet for hours).
        async with asyncio.timeout(get_client().api.timeout):
            await loop.sock_connect(sock, engine_socket_path())
            await loop.sock_sendall(sock, request)
            head = b""
            while b"\r\n\r\n" not in head:
                data = await _receive(sock)
                if not data:
                    raise EngineUnavailable("The engine closed the connection.")
                head += data
    except (OSError, TimeoutError) as e:
        raise EngineUnavailable(type(e).__name__) from e
    status, body = _status_and_body(head)
    while status != 200 and (data := await _receive(sock)):
        body += data
    if status != 200:
        raise engine_refusal(status, body)
    return body


async def _relay_socket(
    pump: Pump, sock: socket.socket, pending: bytes, follow: bool, position: log_resume.LogPosition
) -> None:
    """Offer what the engine sends in whole messages: a log that is not followed in
    UNFOLLOWED_BATCH pieces (or whole, when shorter), a followed one as it comes. Never waits
    to gather more: the engine's writes of a line each fill the socket after a few hundred
    lines, and then the engine waits."""
    cutter = MessageCutter()

    def offer(batch: LogBytes | None) -> None:
        _offer_whole(pump, batch, position, cutter.tty)

    while True:
        if follow or len(pending) >= UNFOLLOWED_BATCH:
            offer(cutter.feed(pending))
            pending = b""
        data = await _receive(sock)
        if not data:
            break
        pending += data
    offer(cutter.feed(pending))
    offer(cutter.finish())


def _offer_whole(pump: Pump, batch: LogBytes | None, position: log_resume.LogPosition, tty: bool) -> None:
    if batch is not None:
        pump.offer_here(batch, batch.lines)
        position.relayed(batch.data, tty)


async def _in_own_thread(call: Callable, *args):
    """call(*args) in a thread of its own, for a call that may block for days."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def settle(outcome: Callable[[], None]) -> None:
        if not done.done():
            outcome()

    def run():
        try:
            result = call(*args)
        except BaseException as e:  # noqa: BLE001 - handed to the awaiting task
            loop.call_soon_threadsafe(
                settle, lambda error=e: done.set_exception(error)
            )  # `e` is unbound once the block ends
        else:
            loop.call_soon_threadsafe(settle, lambda: done.set_result(result))

    threading.Thread(target=run, name="berth-logs-restart", daemon=True).start()
    return await done


def offer_assembled(
    pump: Pump, stream: LogStream, options: LogOptions, batch_size: int, position: log_resume.LogPosition | None = None
) -> None:
    """Lines, filtered by stream and search, stdout and stderr in time order within each read."""
    wanted = {"o": options.stdout, "e": options.stderr, "s": True, "i": False}
    matches = options.matcher()
    assembler = LineAssembler()
    for data in stream:
        read = lines_in_time_order(assembler, data)
        offer_lines(
            pump,
            [line for line in read if wanted[line[0]] and (matches is None or matches(line[2]))],
            options.timestamps,
            batch_size,
        )
        if position is not None:  # read, matched or not: a search reads on after it too
            position.lines(read)
    offer_lines(pump, [line for line in assembler.finish() if wanted[line[0]]], options.timestamps, batch_size)


def lines_in_time_order(assembler: LineAssembler, data: bytes) -> list[tuple[str, str, str]]:
    """The lines in `data`, stdout's and stderr's sorted together: the engine writes each stream's
    lines as they come (logs.js does the same for relayed bytes)."""
    lines = assembler.feed(data)
    if assembler.mixed and len(lines) > 1:
        lines.sort(key=_time_order)
    return lines


def offer_lines(pump: Pump, lines: list[tuple[str, str, str]], timestamps: bool, batch_size: int) -> None:
    if not timestamps:  # not asked for: a third of each frame less to encode, send and parse
        lines = [(stream, "", text) for stream, _, text in lines]
    for start in range(0, len(lines), batch_size):
        batch = lines[start : start + batch_size]
        pump.offer(batch, len(batch))


def _time_order(line: tuple[str, str, str]) -> str:
    # The engine trims trailing zeros from the nanoseconds: pad them so strings compare as times.
    timestamp = line[1]
    return timestamp[:20] + timestamp[20:-1].ljust(9, "0") if len(timestamp) > 20 else timestamp


def wait_for_restart(pump: Pump, container_id: str) -> str | None:
    """Offer the stop, block until the container starts again; when it had stopped, or None."""
    api = get_client().api
    events = _translate(
        lambda: api.events(filters={"container": container_id, "event": ["start", "destroy"]}, decode=True)
    )
    pump.on_stop(events.close)
    try:
        facts = container_facts(container_id)
    except EngineNotFound:
        pump.offer(StateChange("removed"))
        events.close()
        return None
    if not facts.running:
        pump.offer(StateChange(facts.state or "exited", facts.exit_code))
        try:
            for event in events:
                if event.get("status") == "destroy" or event.get("Action") == "destroy":
                    pump.offer(StateChange("removed"))
                    return None
                break
        except Exception as e:
            if pump.stopping.is_set():
                return None
            raise EngineUnavailable(type(e).__name__) from e
        if pump.stopping.is_set():
            return None
        facts = container_facts(container_id)
    events.close()
    pump.offer(StateChange("running"))
    # Read on from the moment it stopped: its first new lines can predate StartedAt (the engine
    # records that only once the process runs), and all the old ones are older than the stop.
    return facts.finished_at


def format_line(line: tuple[str, str, str], timestamps: bool) -> str:
    stream, timestamp, text = line
    label = {"o": "stdout", "e": "stderr", "s": "engine"}.get(stream, stream)
    return f"{timestamp} {label} {text}\n" if timestamps else f"{label} {text}\n"


# ---------------------------------------------------------------- terminals


class Terminal:
    """A hijacked engine socket (attach or exec): raw bytes both ways, plus resize and end."""

    kind = "terminal"

    def __init__(self):
        self.sock: socket.socket | None = None
        self.started = threading.Event()
        self.pending_size: tuple[int, int] | None = None
        self.size_lock = threading.Lock()

    # -- input (from the consumer; small writes inline, big ones in a thread)
    def write(self, data: bytes) -> None:
        if self.sock is not None:
            self.sock.sendall(data)

    def close_stdin(self) -> None:
        if self.sock is not None:
            _quietly(lambda: self.sock.shutdown(socket.SHUT_WR))

    # -- resize: held until the process has started, then the last size wins
    def resize(self, cols: int, rows: int) -> None:
        with self.size_lock:
            self.pending_size = (cols, rows)
            if not self.started.is_set():
                return
        self._apply_size()

    def _apply_size(self) -> None:
        with self.size_lock:
            size, self.pending_size = self.pending_size, None
        if size is None:
            return
        try:
            self._resize(*size)
        except Exception:
            log.debug("resize refused", exc_info=True)

    def _resize(self, cols: int, rows: int) -> None:
        raise NotImplementedError

    def close(self) -> None:
        if self.sock is not None:
            _shutdown(self.sock)

    # -- output: read on the event loop
    async def read_output(self) -> AsyncIterator[bytes]:
        """What the browser is to see, as the engine sends it, until the stream ends.

        Unlike logs, a terminal is read on the event loop, not in a thread of its own: a
        keystroke's echo then goes straight back to the browser without a hop between threads
        (about 60 µs of a 0.5 ms round trip). The socket stays blocking for the writes; reads
        never wait (MSG_DONTWAIT), the loop waits for them. The next read waits until the
        browser has taken the last chunk, which holds a fast program back instead of buffering.
        """
        greeting = self.greeting()
        if greeting:
            yield greeting
        while True:
            data = await _receive(self.sock)
            output = self.output(data) if data else self.output_end()
            if self.size_due:
                self.size_due = False
                await asyncio.to_thread(self._apply_size)
            if output:
                yield output
            if not data:
                return

    size_due = False  # output() saw the process start: apply the held size (an engine call)

    def greeting(self) -> bytes:
        """What the browser sees before any output."""
        return b""

    def output(self, data: bytes) -> bytes:
        """The part of an engine read that the browser sees."""
        return data

    def output_end(self) -> bytes:
        """What is left to show when the stream ends."""
        return b""


async def _receive(sock: socket.socket, size: int = READ_SIZE) -> bytes:
    """The next bytes on `sock`, read on the event loop: recv() never waits (MSG_DONTWAIT), the
    loop does. b"" at the end, and once the socket is shut down or closed."""
    loop = asyncio.get_running_loop()
    while True:
        try:
            return sock.recv(size, socket.MSG_DONTWAIT)
        except BlockingIOError:
            if not await _readable(loop, sock):
                return b""
        except OSError:
            return b""


async def _readable(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> bool:
    """Wait until `sock` has something to read (or its end); False when it is closed."""
    try:
        descriptor = sock.fileno()
    except OSError:
        return False
    if descriptor < 0:
        return False
    ready = loop.create_future()
    loop.add_reader(descriptor, lambda: ready.done() or ready.set_result(True))
    try:
        return await ready
    finally:
        loop.remove_reader(descriptor)


def _raw_socket(sock) -> socket.socket:
    """The engine's hijacked socket, ready for a terminal.

    docker-py leaves the client's timeout on it, which would end a terminal that stays quiet
    that long (and make every read wait in poll() first). Without it reads never wait
    (read_output), and a write the engine does not take within the timeout still fails, by
    SO_SNDTIMEO, instead of holding the event loop.
    """
    sock = getattr(sock, "_sock", sock)
    timeout = sock.gettimeout()
    sock.settimeout(None)
    if timeout:
        seconds = int(timeout)
        sock.setsockopt(
            socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", seconds, int((timeout - seconds) * 1e6))
        )
    return sock


# -- attach


class AttachSession(Terminal):
    kind = "attach"

    def __init__(self, container_id: str, start: bool = False):
        super().__init__()
        self.facts = container_facts(container_id)
        self.container_id = self.facts.id
        self.detached = False
        self.start_requested = start
        self._held_ctrl_p = False  # a Ctrl-P that waits for the next key (write)
        self.frames = FrameParser()

    def open(self) -> None:
        """Attach; with `start`, attach first and then start, like `docker start -a`."""
        if not self.facts.running and not self.start_requested:
            raise EngineError(f"{self.facts.name} is not running: start it first, or attach with start.")
        api = get_client().api
        params = {"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1, "detachKeys": ENGINE_DETACH_KEYS}
        self.sock = _raw_socket(_translate(lambda: api.attach_socket(self.container_id, params=params)))
        if not self.facts.running:
            _translate(lambda: api.start(self.container_id))
        self.started.set()
        self._apply_size()

    def write(self, data: bytes) -> None:
        """Keystrokes; Ctrl-P then Ctrl-Q detaches, and neither reaches the program.

        As `docker attach` does, a Ctrl-P waits for the next key, in this frame or a later one:
        passed on at once, it would already have reached the program (busybox sh and bash
        recall the last command with it). Any key but Ctrl-Q goes through after it; a second
        Ctrl-P lets the first through and waits itself (docker's proxy would not look at it
        again, so Ctrl-P Ctrl-P Ctrl-Q would not detach there). One still waiting when the socket
        closes or stdin ends is dropped, as moby/term's escape proxy drops a partial sequence
        at the end of its input.
        """
        if self._held_ctrl_p:
            self._held_ctrl_p = False
            data = CTRL_P + data
        position = data.find(DETACH_SEQUENCE)
        if position >= 0:
            if position:
                super().write(data[:position])
            return self.detach()  # what follows the sequence in its frame is dropped, as docker does
        if data.endswith(CTRL_P):
            self._held_ctrl_p = True
            data = data[:-1]
        if data:
            super().write(data)

    def detach(self) -> None:
        # The engine's own detach ends the stream and leaves stdin open; a plain close would
        # close stdin of a -i container without a TTY, and so end its process.
        self.detached = True
        super().write(ENGINE_DETACH_BYTES)

    def _resize(self, cols: int, rows: int) -> None:
        if self.facts.tty:
            get_client().api.resize(self.container_id, height=rows, width=cols)

    def output(self, data: bytes) -> bytes:
        if self.facts.tty:
            return data
        # Without a TTY the engine frames stdout and stderr: the terminal shows both as they come.
        return b"".join(payload for _, payload in self.frames.feed(data))

    def outcome(self) -> dict:
        """What ended the stream: the exit of the main process, a detach, or a lost connection."""
        if self.detached:
            return {"type": "detached"}
        deadline = time.monotonic() + 5
        while True:
            try:
                facts = container_facts(self.container_id)
            except EngineNotFound:
                return {"type": "exit", "code": self.facts.exit_code}
            if not facts.running:
                return {"type": "exit", "code": facts.exit_code}
            if time.monotonic() > deadline:
                return {"type": "detached"}
            time.sleep(0.05)


# -- exec


def _passwd_entries(container_id: str) -> list[list[str]]:
    """/etc/passwd of the container, read through the archive API (no process needed)."""
    try:
        stream, _ = get_client().api.get_archive(container_id, "/etc/passwd")
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.next()
            content = tar.extractfile(member).read() if member is not None and member.isfile() else b""
    except Exception:  # noqa: BLE001 - no such file: the container has no passwd database
        return []
    return [line.split(":") for line in content.decode("utf-8", "replace").splitlines() if line.count(":") >= 6]


def login_shell(container_id: str, user: str = "") -> str:
    """The login shell /etc/passwd gives the user (root when none), or "" if it names none."""
    name = (user or "root").split(":")[0]
    for entry in _passwd_entries(container_id):
        if name in (entry[0], entry[2]):
            shell = entry[6].strip()
            if shell and not shell.rsplit("/", 1)[-1].startswith(NOT_SHELLS):
                return shell
            return ""
    return ""


# The exec'd command runs under `sh`, which prints its pid first (stripped from the output) so
# that Berth can kill the process and everything in its session when the socket closes. A
# missing shell falls back to sh with a readable message; any other missing command says so.
EXEC_WRAPPER = (
    'echo "$$"; '
    'if ! command -v "$1" >/dev/null 2>&1; then '
    'case "${1##*/}" in bash|zsh|fish|ash|ksh|dash) '
    'echo "berth: $1 is not installed in this container: starting sh instead."; set -- sh;; '
    '*) echo "berth: $1: command not found in this container." >&2; exit 127;; esac; fi; '
    'exec "$@"'
)
KILL_SESSION = (
    "for stat in /proc/[0-9]*/stat; do "
    'read -r pid comm state ppid pgrp session rest < "$stat" 2>/dev/null || continue; '
    '[ "$session" = "$1" ] && kill -KILL "$pid" 2>/dev/null; '
    'done; kill -KILL "$1" 2>/dev/null; exit 0'
)


@dataclass
class ExecChoice:
    argv: list[str]
    note: str = ""  # said in the terminal before the process starts


def choose_command(container_id: str, cmd: str, user: str) -> ExecChoice:
    if cmd.strip():
        return ExecChoice(shlex.split(cmd))
    shell = login_shell(container_id, user)
    if shell:
        return ExecChoice([shell], f"berth: starting {shell}, the login shell of {user or 'root'} in /etc/passwd.\r\n")
    return ExecChoice(["bash"])  # EXEC_WRAPPER falls back to sh, with a message, when bash is missing


class ExecSession(Terminal):
    kind = "exec"

    def __init__(self, container_id: str, cmd: str = "", user: str = "", workdir: str = ""):
        super().__init__()
        self.facts = container_facts(container_id)
        self.container_id = self.facts.id
        self.cmd, self.user, self.workdir = cmd, user, workdir
        self.exec_id = ""
        self.note = ""
        self.command = ""
        self.pid: int | None = None
        # Keystrokes wait until the wrapper has printed the pid: the tty would echo them first.
        self.held_input = b""
        self.input_lock = threading.Lock()
        self.killed = False
        self.first = b""  # output before the wrapper's process id line is complete

    def open(self) -> None:
        if not self.facts.running:
            raise EngineError(f"{self.facts.name} is not running: exec needs a running container.")
        try:
            choice = choose_command(self.container_id, self.cmd, self.user or self.facts.user)
        except ValueError as e:
            raise EngineError(f"Bad command: {e}") from None
        api = get_client().api
        created = _translate(
            lambda: api.exec_create(
                self.container_id,
                ["sh", "-c", EXEC_WRAPPER, "sh", *choice.argv],
                stdin=True,
                tty=True,
                user=self.user,
                workdir=self.workdir or None,
                environment={"TERM": "xterm-256color"},
                detach_keys=ENGINE_DETACH_KEYS,  # the engine's default would swallow Ctrl-P Ctrl-Q
            )
        )
        self.exec_id = created["Id"]
        # tty=True on start too: the engine frames output by the start body's Tty.
        self.sock = _raw_socket(_translate(lambda: api.exec_start(self.exec_id, tty=True, socket=True)))
        self.note = choice.note
        self.command = shlex.join(choice.argv)  # what really runs, for the audit log

    def _resize(self, cols: int, rows: int) -> None:
        get_client().api.exec_resize(self.exec_id, height=rows, width=cols)

    def write(self, data: bytes) -> None:
        with self.input_lock:
            if not self.started.is_set():
                self.held_input += data
                return
            super().write(data)

    def _started(self) -> None:
        with self.input_lock:
            self.started.set()
            held, self.held_input = self.held_input, b""
            if held:
                _quietly(lambda: super(ExecSession, self).write(held))
        self.size_due = True

    def output(self, data: bytes) -> bytes:
        if self.pid is not None or self.started.is_set():
            return data
        # The wrapper prints the process id first, on a line of its own.
        self.first += data
        newline = self.first.find(b"\n")
        if newline < 0 and len(self.first) < 64:
            return b""
        head = self.first[:newline].strip() if newline >= 0 else b""
        if head.isdigit():
            self.pid, data = int(head), self.first[newline + 1 :]
        else:
            data = self.first  # the wrapper did not run (no sh?): show what the engine said
        self.first = b""
        self._started()
        return data

    def greeting(self) -> bytes:
        return self.note.encode()

    def output_end(self) -> bytes:
        rest, self.first = self.first, b""
        return rest

    def kill(self) -> None:
        """Kill the process and its whole session: closing the socket would leave it running."""
        if self.pid is None or not self.exec_id:
            return
        api = get_client().api
        try:
            if not api.exec_inspect(self.exec_id).get("Running"):
                return
            killer = api.exec_create(self.container_id, ["sh", "-c", KILL_SESSION, "sh", str(self.pid)], user="0")
            api.exec_start(killer["Id"])
            self.killed = True
        except Exception:
            log.debug("killing exec %s failed", self.exec_id, exc_info=True)

    def outcome(self) -> dict:
        if not self.exec_id:
            return {"type": "error", "message": "The process did not start."}
        deadline = time.monotonic() + 5
        while True:
            try:
                info = get_client().api.exec_inspect(self.exec_id)
            except Exception as e:  # noqa: BLE001 - said to the user, never lost
                return {"type": "error", "message": engine_message(e)}
            if not info.get("Running") or time.monotonic() > deadline:
                code = info.get("ExitCode")
                if self.pid is None and code in (126, 127, None):
                    return {"type": "error", "message": f"The command could not be started (exit code {code})."}
                return {"type": "exit", "code": code if code is not None else -1}
            time.sleep(0.05)


def dumps(message: dict) -> str:
    return json.dumps(message, separators=(",", ":"))


async def log_text(container_id: str, options: LogOptions):
    """The log as labelled text chunks for a `format=annotated` download: an async generator, so Django streams it under
    ASGI, with a pump that holds the engine back (never skips) while the client is slow."""
    pump = Pump(asyncio.get_running_loop(), maxsize=16, drop=False, name="download")
    pump.start(lambda p: read_logs(p, container_id, options))
    try:
        while True:
            item = await pump.get()
            if item is EOF:
                return
            if isinstance(item, StreamError):
                yield f"\n[berth: {item.message}]\n"
                return
            if isinstance(item, list):
                yield "".join(format_line(line, options.timestamps) for line in item)
    finally:
        await pump.stop_and_join()
