"""What a process remembers for a few seconds, to spare the database a query a request: a
session's user for the socket its page opens (accounts/websocket_auth.py), a user's own time zone
(dashboard/zones.py). Past `limit` keys all are forgotten at once: simpler than evicting the
oldest, and a memo this short-lived fills again within seconds."""

from __future__ import annotations

import time

MISSING = object()  # get()'s default: for memos in which None or "" is a value


class Memo:
    def __init__(self, limit: int = 1000):
        self.limit = limit
        self._values: dict = {}  # key -> (until, value)

    def get(self, key, default=None):
        until, value = self._values.get(key, (0.0, default))
        return value if until > time.monotonic() else default

    def put(self, key, value, seconds: float) -> None:
        if len(self._values) >= self.limit:
            self._values.clear()
        self._values[key] = (time.monotonic() + seconds, value)

    def forget(self, key) -> None:
        self._values.pop(key, None)

    def clear(self) -> None:
        self._values.clear()
