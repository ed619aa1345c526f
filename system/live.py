"""The overview at `/`, live (issue 13, part 4): its counts and its latest events follow the
engine over the shared events stream (containers/streams/events.py), as the list pages do.

Protocol of `/ws/overview/[?catchup=1]` (server -> browser only; the browser sends nothing):
- {"type": "state", "state": "live"} once the hub's stream is open, and again after it was lost
  and reopened; {"type": "state", "state": "unavailable"} while the engine is lost.
- {"type": "parts", "html": {DOM id: html}}: the overview's own partials
  (system/overview.html#overview-counts, #overview-events) to put in place of the elements of
  those ids; each time a batch of events has changed them, and both after every (re)list (before
  "live"), since the page may show older ones.

The counts are a tally made by one relist (every container's state, every image, volume and
network: system/services.tally), then kept by events: an event re-asks only the object it names
(one filtered list call for a container, one inspect otherwise), and the whole tally is listed
again after every reconnect, so that nothing missed meanwhile stays wrong. The events block is
the page's first read (the last 10 minutes, at most 20), then every event the hub brings.

Refusals as every Berth socket: accepted, then closed with 4401 (not logged in) or 4403 (another
origin); every role may watch (viewer). An open socket ends with its session (accounts/session_watch).
"""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime, timedelta

from django.template.loader import render_to_string

from containers.live_consumers import LiveConsumer
from containers.live_rows import Expectation, settled_container
from system import services
from system.events import EngineEvent

TEMPLATE = "system/overview.html"
# The actions that change a count; the others (exec_*, attach, mount, connect...) only go to
# the events block.
COUNTED = {
    # kill and oom are followed by die when they stop it: no question of their own
    "container": {"create", "start", "restart", "die", "stop", "pause", "unpause", "destroy"},
    "image": {"pull", "tag", "untag", "delete", "load", "import"},
    "volume": {"create", "destroy"},
    "network": {"create", "destroy"},
}


class OverviewPage:
    def __init__(self, params: dict, user, csrf_secret: str = ""):
        self.tally: services.Tally | None = None
        self.counted: services.Counts | None = None
        self.events: list[EngineEvent] = []  # newest first, as the block shows them
        self.heard: deque[dict] = deque()  # appended on the loop, taken in settled() (a thread)
        self.events_stale = True

    def key_of(self, event: dict) -> str:
        self.heard.append(event)
        kind, action = event.get("Type", ""), (event.get("Action") or "").split(":", 1)[0]
        if action not in COUNTED.get(kind, ()):
            return ""
        return f"{kind}:{(event.get('Actor') or {}).get('ID', '')}"

    def relist(self, whole: bool) -> list[dict]:
        self.tally = services.tally()
        self.events = services.recent_events()
        self.counted, self.events_stale = None, True
        return []  # settled() sends both blocks

    def changed(self, key: str, expect: Expectation | None = None) -> list[dict]:
        kind, _, reference = key.partition(":")
        if self.tally is None or not reference:
            return []
        if kind == "container":
            raw = settled_container(reference, expect)
            if raw is None:
                self.tally.containers.pop(reference, None)
            else:
                self.tally.containers[reference] = raw.get("State", "")
            return []
        found = services.object_key(kind, reference)
        keys = getattr(self.tally, kind + "s")
        if found is None:
            keys.discard(reference)
        else:
            keys.add(found)
        return []

    def settled(self) -> list[dict]:
        parts = {}
        counts = self.tally.counts() if self.tally is not None else None
        if counts is not None and counts != self.counted:
            self.counted = counts
            context = {"overview": services.Overview(None, counts), "live": True}
            parts["overview-counts"] = render_to_string(f"{TEMPLATE}#overview-counts", context)
        if self.take_heard() or self.events_stale:
            self.events_stale = False
            context = {"events": self.events, "event_minutes": services.EVENT_MINUTES}
            parts["overview-events"] = render_to_string(f"{TEMPLATE}#overview-events", context)
        return [{"type": "parts", "html": parts}] if parts else []

    def take_heard(self) -> bool:
        """The events heard since the last block into it (those the first read has already
        shown once), then only the last EVENT_MINUTES and EVENT_LIMIT; whether any came."""
        came = False
        while self.heard:
            event = EngineEvent.of(self.heard.popleft())
            if event not in self.events:
                self.events.insert(0, event)
                came = True
        oldest = datetime.now(UTC) - timedelta(minutes=services.EVENT_MINUTES)
        self.events = [event for event in self.events if event.at >= oldest][: services.EVENT_LIMIT]
        return came


class OverviewConsumer(LiveConsumer):
    """/ws/overview/: the overview's counts and latest events."""

    def make_page(self, params: dict, csrf_secret: str) -> OverviewPage:
        return OverviewPage(params, self.scope["user"], csrf_secret)

    def filters(self) -> dict:
        return {}  # every event goes into the latest events
