"""Every websocket route, through the real ASGI application: Origin checked, login and role required."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import URLPattern

from dashboard.asgi import application
from dashboard.routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db(transaction=True)

# Role needed per route (accounts/README.md); routes not listed need at least a viewer.
SOCKET_ROLES = {"attach": "operator", "exec": "operator", "logs": "viewer"}


def route_paths() -> list[tuple[str, str]]:
    paths = []
    for pattern in websocket_urlpatterns:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        for key in pattern.pattern.converters:
            route = route.replace(f"<str:{key}>", "berth-test-missing").replace(f"<{key}>", "berth-test-missing")
        kind = route.rstrip("/").rsplit("/", 1)[-1]
        paths.append((kind, "/" + route))
    return paths


ROUTES = route_paths()


async def first_message(path: str, headers: list) -> tuple[bool, dict | None]:
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=10)
    if not connected:
        return False, None
    message = await communicator.receive_output(timeout=10)
    await communicator.disconnect()
    return True, message


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


GOOD_ORIGIN = (b"origin", b"http://127.0.0.1")


def test_there_are_websocket_routes():
    assert ROUTES


@pytest.mark.parametrize("kind,path", ROUTES)
@pytest.mark.asyncio
async def test_it_refuses_a_foreign_or_missing_origin(kind, path, operator):
    cookie = (b"cookie", await database_sync_to_async(session_cookie)(operator))
    assert await first_message(path, [(b"origin", b"http://evil.example"), cookie]) == (False, None)
    assert await first_message(path, [cookie]) == (False, None)


@pytest.mark.parametrize("kind,path", ROUTES)
@pytest.mark.asyncio
async def test_it_closes_an_anonymous_socket_with_4401(kind, path):
    connected, message = await first_message(path, [GOOD_ORIGIN])
    assert connected and message == {"type": "websocket.close", "code": 4401}


@pytest.mark.parametrize("kind,path", [(k, p) for k, p in ROUTES if SOCKET_ROLES.get(k) == "operator"])
@pytest.mark.asyncio
async def test_it_closes_a_viewers_terminal_with_4403(kind, path, viewer):
    cookie = (b"cookie", await database_sync_to_async(session_cookie)(viewer))
    connected, message = await first_message(path, [GOOD_ORIGIN, cookie])
    assert connected and message == {"type": "websocket.close", "code": 4403}
