"""The bounded pump between a reader of the engine and a consumer on the event loop.

A reader runs in a thread of its own (`Pump.start`) or on the loop (`Pump.start_on_loop`) and
offers what it reads; the consumer takes it with `get()`. Live logs drop batches when the queue
is full and count their lines as skipped; downloads block the reader instead (back-pressure).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from containers.streams.sockets import quietly
from containers.streams.wire import READ_SIZE, LogBytes
from dashboard.engine import user_message

log = logging.getLogger(__name__)

EOF = object()  # the last item a pump offers


class PumpQueue(asyncio.Queue):
    """An asyncio.Queue whose first and last items can be looked at (and the last replaced).
    Its storage is set up by the `_init` hook, as asyncio's own LifoQueue and PriorityQueue do."""

    def _init(self, maxsize: int) -> None:
        self._queue: deque = deque()

    def first(self):
        return self._queue[0] if self._queue else None

    def last(self):
        return self._queue[-1] if self._queue else None

    def replace_last(self, item) -> None:
        """Nobody waits on a queue that holds something, so its last item may change."""
        self._queue[-1] = item


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
        self.queue = PumpQueue(maxsize=maxsize)
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
            quietly(closer)

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
        lines."""
        last = self.queue.last()
        if not (isinstance(item, LogBytes) and isinstance(last, LogBytes)):
            return False
        if len(last.data) + len(item.data) > READ_SIZE:
            return False
        self.queue.replace_last(LogBytes(last.data + item.data, last.lines + item.lines))
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
            self.offer(StreamError(user_message(error)))

    def offer_end(self) -> None:
        try:
            self.loop.call_soon_threadsafe(self._put, EOF, 0)
        except RuntimeError:
            pass

    def stop(self) -> None:
        self.stopping.set()
        for closer in self._closers:
            quietly(closer)

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


async def in_own_thread(call: Callable, *args):
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
