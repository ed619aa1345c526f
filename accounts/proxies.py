"""Who is on the other end: forwarded headers are believed only from TRUSTED_PROXIES.

Without a trusted proxy, X-Forwarded-For/-Proto/-Host from a client are dropped before any
view sees them, so a forged header can neither dodge the login throttle nor falsify the
audit log. With one (e.g. TRUSTED_PROXIES=127.0.0.1 behind a local nginx), the client is
the right-most X-Forwarded-For address that is not itself a trusted proxy.
"""

import functools
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse

FORWARDED_META = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
)


@functools.cache
def _trusted_networks(names: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(name, strict=False) for name in names)


def is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _trusted_networks(tuple(settings.TRUSTED_PROXIES)))


def resolve_client(peer: str, forwarded_for: str | None) -> str:
    """The client's address, given the connecting peer and its X-Forwarded-For header."""
    if not forwarded_for or not is_trusted_proxy(peer):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # garbage in the chain: believe only what we saw ourselves
        if not is_trusted_proxy(hop):
            return hop
    return hops[0] if hops else peer


def request_address(request: HttpRequest | None) -> str:
    """The client address of a request that went through TrustedProxyMiddleware."""
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def scope_address(scope: dict) -> str:
    """The client address of an ASGI (websocket) scope, with the same trust rule."""
    client = scope.get("client") or ("", 0)
    peer = str(client[0] or "")
    headers = dict(scope.get("headers") or [])
    forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1") or None
    return resolve_client(peer, forwarded)


def scope_is_secure(scope: dict) -> bool:
    """Did the browser reach this websocket over TLS? Its own (wss) or at a trusted proxy's."""
    if scope.get("scheme") == "wss":
        return True
    client = scope.get("client") or ("", 0)
    if not is_trusted_proxy(str(client[0] or "")):
        return False
    proto = dict(scope.get("headers") or []).get(b"x-forwarded-proto", b"").decode("latin-1")
    return proto.split(",", 1)[0].strip().lower() == "https"  # the first hop's, as Django reads it


class TrustedProxyMiddleware:
    """First in MIDDLEWARE: settles REMOTE_ADDR and drops forwarded headers nobody vouches for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        peer = request.META.get("REMOTE_ADDR", "")
        if is_trusted_proxy(peer):
            request.META["BERTH_PROXY_ADDR"] = peer
            request.META["REMOTE_ADDR"] = resolve_client(peer, request.META.get("HTTP_X_FORWARDED_FOR"))
        else:
            for name in FORWARDED_META:
                request.META.pop(name, None)
        return self.get_response(request)
