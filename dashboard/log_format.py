"""How Berth's log lines look (settings.LOGGING): time, level and logger on every line.

`LOG_FORMAT=text` (the default): `2026-12-01T12:00:00.123Z WARNING containers.consumers message`.
`LOG_FORMAT=json`: one JSON object a line, for a log collector: time, level, logger, message,
the exception's traceback if any, and what a caller passed as `extra=`. Standard library only.
"""

import json
import logging
from datetime import UTC, datetime

# What every LogRecord has; anything else on a record came from `extra=` (or Django's own
# `request` and `status_code` on django.request lines).
# uvicorn's color_message is its message again with terminal colours: not for a log collector.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "color_message",
}


def _time(record: logging.LogRecord) -> str:
    """UTC, ISO 8601, milliseconds: sorts as text and reads the same from any host's time zone."""
    stamp = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatTime(self, record, datefmt=None):  # logging.Formatter calls it by this name
        return _time(record)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": _time(record), "level": record.levelname, "logger": record.name}
        entry["message"] = record.getMessage()
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in entry:
                entry[key] = value
        # default=str: an extra that JSON cannot hold (a request object) is written as its repr.
        return json.dumps(entry, default=str, ensure_ascii=False)


class WithoutHealthChecks(logging.Filter):
    """Drops uvicorn's access line for /healthz: the image's HEALTHCHECK asks every 15 s
    (5,760 lines a day that say nothing); its answer is in `docker inspect` instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn.access: '%s - "%s %s HTTP/%s" %d' % (client, method, path, version, status)
        args = record.args if isinstance(record.args, tuple) else ()
        return not (len(args) >= 3 and str(args[2]).split("?", 1)[0] == "/healthz")
