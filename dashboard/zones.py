"""The viewer's time zone: which one, and rendering in it (issue 14, part 2).

A user's own choice (accounts.Preferences.time_zone) wins; else the browser's, which
static/zone.js writes into the `berth_tz` cookie (Intl's IANA name, e.g. "Asia/Seoul"); else the
server's TIME_ZONE (UTC unless set). A name that is no zone this machine knows (a cookie is the
browser's to write: anything may come) counts as none, never a 500.

Pages activate the zone per request (ZoneMiddleware); a websocket that renders a page's partials
asks `scope_zone(scope)` once when it connects (dashboard/viewer.py's viewer_of) and renders
with dashboard.viewer.as_viewer(), since what a middleware activated does not reach a
consumer's threads.
"""

from __future__ import annotations

from datetime import tzinfo

from channels.db import database_sync_to_async
from django.utils import timezone

from dashboard.memo import MISSING, Memo
from dashboard.times import zone_named, zone_names

COOKIE = "berth_tz"


def known_names() -> list[str]:
    """Every zone name this machine knows, sorted (the preferences page's choices)."""
    return sorted(zone_names())


def default_zone() -> tzinfo:
    """The server's TIME_ZONE: for a viewer whose zone is not known."""
    return timezone.get_default_timezone()


named = zone_named  # the one parser of zone names (dashboard/times.py)


# A user's own choice, remembered per process: asked on every page, it was a query each time
# (about 1.5 ms of a 12 ms container page). A change in this process is heard at once
# (forget_choice, on Preferences' save and delete); another process's within CHOICE_SECONDS.
CHOICE_SECONDS = 30.0
_choices = Memo(limit=1000)  # user id -> zone name, or "" for none


def choice_of(user) -> str:
    """The user's own zone name ("" for the browser's, for no choice and for no user)."""
    from accounts.models import Preferences

    if not getattr(user, "is_authenticated", False):
        return ""
    name = _choices.get(user.pk, MISSING)
    if name is MISSING:
        name = Preferences.objects.filter(user_id=user.pk).values_list("time_zone", flat=True).first() or ""
        _choices.put(user.pk, name, CHOICE_SECONDS)
    return name


def forget_choice(instance=None, **signal_arguments) -> None:
    """A user's choice saved or deleted: forget it; a login (instance None): forget them all, so
    that logging in again always shows the zone the database holds."""
    if instance is None:
        _choices.clear()
    else:
        _choices.forget(instance.user_id)


def viewer_zone(user, cookies: dict) -> tzinfo:
    """The zone to show this viewer times in: their choice, their browser's, the server's."""
    return named(choice_of(user)) or named(cookies.get(COOKIE)) or default_zone()


async def scope_zone(scope: dict) -> tzinfo:
    """viewer_zone() for a websocket: its scope carries the user and the cookies."""
    return await database_sync_to_async(viewer_zone)(scope.get("user"), scope.get("cookies") or {})


def zone_name(zone: tzinfo) -> str:
    """ "Asia/Seoul" (the IANA key), or the zone's own name when it has no key."""
    return getattr(zone, "key", None) or str(zone)


class ZoneMiddleware:
    """Every page in the viewer's zone (after AuthenticationMiddleware: the user's choice wins)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.viewer_zone = viewer_zone(getattr(request, "user", None), request.COOKIES)
        timezone.activate(request.viewer_zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
