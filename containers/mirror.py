"""The engine's container list, kept by its events, for the /containers/ page (issue 13).

Listing 1,000 containers costs the engine about 90 ms a page view, more than Berth's own work on
it (about 20 ms): the page reads this mirror instead, when it can prove the mirror is current.

- One mirror per engine per process, made by the first page view that asks (which, like every
  view until the mirror is ready, lists the engine itself), closed after IDLE_SECONDS unread.
- It subscribes to the events hub first, then lists everything when the hub says "live" (first,
  and after every reconnect: events were missed) and inspects each container whose Status
  names a time, since the list gives "Up 5 minutes" and not when it started. It is not read
  from until that list is in, nor after the hub says "lost".
- Each event that can change a container's list entry lists that container again (one filtered
  list call, and one inspect when it runs or has run); an image event (a tag moved, an image
  removed) can change the Image column of many: the whole list again, keeping the times.
- A read is served only when no event heard is still being applied and the engine's own event
  log (`GET /events` from the last event heard up to now: about 1 ms, the engine keeps its
  last 256) holds nothing newer: otherwise the view lists the engine itself. So a change made
  behind Berth's back (the CLI, another Berth) shows on the next view even when its event is
  still on its way here. Only engines on this machine's unix socket: that question reads
  the engine's clock as this process's.
- The Status text is the engine's own, with its time recomputed for now as the engine does it
  (moby's State.String() with go-units' HumanDuration); each entry checks that against the
  engine's text when it is listed, and one that does not match is never served.
"""

from __future__ import annotations

import calendar
import logging
import re
import threading
import time
from dataclasses import dataclass

from containers.live_rows import LAG_PAUSE, ROW_ACTIONS, Lagging, expectation, settled_container
from containers.streams import events
from dashboard.engine import docker_host, get_client

log = logging.getLogger(__name__)

IDLE_SECONDS = 60.0  # unread that long: unsubscribe and forget (the next view lists, and starts one)
RETRY_PAUSE = 1.0  # after an engine error in the mirror's own work
# The engine stamps an event, then takes its log's lock to publish it: two stamped at once may be
# published, and heard, in the other order (seen under a parallel test run: a die heard after a
# later event of another container). A read asks the engine's log from this far before the
# latest event heard, for events not heard.
OUT_OF_ORDER = 2 * 10**9  # nanoseconds
IMAGE_ACTIONS = {"tag", "untag", "delete", "import", "load", "pull"}  # may change a container's Image


def relevant(event: dict) -> bool:
    action = (event.get("Action") or "").split(":", 1)[0]
    if event.get("Type") == "container":
        return action in ROW_ACTIONS
    return event.get("Type") == "image" and action in IMAGE_ACTIONS


# ---------------------------------------------------------------- the Status text, as the engine writes it

_UP = re.compile(r"Up (?P<time>.+?)(?P<rest> \((?:Paused|healthy|unhealthy|health: starting)\))?")
_AGO = re.compile(r"(?P<what>Restarting|Exited) \((?P<code>-?\d+)\) (?P<time>.+) ago")


def human_duration(nanoseconds: int) -> str:
    """go-units' HumanDuration (v0.4.0, as moby 20.10 vendors it), for a duration in nanoseconds."""
    seconds = int(nanoseconds / 1e9)  # Go's int() of a float truncates toward zero, as Python's does
    if seconds < 1:
        return "Less than a second"  # not UI: the engine's own words, matched against its Status
    if seconds == 1:
        return "1 second"
    if seconds < 60:
        return f"{seconds} seconds"
    minutes = int(nanoseconds / 6e10)
    if minutes == 1:
        return "About a minute"  # not UI: the engine's own words
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(nanoseconds / 3.6e12 + 0.5)
    if hours == 1:
        return "About an hour"  # not UI: the engine's own words
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(nanoseconds / 3.6e12) // 24 // 365} years"


def status_at(status: str, started: int | None, finished: int | None, now: int) -> str | None:
    """The engine's Status text as it would read at `now` (nanoseconds since the epoch); None
    when it names a time this entry does not know."""
    if match := _UP.fullmatch(status):
        return f"Up {human_duration(now - started)}{match['rest'] or ''}" if started else None
    if match := _AGO.fullmatch(status):
        return f"{match['what']} ({match['code']}) {human_duration(now - finished)} ago" if finished else None
    return status  # Created, Dead, Removal In Progress: no time in it


_RFC3339 = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z")


def nanoseconds(rfc3339: str) -> int | None:
    """The engine's RFC 3339 UTC time in nanoseconds since the epoch; None for its zero time."""
    match = _RFC3339.fullmatch(rfc3339 or "")
    if not match or rfc3339.startswith("0001-"):
        return None
    seconds = calendar.timegm(time.strptime(match[1], "%Y-%m-%dT%H:%M:%S"))
    return seconds * 10**9 + int((match[2] or "0").ljust(9, "0")[:9])


@dataclass
class Entry:
    raw: dict  # the engine's list entry
    started: int | None = None  # State.StartedAt, FinishedAt in nanoseconds (only when Status names them)
    finished: int | None = None
    good: bool = True  # its Status, recomputed, matched the engine's when listed

    def now(self, now: int) -> dict | None:
        status = status_at(self.raw.get("Status", ""), self.started, self.finished, now)
        return None if status is None or not self.good else {**self.raw, "Status": status}


def timed_entry(raw: dict, listed_from: int, listed_to: int, known: Entry | None = None) -> Entry:
    """The entry of a container as listed between two moments, with the times its Status needs
    (an inspect, unless `known` has them for the same state) and checked against the engine's."""
    status = raw.get("Status", "")
    entry = Entry(raw)
    if status_at(status, None, None, 0) is not None:
        return entry  # no time in it
    if known is not None and known.raw.get("State") == raw.get("State") and known.good:
        entry.started, entry.finished = known.started, known.finished
    else:
        state = get_client().api.inspect_container(raw["Id"])["State"]
        entry.started, entry.finished = nanoseconds(state.get("StartedAt")), nanoseconds(state.get("FinishedAt"))
    entry.good = status in (status_at(status, entry.started, entry.finished, t) for t in (listed_from, listed_to))
    if not entry.good:
        log.info("container mirror: cannot say %r as the engine does; listing it each time", status)
    return entry


# ---------------------------------------------------------------- the mirror


class Mirror:
    def __init__(self, address: str):
        self.address = address
        self.lock = threading.Lock()
        self.entries: dict[str, Entry] = {}
        self.ready = False  # listed since the hub last said "live"
        self.relist_wanted = False
        self.pending: dict[str, object] = {}  # container id: what its latest event expects of its entry
        self.busy = False  # applying what was taken from `pending`
        self.recent: dict[tuple, int] = {}  # the events heard lately (event_key: timeNano)
        self.heard_until = 0  # the latest timeNano heard
        self.listed_at = 0  # when the last whole list began: every event before it is in it
        self.epoch = 0  # counts the hub's "live" and "lost": a list begun before one is not ready
        self.lagging = Lagging()  # entries that do not show their event yet: asked again, not served
        self.read_at = time.monotonic()
        self.served = 0  # reads answered from the mirror (tests, diagnostics)
        self.closed = self.gone = False
        self.wake = threading.Event()
        self.subscription = events.subscribe(self.heard, {"type": ["container", "image"]})  # may say "live" at once
        threading.Thread(target=self.run, name=f"berth-mirror {address}", daemon=True).start()

    # -- the hub's thread: note, never block

    def heard(self, kind: str, event: dict | None) -> None:
        with self.lock:
            if docker_host() != self.address:  # Berth was pointed elsewhere (tests): the hub reads that engine now
                self.gone, self.ready = True, False
            elif kind in ("live", "lost"):
                self.ready, self.relist_wanted = False, kind == "live"
                self.epoch += 1
                if kind == "lost":
                    self.pending.clear()
            else:
                self.note_heard(event)
                if relevant(event):
                    self.note_change(event)
        self.wake.set()

    def note_change(self, event: dict) -> None:
        if event.get("Type") == "image":
            self.relist_wanted = True
            return
        container_id = (event.get("Actor") or {}).get("ID") or event.get("id")
        self.pending.pop(container_id, None)  # its latest event last
        self.pending[container_id] = expectation(event)

    # -- its own thread: list, apply, close when unread

    def run(self) -> None:
        while not self.closed:
            woken = self.wake.wait(IDLE_SECONDS / 4)
            self.wake.clear()
            if self.closed:  # close() wakes it: nothing more to ask the engine
                return
            if (
                self.gone
                or docker_host() != self.address
                or not woken
                and time.monotonic() - self.read_at > IDLE_SECONDS
            ):
                self.close()
                return
            try:
                self.catch_up()
            except Exception as e:  # noqa: BLE001 - an engine error: not served until listed again
                log.info("container mirror of %s: %s", self.address, e)
                with self.lock:
                    self.ready, self.relist_wanted = False, True
                time.sleep(RETRY_PAUSE)
                self.wake.set()

    def catch_up(self) -> None:
        while True:
            # Events heard before a full list are applied after it too: pause and die are logged
            # before the engine's list shows them (live_rows.SETTLE_TRIES), so the list may not.
            with self.lock:
                if not (self.relist_wanted or self.pending):
                    return
                self.busy = True
                whole, self.relist_wanted = self.relist_wanted, False
                container_id = next(iter(self.pending)) if not whole else None
                expect = self.pending.pop(container_id) if not whole else None
            try:
                if whole:
                    self.relist()
                else:
                    self.relist_one(container_id, expect)
            finally:
                with self.lock:
                    self.busy = False

    def note_heard(self, event: dict) -> None:
        moment = int(event.get("timeNano") or 0)
        self.recent[events.event_key(event)] = moment
        self.heard_until = max(self.heard_until, moment)
        if len(self.recent) > 1000:  # keep what a read's question can still name
            self.recent = {key: t for key, t in self.recent.items() if t > self.heard_until - 2 * OUT_OF_ORDER}

    def relist(self) -> None:
        with self.lock:
            epoch = self.epoch
            known = dict(self.entries) if self.ready else {}  # after a loss, nothing is known
        began = time.time_ns()
        raws = get_client().api.containers(all=True)
        ended = time.time_ns()
        entries = {raw["Id"]: timed_entry(raw, began, ended, known.get(raw["Id"])) for raw in raws}
        with self.lock:
            self.entries = entries
            self.listed_at = began
            self.ready = epoch == self.epoch and not self.relist_wanted

    def relist_one(self, container_id: str, expect) -> None:
        began = time.time_ns()
        raw = settled_container(container_id, expect)
        if self.lagging.ask_again(container_id, expect(raw)):
            with self.lock:
                self.pending.setdefault(container_id, expect)  # not served meanwhile; a newer event stays
            time.sleep(LAG_PAUSE)
            return
        entry = timed_entry(raw, began, time.time_ns()) if raw is not None else None
        with self.lock:
            if entry is None:
                self.entries.pop(container_id, None)
            else:
                self.entries[container_id] = entry

    def close(self) -> None:
        self.closed = True
        self.wake.set()
        events.unsubscribe(self.subscription)
        with _mirrors_lock:
            if _mirrors.get(self.address) is self:
                del _mirrors[self.address]

    # -- a page view's thread

    def containers(self) -> list[dict] | None:
        """Every container's list entry as the engine would list it now, or None when that
        cannot be proven (then the view lists the engine)."""
        self.read_at = time.monotonic()
        with self.lock:
            if not self.ready or self.gone or self.pending or self.busy or self.relist_wanted:
                return None
            since = max(self.listed_at, self.heard_until - OUT_OF_ORDER)
            heard, entries = set(self.recent), list(self.entries.values())
        if unheard_events(since, heard):
            self.wake.set()
            return None
        now = time.time_ns()
        raws = [entry.now(now) for entry in entries]
        if None in raws:
            return None
        self.served += 1
        return raws


def unheard_events(since: int, heard: set[tuple]) -> bool:
    """Has the engine logged an event after `since` (nanoseconds) that changes the list and is
    not among those `heard`?"""
    now = time.time_ns()  # in the past when the engine reads it: it sends its log and ends at once
    logged = get_client().api.events(
        since=f"{since // 10**9}.{since % 10**9:09d}",  # as text: docker-py would cut a number to seconds
        until=f"{now // 10**9}.{now % 10**9:09d}",
        filters={"type": ["container", "image"]},
        decode=True,
    )
    return any(
        int(event.get("timeNano") or 0) > since and relevant(event) and events.event_key(event) not in heard
        for event in logged
    )


_mirrors: dict[str, Mirror] = {}
_mirrors_lock = threading.Lock()


def close_all() -> None:
    """Close every mirror (tests that need the events hub to themselves, or another engine)."""
    with _mirrors_lock:
        mirrors = list(_mirrors.values())
    for mirror in mirrors:
        mirror.close()


def listed_containers() -> list[dict] | None:
    """The current engine's container list from its mirror (starting one), or None: list it."""
    address = docker_host()
    if not address.startswith("unix://"):
        return None
    with _mirrors_lock:
        mirror = _mirrors.get(address)
        if mirror is None:
            _mirrors[address] = Mirror(address)
            return None
    return mirror.containers()
