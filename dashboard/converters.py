"""How a URL names a container, volume or network: `<ref:container_id>` in every app's urls.py.

A reference is a Docker id (or a prefix of one) or a name, and the engine's own name rule,
[a-zA-Z0-9][a-zA-Z0-9_.-]*, covers both. Anything else, `.` and `..` above all, would reach
the engine as a path segment: `/containers/./json` is its container list, read by Berth as
one container (a 500). Such an address is not routed at all: a 404 before any engine call.
Networks the engine let someone name otherwise ("my net") are still reached by their id,
which is what Berth's links use.
"""

import re

from django.urls import register_converter

NAME_OR_ID = r"[a-zA-Z0-9][a-zA-Z0-9_.-]*"
_NAME_OR_ID = re.compile(NAME_OR_ID)


def is_name_or_id(value: str) -> bool:
    """The same check for references that come in a form or a query (`?from=`, `replace`)."""
    return bool(_NAME_OR_ID.fullmatch(value))


class ReferenceConverter:
    regex = NAME_OR_ID

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceConverter, "ref")
