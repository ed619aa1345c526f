"""Websocket routes of the images app (wired into dashboard/routing.py)."""

from django.urls import path

from images import live

websocket_urlpatterns = [path("ws/images/", live.ImageListConsumer.as_asgi())]
