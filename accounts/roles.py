"""Roles: who may do what, for views (`@role_required`), consumers and templates.

Viewer < Operator < Admin. Superusers are Admin; an active user without a Membership is a
Viewer; anonymous and inactive users have no role at all.
"""

import functools
import inspect

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.audit import audit
from accounts.models import ROLE_RANK, Membership, Outcome, Role, role_name

WEBSOCKET_UNAUTHENTICATED = 4401
WEBSOCKET_FORBIDDEN = 4403


def role_of(user) -> str | None:
    """'viewer', 'operator', 'admin', or None for anonymous and inactive users. Cached on the user."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    cached = getattr(user, "_berth_role", None)
    if cached is None:
        if user.is_superuser:
            cached = Role.ADMIN
        else:
            membership = _membership(user)
            cached = Role(membership.role) if membership else Role.VIEWER
        user._berth_role = cached  # noqa: SLF001 - our own per-request cache on the user object
    return str(cached)


def _membership(user) -> Membership | None:
    # The login backend fetches it with the session's user (accounts.throttle); else one query.
    loaded_with_user = get_user_model().membership  # the descriptor; `user` may be a lazy object
    if loaded_with_user.is_cached(user):
        return loaded_with_user.related.get_cached_value(user)
    return Membership.objects.filter(user=user).only("role").first()


def has_role(user, role: str) -> bool:
    """True when the user's role is `role` or above."""
    actual = role_of(user)
    return actual is not None and ROLE_RANK[Role(actual)] >= ROLE_RANK[Role(role)]


def _action_name(view) -> str:
    return f"{view.__module__.split('.')[0]}.{view.__name__}"


def _forbidden(request: HttpRequest, role: str) -> HttpResponse:
    return refused(
        request,
        _("Not allowed: this needs the %(role)s role. The attempt was recorded.") % {"role": role_name(role)},
        {"needed": role_name(role), "actual": role_name(role_of(request.user))},
    )


def refused(request: HttpRequest, message: str, context: dict | None = None) -> HttpResponse:
    """A 403 that says why: the Not allowed page; for HTMX, the message in #messages instead
    of the target (the caller audits the attempt)."""
    if getattr(request, "htmx", False):
        messages.error(request, message)
        response = render(request, "base.html#messages", {"oob_messages": False}, status=403)
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "outerHTML"
        return response
    return render(request, "accounts/forbidden.html", context or {"reason": message}, status=403)


def _refusal(request: HttpRequest, view, role: str, kwargs: dict) -> HttpResponse | None:
    """None when the request may go on; otherwise the login redirect or an audited 403."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if has_role(request.user, role):
        return None
    audit(
        request,
        _action_name(view),
        object_id=str(next(iter(kwargs.values()), "")),
        outcome=Outcome.DENIED,
        message=f"needs the {role} role",
        extra={"method": request.method, "path": request.path},
    )
    return _forbidden(request, role)


def role_required(role: str):
    """View decorator: anonymous → login page; below `role` → a 403 page, recorded in the audit log.

    Works on sync and async views alike (the async log download is one).
    """
    Role(role)  # a typo fails at import time, not at request time

    def decorator(view):
        if inspect.iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
                refusal = await sync_to_async(_refusal)(request, view, role, kwargs)
                return refusal if refusal is not None else await view(request, *args, **kwargs)

            wrapper = async_wrapper
        else:

            @functools.wraps(view)
            def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
                refusal = _refusal(request, view, role, kwargs)
                return refusal if refusal is not None else view(request, *args, **kwargs)

        wrapper.berth_role = role  # lets the role × view matrix test find what each view needs
        return wrapper

    return decorator


async def signed_in(scope: dict):
    """A websocket's user (possibly anonymous), looked up by accounts.websocket_auth on the first call."""
    lookup = scope.pop("user_lookup", None)
    if lookup is not None:
        await lookup()
    return scope.get("user")


@database_sync_to_async
def _role_refusal(scope: dict, role: str) -> int | None:
    user = scope.get("user")
    if user is None or not user.is_authenticated or not user.is_active:
        audit(
            scope,
            "websocket.connect",
            object_id=scope.get("path", ""),
            outcome=Outcome.DENIED,
            message="not logged in",  # not UI: audit text, stored as written
        )
        return WEBSOCKET_UNAUTHENTICATED
    if not has_role(user, role):
        audit(
            scope,
            "websocket.connect",
            object_id=scope.get("path", ""),
            outcome=Outcome.DENIED,
            message=f"needs the {role} role",
        )
        return WEBSOCKET_FORBIDDEN
    return None


async def refuse_unless(consumer, role: str) -> bool:
    """In a consumer's connect(): True when the socket was refused (accepted, then closed).

    Anonymous → close code 4401, role below `role` → 4403; both are audited. Accepting
    first lets the browser see the close code (a refused handshake only says 1006).

        async def connect(self):
            if await refuse_unless(self, "operator"):
                return
    """
    Role(role)
    user = await signed_in(consumer.scope)
    if getattr(user, "_berth_role", None) is not None and has_role(user, role):
        return False  # the role came with the user: no database, no thread
    code = await _role_refusal(consumer.scope, role)
    if code is None:
        return False
    await consumer.accept()
    await consumer.close(code=code)
    return True
