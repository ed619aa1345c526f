"""Every websocket route, through the real ASGI application: Origin checked, login and role required."""

import re

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import URLPattern
from django.urls.resolvers import RegexPattern

from accounts.models import AuditEntry
from dashboard.asgi import application
from dashboard.routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db(transaction=True)

# Role needed per route (accounts/README.md); routes not listed need at least a viewer.
SOCKET_ROLES = {"attach": "operator", "exec": "operator", "logs": "viewer"}


def route_paths() -> list[tuple[str, str]]:
    paths = []
    for pattern in websocket_urlpatterns:
        assert isinstance(pattern, URLPattern)
        if isinstance(pattern.pattern, RegexPattern):
            continue  # containers.unrouted: what names no container, behind the same checks
        route = re.sub(r"<(?:\w+:)?\w+>", "berth-test-missing", str(pattern.pattern))
        kind = route.rstrip("/").rsplit("/", 1)[-1]
        paths.append((kind, "/" + route))
    return paths


ROUTES = route_paths()


async def first_message(path: str, headers: list, **scope) -> tuple[bool, dict | None]:
    communicator = WebsocketCommunicator(application, path, headers=headers)
    communicator.scope.update(scope)  # e.g. scheme "wss", a client address: before the app runs
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


# Berth's own origin: the scheme and the Host header, port included.
HOST = (b"host", b"127.0.0.1:8000")
GOOD_ORIGIN = (b"origin", b"http://127.0.0.1:8000")
REFUSED = (True, {"type": "websocket.close", "code": 4403})  # accepted, then closed: the browser sees why
ADMITTED = (True, {"type": "websocket.close", "code": 4401})  # past the origin check; anonymous, so 4401


def test_there_are_websocket_routes():
    assert ROUTES


@pytest.mark.parametrize("kind,path", ROUTES)
@pytest.mark.asyncio
async def test_it_refuses_a_foreign_or_missing_origin(kind, path, operator):
    cookie = (b"cookie", await database_sync_to_async(session_cookie)(operator))
    assert await first_message(path, [HOST, (b"origin", b"http://evil.example"), cookie]) == REFUSED
    assert await first_message(path, [HOST, cookie]) == REFUSED


@pytest.mark.parametrize("kind,path", ROUTES)
@pytest.mark.asyncio
async def test_it_closes_an_anonymous_socket_with_4401(kind, path):
    connected, message = await first_message(path, [HOST, GOOD_ORIGIN])
    assert connected and message == {"type": "websocket.close", "code": 4401}


@pytest.mark.parametrize("kind,path", [(k, p) for k, p in ROUTES if SOCKET_ROLES.get(k) == "operator"])
@pytest.mark.asyncio
async def test_it_closes_a_viewers_terminal_with_4403(kind, path, viewer):
    cookie = (b"cookie", await database_sync_to_async(session_cookie)(viewer))
    connected, message = await first_message(path, [HOST, GOOD_ORIGIN, cookie])
    assert connected and message == {"type": "websocket.close", "code": 4403}


# ---------------------------------------------------------------- the origin rule (issue 10, item 1)

LOGS = "/ws/containers/berth-test-missing/logs/"


def origin_headers(origin: bytes | None, host: bytes = b"127.0.0.1:8000", **more: bytes) -> list:
    headers = [(b"host", host)] + [(name.replace("_", "-").encode(), value) for name, value in more.items()]
    return headers + ([(b"origin", origin)] if origin is not None else [])


@pytest.mark.parametrize(
    "origin",
    [
        b"http://127.0.0.1:9999",  # another port of the same host: a container's published port
        b"http://127.0.0.1",  # the same host on port 80
        b"http://localhost:31337",
        b"https://127.0.0.1",
        b"https://127.0.0.1:8000",  # the right port, the wrong scheme
        b"http://testserver",
        b"http://127.0.0.1:8000.evil.example",
        b"null",  # a sandboxed frame or a file: page
        None,  # no Origin at all
    ],
)
@pytest.mark.asyncio
async def test_it_accepts_only_berths_own_origin(origin):
    assert await first_message(LOGS, origin_headers(origin)) == REFUSED
    assert await first_message(LOGS, origin_headers(b"http://127.0.0.1:8000")) == ADMITTED
    assert await first_message(LOGS, origin_headers(b"HTTP://127.0.0.1:8000")) == ADMITTED  # origins ignore case


@pytest.mark.asyncio
async def test_it_refuses_a_host_that_is_not_allowed_even_from_its_own_origin():
    assert await first_message(LOGS, origin_headers(b"http://evil.example:8000", host=b"evil.example:8000")) == REFUSED
    assert await first_message(LOGS, [(b"origin", b"http://127.0.0.1:8000")]) == REFUSED  # no Host header


@pytest.mark.asyncio
async def test_a_default_port_may_be_written_or_left_out(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "[::1]"]
    assert await first_message(LOGS, origin_headers(b"http://127.0.0.1", host=b"127.0.0.1")) == ADMITTED
    assert await first_message(LOGS, origin_headers(b"http://127.0.0.1", host=b"127.0.0.1:80")) == ADMITTED
    assert await first_message(LOGS, origin_headers(b"http://[::1]:8000", host=b"[::1]:8000")) == ADMITTED


@pytest.mark.asyncio
async def test_a_tls_socket_wants_an_https_origin():
    assert await first_message(LOGS, origin_headers(b"https://127.0.0.1", host=b"127.0.0.1"), scheme="wss") == ADMITTED
    assert await first_message(LOGS, origin_headers(b"http://127.0.0.1", host=b"127.0.0.1"), scheme="wss") == REFUSED


@pytest.mark.asyncio
async def test_https_is_believed_only_from_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.9.8.7"]
    https = origin_headers(b"https://127.0.0.1:8000", x_forwarded_proto=b"https")
    assert await first_message(LOGS, https, client=("10.9.8.7", 40000)) == ADMITTED
    assert await first_message(LOGS, https, client=("10.9.8.6", 40000)) == REFUSED  # anyone can send the header
    http = origin_headers(b"http://127.0.0.1:8000", x_forwarded_proto=b"https")
    assert await first_message(LOGS, http, client=("10.9.8.7", 40000)) == REFUSED


@pytest.mark.asyncio
async def test_it_accepts_the_csrf_trusted_origins(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://berth.example.com", "https://*.berth.example.org"]
    assert await first_message(LOGS, origin_headers(b"https://berth.example.com")) == ADMITTED
    assert await first_message(LOGS, origin_headers(b"https://ops.berth.example.org")) == ADMITTED
    assert await first_message(LOGS, origin_headers(b"http://berth.example.com")) == REFUSED
    assert await first_message(LOGS, origin_headers(b"https://berth.example.com:8443")) == REFUSED


@pytest.mark.asyncio
async def test_a_refused_origin_is_audited_with_the_origin_and_the_user(operator):
    cookie = await database_sync_to_async(session_cookie)(operator)
    path = "/ws/containers/berth-test-missing/exec/"
    assert await first_message(path + "?cmd=id", origin_headers(b"http://127.0.0.1:9999", cookie=cookie)) == REFUSED

    entry = await database_sync_to_async(AuditEntry.objects.filter(action="websocket.connect").get)()
    assert (entry.outcome, entry.object_id, entry.extra["origin"]) == ("denied", path, "http://127.0.0.1:9999")
    assert "http://127.0.0.1:9999" in entry.message and entry.username == "otto"
