"""One parser per kind of user input that more than one form takes: names, key=value lines,
network aliases, IP addresses. Every form of every app uses these, so the same text follows
the same rules on every page: the docker CLI's (and the engine's), as tests/test_inputs.py
shows case by case.

Each parser takes the text typed and returns a plain value, or raises ValueError with a
message fit to show beside the field; `cleaned()` makes that an error on a form's field.
No engine calls.
"""

import ipaddress
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The engine's rule for container names (daemon/names.go) and for local volume names.
NAME_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")
# The engine takes any network name ("my net", "a/b", "x"); Berth takes the names that
# `--network NAME` and its own URLs (dashboard/converters.py) carry: the same characters, one or more.
NETWORK_NAME_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
# Neither the CLI nor the engine checks an alias; these are the ones a DNS lookup can name.
ALIAS_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,252}")
# What the CLI calls white space in a label key (opts.ValidateLabel, kvfile).
KEY_WHITESPACE = " \t"

NAME_RULE = gettext_lazy(
    "use letters, digits, '_', '.' or '-', starting with a letter or digit (at least 2 characters)"
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def cleaned(parse, *args, **kwargs):
    """A parser's result for a form's clean_<field>: its ValueError becomes the field's error."""
    try:
        return parse(*args, **kwargs)
    except ValueError as e:
        raise ValidationError(str(e)) from None


def lines(text: str) -> list[str]:
    """The lines of a text box. Only line breaks split (a browser sends CRLF): not the other
    characters str.splitlines() takes for one (\\x0b, \\x1c, \\x85, \\u2028...), which the CLI
    keeps inside a value."""
    return _LINE_BREAK.split(text or "")


# ---------------------------------------------------------------- names


def _named(name: str, what: str) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(
            _("%(what)s %(name)r is not a valid name: %(rule)s.") % {"what": what, "name": name, "rule": NAME_RULE}
        )
    return name


def container_name(text: str, what: str = "") -> str:
    """`--name`, `docker rename`, `--link NAME`, `--volumes-from NAME`: a leading "/" is dropped,
    as the engine does (`docker create --name /web` names it "web")."""
    return _named(text.removeprefix("/"), what or _("Container"))


def volume_name(text: str) -> str:
    """`docker volume create NAME`, `-v NAME:/path`: the local driver's rule (no leading "/")."""
    return _named(text, _("Volume"))


def network_name(text: str) -> str:
    if not NETWORK_NAME_PATTERN.fullmatch(text):
        raise ValueError(
            _("%(name)r is not a network name: use letters, digits, '_', '.' or '-', starting with a letter or digit.")
            % {"name": text}
        )
    return text


# ---------------------------------------------------------------- key=value lines


def parse_key_values(text: str, what: str, *, value_required: bool = False) -> dict[str, str]:
    """`key=value` lines: labels (`--label`), driver options (`-o`), log options (`--log-opt`).

    One line is one flag's value, read as the CLI reads it (opts.ValidateLabel, then
    ConvertKVStringsToMap): a key given twice keeps the later value; the value is kept as
    typed, spaces included; a bare key is an empty value (unless `value_required`); an empty
    key, or one with a space or tab, is refused. Blank lines and the blanks before a key are
    skipped, as in a `--label-file`.
    """
    pairs: dict[str, str] = {}
    for number, raw in enumerate(lines(text), start=1):
        line = raw.lstrip()
        if not line:
            continue
        key, equals, value = line.partition("=")
        where = {"what": what, "number": number, "line": line[:40]}
        if not key:
            raise ValueError(_("%(what)s on line %(number)s, %(line)r, has no name before '='.") % where)
        if any(c in KEY_WHITESPACE for c in key):
            raise ValueError(
                _("%(what)s on line %(number)s: the name %(key)r contains a space.") % {**where, "key": key}
            )
        if value_required and not equals:
            raise ValueError(_("%(what)s on line %(number)s, %(line)r, is not of the form key=value.") % where)
        pairs[key] = value
    return pairs


# ---------------------------------------------------------------- network aliases


def alias(text: str) -> str:
    """One network alias (`--network-alias`, `docker network connect --alias`, `--link NAME:ALIAS`)."""
    if not ALIAS_PATTERN.fullmatch(text):
        raise ValueError(
            _("%(alias)r is not a valid alias: use letters, digits, '_', '.' or '-', starting with a letter or digit.")
            % {"alias": text[:60]}
        )
    return text


def parse_aliases(text: str) -> list[str]:
    """Aliases separated by commas, spaces or lines (an alias holds none of them), each once."""
    return list(dict.fromkeys(alias(item) for item in re.split(r"[\s,]+", text or "") if item))


# ---------------------------------------------------------------- addresses

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def ip_address(text: str, version: int | None = None, what: str = "") -> IPAddress:
    """`--dns`, `--add-host host:IP`, `--ip`, a gateway: an IPv4 or IPv6 address (or only one of
    them), exactly as typed: the caller strips a whole field, not the inside of `[ ::1]:80:80`."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(
            _("%(text)r is not a valid %(what)s.") % {"text": text, "what": what or _("IP address")}
        ) from None
    if version and address.version != version:
        raise ValueError(_("%(address)s is not an IPv%(version)s address.") % {"address": address, "version": version})
    return address


def static_ipv4(text: str, subnets: list) -> ipaddress.IPv4Address:
    """`--ip`, on `docker run` and on `docker network connect`: a host address of one of the
    network's IPv4 subnets, if it has any. The engine would take any other at create and then
    fail the start ("no available IP" / not in the pool); connect would refuse it at once."""
    address = ip_address(text, version=4)
    v4 = [subnet for subnet in subnets if subnet.version == 4]
    if v4 and not any(address in subnet for subnet in v4):
        raise ValueError(
            _("%(address)s is not inside the network's subnet %(subnets)s.")
            % {"address": address, "subnets": ", ".join(map(str, v4))}
        )
    if any(address == s.network_address or (s.num_addresses > 2 and address == s.broadcast_address) for s in v4):
        raise ValueError(_("%(address)s is not a host address of the subnet.") % {"address": address})
    return address


# ---------------------------------------------------------------- engine event filters

# The engine's event types (`docker events --filter type=`, api/types/events).
EVENT_TYPES = (
    "builder",
    "config",
    "container",
    "daemon",
    "image",
    "network",
    "node",
    "plugin",
    "secret",
    "service",
    "volume",
)


def event_type(text: str) -> str:
    """`--filter type=`: one of the engine's event types, or "" for any."""
    text = (text or "").strip().lower()
    if text and text not in EVENT_TYPES:
        raise ValueError(
            _("%(type)r is not an event type: use one of %(types)s.")
            % {"type": text[:40], "types": ", ".join(EVENT_TYPES)}
        )
    return text


def label_filter(text: str) -> tuple[str, str | None] | None:
    """`--filter label=KEY` or `label=KEY=VALUE`: (key, None) for any value; None for no filter.

    The key is read as a label's key (parse_key_values): no space or tab in it."""
    text = (text or "").strip()
    if not text:
        return None
    key, equals, value = text.partition("=")
    if not key or any(c in KEY_WHITESPACE for c in key):
        raise ValueError(_("%(label)r is not a label filter: use key or key=value.") % {"label": text[:60]})
    return key, (value if equals else None)
