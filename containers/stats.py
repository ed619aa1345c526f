"""The stats collector: one stats stream per watched container, however many viewers.

One Collector per engine per event loop (a Berth process serves every socket on one loop). A
viewer (a container page's socket, the list's) watches a container: the first one opens its
stream (containers/streams/stats.py); every later one shares it and gets at once the samples
the ring buffer holds, up to HISTORY_SECONDS. When the last viewer leaves, the stream stays open
for settings.STATS_GRACE_SECONDS (a reload, the list's next page), then closes and its history
goes: a container nobody watches costs the engine nothing, and has no history.

Peers' costs (shared/reference/peers-features.md): Dozzle keeps a stream per running container
for hours after its last viewer left (#4815: idle dockerd 2.4 % + containerd 1.7 % of a core with
18 containers); here a stream lives only while someone looks, plus the grace period. Its first
payload was 300 points for every container (15 MB at 247 containers, #5084); here a page gets its
one container's buffer (300 samples of about 125 bytes of JSON: under 40 KB) and the list only the latest sample of
each of its rows. Portainer keeps no history (#608); here every viewer shares the buffer.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from typing import Protocol

from django.conf import settings

from containers.streams.stats import read_stats
from containers.streams.wire import dumps
from dashboard.engine import EngineError, EngineNotFound, EngineUnavailable, get_client, translate

log = logging.getLogger(__name__)

HISTORY_SECONDS = 300  # the ring buffer: 5 minutes of samples...
HISTORY_SAMPLES = 600  # ...and never more than this many, whatever pace the engine keeps
RETRY_SECONDS = 5  # a stream the engine broke is opened again after this, while watched


class Viewer(Protocol):
    # `frame` is the page socket's message for it, made once for all viewers: 200 page sockets
    # (bench/live_stats.py) would otherwise each make the same text, 10 times per sample.
    def stats_sample(self, container_id: str, point: dict, frame: str) -> None: ...
    def stats_state(self, container_id: str, state: str) -> None: ...


class Watch:
    """One container's stream, its ring buffer and its viewers."""

    def __init__(self, collector: Collector, container_id: str):
        self.collector = collector
        self.container_id = container_id
        self.samples: deque[dict] = deque(maxlen=HISTORY_SAMPLES)
        self.viewers: set[Viewer] = set()
        self.state = "unknown"  # "running" once a sample came, "stopped", "removed"
        self.closing: asyncio.TimerHandle | None = None
        self.task = asyncio.get_running_loop().create_task(self.run(), name=f"stats {container_id[:12]}")

    async def run(self) -> None:
        while True:
            try:
                await read_stats(self.container_id, self.received)
                # The engine ends a stats stream when its container goes, and when it goes
                # itself (a restart): ask which.
                await asyncio.to_thread(translate, lambda: get_client().api.inspect_container(self.container_id))
                pause = 1  # still there: read on
            except EngineNotFound:
                self.said("removed")
                return
            except (EngineError, EngineUnavailable) as e:
                log.warning("stats of %s: %s", self.container_id[:12], getattr(e, "message", e))
                self.said("engine-lost")
                pause = RETRY_SECONDS
            await asyncio.sleep(pause)

    def received(self, point: dict | None) -> None:
        if point is None:
            self.said("stopped")
            return
        self.add(point)
        self.said("running")
        frame = dumps({"type": "sample", "sample": point})
        for viewer in list(self.viewers):
            viewer.stats_sample(self.container_id, point, frame)

    def add(self, point: dict) -> None:
        """Into the ring buffer, which then holds at most HISTORY_SECONDS up to this sample."""
        self.samples.append(point)
        while self.samples and self.samples[0]["t"] < point["t"] - HISTORY_SECONDS:
            self.samples.popleft()

    def said(self, state: str) -> None:
        if state == self.state:
            return
        self.state = state
        for viewer in list(self.viewers):
            viewer.stats_state(self.container_id, state)

    def close(self) -> None:
        self.task.cancel()


class Collector:
    """The watches of one engine on one loop."""

    def __init__(self):
        self.watches: dict[str, Watch] = {}

    def watch(self, container_id: str, viewer: Viewer) -> Watch:
        watch = self.watches.get(container_id)
        if watch is None or watch.task.done():
            watch = self.watches[container_id] = Watch(self, container_id)
        if watch.closing is not None:
            watch.closing.cancel()
            watch.closing = None
        watch.viewers.add(viewer)
        return watch

    def leave(self, container_id: str, viewer: Viewer) -> None:
        watch = self.watches.get(container_id)
        if watch is None:
            return
        watch.viewers.discard(viewer)
        if not watch.viewers and watch.closing is None:
            loop = asyncio.get_running_loop()
            watch.closing = loop.call_later(settings.STATS_GRACE_SECONDS, self._close_unwatched, watch)

    def _close_unwatched(self, watch: Watch) -> None:
        watch.closing = None
        if watch.viewers:
            return
        watch.close()
        if self.watches.get(watch.container_id) is watch:
            del self.watches[watch.container_id]

    def reading(self) -> list[str]:
        """The containers whose stream is open (the tests count them)."""
        return [cid for cid, watch in self.watches.items() if not watch.task.done()]


_collectors: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def collector() -> Collector:
    """This loop's collector for the engine of DOCKER_HOST."""
    per_engine = _collectors.setdefault(asyncio.get_running_loop(), {})
    engine = get_client().api.base_url
    if engine not in per_engine:
        per_engine[engine] = Collector()
    return per_engine[engine]
