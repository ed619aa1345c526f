"""Websocket routes of the containers app (wired into dashboard/routing.py)."""

from django.urls import path

from containers import consumers

websocket_urlpatterns = [
    path("ws/containers/<str:container_id>/attach/", consumers.AttachConsumer.as_asgi()),
    path("ws/containers/<str:container_id>/exec/", consumers.ExecConsumer.as_asgi()),
    path("ws/containers/<str:container_id>/logs/", consumers.LogsConsumer.as_asgi()),
]
