"""Every websocket route of Berth, gathered from the apps that serve them."""

from containers.routing import websocket_urlpatterns as container_routes
from system.routing import websocket_urlpatterns as system_routes

websocket_urlpatterns: list = [*container_routes, *system_routes]
