"""Open websockets end with their session: logout, expiry, deactivation, a new password, a lower role.

A socket is checked once, in connect(). Without this, a terminal opened by an operator kept
running commands as root after the account had been logged out, deactivated, given a new
password or demoted to viewer. Berth has no channel layer to tell a socket so, and the change
may come from another process, so every process reads the database itself: one watcher task
per event loop checks every open socket of the loop each CHECK_SECONDS, in two queries in
all (sessions by key; users by id, their memberships joined), whatever the number of sockets.
It reads the database, never accounts.websocket_auth's RECENT_SECONDS cache, and decides as
django.contrib.auth.get_user() does (the session's user, backend and password hash).

    session_watch.watch(consumer, "operator")  # once the socket is accepted and its stream begun
    session_watch.unwatch(consumer)            # when it closes

A socket whose check fails gets `await consumer.end_session(ending)` (an `Ending`: the close
code 4401 or 4403, a sentence for the user, and the reason for the audit log).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from accounts.roles import WEBSOCKET_FORBIDDEN, WEBSOCKET_UNAUTHENTICATED, has_role

log = logging.getLogger(__name__)

CHECK_SECONDS = 1.0  # at least every 2 s (issue 10); a tick costs two queries per process


@dataclass(frozen=True)
class Watched:
    session_key: str
    user_id: int
    role: str  # the role the socket needs (containers.consumers.ROLES)


@dataclass(frozen=True)
class Ending:
    code: int  # 4401 the session is gone, 4403 the role no longer allows the socket
    kind: str  # "session" or "role": how the audit log says it ended
    message: str  # for the user, in the error frame
    reason: str  # for the audit log


def _session_gone(reason: str, message: str) -> Ending:
    return Ending(WEBSOCKET_UNAUTHENTICATED, "session", message, reason)


def _sessions(keys: set[str]) -> dict[str, tuple]:
    """Session key -> (expire_date, decoded data), for the keys that still exist."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):  # cache or signed-cookie sessions: no table to read in bulk
        found = {}
        for key in keys:
            data = store(session_key=key).load()  # {} when gone or expired
            if data:
                found[key] = (None, data)
        return found
    rows = (
        store.get_model_class()
        .objects.filter(session_key__in=keys)
        .values_list("session_key", "expire_date", "session_data")
    )
    return {key: (expires, store().decode(data)) for key, expires, data in rows}


def _hash_matches(data: dict, user) -> bool:
    """As auth.get_user(): the session's hash of the password still matches (SECRET_KEY_FALLBACKS too)."""
    session_hash = data.get(HASH_SESSION_KEY) or ""
    if constant_time_compare(session_hash, user.get_session_auth_hash()):
        return True
    fallbacks = getattr(user, "get_session_auth_fallback_hash", lambda: ())()
    return any(constant_time_compare(session_hash, fallback) for fallback in fallbacks)


def _ending(watched: Watched, session: tuple | None, user, now) -> Ending | None:
    if session is None:
        return _session_gone(
            "session ended (logout or password change)",  # not UI: audit text, stored as written
            _("Your session ended (logged out). Log in again."),
        )
    expires, data = session
    if expires is not None and expires <= now:
        return _session_gone("session expired", _("Your session expired. Log in again."))
    if (
        str(data.get(SESSION_KEY)) != str(watched.user_id)
        or data.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS
        or user is None
    ):
        return _session_gone(
            "session no longer belongs to the user",  # not UI: audit text, stored as written
            _("Your session ended (logged out). Log in again."),
        )
    if not user.is_active:
        return _session_gone("account deactivated", _("Your account was deactivated. This session has ended."))
    if not _hash_matches(data, user):
        return _session_gone(
            "password changed", _("Your password was changed, which ended this session. Log in again.")
        )
    if not has_role(user, watched.role):
        return Ending(
            WEBSOCKET_FORBIDDEN,
            "role",
            _("Your role no longer allows this terminal."),
            f"role no longer allows this socket (needs {watched.role})",  # not UI: audit text, stored as written
        )
    return None


def endings(watched: list[Watched]) -> dict[Watched, Ending]:
    """The sockets whose check fails, read from the database in two queries whatever their number."""
    sessions = _sessions({w.session_key for w in watched})
    users = get_user_model().objects.select_related("membership").in_bulk({w.user_id for w in watched})
    now = timezone.now()
    found = {}
    for w in set(watched):
        ending = _ending(w, sessions.get(w.session_key), users.get(w.user_id), now)
        if ending is not None:
            found[w] = ending
    return found


class _Watcher:
    """The sockets of one event loop, and the task that checks them (only while there are any).

    The checks run in a thread of the watcher's own that keeps its database connection from one
    tick to the next, closed when the last socket leaves (or on an error, for the next tick to
    open afresh). database_sync_to_async opened and closed a connection every second, in
    whichever pool thread was free: with 10 sockets open, bench/live_stats.py measured the
    watcher at a third of Berth's CPU, 0.18 CPU s per 30 s."""

    def __init__(self) -> None:
        self.sockets: dict = {}  # consumer -> Watched
        self.task: asyncio.Task | None = None

    def add(self, consumer, watched: Watched) -> None:
        self.sockets[consumer] = watched
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.run(), name="berth-session-watch")

    async def run(self) -> None:
        thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="berth-session-watch")
        try:
            while self.sockets:
                await asyncio.sleep(CHECK_SECONDS)
                await self.check(thread)
        finally:
            thread.submit(lambda: connection.close())  # the proxy picks the worker's connection there
            thread.shutdown(wait=False)

    async def check(self, thread: ThreadPoolExecutor) -> None:
        sockets = dict(self.sockets)
        if not sockets:
            return
        try:
            found = await asyncio.get_running_loop().run_in_executor(
                thread, _endings_or_reconnect, list(sockets.values())
            )
        except Exception:
            log.warning("could not check the sessions of open websockets", exc_info=True)
            return
        ended = [consumer for consumer, watched in sockets.items() if watched in found]
        for consumer in ended:
            self.sockets.pop(consumer, None)
        results = await asyncio.gather(
            *(consumer.end_session(found[sockets[consumer]]) for consumer in ended), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                log.warning("ending a websocket failed", exc_info=result)


def _endings_or_reconnect(watched: list[Watched]) -> dict[Watched, Ending]:
    """endings() on the watcher thread's kept connection; after a failure it is closed, so that
    the next tick connects again (the database restarted, the connection dropped)."""
    try:
        return endings(watched)
    except Exception:
        connection.close()
        raise


_watchers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop -> _Watcher


def _watcher() -> _Watcher:
    loop = asyncio.get_running_loop()
    watcher = _watchers.get(loop)
    if watcher is None:
        watcher = _watchers[loop] = _Watcher()
    return watcher


def watch(consumer, role: str) -> None:
    """Check this accepted socket's session, user and role every CHECK_SECONDS until unwatch()."""
    session_key = consumer.scope["session"].session_key
    _watcher().add(consumer, Watched(session_key or "", consumer.scope["user"].pk, role))


def unwatch(consumer) -> None:
    watcher = _watchers.get(asyncio.get_running_loop())
    if watcher is not None:
        watcher.sockets.pop(consumer, None)
