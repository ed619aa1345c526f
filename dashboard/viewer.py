"""The viewer's language on a websocket, as LocaleMiddleware settles it for a page.

A live page's rows, counters and messages are rendered by its socket's consumer, outside any
HttpRequest: without this, a Korean page would get English rows pushed into it. The language
comes the way Django's own get_language_from_request() finds it for a page (the switcher's
cookie, then Accept-Language, then LANGUAGE_CODE), and is active for the whole connection's
task; renders in a worker thread take it (and the viewer's zone, dashboard/zones.py) along
with as_viewer().
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo

from django.http import HttpRequest
from django.utils import timezone, translation

from dashboard import zones


def language_of(scope: dict) -> str:
    request = HttpRequest()
    request.COOKIES = scope.get("cookies") or {}
    for name, value in scope.get("headers") or []:
        if name == b"accept-language":
            request.META["HTTP_ACCEPT_LANGUAGE"] = value.decode("latin-1")
    return translation.get_language_from_request(request)


class ViewerMiddleware:
    """ASGI middleware for websockets (inside CookieMiddleware, which fills scope["cookies"])."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        with translation.override(language_of(scope)):
            return await self.inner(scope, receive, send)


@dataclass(frozen=True)
class Viewer:
    """Whom a socket renders for: the language and the time zone its page was shown in."""

    language: str
    zone: tzinfo


async def viewer_of(scope: dict) -> Viewer:
    """For a consumer's connect(): the language ViewerMiddleware made active, and the zone."""
    return Viewer(translation.get_language(), await zones.scope_zone(scope))


def as_viewer(viewer: Viewer, render: Callable, *args, **kwargs):
    """render(*args, **kwargs) in the viewer's language and zone, in whichever thread runs it.

    A consumer renders its partials through asyncio.to_thread, which copies the context; but
    asgiref's Local, where Django keeps the active language and zone, ignores what a thread
    inherited (asgiref 3.13 tags it with the thread's id), so a worker thread starts in
    LANGUAGE_CODE and TIME_ZONE: a Korean /images/ got English rows pushed into it.
    """
    with translation.override(viewer.language), timezone.override(viewer.zone):
        return render(*args, **kwargs)
