"""The websocket of a live /containers/ page (issue 13; its protocol is in consumers.py's docstring).

It listens on the engine's shared events stream (streams/events.py: one per engine per process,
never one per socket), asks the engine about the one container each event names, and pushes only
what changed on the page (containers/live_rows.py).
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from accounts import session_watch
from accounts.roles import refuse_unless
from containers.live_detail import LiveContainer
from containers.live_rows import LAG_PAUSE, ROW_ACTIONS, LivePage, expectation
from containers.streams import dumps, events
from dashboard.engine import EngineError, EngineUnavailable
from dashboard.viewer import as_viewer, viewer_of

log = logging.getLogger(__name__)

ROLE = "viewer"  # viewers watch everything


class LiveConsumer(AsyncWebsocketConsumer):
    """A page that follows the engine: the hub's events for what it shows, one change at a time."""

    subscription: events.Subscription | None = None
    worker: asyncio.Task | None = None

    def make_page(self, params: dict, csrf_secret: str):
        """The page's model: changed(container_id, expect) and relist() give frames (in a thread)."""
        raise NotImplementedError

    def filters(self) -> dict:
        return {"type": ["container"], "event": ROW_ACTIONS}

    async def connect(self) -> None:
        if await refuse_unless(self, ROLE):
            return
        await self.accept()
        query = parse_qs(self.scope.get("query_string", b"").decode())
        params = {key: values[-1] for key, values in query.items()}
        self.catch_up = params.pop("catchup", "") == "1"
        cookies = self.scope.get("cookies") or {}
        self.viewer = await viewer_of(self.scope)  # the page's language and times, as it was shown
        self.page = self.make_page(params, cookies.get(settings.CSRF_COOKIE_NAME, ""))
        self.pending: dict[str, object] = {}  # container id: what its last event said, in the order they came
        self.relist_wanted = False
        self.listed = False
        self.wake = asyncio.Event()
        self.loop = asyncio.get_running_loop()
        self.worker = asyncio.create_task(self.work())
        self.subscription = events.subscribe(self.heard, self.filters())
        session_watch.watch(self, ROLE)

    def heard(self, kind: str, event: dict | None) -> None:
        """The hub's callback, in its thread: hand it to the loop."""
        try:
            self.loop.call_soon_threadsafe(self.note, kind, event)
        except RuntimeError:  # the loop has closed (its server stopped); disconnect() unsubscribes
            pass

    def note(self, kind: str, event: dict | None) -> None:
        if kind == "event":
            key_of = getattr(self.page, "key_of", None)  # what the page asks about: a container by default
            key = key_of(event) if key_of else (event.get("Actor") or {}).get("ID") or event.get("id")
            if key:
                self.pending.pop(key, None)  # moved to the end: its latest event
                self.pending[key] = expectation(event)
        elif kind == "live":
            self.relist_wanted = True
        else:
            self.pending.clear()
            self.loop.create_task(self.send_json({"type": "state", "state": "unavailable"}))
        self.wake.set()

    async def work(self) -> None:
        """One change at a time, in the order heard: a container's events that come while it is
        being asked about make one more question, not one each."""
        while True:
            await self.wake.wait()
            self.wake.clear()
            try:
                if self.relist_wanted:
                    await self.relist()
                while self.pending and not self.relist_wanted:
                    container_id = next(iter(self.pending))
                    expect = self.pending.pop(container_id)
                    for frame in await asyncio.to_thread(
                        as_viewer, self.viewer, self.page.changed, container_id, expect
                    ):
                        await self.send_json(frame)
                    self.ask_again_later(container_id, expect)
                if not self.relist_wanted:
                    await self.send_settled()
            except (EngineError, EngineUnavailable) as e:
                log.info("live containers list: %s", e)  # the hub says when the engine is lost
            except Exception:
                log.exception("live containers list")

    def ask_again_later(self, container_id: str, expect) -> None:
        """The engine's list did not show what the event said yet (live_rows.Lagging): ask once
        more in a moment, unless a newer event of it is already waiting."""
        if container_id in getattr(self.page, "ask_again", ()):
            self.page.ask_again.discard(container_id)
            self.loop.call_later(LAG_PAUSE, self.note_again, container_id, expect)

    def note_again(self, container_id: str, expect) -> None:
        if not getattr(self, "closed", False) and container_id not in self.pending:
            self.pending[container_id] = expect
            self.wake.set()

    async def relist(self) -> None:
        """The stream is (again) open: events may have been missed, so list the page afresh; the
        browser gets the whole table when it may show something stale (after a loss, or a page
        that reopened its socket: catchup=1)."""
        self.relist_wanted = False
        self.pending.clear()
        for frame in await asyncio.to_thread(as_viewer, self.viewer, self.page.relist, self.listed or self.catch_up):
            await self.send_json(frame)
        await self.send_settled()
        self.listed = True
        await self.send_json({"type": "state", "state": "live"})

    async def send_settled(self) -> None:
        """What a page shows besides its rows (its counts: live_rows.Counted), once per batch of
        changes and after them: a burst of 100 events moves the counts once, after the rows."""
        settled = getattr(self.page, "settled", None)
        if settled is not None:
            for frame in await asyncio.to_thread(as_viewer, self.viewer, settled):
                await self.send_json(frame)

    async def send_json(self, frame: dict) -> None:
        if not getattr(self, "closed", False):
            await self.send(text_data=dumps(frame))

    async def end_session(self, ending: session_watch.Ending) -> None:
        await self.send_json({"type": "error", "message": ending.message})
        await self.close(code=ending.code)
        await self.disconnect(ending.code)

    async def disconnect(self, code: int) -> None:
        if getattr(self, "closed", False):
            return
        self.closed = True
        session_watch.unwatch(self)
        if self.subscription is not None:
            events.unsubscribe(self.subscription)
        if self.worker is not None:
            self.worker.cancel()
            await asyncio.gather(self.worker, return_exceptions=True)


class ContainerListConsumer(LiveConsumer):
    """/ws/containers/?<the list's query>: the rows of a /containers/ page."""

    def make_page(self, params: dict, csrf_secret: str) -> LivePage:
        return LivePage(params, self.scope["user"], csrf_secret)


class ContainerStateConsumer(LiveConsumer):
    """/ws/containers/<id>/state/: a container's page, its summary and "why it stopped"."""

    def make_page(self, params: dict, csrf_secret: str) -> LiveContainer:
        return LiveContainer(self.scope["url_route"]["kwargs"]["container_id"], self.scope["user"], csrf_secret)

    def filters(self) -> dict:
        return {**super().filters(), "container": [self.page.container_id]}
