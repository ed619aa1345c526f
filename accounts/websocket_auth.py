"""Who is on a websocket: Channels' AuthMiddleware, with the lookup running beside the consumer.

Channels looks the session's user up before the consumer starts. Here the lookup (and the
user's role) waits until the consumer asks for it with `accounts.roles.signed_in(scope)`
(refuse_unless() does), so that a consumer may first ask the engine for a harmless read: finding
the tail of a big log takes the engine several milliseconds, about as long as the lookup, and
the two then overlap. Until the lookup, `scope["user"]` raises instead of passing for anyone.

A lookup (a thread hop and three queries: about 3 ms of CPU on a 2-core machine, as much as a
log tail costs Berth otherwise) also serves the same session's next sockets in this process for
RECENT_SECONDS: the page that opens a socket (logs, terminals) remembers its own lookup, so
does a socket, and a reconnect or a new search reuses it. Logins, logouts and every change to
a user or a role forget them all at once; another process's change is seen within
RECENT_SECONDS. Sockets already open are re-checked from the database, not from this cache,
by accounts.session_watch.
"""

import functools
from types import SimpleNamespace

from channels.auth import AuthMiddleware
from channels.db import database_sync_to_async
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib import auth

from accounts.roles import role_of
from dashboard.memo import Memo


class UserLookupOnRequest(AuthMiddleware):
    async def resolve_scope(self, scope: dict) -> None:
        scope["user_lookup"] = functools.partial(self._look_up, scope)

    async def _look_up(self, scope: dict) -> None:
        session = scope["session"]
        scope["user"]._wrapped = (  # noqa: SLF001 - fills Channels' lazy user in place, as its own middleware does
            _recalled(session.session_key) or await _user_with_role(session)
        )


@database_sync_to_async
def _user_with_role(session):
    """The session's user, by Django's own get_user() (session hash checks and all), with the
    role cached on it, so that the consumer's role check needs no database: one thread hop
    for both (each hop costs about half a millisecond)."""
    user = auth.get_user(SimpleNamespace(session=session))
    remember(session.session_key, user)
    return user


RECENT_SECONDS = 2.0
_recent = Memo(limit=1000)  # session key -> user with its role


def remember(session_key: str | None, user) -> None:
    """This lookup may serve the session's sockets in this process for RECENT_SECONDS."""
    if not session_key or not user.is_authenticated:
        return
    role_of(user)  # cached on the user: the socket's role check needs no database
    _recent.put(session_key, user, RECENT_SECONDS)


def remember_request(request) -> None:
    """For a page that opens a websocket: the socket's lookup is the page's own."""
    remember(request.session.session_key, request.user)


def _recalled(session_key: str | None):
    return _recent.get(session_key)


def forget_all(**signal_arguments) -> None:
    _recent.clear()


SERVER_SEND = "berth.server_send"  # the scope key of the server's own send (ServerSend below)


class ServerSend:
    """Puts the server's own `send` in the scope, for the consumers' data frames.

    Channels' SessionMiddleware wraps `send` to save the session on an HTTP response; on each
    websocket frame it only reads two attributes through its lazy session (four lazy-object
    calls) and passes the frame on. A stats page socket gets a frame a second, 200 of them a
    second in bench/live_stats.py: StreamConsumer.send() hands its frames to the server
    directly, Channels' accept and close still go through the stack."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        return await self.inner({**scope, SERVER_SEND: send}, receive, send)


def WebsocketAuthStack(inner):
    return ServerSend(CookieMiddleware(SessionMiddleware(UserLookupOnRequest(inner))))


def may_be_signed_in(scope: dict) -> bool:
    """Before the lookup: does the socket carry a session at all? (Without one it cannot be.)"""
    return bool(scope.get("cookies", {}).get(settings.SESSION_COOKIE_NAME))
