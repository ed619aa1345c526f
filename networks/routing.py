"""Websocket routes of the networks app (wired into dashboard/routing.py)."""

from django.urls import path

from networks import live

websocket_urlpatterns = [path("ws/networks/", live.NetworkListConsumer.as_asgi())]
