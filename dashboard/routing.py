"""Every websocket route of Berth, gathered from the apps that serve them."""

websocket_urlpatterns: list = []
