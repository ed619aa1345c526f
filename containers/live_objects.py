"""The rows of an open /volumes/ or /networks/ page, kept up to date from the engine's events
(issue 13): the containers list's frames (containers/consumers.py) for another kind of object.

An event that names an object asks the engine about it alone (its inspect, and the containers
using it: a list call filtered to it); one that names a container asks about the objects that
container uses, on the page or in the engine's answer (a volume's "Used by", a network's count).
A subclass says what an object is (volumes/live.py, networks/live.py). The page's counts
("N of M volumes") follow the same answers (live_rows.Counted): every object's key and whether the
page's filter shows it, from the relist, then from the one object each event names.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse

from accounts.context_processors import RoleFlags
from containers.live_rows import Counted, page_request, place
from containers.services import listed_container

CONTAINER = "container:"  # a key for a container's event: the objects it uses are asked about


class LiveObjects(Counted):
    list_url_name = ""  # e.g. "volumes:list"
    template = ""  # e.g. "volumes/list.html"
    table = ""  # its table partial, e.g. "volume-table"
    row_partial = ""  # its row partial, e.g. "volume-row"
    object_name = ""  # the row partial's name for its object, e.g. "volume"
    per_page = 10**9  # no paging unless the page has it

    def __init__(self, params: dict, user, csrf_secret: str = ""):
        self.params, self.user, self.csrf_secret = params, user, csrf_secret
        self.rows: list = []
        self.page = self.pages = 1
        self.new: set[str] = set()
        self.roles = RoleFlags(user)
        self.unused_only = params.get("unused") == "1"
        self.tally: dict[str, bool] = {}  # every object's key: whether the page's filter shows it

    # -- what a subclass says

    def list_context(self, request) -> dict:
        raise NotImplementedError

    def summary(self, key: str):
        """The object as the list shows it, or None when it is gone."""
        raise NotImplementedError

    def key(self, obj) -> str:
        raise NotImplementedError

    def shows(self, obj) -> bool:
        raise NotImplementedError

    def sort_key(self, obj):
        raise NotImplementedError

    def used_by(self, raw_container: dict) -> set[str]:
        """The keys of the objects a container (the engine's list entry of it) uses."""
        raise NotImplementedError

    def uses(self, obj, container_id: str) -> bool:
        raise NotImplementedError

    # -- the page

    def key_of(self, event: dict) -> str:
        actor = (event.get("Actor") or {}).get("ID", "")
        return CONTAINER + actor if event.get("Type") == "container" else actor

    def relist(self, whole: bool) -> list[dict]:
        request = page_request(self.user, reverse(self.list_url_name), self.params, self.csrf_secret)
        context = self.list_context(request)
        self.rows = list(context[self.object_name + "s"])
        self.tally = {self.key(obj): self.shows(obj) for obj in context["listed"]}
        self.counted = None
        paginated = context.get("page")
        if paginated is not None:
            self.page, self.pages = paginated.number, paginated.paginator.num_pages
        self.new = set()
        if not whole:
            return []
        html = render_to_string(f"{self.template}#{self.table}", context, request=request)
        return [{"type": "table", "html": html}]

    def changed(self, key: str, expect=None) -> list[dict]:
        if not key.startswith(CONTAINER):
            return self._object(key)
        container_id = key.removeprefix(CONTAINER)
        raw = listed_container(container_id)
        keys = self.used_by(raw) if raw else set()
        keys |= {self.key(obj) for obj in self.rows if self.uses(obj, container_id)}
        return [frame for found in sorted(keys) for frame in self._object(found)]

    def _object(self, key: str) -> list[dict]:
        obj = self.summary(key)
        key = self.key(obj) if obj is not None else key  # an event may name it otherwise (a name for an id)
        index = next((i for i, row in enumerate(self.rows) if self.key(row) == key), None)
        if obj is None:
            self.tally.pop(key, None)
        else:
            self.tally[key] = self.shows(obj)
        if obj is None or not self.shows(obj):
            if index is not None:
                del self.rows[index]
                return [{"type": "remove", "id": key}]
            if key in self.new:
                self.new.discard(key)
                return [{"type": "new", "count": len(self.new)}]
            return []
        frames = []
        if index is not None:
            self.rows[index] = obj
        else:
            keys = [self.sort_key(row) for row in self.rows]
            index = place(keys, self.sort_key(obj), False, self.page, self.pages, self.per_page)
            if index is None:
                if key in self.new:
                    return []
                self.new.add(key)
                return [{"type": "new", "count": len(self.new)}]
            self.rows.insert(index, obj)
            if len(self.rows) > self.per_page:
                frames.append({"type": "remove", "id": self.key(self.rows.pop())})
        before = self.key(self.rows[index + 1]) if index + 1 < len(self.rows) else None
        frames.insert(0, {"type": "row", "id": key, "before": before, "html": self.row(obj)})
        return frames

    def count_values(self) -> tuple:
        return sum(self.tally.values()), len(self.tally)

    def count_parts(self) -> dict[str, str]:
        matching, total = self.count_values()
        context = {"matching": matching, "total": total, "unused_only": self.unused_only}
        part = f"{self.object_name}-count"
        return {part: render_to_string(f"{self.template}#{part}", context)}

    def row(self, obj) -> str:
        context = {
            self.object_name: obj,
            f"{self.object_name}s_url": reverse(self.list_url_name),
            "containers_url": reverse("containers:list"),
            "perms_role": self.roles,
        }
        return render_to_string(f"{self.template}#{self.row_partial}", context)
