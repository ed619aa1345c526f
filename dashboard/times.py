"""The engine's times, read and written in one place.

The engine writes RFC 3339 times with nanoseconds ("2026-11-28T06:39:04.761428058Z"; container
inspect, network, volume and image documents, log timestamps) and "0001-01-01T00:00:00Z" for
never; it reads `since`/`until` as seconds.nanoseconds. Python's datetime keeps microseconds,
so a time that must go back to the engine exactly stays a string.
"""

import re
import zoneinfo
from datetime import UTC, datetime, tzinfo
from functools import cache

_RFC3339 = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?")
_NEVER = "0001-01-01"


def parse_engine_time(value: str | None) -> datetime | None:
    """An engine time as an aware UTC datetime (nanoseconds cut to microseconds); None for
    never, nothing, or text that is no time."""
    if not value or value.startswith(_NEVER):
        return None
    match = _RFC3339.match(value)
    if not match:
        return None
    base, fraction, zone = match.groups()
    micro = (fraction or ".0")[1:7].ljust(6, "0")
    parsed = datetime.fromisoformat(f"{base}.{micro}{'+00:00' if zone in (None, 'Z') else zone}")
    return parsed.astimezone(UTC)


def engine_time(moment: datetime) -> str:
    """The engine's `since`/`until` format: seconds.nanoseconds (docker-py would round a float)."""
    seconds = moment.timestamp()
    return f"{int(seconds)}.{round((seconds % 1) * 1e6):06d}000"


def engine_time_from_rfc3339(value: str) -> str | None:
    """ "2026-11-28T06:39:04.761428058Z" -> "1795847944.761428058", keeping the nanoseconds
    (a log line's timestamp, to resume a log after it exactly).

    None for the engine's "never" (0001-01-01), e.g. the FinishedAt of a container never stopped;
    "0" for text that is no time. The offset is read as Z: the engine writes every time in UTC.
    """
    if not value or value.startswith("0001-"):
        return None
    match = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?", value)
    if not match:
        return "0"
    base = datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC)
    return f"{int(base.timestamp())}.{(match.group(2) or '0')[:9].ljust(9, '0')}"


# IANA names are ASCII letters, digits and "/_+-" ("America/Argentina/Buenos_Aires", "Etc/GMT+9"),
# 14 to 30 characters in the 2024 database; a name from a cookie or an address is never opened
# as a path unless the machine's database lists it.
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9/_+\-]{0,63}")


@cache
def zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def zone_named(name: str | None) -> tzinfo | None:
    """The time zone of an IANA name ("Asia/Seoul"), or None for nothing or a name that is no zone."""
    if not name or not _ZONE_NAME.fullmatch(name) or name not in zone_names():
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None
