"""The stats websockets (protocol in containers/consumers.py's docstring): a container page's
charts and the list's CPU and memory columns, both fed by the one collector (containers/stats.py)."""

from __future__ import annotations

import asyncio
import re

from django.utils.translation import gettext as _

from containers import stats, streams
from containers.consumers import StreamConsumer
from dashboard.engine import client_made, get_client, translate

PAGE_BACKLOG = 60  # messages waiting for a slow browser, per socket; older ones are dropped
LIST_IDS = 100  # the list shows at most 100 rows a page
LIST_FRAME_SECONDS = 1.0  # the list's samples gathered into one frame: the engine sends each id once a second
_FULL_ID = re.compile(r"[0-9a-f]{64}")


class StatsSocket(StreamConsumer):
    action = "stats"
    watched: tuple[str, ...] = ()

    async def begin(self) -> None:
        if not client_made():  # made once per process: its failure is said, then 1011
            await asyncio.to_thread(get_client)
        self.wake = asyncio.Event()
        self.collector = stats.collector()
        await self.watch()
        self.sender = asyncio.create_task(self.forward())

    async def watch(self) -> None:
        raise NotImplementedError

    async def forward(self) -> None:
        raise NotImplementedError

    async def cleanup(self) -> None:
        for container_id in self.watched:
            self.collector.leave(container_id, self)
        self.watched = ()


class ContainerStatsConsumer(StatsSocket):
    """One container's samples for its page's charts."""

    async def watch(self) -> None:
        attrs = await asyncio.to_thread(translate, lambda: get_client().api.inspect_container(self.container_id))
        full_id = attrs["Id"]
        self.pending: list[str] = []  # frames to send
        watch = self.collector.watch(full_id, self)
        self.watched = (full_id,)
        history = list(watch.samples)
        running = (attrs.get("State") or {}).get("Running", False)
        message = {
            "type": "history",
            "state": "running" if running else "stopped",
            "since": history[0]["t"] if history else None,
            "samples": history,
        }
        await self.send(text_data=streams.dumps(message))

    def stats_sample(self, container_id: str, point: dict, frame: str) -> None:
        self.queue(frame)

    def stats_state(self, container_id: str, state: str) -> None:
        self.queue(streams.dumps({"type": "state", "state": state}))

    def queue(self, frame: str) -> None:
        self.pending.append(frame)
        del self.pending[:-PAGE_BACKLOG]
        self.wake.set()

    async def forward(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            frames, self.pending = self.pending, []
            for frame in frames:
                await self.send(text_data=frame)


class ListStatsConsumer(StatsSocket):
    """CPU and memory of the list's running rows."""

    async def connect(self) -> None:
        self.scope["url_route"]["kwargs"].setdefault("container_id", "")  # the list's: no one container
        await super().connect()

    async def watch(self) -> None:
        ids = list(dict.fromkeys(i for i in self.query.get("ids", "").split(",") if i))
        if len(ids) > LIST_IDS or not all(_FULL_ID.fullmatch(i) for i in ids):
            raise ValueError(
                _("ids= takes at most %(count)d full container ids, comma-separated.") % {"count": LIST_IDS}
            )
        self.latest: dict[str, dict] = {}
        for container_id in ids:
            watch = self.collector.watch(container_id, self)
            if watch.samples:
                self.latest[container_id] = _columns(watch.samples[-1])
            if watch.state not in ("running", "unknown"):
                self.latest[container_id] = {"state": watch.state}
        self.watched = tuple(ids)
        if self.latest:
            self.wake.set()

    def stats_sample(self, container_id: str, point: dict, frame: str) -> None:
        self.latest[container_id] = _columns(point)
        self.wake.set()

    def stats_state(self, container_id: str, state: str) -> None:
        if state != "running":  # the next sample says running
            self.latest[container_id] = {"state": state}
            self.wake.set()

    async def forward(self) -> None:
        while True:
            await self.wake.wait()
            await asyncio.sleep(LIST_FRAME_SECONDS)  # one frame for the samples of a whole second
            self.wake.clear()
            latest, self.latest = self.latest, {}
            await self.send(text_data=streams.dumps({"type": "samples", "samples": latest}))


def _columns(point: dict) -> dict:
    return {key: point[key] for key in ("t", "cpu", "mem", "limit", "mem_pct")}
