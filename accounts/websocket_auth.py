"""Who is on a websocket: Channels' AuthMiddleware, with the lookup running beside the consumer.

Channels looks the session's user up before the consumer starts. Here the lookup (and the
user's role) waits until the consumer asks for it with `accounts.roles.signed_in(scope)`
(refuse_unless() does), so that a consumer may first ask the engine for a harmless read: finding
the tail of a big log takes the engine several milliseconds, about as long as the lookup, and
the two then overlap. Until the lookup, `scope["user"]` raises instead of passing for anyone.
"""

import functools

from channels.auth import AuthMiddleware
from channels.db import database_sync_to_async
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings

from accounts.roles import role_of


class UserLookupOnRequest(AuthMiddleware):
    async def resolve_scope(self, scope: dict) -> None:
        scope["user_lookup"] = functools.partial(self._look_up, scope)

    async def _look_up(self, scope: dict) -> None:
        await super().resolve_scope(scope)  # Channels' own get_user(): session hash checks and all
        if scope["user"].is_authenticated:
            # Cached on the user: the consumer's role check then needs no database.
            await database_sync_to_async(role_of)(scope["user"])


def WebsocketAuthStack(inner):
    return CookieMiddleware(SessionMiddleware(UserLookupOnRequest(inner)))


def may_be_signed_in(scope: dict) -> bool:
    """Before the lookup: does the socket carry a session at all? (Without one it cannot be.)"""
    return bool(scope.get("cookies", {}).get(settings.SESSION_COOKIE_NAME))
