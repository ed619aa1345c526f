"""Websocket routes of the containers app (wired into dashboard/routing.py)."""

from django.urls import path, re_path

from containers import consumers, live_consumers, stats_consumers, terminal_consumers, unrouted
from dashboard import converters  # noqa: F401 - registers <ref:...>

websocket_urlpatterns = [
    path("ws/containers/", live_consumers.ContainerListConsumer.as_asgi()),
    path("ws/containers/<ref:container_id>/attach/", terminal_consumers.AttachConsumer.as_asgi()),
    path("ws/containers/<ref:container_id>/exec/", terminal_consumers.ExecConsumer.as_asgi()),
    path("ws/containers/<ref:container_id>/logs/", consumers.LogsConsumer.as_asgi()),
    path("ws/containers/<ref:container_id>/state/", live_consumers.ContainerStateConsumer.as_asgi()),
    path("ws/containers/stats/", stats_consumers.ListStatsConsumer.as_asgi()),
    path("ws/containers/<ref:container_id>/stats/", stats_consumers.ContainerStatsConsumer.as_asgi()),
    # Whatever names no container ("." above all) is answered without asking the engine.
    re_path(
        r"^ws/containers/(?P<container_id>[^/]*)/(?:attach|exec|logs|state|stats)/$", unrouted.NoSuchContainer.as_asgi()
    ),
]
