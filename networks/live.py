"""/networks/, live (issue 13): /ws/networks/?unused= pushes a network's row when an event names
it (its inspect, and the containers on it: services.network_summary), and the rows of the
networks a container created or removed is on (their count). Frames as the containers list's
(containers/consumers.py), a row's id being the network's full id."""

from __future__ import annotations

from containers.live_consumers import LiveConsumer
from containers.live_objects import LiveObjects
from networks import services
from networks.views import list_context


class LiveNetworks(LiveObjects):
    list_url_name = "networks:list"
    template = "networks/list.html"
    table = "network-table"
    row_partial = "network-row"
    object_name = "network"

    def list_context(self, request) -> dict:
        return list_context(request)

    def summary(self, key: str):
        return services.network_summary(key)

    def key(self, obj) -> str:
        return obj.id

    def shows(self, obj) -> bool:
        return not self.unused_only or (not obj.builtin and not obj.containers)

    def sort_key(self, obj):
        return services.list_sort_key(obj)

    def used_by(self, raw_container: dict) -> set[str]:
        networks = (raw_container.get("NetworkSettings") or {}).get("Networks") or {}
        # A container never started has no endpoint, so no NetworkID: its network by name (an
        # inspect takes either).
        return {endpoint.get("NetworkID") or name for name, endpoint in networks.items()}

    def uses(self, obj, container_id: str) -> bool:
        return any(attachment.container_id == container_id for attachment in obj.containers)


class NetworkListConsumer(LiveConsumer):
    def make_page(self, params: dict, csrf_secret: str) -> LiveNetworks:
        return LiveNetworks(params, self.scope["user"], csrf_secret)

    def filters(self) -> dict:
        return {"type": ["network", "container"], "event": ["create", "destroy", "connect", "disconnect"]}
