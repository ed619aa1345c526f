"""The viewer's language on a websocket, as LocaleMiddleware settles it for a page.

A live page's rows, counters and messages are rendered by its socket's consumer, outside any
HttpRequest: without this, a Korean page would get English rows pushed into it. The language
comes the way Django's own get_language_from_request() finds it for a page (the switcher's
cookie, then Accept-Language, then LANGUAGE_CODE), and is active for the whole connection:
Django keeps the active language in a context variable, which the consumer's tasks and their
asyncio.to_thread() renders inherit.
"""

import functools

from django.http import HttpRequest
from django.utils import translation


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


class InLanguage:
    """A live page (images/live.py and its kin) whose methods run in the viewer's language, in
    whichever thread calls them.

    The consumer renders through asyncio.to_thread, which copies the context; but asgiref's
    Local, where Django keeps the active language, keys its storage by thread id (asgiref
    3.13), so the worker thread started in LANGUAGE_CODE: a Korean /images/ got English rows.
    """

    def __init__(self, page, language: str | None = None):
        self._page = page
        self._language = language or translation.get_language()

    def __getattr__(self, name: str):
        attribute = getattr(self._page, name)
        if not callable(attribute):
            return attribute

        @functools.wraps(attribute)
        def speaking(*args, **kwargs):
            with translation.override(self._language):
                return attribute(*args, **kwargs)

        return speaking
