"""Every websocket route of Berth, gathered from the apps that serve them."""

from containers.routing import websocket_urlpatterns as container_routes
from images.routing import websocket_urlpatterns as image_routes
from networks.routing import websocket_urlpatterns as network_routes
from system.routing import websocket_urlpatterns as system_routes
from volumes.routing import websocket_urlpatterns as volume_routes

websocket_urlpatterns: list = [*container_routes, *image_routes, *volume_routes, *network_routes, *system_routes]
