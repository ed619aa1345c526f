"""/volumes/, live (issue 13): /ws/volumes/?q=&unused=&page= pushes a volume's row when an event
names it (its inspect, and the containers mounting it: services.volume_summary), and the rows
of the volumes a container created or removed mounts (their "Used by"). Frames as the
containers list's (containers/consumers.py), a row's id being the volume's name."""

from __future__ import annotations

from containers.live_consumers import LiveConsumer
from containers.live_objects import LiveObjects
from volumes import services
from volumes.views import PER_PAGE, list_context


class LiveVolumes(LiveObjects):
    list_url_name = "volumes:list"
    template = "volumes/list.html"
    table = "volume-table"
    row_partial = "volume-row"
    object_name = "volume"
    per_page = PER_PAGE

    def __init__(self, params: dict, user, csrf_secret: str = ""):
        super().__init__(params, user, csrf_secret)
        self.search = params.get("q", "").strip().lower()

    def list_context(self, request) -> dict:
        return list_context(request)

    def summary(self, key: str):
        return services.volume_summary(key)

    def key(self, obj) -> str:
        return obj.name

    def shows(self, obj) -> bool:
        return (not self.unused_only or not obj.users) and self.search in obj.name.lower()

    def sort_key(self, obj):
        return services.list_sort_key(obj)

    def used_by(self, raw_container: dict) -> set[str]:
        mounts = raw_container.get("Mounts") or []
        return {m["Name"] for m in mounts if m.get("Type") == "volume" and m.get("Name")}

    def uses(self, obj, container_id: str) -> bool:
        return any(user.container_id == container_id for user in obj.users)


class VolumeListConsumer(LiveConsumer):
    def make_page(self, params: dict, csrf_secret: str) -> LiveVolumes:
        return LiveVolumes(params, self.scope["user"], csrf_secret)

    def filters(self) -> dict:
        return {"type": ["volume", "container"], "event": ["create", "destroy", "mount", "unmount"]}
