"""The websocket of the live events page.

Protocol of `/ws/events/?type=&action=&name=&label=&since=` (issue 13, part 5):
- the query holds the page's filters (system/events.py EventFilters, the same rule as the
  history and the download) and `since`, the engine time (seconds.nanoseconds) just after the
  history the page was drawn with. The socket first sends the events the engine kept from
  `since` to now, then every new one, so that nothing between the page's read and the socket's
  subscription is lost and nothing comes twice.
- server -> browser text frames {"type": "events", "html": "<tr>...</tr>", "count": N,
  "skipped": S}: N rows, newest first, rendered by the page's own partial
  (system/events.html#event-row, escaped as the page is), to go on top of the table; S events
  a full queue dropped since the last frame (the socket was slower than the engine).
  {"type": "error", "message": ...} then a close with 1011 when the engine cannot be reached
  or its stream ends.
- browser -> server: nothing (anything sent is ignored).

Refusals as every Berth socket: accepted, then closed with 4401 (not logged in) or 4403 (another
origin, accounts/origins.py); every role may watch (viewer). An open socket is re-checked every
second or so (accounts.session_watch) and ends with its session: an error frame, then 4401.
"""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from accounts import session_watch
from accounts.audit import aaudit
from accounts.models import Outcome
from accounts.roles import refuse_unless
from dashboard.engine import EngineError, EngineUnavailable
from dashboard.viewer import as_viewer, viewer_of
from system import events

log = logging.getLogger(__name__)

ROLE = "viewer"
ROW_TEMPLATE = "system/events.html#event-row"


def rows(raws: list[dict]) -> str:
    """The page's rows for these events (oldest first), newest first as the table has them."""
    return "".join(render_to_string(ROW_TEMPLATE, {"event": events.EngineEvent.of(raw)}) for raw in reversed(raws))


class EventsConsumer(AsyncWebsocketConsumer):
    finished = False
    task: asyncio.Task | None = None

    async def connect(self) -> None:
        if await refuse_unless(self, ROLE):  # accepted, then closed: 4401 / 4403, audited
            return
        await self.accept()
        self.viewer = await viewer_of(self.scope)  # the rows' language and times, as the page showed them
        query = {k: v[-1] for k, v in parse_qs(self.scope.get("query_string", b"").decode()).items()}
        try:
            filters = events.EventFilters.from_query(query)
            since = events.engine_since(query["since"]) if query.get("since") else ""
        except ValueError as e:
            await self.finish({"type": "error", "message": str(e)})
            return
        self.task = asyncio.create_task(self.forward(filters, since))
        session_watch.watch(self, ROLE)

    async def forward(self, filters: events.EventFilters, since: str) -> None:
        try:
            async with events.live_events(filters) as live:
                seen: set = set()
                if since:  # what happened between the page's read and the subscription
                    missed = await asyncio.to_thread(events.read_raw_events, filters, since=since)
                    seen = {events.event_key(raw) for raw in missed}
                    await self.send_rows(missed, 0)
                reported = 0
                async for raw in live:
                    if not filters.matches(raw) or (seen and events.event_key(raw) in seen):
                        continue
                    skipped, reported = live.skipped - reported, live.skipped
                    await self.send_rows([raw], skipped)
        except (EngineError, EngineUnavailable) as e:
            await self.finish({"type": "error", "message": getattr(e, "message", None) or str(e)})
            return
        except Exception:  # a task that failed would otherwise leave the socket open and silent
            log.exception("events socket failed")
            await self.finish({"type": "error", "message": _("The events feed failed; reload the page.")})
            return
        await self.finish(
            {"type": "error", "message": _("The engine's events stream ended; reload the page to follow it again.")}
        )

    async def send_rows(self, raws: list[dict], skipped: int) -> None:
        if raws or skipped:
            frame = {
                "type": "events",
                "html": as_viewer(self.viewer, rows, raws),
                "count": len(raws),
                "skipped": skipped,
            }
            await self.send(text_data=json.dumps(frame))

    async def finish(self, message: dict, code: int | None = None) -> None:
        """The one closing text frame, then the close."""
        if self.finished:
            return
        self.finished = True
        await self.send(text_data=json.dumps(message))
        await self.close(code=code or 1011)

    async def end_session(self, ending: session_watch.Ending) -> None:
        """The session is over (accounts.session_watch): say why, close with its code, stop."""
        if self.finished:
            return
        await aaudit(
            self.scope,
            "websocket.ended",
            object_type="system",
            object_id="events",
            outcome=Outcome.DENIED,
            message=ending.reason,
            extra={"stream": "events", "ended": ending.kind, "code": ending.code, "path": self.scope.get("path", "")},
        )
        await self.finish({"type": "error", "message": ending.message}, code=ending.code)
        await self.disconnect(ending.code)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        pass  # the protocol has nothing from the browser

    async def disconnect(self, code: int) -> None:
        self.finished = True
        session_watch.unwatch(self)
        task, self.task = self.task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)  # live_events() has stopped its stream
