"""Terminals: a hijacked engine socket (attach or exec) carrying raw bytes both ways, plus
resize and an end; and attach itself (exec is exec.py).

Unlike logs, a terminal is read on the event loop (Terminal.read_output), since a keystroke's
echo is latency, not throughput: the thread hop was an eighth of its round trip. Each read
waits for the browser (back-pressure).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator

from django.utils.translation import gettext as _

from containers import services
from containers.streams import sockets
from containers.streams.sockets import quietly, receive
from containers.streams.wire import FrameParser
from dashboard.engine import EngineError, EngineNotFound, get_client, translate

log = logging.getLogger(__name__)

# The engine holds back every byte that starts its detach sequence until the next key, so it
# gets one nobody types; Berth watches for Ctrl-P Ctrl-Q itself (attach only).
ENGINE_DETACH_KEYS = "ctrl-^,ctrl-_,ctrl-^,ctrl-_"
ENGINE_DETACH_BYTES = b"\x1e\x1f\x1e\x1f"
CTRL_P = b"\x10"
DETACH_SEQUENCE = b"\x10\x11"  # Ctrl-P Ctrl-Q, as `docker attach` detaches


class Terminal:
    """A hijacked engine socket (attach or exec): raw bytes both ways, plus resize and end."""

    def __init__(self):
        self.sock: socket.socket | None = None
        self.early = b""  # output that came with the engine's answer (sockets.terminal_socket)
        self.started = threading.Event()
        self.pending_size: tuple[int, int] | None = None
        self.size_lock = threading.Lock()

    # -- input (from the consumer; small writes inline, big ones in a thread)
    def write(self, data: bytes) -> None:
        if self.sock is not None:
            self.sock.sendall(data)

    def close_stdin(self) -> None:
        if self.sock is not None:
            quietly(lambda: self.sock.shutdown(socket.SHUT_WR))

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
            sockets.shutdown(self.sock)

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
            data = self.early or await receive(self.sock)
            self.early = b""
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


class AttachSession(Terminal):
    def __init__(self, container_id: str, start: bool = False):
        super().__init__()
        self.facts = services.get_container(container_id)
        self.container_id = self.facts.id
        self.detached = False
        self.start_requested = start
        self._held_ctrl_p = False  # a Ctrl-P that waits for the next key (write)
        self.frames = FrameParser()

    def open(self) -> None:
        """Attach; with `start`, attach first and then start, like `docker start -a`."""
        if not self.facts.running and not self.start_requested:
            raise EngineError(
                _("%(name)s is not running: start it first, or attach with start.") % {"name": self.facts.name}
            )
        params = {"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1, "detachKeys": ENGINE_DETACH_KEYS}
        self.sock, self.early = sockets.attach_socket(self.container_id, params)
        if not self.facts.running:
            translate(lambda: get_client().api.start(self.container_id))
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
                facts = services.get_container(self.container_id)
            except EngineNotFound:
                return {"type": "exit", "code": self.facts.exit_code}
            if not facts.running:
                return {"type": "exit", "code": facts.exit_code}
            if time.monotonic() > deadline:
                return {"type": "detached"}
            time.sleep(0.05)
