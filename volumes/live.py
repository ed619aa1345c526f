"""/volumes/, live (issue 13): /ws/volumes/?q=&unused=&page= pushes a volume's row when an event
names it (its inspect, and the containers mounting it: services.volume_summary), and the rows
of the volumes a container created or removed mounts (their "Used by"). Frames as the
containers list's (containers/consumers.py): row {id: the volume's name}, remove, new, table,
state. Events come from the shared hub (containers/streams/events.py)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse

from accounts.context_processors import RoleFlags
from containers.live_consumers import LiveConsumer
from containers.live_rows import page_request, place
from containers.services import listed_container
from volumes import services
from volumes.views import PER_PAGE, list_context

CONTAINER = "container:"  # a key for a container's event: the volumes it mounts are asked about


class LiveVolumes:
    def __init__(self, params: dict, user, csrf_secret: str = ""):
        self.params, self.user, self.csrf_secret = params, user, csrf_secret
        self.unused_only = params.get("unused") == "1"
        self.search = params.get("q", "").strip().lower()
        self.rows: list[services.VolumeSummary] = []
        self.page = self.pages = 1
        self.new: set[str] = set()
        self.roles = RoleFlags(user)

    def key_of(self, event: dict) -> str:
        actor = (event.get("Actor") or {}).get("ID", "")
        return CONTAINER + actor if event.get("Type") == "container" else actor

    def relist(self, whole: bool) -> list[dict]:
        request = page_request(self.user, reverse("volumes:list"), self.params, self.csrf_secret)
        context = list_context(request)
        self.rows = list(context["volumes"])
        self.page, self.pages = context["page"].number, context["page"].paginator.num_pages
        self.new = set()
        if not whole:
            return []
        return [{"type": "table", "html": render_to_string("volumes/list.html#volume-table", context, request=request)}]

    def changed(self, key: str, expect=None) -> list[dict]:
        if not key.startswith(CONTAINER):
            return self._volume(key)
        container_id = key.removeprefix(CONTAINER)
        raw = listed_container(container_id)
        names = {m["Name"] for m in (raw or {}).get("Mounts") or [] if m.get("Type") == "volume" and m.get("Name")}
        names |= {v.name for v in self.rows if any(u.container_id == container_id for u in v.users)}
        return [frame for name in sorted(names) for frame in self._volume(name)]

    def _volume(self, name: str) -> list[dict]:
        volume = services.volume_summary(name)
        index = next((i for i, row in enumerate(self.rows) if row.name == name), None)
        if volume is None or not ((not self.unused_only or not volume.users) and self.search in volume.name.lower()):
            if index is not None:
                del self.rows[index]
                return [{"type": "remove", "id": name}]
            if name in self.new:
                self.new.discard(name)
                return [{"type": "new", "count": len(self.new)}]
            return []
        frames = []
        if index is not None:
            self.rows[index] = volume
        else:
            keys = [services.list_sort_key(row) for row in self.rows]
            index = place(keys, services.list_sort_key(volume), False, self.page, self.pages, PER_PAGE)
            if index is None:
                if name in self.new:
                    return []
                self.new.add(name)
                return [{"type": "new", "count": len(self.new)}]
            self.rows.insert(index, volume)
            if len(self.rows) > PER_PAGE:
                frames.append({"type": "remove", "id": self.rows.pop().name})
        before = self.rows[index + 1].name if index + 1 < len(self.rows) else None
        frames.insert(0, {"type": "row", "id": name, "before": before, "html": self.row(volume)})
        return frames

    def row(self, volume: services.VolumeSummary) -> str:
        context = {
            "volume": volume,
            "volumes_url": reverse("volumes:list"),
            "containers_url": reverse("containers:list"),
            "perms_role": self.roles,
        }
        return render_to_string("volumes/list.html#volume-row", context)


class VolumeListConsumer(LiveConsumer):
    def make_page(self, params: dict, csrf_secret: str) -> LiveVolumes:
        return LiveVolumes(params, self.scope["user"], csrf_secret)

    def filters(self) -> dict:
        return {"type": ["volume", "container"], "event": ["create", "destroy", "mount", "unmount"]}
