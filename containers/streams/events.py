"""The events hub: at most one `GET /events` per engine per Berth process, shared (issue 13).

Every socket, page or thread that follows the engine subscribes here; the hub opens the engine's
stream when the first subscriber comes and closes it when the last leaves. A stream that ends, or
an engine that stops answering its ping while the stream is quiet, is opened again with growing,
jittered pauses; each subscriber hears "lost" once, and "live" when the stream is open again:
then whatever it shows must be listed afresh, since the events in between are gone.

Public API (also containers/README.md):

    sub = events.subscribe(callback, filters={"type": ["container"], "container": [id]})
    ...
    events.unsubscribe(sub)

callback(kind, event) runs in the hub's thread and must not block: kind is "event" (event is the
engine's decoded JSON object), "live" (the stream is open: right after subscribe() when it already
is, and after every reconnect: re-list now) or "lost" (the engine went away; event is None). An
async consumer hands it on with loop.call_soon_threadsafe. `filters` keeps only the events whose
Type, Action, or Actor's ID or name (key "container", "image", "volume", "network") is among the
values given; no filters: every event.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable

from containers.streams import sockets
from dashboard.engine import EngineError, EngineUnavailable, docker_host, get_client

log = logging.getLogger(__name__)

FIRST_PAUSE = 0.25  # between reconnects: doubled after each, up to MAX_PAUSE
MAX_PAUSE = 5.0
IDLE_SECONDS = 15.0  # a stream quiet that long pings the engine: a hung engine says nothing either

Callback = Callable[[str, dict | None], None]


class Subscription:
    def __init__(self, callback: Callback, filters: dict | None):
        self.callback = callback
        self.filters = {key: set(values) for key, values in (filters or {}).items()}

    def wants(self, event: dict) -> bool:
        for key, values in self.filters.items():
            if key == "type":
                found = event.get("Type")
            elif key in ("event", "action"):
                # "health_status: healthy" is asked for as health_status; "exec_start: sh" as exec_start
                found = (event.get("Action") or "").split(":", 1)[0]
            else:
                actor = event.get("Actor") or {}
                if event.get("Type") != key:
                    return False
                if actor.get("ID") in values or (actor.get("Attributes") or {}).get("name") in values:
                    continue
                found = None
            if found not in values:
                return False
        return True

    def tell(self, kind: str, event: dict | None = None) -> None:
        try:
            self.callback(kind, event)
        except Exception:
            log.exception("an events subscriber failed")


class Hub:
    """One engine's shared stream and its subscribers; its reader runs in a thread of its own."""

    def __init__(self, address: str):
        self.address = address
        self.lock = threading.RLock()  # a callback may unsubscribe
        self.subscribers: list[Subscription] = []
        self.stream: sockets.EventStream | None = None
        self.thread: threading.Thread | None = None
        self.live = False
        self.opened = 0  # streams opened so far (tests, diagnostics)
        self.wake = threading.Event()

    def subscribe(self, subscription: Subscription) -> None:
        with self.lock:
            self.subscribers.append(subscription)
            if self.thread is None:
                self.wake.clear()
                self.thread = threading.Thread(target=self._run, name=f"berth-events {self.address}", daemon=True)
                self.thread.start()
            elif self.live:
                subscription.tell("live")

    def unsubscribe(self, subscription: Subscription) -> None:
        with self.lock:
            if subscription in self.subscribers:
                self.subscribers.remove(subscription)
            if not self.subscribers and self.thread is not None:
                self.thread = None  # the reader sees it and ends; a new subscriber starts a new one
                self.live = False
                self.wake.set()
                if self.stream is not None:
                    self.stream.close()
                    self.stream = None

    def _tell(self, kind: str, event: dict | None = None) -> None:
        with self.lock:
            subscribers = list(self.subscribers)
        for subscription in subscribers:
            if kind != "event" or subscription.wants(event):
                subscription.tell(kind, event)

    def _mine(self) -> bool:
        return self.thread is threading.current_thread()

    def _run(self) -> None:
        pause = FIRST_PAUSE
        lost = False
        while self._mine():
            try:
                stream = sockets.EventStream({}, IDLE_SECONDS)
            except (EngineUnavailable, EngineError) as e:
                log.info("events of %s: %s", self.address, e)
            else:
                with self.lock:
                    if not self._mine():
                        stream.close()
                        return
                    self.stream, self.live, self.opened = stream, True, self.opened + 1
                self._tell("live")
                pause, lost = FIRST_PAUSE, False
                self._read(stream)
                with self.lock:
                    if not self._mine():
                        return
                    self.stream, self.live = None, False
            if not lost:  # said once per outage
                lost = True
                self._tell("lost")
            if self.wake.wait(pause * random.uniform(0.5, 1)):
                return
            pause = min(pause * 2, MAX_PAUSE)

    def _read(self, stream: sockets.EventStream) -> None:
        """Hand every event on until the stream ends or the engine stops answering."""
        while True:
            line = stream.next_line()
            if line is None:  # quiet: is the engine still there?
                if self._answers():
                    continue
                stream.close()
                return
            if not line:
                stream.close()
                return
            try:
                event = json.loads(line)
            except ValueError:
                log.warning("events of %s: not JSON: %r", self.address, line[:200])
                continue
            self._tell("event", event)

    def _answers(self) -> bool:
        try:
            return bool(get_client().ping())
        except Exception:  # noqa: BLE001 - any failure: the engine is not answering
            return False


def event_key(event: dict) -> tuple:
    """What tells two events apart: a read of the engine's event log and the stream may both carry one."""
    return (event.get("timeNano"), event.get("Type"), event.get("Action"), (event.get("Actor") or {}).get("ID"))


_hubs: dict[str, Hub] = {}
_hubs_lock = threading.Lock()


def hub(address: str | None = None) -> Hub:
    """The hub of the engine at `address` (the current DOCKER_HOST by default)."""
    address = address or docker_host()
    with _hubs_lock:
        if address not in _hubs:
            _hubs[address] = Hub(address)
        return _hubs[address]


def subscribe(callback: Callback, filters: dict | None = None) -> Subscription:
    subscription = Subscription(callback, filters)
    subscription.hub = hub()
    subscription.hub.subscribe(subscription)
    return subscription


def unsubscribe(subscription: Subscription) -> None:
    subscription.hub.unsubscribe(subscription)
