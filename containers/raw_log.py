"""The logs download as `docker logs C > f 2>&1` writes it (issue 11, item 5).

The engine's frames are unwrapped and their payloads written in the engine's order, byte for
byte: no labels, no cut long lines, no decoding (invalid UTF-8 stays as it was). A TTY's log has
no frames and goes out as the engine sends it. The engine itself selects the streams, the
since/until window, the tail and the timestamps, with the same parameters `docker logs` sends,
so the file is the CLI's. A search keeps the lines that match, each still as the engine wrote it
(`docker logs C 2>&1 | grep -i`, per stream, so that stdout and stderr lines never mix).
Streamed through a pump that holds the engine back while the browser is slow: memory stays flat.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from django.utils.translation import gettext as _

from containers.streams.logs import read_logs, unreadable_log
from containers.streams.options import LogOptions, LogWindow
from containers.streams.pump import EOF, Pump, StreamError
from containers.streams.sockets import LogStream
from containers.streams.wire import TIMESTAMP, FrameParser, format_line
from dashboard.engine import EngineError


def download_options(query: dict[str, str], format_: str) -> tuple[LogOptions, bool]:
    """A download's log options, and whether it is the annotated one (labelled lines, what
    log_text writes); ValueError says what is wrong."""
    format_ = format_ or "raw"
    if format_ not in ("raw", "annotated"):
        raise ValueError(_("The format must be raw (the log as docker logs writes it) or annotated (labelled lines)."))
    options = LogOptions.from_query(query)
    if format_ == "raw" and not (options.stdout or options.stderr):  # `docker logs` can't ask for neither
        raise ValueError(_("Choose stdout, stderr or both to download."))
    return options, format_ == "annotated"


async def raw_log(container_id: str, options: LogOptions, tty: bool) -> AsyncIterator[bytes]:
    """The log's bytes for a download: an async generator, so Django streams it under ASGI."""
    pump = Pump(asyncio.get_running_loop(), maxsize=16, drop=False, name="download")
    pump.start(lambda p: _read(p, container_id, options, tty))
    try:
        while (item := await pump.get()) is not EOF:
            if isinstance(item, StreamError):
                yield f"\n[berth: {item.message}]\n".encode()
                return
            yield item
    finally:
        await pump.stop_and_join()


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


def _read(pump: Pump, container_id: str, options: LogOptions, tty: bool) -> None:
    window = LogWindow.of(options)
    params = {**window.params(options.timestamps), "stdout": int(options.stdout), "stderr": int(options.stderr)}
    try:
        stream = LogStream(container_id, params, window.follow)
    except EngineError as e:
        raise unreadable_log(container_id, e) from None
    pump.on_stop(stream.close)
    frames_of = (lambda data: [(1, data)]) if tty else FrameParser().feed
    keep = LineFilter(options) if options.search else None
    try:
        for data in stream:
            frames = frames_of(data)
            error = next((payload for stream_id, payload in frames if stream_id == 3), None)
            if error is not None:  # the daemon's own error in the stream: said, and the end
                frames = frames[: frames.index((3, error))]
            out = keep.feed(frames) if keep is not None else b"".join(payload for _, payload in frames)
            if out:
                pump.offer(out)
            if error is not None:
                raise EngineError(error.decode("utf-8", "replace"))
        if keep is not None and (rest := keep.finish()):
            pump.offer(rest)
    finally:
        stream.close()


class LineFilter:
    """Keeps the whole lines (of each stream) whose text matches the search; the matching
    ignores the timestamps the engine puts before each message, as the log view does."""

    def __init__(self, options: LogOptions):
        self.matches: Callable[[str], bool] = options.matcher()
        self.timestamps = options.timestamps
        self.pending: dict[int, bytes] = {}

    def feed(self, frames: list[tuple[int, bytes]]) -> bytes:
        out = []
        for stream_id, payload in frames:
            data = self.pending.pop(stream_id, b"") + payload
            end = data.rfind(b"\n") + 1
            if end < len(data):
                self.pending[stream_id] = data[end:]
            if end:
                out.extend(line + b"\n" for line in data[: end - 1].split(b"\n") if self._wanted(line))
        return b"".join(out)

    def finish(self) -> bytes:
        rest = [line for line in self.pending.values() if self._wanted(line)]
        self.pending.clear()
        return b"".join(rest)

    def _wanted(self, line: bytes) -> bool:
        # A line Docker cut at 16 KiB has the timestamp of each of its messages inside it.
        text = TIMESTAMP.sub(b"", line) if self.timestamps else line
        return self.matches(text.decode("utf-8", "replace"))
