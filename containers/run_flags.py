"""The Run/Create form's flags, parsed: one pure function per `docker run` flag value.

Each parser takes the text of one flag value and returns a plain value, or raises ValueError
with a message fit to show beside the field. Names, key=value lines, aliases and addresses,
which other apps' forms take too, follow dashboard/inputs.py, the one parser of each kind;
the privilege flags are containers/privilege_flags.py; containers/specs.py puts them together.
"""

import re
import shlex
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from dashboard import inputs
from images.references import parse_reference

PROTOCOLS = ("tcp", "udp", "sctp")
MAX_PORT_RANGE = 1000  # ports one spec may expand to; more is almost surely a typo
VOLUME_MODES = ("ro", "rw", "z", "Z", "nocopy", "shared", "slave", "private", "rshared", "rslave", "rprivate")
RESTART_POLICIES = ("no", "always", "unless-stopped", "on-failure")
MIN_MEMORY = 6 * 1024 * 1024  # the engine refuses less ("Minimum memory limit allowed is 6MB")


def split_items(text: str) -> list[str]:
    """Items one per line or comma-separated, blanks dropped."""
    return [item.strip() for line in inputs.lines(text) for item in line.split(",") if item.strip()]


def split_lines(text: str) -> list[str]:
    """Non-blank lines, for values that may themselves contain commas."""
    return [line.strip() for line in inputs.lines(text) if line.strip()]


def _check_ip(text: str, what: str = "") -> str:
    return str(inputs.ip_address(text, what=what))


# ---------------------------------------------------------------- ports (-p)


@dataclass(frozen=True)
class PortSpec:
    container_port: int
    protocol: str = "tcp"
    host_ip: str = ""
    host_port: str = ""  # "" = a random port; "8000-8010" = any free port of that range

    @property
    def key(self) -> str:
        return f"{self.container_port}/{self.protocol}"

    @property
    def text(self) -> str:
        ip = f"[{self.host_ip}]" if ":" in self.host_ip else self.host_ip
        host = f"{ip}:{self.host_port}:" if ip else (f"{self.host_port}:" if self.host_port else "")
        return f"{host}{self.container_port}/{self.protocol}"


_DIGITS = re.compile(r"[0-9]{1,6}")


def _port_range(text: str, side: str) -> tuple[int, int]:
    low, dash, high = text.partition("-")
    if not _DIGITS.fullmatch(low) or (dash and not _DIGITS.fullmatch(high)):
        raise ValueError(
            _("%(side)s port %(text)r is not a number (or a range like 8000-8010).") % {"side": side, "text": text}
        )
    first, last = int(low), int(high) if dash else int(low)
    for port in (first, last):
        if not 1 <= port <= 65535:
            raise ValueError(
                _("%(side)s port %(port)s is out of range: ports go from 1 to 65535.") % {"side": side, "port": port}
            )
    if last < first:
        raise ValueError(_("%(side)s port range %(text)r ends before it starts.") % {"side": side, "text": text})
    if last - first >= MAX_PORT_RANGE:
        raise ValueError(
            _("%(side)s port range %(text)r is too long (at most %(most)s ports).")
            % {"side": side, "text": text, "most": MAX_PORT_RANGE}
        )
    return first, last


def _split_host_ip(text: str) -> tuple[str, str]:
    """`[::1]:8080:80` or `127.0.0.1:8080:80` -> (ip, rest); no IP -> ("", text)."""
    if text.startswith("["):
        ip, bracket, rest = text[1:].partition("]")
        if not bracket or not rest.startswith(":"):
            raise ValueError(_("%(text)r: an IPv6 address goes in brackets, like [::1]:8080:80.") % {"text": text})
        return _check_ip(ip, _("host IP address")), rest[1:]
    parts = text.split(":")
    if len(parts) > 3:
        raise ValueError(
            _("%(text)r has too many ':' (write [ip]:hostPort:containerPort; IPv6 addresses in brackets).")
            % {"text": text}
        )
    if len(parts) == 3:
        return _check_ip(parts[0], _("host IP address")), ":".join(parts[1:])
    return "", text


def parse_port(spec: str) -> list[PortSpec]:
    """`[ip:][hostPort:]containerPort[/tcp|udp|sctp]`, ports or ranges -> one PortSpec per port."""
    text, slash, protocol = spec.strip().rpartition("/") if "/" in spec else (spec.strip(), "", "tcp")
    protocol = protocol.lower()
    if protocol not in PROTOCOLS:
        raise ValueError(_("%(spec)r: the protocol must be tcp, udp or sctp.") % {"spec": spec})
    host_ip, rest = _split_host_ip(text)
    host_text, colon, container_text = rest.rpartition(":") if ":" in rest else ("", "", rest)
    if not container_text:
        raise ValueError(_("%(spec)r has no container port.") % {"spec": spec})
    first, last = _port_range(container_text, _("Container"))
    count = last - first + 1
    if not host_text:
        return [PortSpec(port, protocol, host_ip, "") for port in range(first, last + 1)]
    host_first, host_last = _port_range(host_text, _("Host"))
    if count == 1:
        # One container port, a host range: the engine picks a free port of the range.
        host_port = str(host_first) if host_first == host_last else f"{host_first}-{host_last}"
        return [PortSpec(first, protocol, host_ip, host_port)]
    if host_last - host_first + 1 != count:
        raise ValueError(_("%(spec)r: the host and container port ranges must have the same length.") % {"spec": spec})
    return [PortSpec(first + i, protocol, host_ip, str(host_first + i)) for i in range(count)]


def parse_ports(text: str) -> list[PortSpec]:
    return [port for item in split_items(text) for port in parse_port(item)]


# ---------------------------------------------------------------- env (-e, --env-file)


def parse_env(text: str) -> list[str]:
    """`KEY=value` lines, or env-file text: blank lines and `#` comments are skipped."""
    env = []
    for number, raw in enumerate(inputs.lines(text), start=1):
        line = raw.lstrip()
        if not line or line.startswith("#"):
            continue
        key, equals, _value = line.partition("=")
        if not equals:
            raise ValueError(
                _("Line %(number)s (%(line)r) has no '=': write KEY=value.") % {"number": number, "line": line[:40]}
            )
        if not key or any(c.isspace() for c in key):
            raise ValueError(
                _("Line %(number)s: the variable name %(key)r must be non-empty and contain no spaces.")
                % {"number": number, "key": key}
            )
        if "\x00" in line:
            raise ValueError(_("Line %(number)s contains a NUL character.") % {"number": number})
        env.append(line)
    return env


# ---------------------------------------------------------------- volumes (-v, --volumes-from)


@dataclass(frozen=True)
class VolumeSpec:
    kind: str  # "bind", "volume" or "anonymous"
    target: str
    source: str = ""
    mode: str = ""

    @property
    def text(self) -> str:
        return ":".join(part for part in (self.source, self.target, self.mode) if part)


def _check_mode(mode: str, spec: str) -> str:
    options = mode.split(",")
    if any(option not in VOLUME_MODES for option in options) or {"ro", "rw"} <= set(options):
        raise ValueError(_("%(spec)r: the mode %(mode)r is not valid (use ro or rw).") % {"spec": spec, "mode": mode})
    return mode


def parse_volume(spec: str) -> VolumeSpec:
    """Bind `/host:/ctr[:ro|rw]`, named `vol:/ctr[:ro]` or anonymous `/ctr`."""
    spec = spec.strip()
    parts = spec.split(":")
    if len(parts) > 3 or not all(parts):
        raise ValueError(
            _("%(spec)r is not a volume spec: write /host/path:/container/path[:ro], name:/path or /path.")
            % {"spec": spec}
        )
    target = parts[0] if len(parts) == 1 else parts[1]
    if not target.startswith("/"):
        raise ValueError(
            _("%(spec)r: the container path %(target)r must be absolute (start with /).")
            % {"spec": spec, "target": target}
        )
    if target.rstrip("/") == "":
        raise ValueError(_("%(spec)r: the container path cannot be /.") % {"spec": spec})
    if len(parts) == 1:
        return VolumeSpec("anonymous", target)
    source, mode = parts[0], _check_mode(parts[2], spec) if len(parts) == 3 else ""
    if source.startswith("/"):
        return VolumeSpec("bind", target, source, mode)
    if source.startswith((".", "~")) or "/" in source:
        raise ValueError(
            _("%(spec)r: the host path %(source)r must be absolute (start with /).") % {"spec": spec, "source": source}
        )
    return VolumeSpec("volume", target, inputs.volume_name(source), mode)


def parse_volumes(text: str) -> list[VolumeSpec]:
    return [parse_volume(line) for line in split_lines(text)]


def parse_volumes_from(spec: str) -> str:
    """`name[:ro|rw]`: every volume of another container."""
    name, colon, mode = spec.strip().partition(":")
    if colon and mode not in ("ro", "rw"):
        raise ValueError(_("%(spec)r: the mode after ':' must be ro or rw.") % {"spec": spec})
    return f"{inputs.container_name(name)}{colon}{mode}"


# ---------------------------------------------------------------- links, hosts, labels


def parse_link(spec: str) -> tuple[str, str]:
    """`name:alias` or `name` (the alias is then the name)."""
    name, colon, alias = spec.strip().partition(":")
    name = inputs.container_name(name)
    return name, inputs.alias(alias) if colon else name


def parse_ip_address(text: str) -> str:
    """`--dns 1.1.1.1`: an IPv4 or IPv6 address."""
    return _check_ip(text.strip())


def parse_alias(text: str) -> str:
    """`--network-alias web`."""
    return inputs.alias(text.strip())


def parse_add_host(spec: str) -> str:
    """`--add-host host:ip` (the IP may be IPv6, or `host-gateway`)."""
    host, colon, ip = spec.strip().partition(":")
    if not colon or not host or any(c.isspace() for c in host):
        raise ValueError(_("%(spec)r is not host:ip (for example db.local:10.0.0.5).") % {"spec": spec})
    return f"{host}:{ip if ip == 'host-gateway' else _check_ip(ip)}"


def parse_aliases(text: str) -> list[str]:
    """`--network-alias web`, as many as given, separated by commas, spaces or lines."""
    return inputs.parse_aliases(text)


def parse_labels(text: str) -> dict[str, str]:
    """`-l key=value` lines, as `docker run --label` reads them."""
    return inputs.parse_key_values(text, _("Label"))


def parse_log_options(text: str) -> dict[str, str]:
    """`--log-opt key=value` lines: a bare key is refused, as the container would never start."""
    return inputs.parse_key_values(text, _("Log option"), value_required=True)


# ---------------------------------------------------------------- resources, commands


_MEMORY = re.compile(r"([0-9]{1,20}(?:\.[0-9]{1,20})?)\s*([kmgtp]?)i?b?", re.IGNORECASE)
MEMORY_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}


def parse_memory(text: str) -> int:
    """`512m`, `1g`, `1.5g`, `1048576` (bytes) -> bytes, 1024-based like docker."""
    match = _MEMORY.fullmatch(text.strip())
    if not match:
        raise ValueError(
            _("%(text)r is not a memory size: write a number with b, k, m or g (e.g. 512m).") % {"text": text}
        )
    size = int(Decimal(match.group(1)) * MEMORY_UNITS[match.group(2).lower()])
    if size < MIN_MEMORY:
        raise ValueError(_("The engine needs a memory limit of at least 6m."))
    if size >= 2**63:
        raise ValueError(_("%(text)r is more memory than the engine can count.") % {"text": text})
    return size


def parse_cpus(text: str) -> int:
    """`1.5` CPUs -> NanoCpus (1500000000), as `--cpus`."""
    try:
        cpus = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(_("%(text)r is not a number of CPUs (e.g. 1.5).") % {"text": text}) from None
    if not cpus.is_finite() or cpus <= 0 or cpus > 1024:
        raise ValueError(_("%(text)r is not a number of CPUs between 0 and 1024.") % {"text": text})
    nano = int(cpus * 1_000_000_000)
    if nano == 0:
        raise ValueError(_("%(text)r is less than a billionth of a CPU.") % {"text": text})
    return nano


def parse_command(text: str) -> list[str]:
    """A command line with shell-style quoting: `sh -c 'echo "$HOME"'` -> 3 words."""
    try:
        return shlex.split(text or "")
    except ValueError as e:  # "No closing quotation", "No escaped character"
        raise ValueError(_("Cannot split this command: %(error)s.") % {"error": str(e).lower()}) from None


def parse_network(text: str) -> str:
    """bridge, host, none, `container:<name>` or a network name (existence is checked elsewhere)."""
    text = text.strip()
    if text.startswith("container:"):
        return f"container:{inputs.container_name(text.split(':', 1)[1])}"
    return inputs.network_name(text) if text else text


# ---------------------------------------------------------------- image references

# The grammar itself is images/references.py, the one the image forms use (255 characters at
# most for the name, as the CLI; a tag adds up to 128); the create form also takes a full image id.
_IMAGE_ID = re.compile(r"(?:sha256:)?[0-9a-f]{64}")


def parse_image_reference(text: str) -> str:
    """`[registry[:port]/]path[:tag][@digest]` or a full image id, as the engine's grammar."""
    text = text.strip()
    if _IMAGE_ID.fullmatch(text):
        return text
    if parse_reference(text) is None:
        raise ValueError(
            _("%(text)r is not a valid image reference: write [registry/]name[:tag], lowercase, e.g. busybox:1.36.")
            % {"text": text}
        )
    return text
