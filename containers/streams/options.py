"""What part of a log to read: the options a log socket or a download is asked for, and the
engine's `since`/`until` times. Pure: no engine, and of Django only gettext; the only part the views import.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from django.utils.translation import gettext as _

from dashboard.times import engine_time, engine_time_from_rfc3339, zone_named

DEFAULT_TAIL = 300

_RELATIVE = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*([smhdw]))+\s*$", re.I)
_RELATIVE_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.I)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_time(value: str | None, now: datetime | None = None, zone: tzinfo = UTC) -> datetime | None:
    """A log bound from the user: "" (none), "10m" / "1h30m" ago, a Unix time or an ISO date.

    Naive ISO times are taken in `zone`, the viewer's (as `docker logs --since` takes them in
    the local zone). Raises ValueError with a readable message.
    """
    value = (value or "").strip()
    if not value:
        return None
    now = now or datetime.now(UTC)
    if _RELATIVE.match(value):
        seconds = sum(float(n) * _UNITS[u.lower()] for n, u in _RELATIVE_PART.findall(value))
        return now - timedelta(seconds=seconds)
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return datetime.fromtimestamp(float(value), UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            _("%(value)r is not a time: use e.g. 10m, 2h, 2026-01-31T12:00 or a Unix time") % {"value": value}
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


@dataclass(frozen=True)
class LogOptions:
    tail: int | None = DEFAULT_TAIL  # None: the whole log
    since: datetime | None = None
    until: datetime | None = None
    timestamps: bool = False
    follow: bool = True
    stdout: bool = True
    stderr: bool = True
    search: str = ""
    regex: bool = False

    @classmethod
    def from_query(cls, query: dict[str, str]) -> LogOptions:
        """From `?tail=&since=&until=&timestamps=&follow=` (plus stdout/stderr/q/regex, and
        zone: the viewer's, for a naive since/until; UTC without one or for a name that is no zone)."""

        def flag(name: str, default: bool) -> bool:
            return (query.get(name, "") or ("1" if default else "0")).lower() in ("1", "true", "on", "yes")

        zone = zone_named(query.get("zone")) or UTC
        tail_text = query.get("tail")
        tail_text = "default" if tail_text is None else tail_text.strip().lower()
        if tail_text == "default":
            tail = DEFAULT_TAIL
        elif tail_text in ("", "all"):
            tail = None
        elif tail_text.isdigit():
            tail = int(tail_text)
        else:
            raise ValueError(_("tail must be a number of lines or 'all', not %(tail)r") % {"tail": tail_text})
        options = cls(
            tail=tail,
            since=parse_time(query.get("since"), zone=zone),
            until=parse_time(query.get("until"), zone=zone),
            timestamps=flag("timestamps", False),
            follow=flag("follow", True),
            stdout=flag("stdout", True),
            stderr=flag("stderr", True),
            search=query.get("q", ""),
            regex=flag("regex", False),
        )
        options.matcher()  # a bad regex is refused up front, with re2's own message
        return options

    @property
    def relayable(self) -> bool:
        """Is every line wanted (both streams, no search)? Then a live view may relay the
        engine's bytes as they come (relay_logs); the client splits them."""
        return self.stdout and self.stderr and not self.search

    @property
    def following(self) -> bool:
        # A bound in the past ends the log: there is nothing to follow.
        return self.follow and (self.until is None or self.until > datetime.now(UTC))

    def matcher(self) -> Callable[[str], bool] | None:
        """The search as a predicate. Regexes run on RE2: linear time, so no pattern can hang."""
        if not self.search:
            return None
        if not self.regex:
            needle = self.search.lower()
            return lambda text: needle in text.lower()
        import re2

        try:
            pattern = re2.compile(self.search)
        except re2.error as e:
            raise ValueError(_("Bad regular expression: %(error)s") % {"error": e}) from None
        return lambda text: pattern.search(text) is not None


@dataclass
class LogWindow:
    """Which part of a log to ask the engine for; read on, after a restart, from its stop."""

    tail: int | None
    since: str | None
    until: str | None
    follow: bool

    @classmethod
    def of(cls, options: LogOptions) -> LogWindow:
        return cls(
            tail=options.tail,
            since=engine_time(options.since) if options.since else None,
            until=engine_time(options.until) if options.until else None,
            follow=options.following,
        )

    def params(self, timestamps: bool) -> dict:
        params = {
            "stdout": 1,
            "stderr": 1,
            "timestamps": int(timestamps),
            "follow": int(self.follow),
            "tail": "all" if self.tail is None else self.tail,
        }
        if self.since:
            params["since"] = self.since
        if self.until:
            params["until"] = self.until
        return params

    def read_on(self, last_line: str, stopped_at: str = "") -> None:
        """Read on after the last line offered, or from the container's stop when that is later."""
        self.since, self.tail = since_after(self.since, last_line, stopped_at), None


def since_after(since: str | None, last_line: str, stopped_at: str = "") -> str | None:
    """The latest of a `since` (the engine's seconds.nanoseconds), just after the RFC 3339 time
    of the last line offered (the engine's `since` takes a line of that very time: a nanosecond
    more, so none repeats), and a container's stop."""
    moments = [since] if since else []
    if last_line and (moment := engine_time_from_rfc3339(last_line)):
        nanos = int(moment.replace(".", "")) + 1
        moments.append(f"{nanos // 10**9}.{nanos % 10**9:09d}")
    if stopped_at and (moment := engine_time_from_rfc3339(stopped_at)):
        moments.append(moment)
    return max(moments, key=lambda moment: int(moment.replace(".", "")), default=None)
