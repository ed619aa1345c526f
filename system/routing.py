"""Websocket routes of the system app (wired into dashboard/routing.py)."""

from django.urls import path

from system import event_consumers, live

websocket_urlpatterns = [
    path("ws/events/", event_consumers.EventsConsumer.as_asgi()),
    path("ws/overview/", live.OverviewConsumer.as_asgi()),
]
