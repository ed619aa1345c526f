"""Docker's image reference grammar, as pure functions (the image forms and the container
create form both use it; property-tested).

`[domain[:port]/]path-component[/path-component]*[:tag][@algorithm:hex]`, where the first
component is a registry domain only when it has a '.' or ':' or is `localhost` (as in
distribution/reference): otherwise it is a path component and must be lower-case.
"""

import re

_DOMAIN = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_NAME = rf"(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}"
REFERENCE = re.compile(rf"(?P<name>{_NAME})(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?")
# The same grammar without named groups, for a URL converter (images/urls.py).
REFERENCE_PATTERN = rf"{_NAME}(?::{_TAG})?(?:@{_DIGEST})?"
IMAGE_ID = re.compile(r"(sha256:)?[0-9a-f]{12,64}")


def _is_domain(component: str) -> bool:
    return "." in component or ":" in component or component == "localhost"


def parse_reference(value: str, allow_digest: bool = True) -> tuple[str, str, str] | None:
    """(name, tag, digest) of an image reference, or None when Docker would refuse it."""
    match = REFERENCE.fullmatch(value.strip())
    if not match or len(match["name"]) > 255:
        return None
    first, slash, _ = match["name"].partition("/")
    if slash and not _is_domain(first) and not re.fullmatch(_COMPONENT, first):
        return None  # e.g. "Foo/bar": not a registry, and a path component is lower-case
    if match["digest"] and not allow_digest:
        return None
    return match["name"], match["tag"] or "", match["digest"] or ""


def normalize_reference(value: str) -> str:
    """What to pull: the reference as given, with `:latest` when it names neither tag nor digest."""
    name, tag, digest = parse_reference(value)
    if digest:
        return f"{name}{':' + tag if tag else ''}@{digest}"
    return f"{name}:{tag or 'latest'}"
