"""The rows of one open /containers/ page, kept up to date from the engine's events (issue 13).

A LivePage holds the engine's dicts of the containers on the page the browser shows (its
filters, sort and page, from the page's own query string) and turns an event about one
container into what the browser must change: its row as the page renders it
("containers/list.html#container-row"), a row to remove, or a count of new containers that
belong on another page ("N new containers — show"). Only the named container is asked for (one
filtered list call: services.listed_container); the whole list only after the events stream was
lost (relist), since events missed meanwhile are gone.

The page's counts of the engine (its "N of M containers" and the bulk buttons' totals) follow
the same events (Counted): the relist's answer, kept per container id, and the one container
each event names.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.context_processors import RoleFlags
from containers import services
from containers.action_forms import ListFilterForm

log = logging.getLogger(__name__)

PER_PAGE = 100  # as services.query_containers pages the list
# The engine says some events (pause, die) before its list shows them: moby's pause.go logs the
# event, then checkpoints the container into the view that GET /containers/json reads. A list
# that does not show what the event says yet is asked again, a few times.
SETTLE_TRIES = 5
SETTLE_PAUSE = 0.01
# Under load a die was seen to take longer than that (tests/containers/test_mirror.py, a parallel
# run): an entry that still lags is asked for again every LAG_PAUSE, for up to LAG_SECONDS.
LAG_PAUSE = 0.1
LAG_SECONDS = 5.0

# The container events that change its list entry (the live rows' and the mirror's); the rest
# (exec_*, attach, detach, top, resize, copy, export, commit's own, kill before its die) do not.
ROW_ACTIONS = [
    "create",
    "start",
    "restart",
    "die",
    "stop",
    "pause",
    "unpause",
    "rename",
    "destroy",
    "health_status",
    "update",
    "oom",
]

Expectation = Callable[[dict | None], bool]


def expectation(event: dict) -> Expectation:
    """What the container's list entry shows once it has taken the event in."""
    action = (event.get("Action") or "").split(":", 1)[0]
    attributes = (event.get("Actor") or {}).get("Attributes") or {}
    if action == "destroy":
        return lambda raw: raw is None
    if action in ("start", "restart", "unpause"):
        return lambda raw: raw is not None and raw.get("State") == "running"
    if action == "pause":
        return lambda raw: raw is not None and raw.get("State") == "paused"
    if action in ("die", "stop", "oom"):
        return lambda raw: raw is not None and raw.get("State") not in ("running", "paused")
    if action == "rename" and attributes.get("name"):
        return lambda raw: raw is not None and services.container_name(raw) == attributes["name"]
    if action == "health_status":
        health = (event.get("Action") or "").partition(": ")[2]
        return lambda raw: raw is not None and services.parse_health(raw.get("Status", "")) == health
    return lambda raw: True


class Counted:
    """A live page's counts (how many rows, how many in the engine): an events-fed tally, made
    afresh by every relist, pushed as a "parts" frame (the page's own partials, by DOM id) once a
    batch of changes has changed them; after a relist always, since the page may show older ones."""

    counted: tuple | None = None  # None: send every part (a relist)
    sent_parts: dict[str, str] = {}  # replaced, never changed in place

    def count_values(self) -> tuple:
        raise NotImplementedError

    def count_parts(self) -> dict[str, str]:
        """{DOM id: its partial as the page renders it} for the counts now."""
        raise NotImplementedError

    def settled(self) -> list[dict]:
        values = self.count_values()
        if values == self.counted:
            return []
        sent = self.sent_parts if self.counted is not None else {}
        self.counted = values
        parts = {key: html for key, html in self.count_parts().items() if sent.get(key) != html}
        self.sent_parts = {**sent, **parts}  # only what changed goes: a start moves the buttons, not "N of M"
        return [{"type": "parts", "html": parts}] if parts else []


class LivePage(Counted):
    def __init__(self, params: dict, user, csrf_secret: str = ""):
        form = ListFilterForm(params)
        self.query = form.cleaned_data if form.is_valid() else ListFilterForm.defaults()
        self.params = params
        self.user = user
        self.csrf_secret = csrf_secret
        self.key = services.sort_key(self.query["sort"])
        self.rows: list[dict] = []
        self.page = self.pages = 1
        self.new: set[str] = set()
        self.roles = RoleFlags(user)
        self.containers_url = reverse("containers:list")
        self.tally: dict[str, tuple[bool, bool]] = {}  # every container: (active, selected by the filters)
        self.lagging = Lagging()
        self.ask_again: set[str] = set()  # the containers to ask about again (the consumer takes them)

    # -- the whole page: when the socket opens, and after the events stream was lost

    def relist(self, whole: bool) -> list[dict]:
        """List the page afresh; with `whole`, the frame of the whole table."""
        q = self.query
        raws = services.list_raw_containers(all=True)
        matching, self.rows, self.page, self.pages = services.paged_raws(
            raws, q["all"], q["search"], q["state"], q["health"], q["sort"], q["descending"], q["page"], PER_PAGE
        )
        selected = {raw["Id"] for raw in matching}
        self.tally = {raw["Id"]: (raw.get("State") in services.ACTIVE_STATES, raw["Id"] in selected) for raw in raws}
        self.new = set()
        self.counted = None
        return [{"type": "table", "html": self.table()}] if whole else []

    def table(self) -> str:
        """The whole table as the page renders it (views.container_list, its #container-table),
        for a page that may have missed events (woken from sleep, or the stream was lost)."""
        # Imported here: views imports services, which this module needs first; and it is the
        # list view's own context, not a copy of it.
        from containers.views import _list_context

        request = page_request(self.user, self.containers_url, self.params, self.csrf_secret)
        return render_to_string("containers/list.html#container-table", _list_context(request), request=request)

    # -- one container

    def changed(self, container_id: str, expect: Expectation | None = None) -> list[dict]:
        """The frames that bring the page up to date with this container (asked for now)."""
        raw = settled_container(container_id, expect)
        if self.lagging.ask_again(container_id, expect is None or expect(raw)):
            self.ask_again.add(container_id)  # the consumer asks again shortly; this shows it as it is now
        chosen = raw is not None and services.selected(raw, **self.query)
        if raw is None:
            self.tally.pop(container_id, None)
        else:
            self.tally[container_id] = (raw.get("State") in services.ACTIVE_STATES, chosen)
        index = next((i for i, row in enumerate(self.rows) if row["Id"] == container_id), None)
        if not chosen:
            if index is not None:
                del self.rows[index]
                return [{"type": "remove", "id": container_id}]
            if container_id in self.new:
                self.new.discard(container_id)
                return [{"type": "new", "count": len(self.new)}]
            return []
        frames = []
        if index is not None:
            self.rows[index] = raw  # stays where it is shown: a row that jumps away is lost to the eye
        else:
            index = self._place(raw)
            if index is None:
                if container_id in self.new:
                    return []
                self.new.add(container_id)
                return [{"type": "new", "count": len(self.new)}]
            self.rows.insert(index, raw)
            if len(self.rows) > PER_PAGE:  # the last one moves on to the next page, as a reload would show
                frames.append({"type": "remove", "id": self.rows.pop()["Id"]})
        before = self.rows[index + 1]["Id"] if index + 1 < len(self.rows) else None
        frames.insert(0, {"type": "row", "id": container_id, "before": before, "html": self.row(raw)})
        return frames

    def count_values(self) -> tuple:
        tally = self.tally.values()
        return (
            len(self.tally),
            sum(active for active, _ in tally),
            sum(chosen for _, chosen in tally),
            sum(active and chosen for active, chosen in tally),
        )

    def count_parts(self) -> dict[str, str]:
        from containers.views import pager_urls  # here, as in table()

        everything, active, matching, matching_active = self.count_values()
        total = everything if self.query["all"] else active
        pages = max(1, -(-matching // PER_PAGE))  # as services.paged_raws counts them
        page = services.ContainerPage(
            [], total, matching, min(self.page, pages), pages, everything, active, matching_active
        )
        context = {"page": page, "query": self.query, "perms_role": self.roles, **pager_urls(self.query, page)}
        parts = {
            "container-count": render_to_string("containers/list.html#container-count", context),
            "container-pager": render_to_string("containers/list.html#container-pager", context),
        }
        if self.roles.operator:  # its forms post: the browser's CSRF secret, as in table()
            request = page_request(self.user, self.containers_url, self.params, self.csrf_secret)
            parts["container-bulk-all"] = render_to_string(
                "containers/list.html#container-bulk-all", context, request=request
            )
        return parts

    def _place(self, raw: dict) -> int | None:
        keys = [self.key(row) for row in self.rows]
        return place(keys, self.key(raw), self.query["descending"], self.page, self.pages, PER_PAGE)

    def row(self, raw: dict) -> str:
        context = {
            "container": services.summarize(raw),
            "containers_url": self.containers_url,
            "perms_role": self.roles,
        }
        return render_to_string("containers/list.html#container-row", context)


class Lagging:
    """The containers whose list entry does not show what their event said yet, and since when."""

    def __init__(self):
        self.since: dict[str, float] = {}

    def ask_again(self, container_id: str, settled: bool) -> bool:
        """True while its entry lags, for up to LAG_SECONDS (then it is taken as listed)."""
        if settled:
            self.since.pop(container_id, None)
            return False
        first = self.since.setdefault(container_id, time.monotonic())
        if time.monotonic() - first <= LAG_SECONDS:
            return True
        del self.since[container_id]
        log.info("the list never showed what the event of %s said", container_id)
        return False


def settled_container(container_id: str, expect: Expectation | None = None) -> dict | None:
    """The container's list entry (None: gone) once it shows what its event said (see SETTLE_TRIES)."""
    raw = services.listed_container(container_id)
    for _ in range(SETTLE_TRIES if expect else 0):
        if expect(raw):
            break
        time.sleep(SETTLE_PAUSE)
        raw = services.listed_container(container_id)
    return raw


def place(keys: list, key, descending: bool, page: int, pages: int, per_page: int) -> int | None:
    """Where a row new to a page goes among its rows' sort `keys`; None when it sorts onto another page."""
    index = next((i for i, shown in enumerate(keys) if (shown < key if descending else shown > key)), len(keys))
    if index == 0 and page > 1:
        return None  # before the first row of a later page: on an earlier one
    if index == len(keys) and (page < pages or len(keys) >= per_page):
        return None  # after the last row of a full page: on a later one
    return index


def page_request(user, path: str, params: dict, csrf_secret: str) -> HttpRequest:
    """A GET of `path` as the socket's user made it, to render a page's partial as the view does.
    With the browser's own CSRF secret (its cookie), so that the forms in it still post."""
    request = HttpRequest()
    request.method = "GET"
    request.user = user
    request.path = path
    request.GET = request.GET.copy()
    request.GET.update(params)
    if csrf_secret:
        request.META["CSRF_COOKIE"] = csrf_secret
    get_token(request)
    return request
