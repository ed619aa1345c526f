"""Which pages may open a websocket: Berth's own origin, scheme, host and port, and no other.

Browsers send Berth's session cookie with a websocket handshake from any page of the same
host name, whatever its port (cookies are not separated by port, RFC 6265 §8.5, and SameSite
counts every port of a host as one site). On a Docker host the containers Berth manages
publish their web apps on that host name, so Channels' AllowedHostsOriginValidator, which
compares host names only, let any such app open a root terminal as the signed-in admin.

Berth's origin is the scheme the browser used (`https` when the socket is TLS or a
TRUSTED_PROXIES peer says X-Forwarded-Proto: https, else `http`) with the Host header, port
included, whose host must be in ALLOWED_HOSTS; CSRF_TRUSTED_ORIGINS are accepted too (the same
list, wildcards included, that Django's CSRF check accepts for forms). A socket without an
Origin is refused: every browser sends one, and a client that does not can use an API token
some day, not a cookie. A refusal is accepted, then closed with 4403 (so that the page sees
why), and audited with the origin and whose cookie came along.
"""

from urllib.parse import urlsplit

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

from accounts.audit import aaudit
from accounts.models import Outcome
from accounts.proxies import scope_is_secure
from accounts.roles import WEBSOCKET_FORBIDDEN, signed_in

DEFAULT_PORTS = {"http": 80, "https": 443}


def _parsed(origin: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a serialised origin, or None when it is not one ("null", junk)."""
    try:
        parts = urlsplit(origin.strip().lower())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.path or parts.query or parts.username:
        return None
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def own_origin(scope: dict) -> tuple[str, str, int] | None:
    """Berth's origin as this socket's browser sees it, or None when its Host is not allowed."""
    host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
    domain, port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    scheme = "https" if scope_is_secure(scope) else "http"
    return scheme, domain.strip("[]"), int(port) if port else DEFAULT_PORTS[scheme]


def _trusted(origin: str, parsed: tuple[str, str, int]) -> bool:
    """Is it one of CSRF_TRUSTED_ORIGINS? The same rule as django.middleware.csrf's."""
    netloc = urlsplit(origin.strip().lower()).netloc
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        scheme, _, trusted_netloc = trusted.lower().partition("://")
        if "*" in trusted_netloc:
            if scheme == parsed[0] and is_same_domain(netloc, trusted_netloc[1:]):
                return True
        elif _parsed(trusted) == parsed:
            return True
    return False


def origin_of(scope: dict) -> str | None:
    origin = dict(scope.get("headers") or []).get(b"origin")
    return None if origin is None else origin.decode("latin-1")


def is_own_origin(scope: dict) -> bool:
    origin = origin_of(scope)
    parsed = _parsed(origin) if origin is not None else None
    if parsed is None:
        return False
    return parsed == own_origin(scope) or _trusted(origin, parsed)


class _Refusal(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await signed_in(self.scope)  # whose cookie the page tried to use, for the audit
        origin = origin_of(self.scope)
        await aaudit(
            self.scope,
            "websocket.connect",
            object_id=self.scope.get("path", ""),
            outcome=Outcome.DENIED,
            message=f"origin {origin} is not Berth's own"
            if origin is not None
            else "no Origin header",  # not UI: audit text, stored as written
            extra={"origin": (origin or "")[:255]},
        )
        await self.accept()  # first, so that the page sees the code (a refused handshake says 1006)
        await self.close(code=WEBSOCKET_FORBIDDEN)


class OriginCheck:
    """ASGI middleware for the websocket stack: only Berth's own pages get to the consumers."""

    def __init__(self, inner):
        self.inner = inner
        self.refusal = _Refusal.as_asgi()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not is_own_origin(scope):
            return await self.refusal(scope, receive, send)
        return await self.inner(scope, receive, send)
