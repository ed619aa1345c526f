"""Following a log across the loss of its engine (issue 10, item 6).

When the engine of a followed log goes away (it crashed, or is being restarted), the engine's
end of the log's read closes and every call to it fails. The log socket then says
{"type": "state", "state": "engine-lost"}, asks the engine again with growing pauses, and when
the engine answers reads on from just after the last line it had offered (its timestamp, kept
here in `LogPosition`), so that no line comes twice. An engine that is not back within
ENGINE_BACK_SECONDS ends the log with an error.

The loops that read logs (streams.logs.read_logs and relay_logs) call read_on() when a
followed read ends; nothing here reads a log itself.
"""

from __future__ import annotations

import asyncio
import queue
import random
import re
import struct
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from django.utils.translation import gettext as _

from containers import services
from containers.streams import events
from containers.streams.options import LogWindow
from containers.streams.pump import Pump, StateChange, in_own_thread
from dashboard.engine import EngineNotFound, EngineUnavailable

ENGINE_BACK_SECONDS = 300  # how long a followed log waits for its engine to come back
FIRST_PAUSE = 0.25  # between tries: doubled after each, up to MAX_PAUSE
MAX_PAUSE = 5.0

_FRAME_SIZE = struct.Struct(">L").unpack_from
_TIMESTAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z(?= )")
_TTY_LINE_TIMESTAMP = re.compile(rb"(?:^|\n)(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ")

T = TypeVar("T")


class LogPosition:
    """How far a followed log has been offered: the engine's RFC 3339 timestamp of the last line.

    Split lines say it as they pass (lines()); relayed bytes are only kept (relayed()) and their
    last timestamp found when it is asked for, since a relayed log is passed on without any work
    per line. Bytes relayed without timestamps (the socket did not ask for them) have none: then
    the moment the read ended stands in for it (ended()), which on the engine's own machine (the
    only place logs are relayed) is later than every line already sent.
    """

    def __init__(self):
        self.timestamp = ""
        self._bytes: bytes = b""
        self._tty = False

    def lines(self, lines: list[tuple[str, str, str]]) -> None:
        if lines and lines[-1][1]:
            self.timestamp = lines[-1][1]

    def relayed(self, data: bytes, tty: bool) -> None:
        self._bytes, self._tty = data, tty

    def ended(self) -> None:
        """The read has ended: settle the position before anything else is read. (Nothing read
        yet leaves it unset: then whatever the engine has is new to the browser.)"""
        if self._bytes:
            found = last_timestamp(self._bytes, self._tty)
            self.timestamp = found or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            self._bytes = b""


def last_timestamp(data: bytes, tty: bool) -> str | None:
    """The timestamp of the last message in whole log messages as the engine sends them: after
    8-byte frame headers for a container without a TTY, at a line's start for one with."""
    if tty:
        matches = list(_TTY_LINE_TIMESTAMP.finditer(data))
        return matches[-1].group(1).decode() if matches else None
    position, last = 0, None
    while position + 8 <= len(data):
        last = position + 8
        position = last + _FRAME_SIZE(data, position + 4)[0]
    match = _TIMESTAMP.match(data, last) if last is not None else None
    return match.group(0).decode() if match else None


def wait_for_engine(
    stopping: threading.Event, probe: Callable[[], T], give_up: float = ENGINE_BACK_SECONDS
) -> T | None:
    """probe() until the engine answers it (its result; None once `stopping` is set), with
    growing, jittered pauses, so that the sockets of a lost engine do not all ask it at once.
    Raises EngineUnavailable when it has not answered within `give_up` seconds."""
    deadline = time.monotonic() + give_up
    pause = FIRST_PAUSE
    while True:
        try:
            return probe()
        except EngineUnavailable:
            if time.monotonic() >= deadline:
                raise EngineUnavailable(
                    _("It went away while the log was followed and did not come back within %(seconds)d s.")
                    % {"seconds": round(give_up)}
                ) from None
        if stopping.wait(min(pause * random.uniform(0.5, 1), max(0.0, deadline - time.monotonic()))):
            return None
        pause = min(pause * 2, MAX_PAUSE)


def read_on(pump: Pump, container_id: str, window: LogWindow, position: LogPosition, lost: bool) -> bool:
    """A followed read has ended: wait for the container to start again, or, when the engine
    went away, for it to come back; True when there is more to read, with `window` moved past
    the lines already offered. Runs in a thread of its own (it may wait for days)."""
    if not lost:
        try:
            restarted = wait_for_restart(pump, container_id)
        except EngineUnavailable:
            lost = True
        else:
            if restarted is not None:
                window.read_on(position.timestamp, restarted)
            return restarted is not None
    pump.offer(StateChange("engine-lost"))
    try:
        facts = wait_for_engine(pump.stopping, lambda: services.get_container(container_id))
    except EngineNotFound:
        pump.offer(StateChange("removed"))
        return False
    if facts is None:
        return False
    if facts.running:  # a stopped one says so when its log, read on, ends
        pump.offer(StateChange("running"))
    window.read_on(position.timestamp)
    return True


async def aread_on(pump: Pump, container_id: str, window: LogWindow, position: LogPosition, lost: bool) -> bool:
    """read_on() for a log read on the event loop (streams.logs.relay_logs): waiting for a stopped
    container to start again takes no thread, only the hub's shared stream and an inspect in the
    loop's executor per event; an engine that went away is still waited for in a thread of its
    own (its probes sleep, for up to ENGINE_BACK_SECONDS)."""
    if not lost:
        try:
            restarted = await await_restart(pump, container_id)
        except EngineUnavailable:
            pass
        else:
            if restarted is not None:
                window.read_on(position.timestamp, restarted)
            return restarted is not None
    return await in_own_thread(read_on, pump, container_id, window, position, True)


class RestartWait:
    """A followed log whose container stopped, told what the events hub hears about it.

    Listens on the engine's shared events stream (streams/events.py), never one of its own: a
    page of followed logs costs no engine stream while its container is stopped. A "live" from
    the hub (first, and after a reconnect) inspects, since a start may have come unheard.
    wait_for_restart (a thread) and await_restart (the loop) share it."""

    def __init__(self, pump: Pump, container_id: str, put: Callable[[tuple], None]):
        self.pump, self.container_id = pump, container_id
        self.said_stop = False
        self.subscription = events.subscribe(
            lambda kind, event: put((kind, event)), {"container": [container_id], "event": ["start", "destroy"]}
        )
        pump.on_stop(lambda: put(("stop", None)))

    def heard(self, kind: str, event: dict | None) -> bool:
        """True when the container must be inspected; False when it is gone. Raises
        EngineUnavailable when the stream was lost (read_on then waits for the engine)."""
        if kind == "lost":
            raise EngineUnavailable(_("The engine's events stream was lost."))
        if kind == "event" and event.get("Action") == "destroy":
            self.pump.offer(StateChange("removed"))
            return False
        return True

    def inspected(self, inspect: Callable[[], services.ContainerDetail]) -> str | None | bool:
        """After an inspect: when it had stopped (it runs again), None (gone), or False (wait on)."""
        try:
            facts = inspect()
        except EngineNotFound:
            self.pump.offer(StateChange("removed"))
            return None
        if not facts.running:
            if not self.said_stop:
                self.said_stop = True
                self.pump.offer(StateChange(facts.state or "exited", facts.exit_code))
            return False
        self.pump.offer(StateChange("running"))
        # Read on from the moment it stopped: its first new lines can predate StartedAt (the engine
        # records that only once the process runs), and all the old ones are older than the stop.
        return (facts.inspect.get("State") or {}).get("FinishedAt", "")  # to the nanosecond

    def close(self) -> None:
        events.unsubscribe(self.subscription)


def wait_for_restart(pump: Pump, container_id: str) -> str | None:
    """Offer the stop, block until the container starts again; when it had stopped, or None."""
    heard: queue.SimpleQueue = queue.SimpleQueue()
    wait = RestartWait(pump, container_id, heard.put)
    try:
        while True:
            kind, event = heard.get()
            if pump.stopping.is_set() or kind == "stop":
                return None
            if not wait.heard(kind, event):
                return None
            outcome = wait.inspected(lambda: services.get_container(container_id))
            if outcome is not False:
                return outcome
    finally:
        wait.close()


async def await_restart(pump: Pump, container_id: str) -> str | None:
    """wait_for_restart on the event loop."""
    loop = asyncio.get_running_loop()
    heard: asyncio.Queue = asyncio.Queue()

    def put(item: tuple) -> None:
        try:
            loop.call_soon_threadsafe(heard.put_nowait, item)
        except RuntimeError:  # the loop has closed: nobody waits any more
            pass

    wait = RestartWait(pump, container_id, put)
    try:
        while True:
            kind, event = await heard.get()
            if pump.stopping.is_set() or kind == "stop":
                return None
            if not wait.heard(kind, event):
                return None
            outcome = await asyncio.to_thread(wait.inspected, lambda: services.get_container(container_id))
            if outcome is not False:
                return outcome
    finally:
        wait.close()
