import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
# Django must be set up before the consumers (and their models) are imported.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402 - after Django's setup, above

from accounts.origins import OriginCheck  # noqa: E402 - after Django's setup, above
from accounts.websocket_auth import WebsocketAuthStack  # noqa: E402 - after Django's setup, above
from dashboard.routing import websocket_urlpatterns  # noqa: E402 - after Django's setup, above
from dashboard.viewer import ViewerMiddleware  # noqa: E402 - after Django's setup, above

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Only Berth's own origin, port included (accounts/origins.py); inside the auth stack so
        # that a refusal's audit entry says whose cookie a foreign page tried to use.
        "websocket": WebsocketAuthStack(OriginCheck(ViewerMiddleware(URLRouter(websocket_urlpatterns)))),
    }
)
