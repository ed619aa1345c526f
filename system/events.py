"""The engine's events: one model, one filter, bounded reads, and the live source of /ws/events/.

The overview's latest events, the /events/ page's history and its download all read the same
way: `GET /events` with `since` and an `until` of now at the latest, so the engine sends what it
kept and closes (it keeps only its last KEPT_EVENTS, whatever `since` says), never a follow.

Filters (`EventFilters`) are applied identically everywhere by one function, `matches()`; the
engine gets the same filters where its own rule is the same (engine_filters()), so that it sends
less, and matches() still decides. The live page follows through `live_events()`, the one place
to switch to the process-wide events hub.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from django.utils.translation import gettext as _

from containers.streams import events as hub_events
from containers.streams.options import parse_time
from containers.streams.pump import EOF, Pump, StreamError
from dashboard import inputs
from dashboard.engine import EngineError, get_client, translate, translate_errors
from dashboard.times import engine_time

KEPT_EVENTS = 256  # the engine keeps only its last 256 events for a `since` (moby daemon/events)
# The types whose engine filter (`container=X`, ...) is the name rule of matches(): the actor's id
# or its name attribute starts with X (moby's fuzzyMatchName). `image=` is an exact match on
# references instead, so an image name is matched here only.
_FUZZY_NAMED = ("container", "daemon", "network", "plugin", "volume")
# Offered as the action box's suggestions (any other action may be typed).
COMMON_ACTIONS = (
    "create",
    "start",
    "restart",
    "stop",
    "kill",
    "die",
    "oom",
    "destroy",
    "pause",
    "unpause",
    "rename",
    "exec_start",
    "health_status",
    "pull",
    "tag",
    "untag",
    "delete",
    "mount",
    "unmount",
    "connect",
    "disconnect",
)
_ENGINE_TIME = re.compile(r"\d{1,12}\.\d{9}")


@dataclass(frozen=True)
class EngineEvent:
    at: datetime
    type: str  # container, image, volume, network, daemon, plugin, ...
    action: str
    actor_id: str
    name: str  # the actor's name attribute, when the event has one
    detail: str = ""  # what follows the action's colon: "exec_start: sh -c ..." -> "sh -c ..."
    attributes: tuple[tuple[str, str], ...] = ()  # the actor's (a container's labels are among them)

    @classmethod
    def of(cls, raw: dict) -> EngineEvent:
        actor = raw.get("Actor") or {}
        attributes = actor.get("Attributes") or {}
        action, _, detail = raw.get("Action", "").partition(": ")
        at = datetime.fromtimestamp(raw.get("timeNano", 0) / 1e9, tz=UTC)
        return cls(
            at,
            raw.get("Type", ""),
            action,
            actor.get("ID", ""),
            attributes.get("name", ""),
            detail,
            tuple(sorted((str(k), str(v)) for k, v in attributes.items() if k != "name")),
        )

    @property
    def short_id(self) -> str:
        bare = self.actor_id.removeprefix("sha256:")
        return bare[:12] if len(bare) == 64 else self.actor_id

    @property
    def label(self) -> str:
        """What names it in a table: its name, or its short id when it has none or its name is
        the id (an image's delete and untag are named "sha256:<64 digits>", which wrapped into
        five lines of the events table); the cell's title has the full id."""
        if not self.name or self.name == self.actor_id:
            return self.short_id
        return self.name

    @property
    def gone(self) -> bool:
        """The object no longer exists after this event: no link to its page."""
        return self.action in ("destroy", "delete", "remove", "untag", "prune")


event_key = hub_events.event_key  # a catch-up read and a live stream may both carry one event


# ---------------------------------------------------------------- filters


@dataclass(frozen=True)
class EventFilters:
    type: str = ""
    action: str = ""  # "exec_start" also matches "exec_start: sh -c ...", as the engine does
    name: str = ""
    label: tuple[str, str | None] | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> EventFilters:
        """From `?type=&action=&name=&label=`; ValueError says what is wrong."""
        return cls(
            type=inputs.event_type(query.get("type", "")),
            action=(query.get("action") or "").strip(),
            name=(query.get("name") or "").strip(),
            label=inputs.label_filter(query.get("label", "")),
        )

    def query(self) -> dict[str, str]:
        label = "" if self.label is None else "=".join(p for p in self.label if p is not None)
        return {"type": self.type, "action": self.action, "name": self.name, "label": label}

    def matches(self, raw: dict) -> bool:
        """Does the engine's event pass every filter? The one rule of history, download and live."""
        actor = raw.get("Actor") or {}
        attributes = actor.get("Attributes") or {}
        action = raw.get("Action", "")
        if self.type and raw.get("Type") != self.type:
            return False
        if self.action and self.action not in (action, action.partition(": ")[0]):
            return False
        if self.name and not any(
            value.startswith(self.name) for value in (actor.get("ID", ""), attributes.get("name", ""))
        ):
            return False
        if self.label is not None:
            key, value = self.label
            if key not in attributes or (value is not None and attributes[key] != value):
                return False
        return True

    def hub_filters(self) -> dict[str, list[str]]:
        """What the events hub can narrow for a live socket (by type: the same rule as
        matches()); matches() decides the rest."""
        return {"type": [self.type]} if self.type else {}

    def engine_filters(self) -> dict[str, list[str]]:
        """The engine's `filters` for the same selection, where its rule is the one above:
        it then sends less, never less than matches() keeps."""
        filters = {}
        if self.type:
            filters["type"] = [self.type]
        if self.action:
            filters["event"] = [self.action]
        if self.name and self.type in _FUZZY_NAMED:
            filters[self.type] = [self.name]
        if self.label is not None:
            filters["label"] = ["=".join(p for p in self.label if p is not None)]
        return filters


@dataclass(frozen=True)
class EventWindow:
    since: datetime | None = None
    until: datetime | None = None  # None: now (and the page follows live)

    @classmethod
    def from_query(cls, query: Mapping[str, str], zone: tzinfo = UTC) -> EventWindow:
        """A naive Since/Until is read in `zone`: the viewer's."""
        window = cls(parse_time(query.get("since"), zone=zone), parse_time(query.get("until"), zone=zone))
        if window.since and window.until and window.until < window.since:
            raise ValueError(_("Until is before Since."))
        return window


def now_engine_time() -> str:
    """Now as the engine reads `until`, to the nanosecond: a whole second ahead would make the
    engine wait for it (up to 1 s on every overview)."""
    nanos = time.time_ns()
    return f"{nanos // 10**9}.{nanos % 10**9:09d}"


def after(moment: str) -> str:
    """The engine time one nanosecond after `moment`: the next read's `since` (it is inclusive)."""
    nanos = _nanos(moment) + 1
    return f"{nanos // 10**9}.{nanos % 10**9:09d}"


def engine_since(text: str) -> str:
    """A socket's `since`, an engine time the page handed it; ValueError for anything else."""
    if not _ENGINE_TIME.fullmatch(text or ""):
        raise ValueError(_("since must be an engine time (seconds.nanoseconds)."))
    return text


def _bounds(window: EventWindow, until: str | None) -> tuple[str | None, str]:
    """`since` and `until` for the engine: an until in the future is now (a bounded read), and a
    since after it is it. The engine refuses a since after the until (400), and docker-py's
    events() hides a refusal as an empty stream (CancellableStream takes its HTTPError, an
    OSError, for the end): the page would say "no events" for a window that was never read."""
    now = until or now_engine_time()
    if window.until is not None and _nanos(engine_time(window.until)) < _nanos(now):
        now = engine_time(window.until)
    since = engine_time(window.since) if window.since else None
    if since and _nanos(since) > _nanos(now):
        since = now
    return since, now


def _nanos(moment: str) -> int:
    seconds, _, fraction = moment.partition(".")
    return int(seconds) * 10**9 + int(fraction.ljust(9, "0")[:9])


# ---------------------------------------------------------------- bounded reads


@translate_errors
def read_raw_events(
    filters: EventFilters = EventFilters(),
    window: EventWindow = EventWindow(),
    until: str | None = None,
    since: str = "",
) -> list[dict]:
    """The engine's kept events in the window (oldest first) that pass the filters. `until`:
    the engine time the caller read as now; `since`: an engine time instead of the window's."""
    engine_since_, engine_until = _bounds(window, until)
    stream = get_client().api.events(
        since=since or engine_since_, until=engine_until, filters=filters.engine_filters() or None, decode=True
    )
    return [raw for raw in stream if filters.matches(raw)]


def read_events(
    filters: EventFilters = EventFilters(), window: EventWindow = EventWindow(), until: str | None = None
) -> list[EngineEvent]:
    """As read_raw_events, newest first, as the pages show them."""
    return [EngineEvent.of(raw) for raw in reversed(read_raw_events(filters, window, until))]


async def event_lines(filters: EventFilters, window: EventWindow) -> AsyncIterator[str]:
    """The download: each event as the engine sent it, one JSON object a line (`docker events
    --format '{{json .}}'`), streamed through a pump that holds the engine back while the
    client is slow; an error ends it with a line of its own, `{"berth_error": ...}`."""
    pump = Pump(asyncio.get_running_loop(), maxsize=64, drop=False, name="events-download")
    pump.start(lambda p: _download(p, filters, window))
    try:
        while (item := await pump.get()) is not EOF:
            if isinstance(item, StreamError):
                yield json.dumps({"berth_error": item.message}) + "\n"
                return
            yield item
    finally:
        await pump.stop_and_join()


def _download(pump: Pump, filters: EventFilters, window: EventWindow) -> None:
    since, until = _bounds(window, None)
    api = get_client().api
    stream = translate(
        lambda: api.events(since=since, until=until, filters=filters.engine_filters() or None, decode=True)
    )
    pump.on_stop(stream.close)
    try:
        for raw in stream:
            if filters.matches(raw):
                pump.offer(json.dumps(raw, separators=(",", ":")) + "\n")
    finally:
        stream.close()


# ---------------------------------------------------------------- the live source
#
# live_events() is the live page's only source of events: a subscription to the process-wide
# events hub (containers/streams/events.py: one `/events` per engine, shared by every socket).
# Entered, it has subscribed and the hub's stream is open (nothing after that moment is missed);
# iterated, it gives the engine's event dicts as they come, unfiltered (the consumer applies
# EventFilters.matches itself); it ends with an EngineError when the engine goes away.

LIVE_QUEUE = 1024  # events waiting for a slow socket; beyond, they are skipped (and counted)


class LiveEvents:
    """The async iterator live_events() gives; `skipped` counts events a full queue dropped."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()
        self.loop = asyncio.get_running_loop()
        self.skipped = 0

    def hear(self, kind: str, event: dict | None) -> None:
        """The hub's callback, in the hub's thread: hand the event to the loop, never block."""
        self.loop.call_soon_threadsafe(self._put, kind, event)

    def _put(self, kind: str, event: dict | None) -> None:
        if kind == "event" and self.queue.qsize() >= LIVE_QUEUE:
            self.skipped += 1
        else:
            self.queue.put_nowait((kind, event))

    def __aiter__(self) -> LiveEvents:
        return self

    async def __anext__(self) -> dict:
        while True:
            kind, event = await self.queue.get()
            if kind == "event":
                return event
            if kind == "lost":
                raise EngineError(_("The engine's events stream ended."))

    async def opened(self) -> None:
        """Until the hub's stream is open ("live"); "lost" first is an EngineError."""
        kind, _event = await self.queue.get()  # the hub says "live" or "lost" before any event
        if kind == "lost":
            raise EngineError(_("The engine's events stream ended."))


@contextlib.asynccontextmanager
async def live_events(filters: EventFilters) -> AsyncIterator[LiveEvents]:
    live = LiveEvents()
    subscription = hub_events.subscribe(live.hear, filters.hub_filters())
    try:
        await live.opened()
        yield live
    finally:
        hub_events.unsubscribe(subscription)
