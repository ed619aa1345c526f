"""Websockets for live container streams: logs, stats, attach/exec terminals, and the live list.

Protocol (issue 3):
- terminals: browser -> server binary frames are keystrokes, text frames are JSON control
  messages ({"type": "resize", "cols": C, "rows": R}, {"type": "eof"} to close stdin);
  server -> browser binary frames are raw terminal output, and before closing the server sends
  one text frame {"type": "exit", "code": N}, {"type": "detached"} or {"type": "error", "message": ...}.
  An attach that started the container (?start=1 on a container not running) first sends
  {"type": "state", "state": "running"} once the start has happened, before any output: the
  page was drawn while the container was still Created (issue 11, item 7). It is not a closing frame.
- logs: server -> browser text frames {"type": "lines", "lines": [[stream, timestamp, text], ...],
  "skipped": N}, {"type": "state", "state": "exited", "code": N},
  {"type": "state", "state": "running"|"removed"}, {"type": "end"} when a log that is not
  followed is complete, {"type": "error", ...}.
  A log asked for whole (both streams, no q=), as the logs page asks, from an engine on a unix
  socket (tcp:// and ssh:// engines get "lines" frames) comes instead as binary frames: the
  engine's own bytes, whole messages only ("timestamp text\n" with timestamps=1, "text\n"
  without, in Docker's 8-byte-header frames for a container without a TTY, plain for one
  with; a line over 16 KiB in several messages); a skip is said by a "lines" frame with no
  lines. The browser splits them (static/logs.js), puts stdout's and stderr's lines in time
  order when it has their timestamps, and starts afresh after each "state" frame. The
  browser acks every "lines" and binary frame with {"type": "ack"}, so that at most a few are
  in flight and a slow browser makes the server skip lines (and say how many) instead of
  buffering them.
  When the engine of a followed log goes away, {"type": "state", "state": "engine-lost"}; the
  server asks the engine again with growing pauses, and once it answers reads on after the last
  line sent, so that none comes twice: {"type": "state", "state": "running"} first when the
  container ran on (a stopped one's log ends with its "exited" state, as usual). An engine not
  back within 5 minutes ends the log with an error (containers/log_resume.py).
- the containers list (issue 13), /ws/containers/?<the /containers/ page's own query: all, q, state,
  health, sort, desc, page>[&catchup=1] (containers/live_consumers.py): server -> browser only.
  {"type": "state", "state": "live"} once the engine's shared events stream is open (and again
  after it was lost and reopened: then a {"type": "table", "html": ...} comes first, the page's
  whole #container-table, as does one right away for a socket opened with catchup=1, a page
  that may have slept); {"type": "state", "state": "unavailable"} while the engine is lost;
  {"type": "row", "id": full id, "before": id of the row it goes before or null (last),
  "html": the row as the page renders it (containers/list.html#container-row)} for a container
  created or changed that the page shows or that sorts onto it (a full page then drops its
  last row: a "remove" for it follows); {"type": "remove", "id": ...} for a row gone or no
  longer within the filters; {"type": "new", "count": N} for containers that match the filters
  but sort onto another page ("N new containers — show"); {"type": "parts", "html": {DOM id:
  html}} for the page's counts of the engine, its own partials (#container-count, "N of M
  containers", and for an operator #container-bulk-all, the bulk buttons' totals), after every
  (re)list (before "live") and after a batch of changes that moved them (a container outside
  the filters moves the engine's totals too: no row then, only this). Needs a viewer; the browser sends
  nothing. Events come from the hub (containers/streams/events.py), one stream per engine per
  process whatever the number of sockets.
- a container's page (issue 13), /ws/containers/<id>/state/[?catchup=1]: server -> browser only.
  "state" live/unavailable as above; {"type": "summary", "html": the page's #container-summary,
  "why": its #why-stopped (empty when it has not stopped)} whenever an event names the container
  (one inspect; also at once with catchup=1 and after a lost stream); {"type": "removed"} once it
  is gone (the socket stays open and says nothing more). Needs a viewer.
- the volumes list (issue 13), /ws/volumes/?<the /volumes/ page's query: q, unused, page>[&catchup=1]
  (volumes/live.py): the containers list's frames, a row's id being the volume's name and its
  html volumes/list.html#volume-row; a volume is asked about when an event names it, and so
  are the volumes a container created or removed mounts ("Used by"); "parts" with
  #volume-count ("N of M volumes"). Needs a viewer.
- the networks list, /ws/networks/?unused=[&catchup=1] (networks/live.py): the same frames, a
  row's id being the network's full id and its html networks/list.html#network-row; a network is
  asked about when an event names it, and so are the networks a container created or removed
  is on (its count); "parts" with #network-count. Needs a viewer.
- the images list, /ws/images/?<the /images/ page's query: q, show, sort, desc>[&catchup=1]
  (images/live.py): the same frames, a row's id being the image's short id and its
  repository:tag (one row per tag, html images/list.html#image-row; no paging, so no "new");
  an image is asked about when an event names it, and so is the image a container created or
  removed was made from (its count); "parts" with #image-count ("N rows (M images in the
  engine)"). Needs a viewer.
- the overview, /ws/overview/[?catchup=1] (system/live.py, protocol in its docstring): "state"
  as above and "parts" with #overview-counts and #overview-events. Needs a viewer.
- stats (issue 13, part 3; containers/stats_consumers.py), server -> browser only (the browser
  sends nothing):
  /ws/containers/<id>/stats/: first {"type": "history", "state": "running"|"stopped",
  "since": T|null, "samples": [S, ...]}, the ring buffer's samples (up to 5 minutes; none for a
  container nobody watched, and then since is null), then {"type": "sample", "sample": S} about
  once a second, and {"type": "state", "state": "running"|"stopped"|"removed"|"engine-lost"}
  when that changes ("running" again once samples come back). A sample S is {"t": seconds since
  the epoch, "cpu": percent of one CPU times the CPUs, "mem": bytes, "limit": bytes,
  "mem_pct": percent|null, "rx", "tx", "read", "write": bytes a second, null when unknown}.
  /ws/containers/stats/?ids=ID,ID,...: full container ids (64 hex digits, at most 100, the
  list's running rows); about once a second {"type": "samples", "samples": {ID: S, ...}} with
  the latest sample of each id that has a new one, or {ID: {"state": "stopped"|"removed"|
  "engine-lost"}}. More than 100 ids or anything else than ids: an error frame, then 1011.
- any socket whose engine cannot be reached is accepted, gets an {"type": "error", ...} frame
  and is closed with 1011: never an HTTP 500 at the handshake.

Refusals accept first and then close with 4401 (not logged in) or 4403 (not allowed), so that
a browser sees the code. A terminal refused because the container has an option the user's
role may not use (operator restrictions, accounts/README.md) first gets an error frame that
says which. The ASGI app lets only Berth's own origin, port included, reach a route
(accounts/origins.py); any other origin, or none, is closed with 4403 the same way.

Mid-stream ends (issue 10, item 2): an open socket is re-checked every second or so
(accounts.session_watch). When its session is gone (logout, expiry, deactivation, a password
changed by an admin or by the user) it gets {"type": "error", "message": ...} and a close with
4401; when its user's role no longer allows it (a terminal of a user demoted to viewer; log
sockets stay) the same frame and a close with 4403. A terminal's exec'd process is then killed,
as on any close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer

from accounts import session_watch
from accounts.audit import aaudit
from accounts.models import Outcome
from accounts.roles import refuse_unless
from accounts.websocket_auth import SERVER_SEND, may_be_signed_in
from containers import streams
from dashboard.engine import EngineError, EngineUnavailable, client_made, get_client

log = logging.getLogger(__name__)

LOG_QUEUE_BATCHES = 1024  # batches waiting in the server, per socket...
LOG_QUEUE_LINES = 50_000  # ...and lines in them: beyond, lines are skipped (and counted)
LOG_FRAME_LINES = 2000  # lines per websocket frame at most
LOG_FRAME_BYTES = 256 * 1024  # relayed bytes per frame, about as many (or one bigger batch)
LOG_FRAMES_IN_FLIGHT = 8  # frames sent and not yet acked


# The role each stream needs (accounts/README.md): reading logs is a viewer's; typing into a
# container is an operator's.
ROLES = {"logs": "viewer", "attach": "operator", "exec": "operator", "stats": "viewer"}


EARLY_STARTS_LIMIT = 4  # sockets at once, per process, reading before their user is known
_early_starts = 0


@contextlib.contextmanager
def early_start(consumer: StreamConsumer):
    """Lets the consumer start reading (start_early) while its user is looked up; gives whether it did.

    Only for a socket that carries a session cookie, and for at most EARLY_STARTS_LIMIT such
    sockets at a time: someone without an account can make the engine start no more than
    a few reads, each stopped as soon as the lookup says no.
    """
    global _early_starts
    started = _early_starts < EARLY_STARTS_LIMIT and may_be_signed_in(consumer.scope) and consumer.start_early()
    _early_starts += started
    try:
        yield started
    finally:
        _early_starts -= started


class StreamConsumer(AsyncWebsocketConsumer):
    action = ""

    async def connect(self) -> None:
        self.container_id = self.scope["url_route"]["kwargs"]["container_id"]
        # Blank values count: `tail=` is the whole log, where a missing tail is the default 300.
        query = parse_qs(self.scope.get("query_string", b"").decode(), keep_blank_values=True)
        self.query = {key: values[-1] for key, values in query.items()}
        self.pump: streams.Pump | None = None
        self.sender: asyncio.Task | None = None
        self.finished = False
        # Anonymous: accepted, then closed with 4401; below the role: 4403 (both audited).
        with early_start(self) as reading:
            if reading:  # a read on the loop sends its request at its first turn: give it one now
                await asyncio.sleep(0)
            refused = await refuse_unless(self, ROLES[self.action])
        if refused:
            await self.stop_early()
            return
        await self.accept()  # accept first, so that a refusal's close code reaches the browser
        try:
            if await self.refused_out_of_reach():
                return
            await self.begin()
        except (ValueError, EngineError, EngineUnavailable) as e:
            await self.finish({"type": "error", "message": getattr(e, "message", None) or str(e)})
        if not self.finished:  # only once begun: an end must find the terminal's process to kill
            session_watch.watch(self, ROLES[self.action])  # re-checked every second or so while open

    def start_early(self) -> bool:
        """Engine reading that may start while the user is looked up (see early_start); True
        when it did. Nothing reaches the socket before the checks pass; a refusal stops it."""
        return False

    async def refused_out_of_reach(self) -> bool:
        """True when the socket was refused because of what the container reaches (terminals)."""
        return False

    async def stop_early(self) -> None:
        if self.pump is not None:
            await self.pump.stop_and_join()
            self.pump = None

    async def begin(self) -> None:
        raise NotImplementedError

    async def __call__(self, scope, receive, send) -> None:
        # Channels waits on the browser and a channel layer together, an asyncio.wait() per
        # message; Berth has no layer (settings.py), so the browser's messages are read
        # straight. bench/terminal.py, median echo on a quiet machine: see dispatch() below.
        self.scope, self.channel_layer, self.base_send = scope, None, send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def dispatch(self, message: dict) -> None:
        # Channels runs close_old_connections() in a worker thread before every message: a
        # thread hop per keystroke, per ack and per connect. bench/terminal.py, median echo:
        # 0.37 ms with Channels' own dispatch, 0.26 ms with this one (3 and 7 runs, Dec 2026).
        # These consumers reach the database only through database_sync_to_async (role
        # checks, audit), which closes old connections itself, so the hop is skipped. Skipping
        # Channels' __call__ too (above): medians 0.29-0.31 ms against 0.31-0.37 ms without, three
        # alternated runs each, quiet machine, 2026-12-01.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")  # not UI: a developer's error
        await handler(message)

    async def send(self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False) -> None:
        # A data frame goes to the server's own send (accounts.websocket_auth.ServerSend), past
        # Channels' two send layers and its session middleware's, which do nothing to one.
        server_send = self.scope.get(SERVER_SEND)
        if server_send is None or close:
            return await super().send(text_data, bytes_data, close)
        if text_data is not None:
            await server_send({"type": "websocket.send", "text": text_data})
        elif bytes_data is not None:
            await server_send({"type": "websocket.send", "bytes": bytes_data})
        else:
            raise ValueError("send() takes text_data or bytes_data")

    async def websocket_disconnect(self, message: dict) -> None:
        # Channels' own also runs close_old_connections() in a worker thread: a thread hop per
        # socket that these consumers do not need (see dispatch), and no groups to leave.
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def finish(self, message: dict, code: int | None = None) -> None:
        """The one closing text frame, then the close."""
        if self.finished:
            return
        self.finished = True
        await self.send(text_data=streams.dumps(message))
        await self.close(code=code or (1000 if message["type"] != "error" else 1011))

    async def end_session(self, ending: session_watch.Ending) -> None:
        """The session is over or the role too low (accounts.session_watch): say why, close
        with 4401/4403, and stop at once rather than when the browser answers the close."""
        if self.finished:
            return
        await self.audit_end(ending)
        await self.finish({"type": "error", "message": ending.message}, code=ending.code)
        await self.disconnect(ending.code)

    async def audit_end(self, ending: session_watch.Ending) -> None:
        await aaudit(
            self.scope,
            "websocket.ended",
            object_type="container",
            object_id=self.container_id,
            outcome=Outcome.DENIED,
            message=ending.reason,
            extra={
                "stream": self.action,
                "ended": ending.kind,
                "code": ending.code,
                "path": self.scope.get("path", ""),
            },
        )

    async def disconnect(self, code: int) -> None:
        if getattr(self, "disconnected", False):  # end_session() got here before the browser's close
            return
        self.disconnected = self.finished = True
        session_watch.unwatch(self)
        sender = getattr(self, "sender", None)
        if sender is not None and sender is not asyncio.current_task():
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)  # it has let go of its socket
        pump = getattr(self, "pump", None)
        if pump is not None:
            await pump.stop_and_join()
        await self.cleanup()

    async def cleanup(self) -> None:
        pass


# One server-side search per user at a time: a new one cancels the one before.
_searches: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


class LogsConsumer(StreamConsumer):
    action = "logs"
    cancelled = False

    def start_early(self) -> bool:
        # Finding the tail of a big log takes the engine a few milliseconds: ask it while the
        # user is looked up (the lines wait in the pump's queue). Searches start in begin(),
        # after they have cancelled the user's previous one. So does a read while there is no
        # client yet: making one asks the engine, which may take DOCKER_TIMEOUT to fail, and
        # that must neither hold the event loop nor fail before the socket is accepted.
        if not client_made():
            return False
        try:
            options = streams.LogOptions.from_query(self.query)
        except ValueError:
            return False  # begin() says what is wrong
        if options.search:
            return False
        self.options = options
        self.start_reading()
        return True

    async def begin(self) -> None:
        if self.pump is None:
            self.options = streams.LogOptions.from_query(self.query)
            if not client_made():  # made once per process; see start_early: its failure is said, then 1011
                await asyncio.to_thread(get_client)
            if self.options.search:
                previous = _searches.get(self.scope["user"].pk)
                if previous is not None and previous is not self:
                    previous.cancel_search()
                _searches[self.scope["user"].pk] = self
            self.start_reading()
        self.acked = asyncio.Semaphore(LOG_FRAMES_IN_FLIGHT)
        self.unacked = 0  # frames sent and not yet acked: an ack beyond them is ignored
        self.sender = asyncio.create_task(self.forward_lines())

    def start_reading(self) -> None:
        self.pump = streams.Pump(
            asyncio.get_running_loop(), LOG_QUEUE_BATCHES, drop=True, name="logs", max_lines=LOG_QUEUE_LINES
        )
        if self.options.relayable and streams.engine_socket_path():
            self.pump.start_on_loop(lambda pump: streams.relay_logs(pump, self.container_id, self.options))
        else:
            self.pump.start(lambda pump: streams.read_logs(pump, self.container_id, self.options))

    async def forward_lines(self) -> None:
        pump = self.pump
        while True:
            item = await pump.get()
            if isinstance(item, list):
                lines = item
                for more in self.waiting(list, lambda: len(lines) < LOG_FRAME_LINES):  # noqa: B023 - read as the batch grows
                    lines = lines + more
                await self.sent_frame()
                skipped, pump.skipped = pump.skipped, 0
                await self.send(text_data=streams.dumps({"type": "lines", "lines": lines, "skipped": skipped}))
            elif isinstance(item, streams.LogBytes):
                data = [item.data]
                size = len(item.data)
                for more in self.waiting(streams.LogBytes, lambda: size < LOG_FRAME_BYTES):  # noqa: B023 - as above
                    data.append(more.data)
                    size += len(more.data)
                if pump.skipped:  # said before the lines that follow the gap
                    await self.sent_frame()
                    skipped, pump.skipped = pump.skipped, 0
                    await self.send(text_data=streams.dumps({"type": "lines", "lines": [], "skipped": skipped}))
                await self.sent_frame()
                await self.send(bytes_data=b"".join(data))
            elif isinstance(item, streams.StateChange):
                code = {} if item.code is None else {"code": item.code}
                await self.send(text_data=streams.dumps({"type": "state", "state": item.state, **code}))
            elif isinstance(item, streams.StreamError):
                await self.finish({"type": "error", "message": item.message})
                return
            elif item is streams.EOF:
                if pump.skipped:
                    await self.send(text_data=streams.dumps({"type": "lines", "lines": [], "skipped": pump.skipped}))
                await self.finish({"type": "end", "cancelled": True} if self.cancelled else {"type": "end"})
                return

    async def sent_frame(self) -> None:
        """Wait for a place in the window of frames in flight, and take it."""
        await self.acked.acquire()
        self.unacked += 1

    def waiting(self, kind: type, room):
        """Batches of `kind` already queued behind the one taken, while room(): one frame for all."""
        queue = self.pump.queue
        while room() and isinstance(queue.first(), kind):
            yield self.pump.get_nowait()

    def cancel_search(self) -> None:
        """A newer search of the same user replaces this one: stop reading (the end follows)."""
        self.cancelled = True
        if self.pump is not None:
            self.pump.stop()
            self.pump.offer_end()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data and '"ack"' in text_data and getattr(self, "unacked", 0):  # never above the window
            self.unacked -= 1
            self.acked.release()
