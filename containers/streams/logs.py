"""Log streams: the producers a pump runs for a log socket or a download.

- `read_logs` (in a pump thread): history, then live lines, decoded and split (wire.LineAssembler),
  filtered by stream and search; for searches, one stream, and engines not on a unix socket;
- `relay_logs` (on the event loop): a log asked for whole from an engine on a unix socket,
  relayed as the engine sends it, cut only between messages (wire.MessageCutter); the browser
  splits it into lines (static/logs.js), so the server does no per-line work and starts no thread;
- both re-follow across a stop and start, and across a lost engine (containers/log_resume.py).
"""

from __future__ import annotations

import asyncio
import socket

from django.utils.translation import gettext as _

from containers import log_resume, services
from containers.streams import sockets
from containers.streams.options import LogOptions, LogWindow
from containers.streams.pump import Pump
from containers.streams.sockets import UNFOLLOWED_BATCH, LogStream, receive
from containers.streams.wire import LineAssembler, LogBytes, MessageCutter, lines_in_time_order
from dashboard.engine import EngineError, EngineNotFound, EngineUnavailable


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
    follow = Refollow(pump, container_id, options)
    while not pump.stopping.is_set():
        try:
            stream = LogStream(container_id, follow.window.params(timestamps=True), follow.window.follow)
            follow.opened = True
        except EngineUnavailable as e:
            follow.engine_lost(e)
        except EngineError as e:
            raise unreadable_log(container_id, e) from None
        else:
            pump.on_stop(stream.close)
            try:
                offer_assembled(pump, stream, options, batch_size, follow.position)
            finally:
                stream.close()
        if follow.ended() or not follow.read_on():
            return


class Refollow:
    """Where a log read that re-follows is: the window to ask for next, the last line offered,
    and whether the engine went away (read_logs and relay_logs share it)."""

    def __init__(self, pump: Pump, container_id: str, options: LogOptions):
        self.pump, self.container_id = pump, container_id
        self.window = LogWindow.of(options)
        self.position = log_resume.LogPosition()
        self.opened = self.lost = False

    def engine_lost(self, error: EngineUnavailable) -> None:
        """The engine did not answer: said at once when there was none to begin with, or for a
        log that is not followed; otherwise it went away again while it was coming back."""
        if not (self.opened and self.window.follow):
            raise error
        self.lost = True

    def ended(self) -> bool:
        """A read has ended: True when that is the end (not followed, or stopped)."""
        if not self.window.follow or self.pump.stopping.is_set():
            return True
        self.position.ended()
        return False

    def read_on(self) -> bool:
        """The container stopped, or its engine went away: say so, wait, and move the window past
        the last line offered, so that no line comes twice; False when there is no more to read.
        Blocks, maybe for days (log_resume.read_on)."""
        more = log_resume.read_on(self.pump, self.container_id, self.window, self.position, self.lost)
        self.lost = False
        return more

    async def aread_on(self) -> bool:
        """read_on() on the event loop: no thread while the container is stopped (log_resume.aread_on)."""
        more = await log_resume.aread_on(self.pump, self.container_id, self.window, self.position, self.lost)
        self.lost = False
        return more


def unreadable_log(container_id: str, error: EngineError) -> EngineError:
    """The engine's refusal to read a log, said better when the container's log driver keeps
    none (services.ContainerDetail.logs_readable knows which)."""
    if isinstance(error, EngineNotFound):
        return error
    try:
        container = services.get_container(container_id)
    except (EngineError, EngineUnavailable):
        return error
    if container.logs_readable:
        return error
    return LogDriverUnreadable(
        _("This container's log driver is “%(driver)s”: it keeps no logs to read.") % {"driver": container.log_driver}
    )


async def relay_logs(pump: Pump, container_id: str, options: LogOptions) -> None:
    """read_logs() for a log asked for whole (options.relayable) from an engine on a unix socket,
    read on the event loop itself (Pump.start_on_loop): offers LogBytes, the engine's bytes as
    `GET /containers/{id}/logs` gives them, with timestamps only when options.timestamps.

    No thread to start and no hop between threads: a 1,000-line tail took about a tenth less
    than in a pump thread. Waiting for a stopped container to start again takes no thread either:
    it listens on the events hub's shared stream (log_resume.aread_on).
    """
    follow = Refollow(pump, container_id, options)
    while not pump.stopping.is_set():
        sock = sockets.loop_socket()
        pump.on_stop(lambda sock=sock: sockets.quietly(lambda: sock.shutdown(socket.SHUT_RDWR)))  # wakes the read
        try:
            first = await sockets.open_log_on_loop(sock, container_id, follow.window.params(options.timestamps))
            follow.opened = True
            await _relay_socket(pump, sock, first, follow.window.follow, follow.position)
        except EngineUnavailable as e:
            follow.engine_lost(e)
        except EngineError as e:
            raise (await asyncio.to_thread(unreadable_log, container_id, e)) from None
        finally:
            sock.close()
        if follow.ended() or not await follow.aread_on():
            return


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
        data = await receive(sock)
        if not data:
            break
        pending += data
    offer(cutter.feed(pending))
    offer(cutter.finish())


def _offer_whole(pump: Pump, batch: LogBytes | None, position: log_resume.LogPosition, tty: bool) -> None:
    if batch is not None:
        pump.offer_here(batch, batch.lines)
        position.relayed(batch.data, tty)


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


def offer_lines(pump: Pump, lines: list[tuple[str, str, str]], timestamps: bool, batch_size: int) -> None:
    if not timestamps:  # not asked for: a third of each frame less to encode, send and parse
        lines = [(stream, "", text) for stream, _, text in lines]
    for start in range(0, len(lines), batch_size):
        batch = lines[start : start + batch_size]
        pump.offer(batch, len(batch))
