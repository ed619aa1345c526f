"""Websocket routes of the volumes app (wired into dashboard/routing.py)."""

from django.urls import path

from volumes import live

websocket_urlpatterns = [path("ws/volumes/", live.VolumeListConsumer.as_asgi())]
