"""What a user types in the Run/Create form, parsed: pure functions, no Django, no Docker.

Each parser takes the text of one `docker run` flag value and returns a plain value, or
raises ValueError with a message fit to show beside the field. `create_arguments()` turns
a whole `ContainerSpec` into the docker-py keyword arguments that make the same container
as `docker create` with the same flags; `spec_from_inspect()` goes the other way, from an
existing container to the form's initial data ("Duplicate/Edit").
"""

import ipaddress
import posixpath
import re
import shlex
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from images.references import parse_reference

# The engine's own name rule for containers and volumes: [a-zA-Z0-9][a-zA-Z0-9_.-]+
NAME_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")
PROTOCOLS = ("tcp", "udp", "sctp")
MAX_PORT_RANGE = 1000  # ports one spec may expand to; more is almost surely a typo
VOLUME_MODES = ("ro", "rw", "z", "Z", "nocopy", "shared", "slave", "private", "rshared", "rslave", "rprivate")
RESTART_POLICIES = ("no", "always", "unless-stopped", "on-failure")
MIN_MEMORY = 6 * 1024 * 1024  # the engine refuses less ("Minimum memory limit allowed is 6MB")
USER_NETWORK_MODES_EXCLUDED = ("", "default", "bridge", "host", "none")


def split_items(text: str) -> list[str]:
    """Items one per line or comma-separated, blanks dropped."""
    return [item.strip() for line in (text or "").splitlines() for item in line.split(",") if item.strip()]


def split_lines(text: str) -> list[str]:
    """Non-blank lines, for values that may themselves contain commas."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _check_name(name: str, what: str) -> str:
    name = name.lstrip("/")
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"{what} {name!r} is not a valid name: use letters, digits, '_', '.' or '-' (2 characters or more)."
        )
    return name


def _check_ip(text: str, what: str = "IP address") -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ValueError(f"{text!r} is not a valid {what}.") from None


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
        raise ValueError(f"{side} port {text!r} is not a number (or a range like 8000-8010).")
    first, last = int(low), int(high) if dash else int(low)
    for port in (first, last):
        if not 1 <= port <= 65535:
            raise ValueError(f"{side} port {port} is out of range: ports go from 1 to 65535.")
    if last < first:
        raise ValueError(f"{side} port range {text!r} ends before it starts.")
    if last - first >= MAX_PORT_RANGE:
        raise ValueError(f"{side} port range {text!r} is too long (at most {MAX_PORT_RANGE} ports).")
    return first, last


def _split_host_ip(text: str) -> tuple[str, str]:
    """`[::1]:8080:80` or `127.0.0.1:8080:80` -> (ip, rest); no IP -> ("", text)."""
    if text.startswith("["):
        ip, bracket, rest = text[1:].partition("]")
        if not bracket or not rest.startswith(":"):
            raise ValueError(f"{text!r}: an IPv6 address goes in brackets, like [::1]:8080:80.")
        return _check_ip(ip, "host IP address"), rest[1:]
    parts = text.split(":")
    if len(parts) > 3:
        raise ValueError(f"{text!r} has too many ':' (write [ip]:hostPort:containerPort; IPv6 addresses in brackets).")
    if len(parts) == 3:
        return _check_ip(parts[0], "host IP address"), ":".join(parts[1:])
    return "", text


def parse_port(spec: str) -> list[PortSpec]:
    """`[ip:][hostPort:]containerPort[/tcp|udp|sctp]`, ports or ranges -> one PortSpec per port."""
    text, slash, protocol = spec.strip().rpartition("/") if "/" in spec else (spec.strip(), "", "tcp")
    protocol = protocol.lower()
    if protocol not in PROTOCOLS:
        raise ValueError(f"{spec!r}: the protocol must be tcp, udp or sctp.")
    host_ip, rest = _split_host_ip(text)
    host_text, colon, container_text = rest.rpartition(":") if ":" in rest else ("", "", rest)
    if not container_text:
        raise ValueError(f"{spec!r} has no container port.")
    first, last = _port_range(container_text, "Container")
    count = last - first + 1
    if not host_text:
        return [PortSpec(port, protocol, host_ip, "") for port in range(first, last + 1)]
    host_first, host_last = _port_range(host_text, "Host")
    if count == 1:
        # One container port, a host range: the engine picks a free port of the range.
        host_port = str(host_first) if host_first == host_last else f"{host_first}-{host_last}"
        return [PortSpec(first, protocol, host_ip, host_port)]
    if host_last - host_first + 1 != count:
        raise ValueError(f"{spec!r}: the host and container port ranges must have the same length.")
    return [PortSpec(first + i, protocol, host_ip, str(host_first + i)) for i in range(count)]


def parse_ports(text: str) -> list[PortSpec]:
    return [port for item in split_items(text) for port in parse_port(item)]


# ---------------------------------------------------------------- env (-e, --env-file)


def parse_env(text: str) -> list[str]:
    """`KEY=value` lines, or env-file text: blank lines and `#` comments are skipped."""
    env = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.lstrip()
        if not line or line.startswith("#"):
            continue
        key, equals, _value = line.partition("=")
        if not equals:
            raise ValueError(f"Line {number} ({line[:40]!r}) has no '=': write KEY=value.")
        if not key or any(c.isspace() for c in key):
            raise ValueError(f"Line {number}: the variable name {key!r} must be non-empty and contain no spaces.")
        if "\x00" in line:
            raise ValueError(f"Line {number} contains a NUL character.")
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
        raise ValueError(f"{spec!r}: the mode {mode!r} is not valid (use ro or rw).")
    return mode


def parse_volume(spec: str) -> VolumeSpec:
    """Bind `/host:/ctr[:ro|rw]`, named `vol:/ctr[:ro]` or anonymous `/ctr`."""
    spec = spec.strip()
    parts = spec.split(":")
    if len(parts) > 3 or not all(parts):
        raise ValueError(f"{spec!r} is not a volume spec: write /host/path:/container/path[:ro], name:/path or /path.")
    target = parts[0] if len(parts) == 1 else parts[1]
    if not target.startswith("/"):
        raise ValueError(f"{spec!r}: the container path {target!r} must be absolute (start with /).")
    if target.rstrip("/") == "":
        raise ValueError(f"{spec!r}: the container path cannot be /.")
    if len(parts) == 1:
        return VolumeSpec("anonymous", target)
    source, mode = parts[0], _check_mode(parts[2], spec) if len(parts) == 3 else ""
    if source.startswith("/"):
        return VolumeSpec("bind", target, source, mode)
    if source.startswith((".", "~")) or "/" in source:
        raise ValueError(f"{spec!r}: the host path {source!r} must be absolute (start with /).")
    return VolumeSpec("volume", target, _check_name(source, "Volume"), mode)


def parse_volumes(text: str) -> list[VolumeSpec]:
    return [parse_volume(line) for line in split_lines(text)]


def parse_volumes_from(spec: str) -> str:
    """`name[:ro|rw]`: every volume of another container."""
    name, colon, mode = spec.strip().partition(":")
    if colon and mode not in ("ro", "rw"):
        raise ValueError(f"{spec!r}: the mode after ':' must be ro or rw.")
    return f"{_check_name(name, 'Container')}{colon}{mode}"


# ---------------------------------------------------------------- links, hosts, labels


def parse_link(spec: str) -> tuple[str, str]:
    """`name:alias` or `name` (the alias is then the name)."""
    name, colon, alias = spec.strip().partition(":")
    name = _check_name(name, "Container")
    return name, _check_name(alias, "Alias") if colon else name


def parse_ip_address(text: str) -> str:
    """`--dns 1.1.1.1`: an IPv4 or IPv6 address."""
    return _check_ip(text.strip())


def parse_alias(text: str) -> str:
    """`--network-alias web`."""
    return _check_name(text.strip(), "Alias")


def parse_add_host(spec: str) -> str:
    """`--add-host host:ip` (the IP may be IPv6, or `host-gateway`)."""
    host, colon, ip = spec.strip().partition(":")
    if not colon or not host or any(c.isspace() for c in host):
        raise ValueError(f"{spec!r} is not host:ip (for example db.local:10.0.0.5).")
    return f"{host}:{ip if ip == 'host-gateway' else _check_ip(ip)}"


def parse_key_values(text: str, *, value_required: bool, what: str) -> dict[str, str]:
    """`key=value` lines (labels, log options); a label may be a bare key, as in docker."""
    pairs = {}
    for line in split_lines(text):
        key, equals, value = line.partition("=")
        key = key.strip()
        if not key or (value_required and not equals):
            raise ValueError(f"{line[:40]!r} is not a {what} of the form key=value.")
        pairs[key] = value
    return pairs


def parse_labels(text: str) -> dict[str, str]:
    return parse_key_values(text, value_required=False, what="label")


def parse_log_options(text: str) -> dict[str, str]:
    return parse_key_values(text, value_required=True, what="log option")


# ---------------------------------------------------------------- resources, commands


_MEMORY = re.compile(r"([0-9]{1,20}(?:\.[0-9]{1,20})?)\s*([kmgtp]?)i?b?", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}


def parse_memory(text: str) -> int:
    """`512m`, `1g`, `1.5g`, `1048576` (bytes) -> bytes, 1024-based like docker."""
    match = _MEMORY.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a memory size: write a number with b, k, m or g (e.g. 512m).")
    size = int(Decimal(match.group(1)) * _UNITS[match.group(2).lower()])
    if size < MIN_MEMORY:
        raise ValueError("The engine needs a memory limit of at least 6m.")
    if size >= 2**63:
        raise ValueError(f"{text!r} is more memory than the engine can count.")
    return size


def parse_cpus(text: str) -> int:
    """`1.5` CPUs -> NanoCpus (1500000000), as `--cpus`."""
    try:
        cpus = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number of CPUs (e.g. 1.5).") from None
    if not cpus.is_finite() or cpus <= 0 or cpus > 1024:
        raise ValueError(f"{text!r} is not a number of CPUs between 0 and 1024.")
    nano = int(cpus * 1_000_000_000)
    if nano == 0:
        raise ValueError(f"{text!r} is less than a billionth of a CPU.")
    return nano


def parse_command(text: str) -> list[str]:
    """A command line with shell-style quoting: `sh -c 'echo "$HOME"'` -> 3 words."""
    try:
        return shlex.split(text or "")
    except ValueError as e:  # "No closing quotation", "No escaped character"
        raise ValueError(f"Cannot split this command: {str(e).lower()}.") from None


def parse_network(text: str) -> str:
    """bridge, host, none, `container:<name>` or a network name (existence is checked elsewhere)."""
    text = text.strip()
    if text.startswith("container:"):
        return f"container:{_check_name(text.split(':', 1)[1], 'Container')}"
    if text and not re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*", text):
        raise ValueError(f"{text!r} is not a network name.")
    return text


# ---------------------------------------------------------------- privileges (--cap-add, --cap-drop, --device, --pid)

# Linux capabilities (capabilities(7)); the engine refuses any other name at create.
CAPABILITIES = frozenset(
    "CAP_" + name
    for name in [
        "CHOWN",
        "DAC_OVERRIDE",
        "DAC_READ_SEARCH",
        "FOWNER",
        "FSETID",
        "KILL",
        "SETGID",
        "SETUID",
        "SETPCAP",
        "LINUX_IMMUTABLE",
        "NET_BIND_SERVICE",
        "NET_BROADCAST",
        "NET_ADMIN",
        "NET_RAW",
        "IPC_LOCK",
        "IPC_OWNER",
        "SYS_MODULE",
        "SYS_RAWIO",
        "SYS_CHROOT",
        "SYS_PTRACE",
        "SYS_PACCT",
        "SYS_ADMIN",
        "SYS_BOOT",
        "SYS_NICE",
        "SYS_RESOURCE",
        "SYS_TIME",
        "SYS_TTY_CONFIG",
        "MKNOD",
        "LEASE",
        "AUDIT_WRITE",
        "AUDIT_CONTROL",
        "SETFCAP",
        "MAC_OVERRIDE",
        "MAC_ADMIN",
        "SYSLOG",
        "WAKE_ALARM",
        "BLOCK_SUSPEND",
        "AUDIT_READ",
        "PERFMON",
        "BPF",
        "CHECKPOINT_RESTORE",
    ]
)
PID_MODES = ("", "host")


def parse_capability(text: str) -> str:
    """`NET_ADMIN`, `CAP_NET_ADMIN`, `net_admin` or `ALL`, kept as typed: the CLI sends it so."""
    name = text.strip()
    upper = name.upper()
    if upper != "ALL" and (upper if upper.startswith("CAP_") else f"CAP_{upper}") not in CAPABILITIES:
        raise ValueError(f"{name!r} is not a Linux capability (for example NET_ADMIN, SYS_TIME or ALL).")
    return name


@dataclass(frozen=True)
class DeviceSpec:
    path_on_host: str
    path_in_container: str
    permissions: str = "rwm"

    @property
    def text(self) -> str:
        target = "" if self.path_in_container == self.path_on_host else f":{self.path_in_container}"
        mode = "" if self.permissions == "rwm" else f":{self.permissions}"
        return f"{self.path_on_host}{target}{mode}"

    @property
    def mapping(self) -> dict[str, str]:
        return {
            "PathOnHost": self.path_on_host,
            "PathInContainer": self.path_in_container,
            "CgroupPermissions": self.permissions,
        }


def _is_device_mode(text: str) -> bool:
    """r, w and m, each at most once, as the CLI's validDeviceMode."""
    return bool(text) and set(text) <= set("rwm") and len(set(text)) == len(text)


def _clean_path(path: str) -> str:
    """Go's path.Clean for an absolute path: no `//`, `.` or `..` left, no trailing slash."""
    return "/" + posixpath.normpath(path).lstrip("/")


def parse_device(spec: str) -> DeviceSpec:
    """`--device /dev/x[:/dev/y][:rwm]`: the host device, where it appears, and the cgroup permissions."""
    spec = spec.strip()
    parts = spec.split(":")
    if len(parts) > 3 or not all(parts):
        raise ValueError(f"{spec!r} is not a device: write /dev/host[:/dev/container][:rwm].")
    source, target, mode = parts[0], "", "rwm"
    if len(parts) == 3:
        target, mode = parts[1], parts[2]
        if not _is_device_mode(mode):
            raise ValueError(f"{spec!r}: the permissions {mode!r} are not valid (some of r, w and m).")
    elif len(parts) == 2:
        if _is_device_mode(parts[1]):
            mode = parts[1]
        else:
            target = parts[1]
    for path in (source, target or source):
        if not path.startswith("/"):
            raise ValueError(f"{spec!r}: the device path {path!r} must be absolute (start with /).")
    # The CLI cleans the container path (and the host path when no container path is given).
    if not target:
        source = target = _clean_path(source)
    elif len(parts) == 2:
        target = _clean_path(target)
    return DeviceSpec(source, target, mode)


def parse_devices(text: str) -> list[DeviceSpec]:
    return [parse_device(item) for item in split_items(text)]


def parse_pid_mode(text: str) -> str:
    mode = text.strip()
    if mode not in PID_MODES:
        raise ValueError(f"{mode!r} is not a PID mode: leave it empty (the container's own) or write host.")
    return mode


# ---------------------------------------------------------------- image references

# The grammar itself is images/references.py; the create form also takes a full image id.
_IMAGE_ID = re.compile(r"(?:sha256:)?[0-9a-f]{64}")


def parse_image_reference(text: str) -> str:
    """`[registry[:port]/]path[:tag][@digest]` or a full image id, as the engine's grammar."""
    text = text.strip()
    if _IMAGE_ID.fullmatch(text):
        return text
    if len(text) > 255 or parse_reference(text) is None:
        raise ValueError(
            f"{text!r} is not a valid image reference: write [registry/]name[:tag], lowercase, e.g. busybox:1.36."
        )
    return text


# ---------------------------------------------------------------- a whole container


@dataclass(frozen=True)
class ContainerSpec:
    """Everything the form asks, in plain values: one `docker create` command line."""

    image: str
    name: str = ""
    command: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] = ()
    interactive: bool = False  # -i
    tty: bool = False  # -t
    detach: bool = False  # -d: Run in the background even with -i/-t
    auto_remove: bool = False  # --rm
    env: tuple[str, ...] = ()
    ports: tuple[PortSpec, ...] = ()
    publish_all: bool = False
    links: tuple[tuple[str, str], ...] = ()
    restart_policy: str = "no"
    restart_max_retries: int = 0
    volumes: tuple[VolumeSpec, ...] = ()
    volumes_from: tuple[str, ...] = ()
    network: str = ""
    network_aliases: tuple[str, ...] = ()
    ipv4_address: str = ""
    extra_hosts: tuple[str, ...] = ()
    dns: tuple[str, ...] = ()
    hostname: str = ""
    workdir: str = ""
    user: str = ""
    init: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    log_driver: str = ""
    log_options: dict[str, str] = field(default_factory=dict)
    memory: int = 0
    nano_cpus: int = 0
    privileged: bool = False
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    devices: tuple[DeviceSpec, ...] = ()
    pid_mode: str = ""

    @property
    def wants_terminal(self) -> bool:
        """`docker run -i`/`-t` without `-d` attaches: Run opens the terminal page."""
        return (self.interactive or self.tty) and not self.detach


@dataclass(frozen=True)
class CreateArguments:
    """docker-py keyword arguments: `create_container(**container, host_config=…, networking_config=…)`."""

    container: dict
    host_config: dict
    network: str = ""  # the network an endpoint config is for, when there is one
    endpoint: dict | None = None  # `create_endpoint_config` kwargs


def _port_bindings(ports: tuple[PortSpec, ...]) -> dict[str, list[dict]]:
    bindings: dict[str, list[dict]] = {}
    for port in ports:
        bindings.setdefault(port.key, []).append({"HostIp": port.host_ip, "HostPort": port.host_port})
    return bindings


def is_user_network(network: str) -> bool:
    return network not in USER_NETWORK_MODES_EXCLUDED and not network.startswith("container:")


def create_arguments(spec: ContainerSpec, *, detach: bool) -> CreateArguments:
    """The same container as `docker create` with the spec's flags.

    `detach=False` gives `docker create`'s (and `docker run -it`'s) attach flags;
    `detach=True` those of `docker run -d`.
    """
    exposed = list(dict.fromkeys((p.container_port, p.protocol) for p in spec.ports))
    container = {
        "image": spec.image,
        "command": list(spec.command) or None,
        "entrypoint": list(spec.entrypoint) or None,
        "name": spec.name or None,
        "stdin_open": spec.interactive,
        "tty": spec.tty,
        "detach": detach,
        "environment": list(spec.env) or None,
        "ports": exposed or None,
        "volumes": [v.target for v in spec.volumes if v.kind == "anonymous"] or None,
        "hostname": spec.hostname or None,
        "working_dir": spec.workdir or None,
        "user": spec.user or None,
        "labels": dict(spec.labels) or None,
    }
    host_config = {
        "port_bindings": _port_bindings(spec.ports),
        "publish_all_ports": spec.publish_all,
        "binds": [v.text for v in spec.volumes if v.kind != "anonymous"] or None,
        "volumes_from": list(spec.volumes_from) or None,
        "links": list(spec.links) or None,  # (name, alias) pairs; docker-py writes "name:alias"
        # The CLI always sends port bindings, a restart policy ("no") and a DNS list: so does Berth.
        "restart_policy": {"Name": spec.restart_policy, "MaximumRetryCount": spec.restart_max_retries},
        "dns": list(spec.dns),
        "extra_hosts": list(spec.extra_hosts) or None,
        "network_mode": spec.network or None,
        "auto_remove": spec.auto_remove,
        "init": True if spec.init else None,
        "mem_limit": spec.memory or None,
        "nano_cpus": spec.nano_cpus or None,
        "log_config": {"Type": spec.log_driver, "Config": dict(spec.log_options)}
        if spec.log_driver or spec.log_options
        else None,
        "privileged": spec.privileged,
        "cap_add": list(spec.cap_add) or None,
        "cap_drop": list(spec.cap_drop) or None,
        "devices": [device.mapping for device in spec.devices] or None,
        "pid_mode": spec.pid_mode or None,
    }
    host_config = {key: value for key, value in host_config.items() if value is not None}
    if is_user_network(spec.network) and (spec.network_aliases or spec.ipv4_address):
        endpoint = {"aliases": list(spec.network_aliases) or None, "ipv4_address": spec.ipv4_address or None}
        return CreateArguments(container, host_config, spec.network, endpoint)
    return CreateArguments(container, host_config)


# ---------------------------------------------------------------- back from an existing container


def _format_memory(size: int) -> str:
    for unit in ("g", "m", "k"):
        if size and size % _UNITS[unit] == 0:
            return f"{size // _UNITS[unit]}{unit}"
    return str(size) if size else ""


def _format_cpus(nano: int) -> str:
    return f"{Decimal(nano) / 1_000_000_000:f}".rstrip("0").rstrip(".") if nano else ""


def _link_text(link: str) -> str:
    """The engine stores `--link db:mysql` as `/db:/web/mysql`."""
    target, _, alias_path = link.partition(":")
    target, alias = target.lstrip("/"), alias_path.rsplit("/", 1)[-1]
    return target if alias == target else f"{target}:{alias}"


def _port_lines(bindings: dict | None) -> list[str]:
    lines = []
    for key, entries in sorted((bindings or {}).items()):
        port, _, protocol = key.partition("/")
        for entry in entries or [{}]:
            lines.append(
                PortSpec(int(port), protocol or "tcp", entry.get("HostIp", ""), entry.get("HostPort", "")).text
            )
    return lines


def _device_text(device: dict) -> str:
    source = device.get("PathOnHost", "")
    return DeviceSpec(source, device.get("PathInContainer") or source, device.get("CgroupPermissions") or "rwm").text


def spec_from_inspect(data: dict) -> dict:
    """Initial form data that recreates the container `data` (an inspect document) describes."""
    config, host = data.get("Config") or {}, data.get("HostConfig") or {}
    network = host.get("NetworkMode") or ""
    endpoint = ((data.get("NetworkSettings") or {}).get("Networks") or {}).get(network) or {}
    binds = host.get("Binds") or []
    bound_targets = {bind.split(":")[1] for bind in binds if ":" in bind}
    anonymous = [target for target in (config.get("Volumes") or {}) if target not in bound_targets]
    restart = host.get("RestartPolicy") or {}
    log_config = host.get("LogConfig") or {}
    hostname = config.get("Hostname") or ""
    return {
        "image": config.get("Image", ""),
        "name": (data.get("Name") or "").lstrip("/"),
        "command": shlex.join(config.get("Cmd") or []),
        "entrypoint": shlex.join(config.get("Entrypoint") or []),
        "interactive": bool(config.get("OpenStdin")),
        "tty": bool(config.get("Tty")),
        "auto_remove": bool(host.get("AutoRemove")),
        "env": "\n".join(config.get("Env") or []),
        "ports": "\n".join(_port_lines(host.get("PortBindings"))),
        "publish_all": bool(host.get("PublishAllPorts")),
        "links": "\n".join(_link_text(link) for link in host.get("Links") or []),
        "restart_policy": restart.get("Name") or "no",
        "restart_max_retries": restart.get("MaximumRetryCount") or None,
        "volumes": "\n".join([*binds, *anonymous]),
        "volumes_from": "\n".join(host.get("VolumesFrom") or []),
        "network": "" if network == "default" else network,
        "network_aliases": "\n".join(a for a in endpoint.get("Aliases") or [] if not data.get("Id", "").startswith(a)),
        "ipv4_address": ((endpoint.get("IPAMConfig") or {}).get("IPv4Address")) or "",
        "add_host": "\n".join(host.get("ExtraHosts") or []),
        "dns": "\n".join(host.get("Dns") or []),
        # The engine names a container's host after its short id unless told otherwise.
        "hostname": "" if data.get("Id", "").startswith(hostname) else hostname,
        "workdir": config.get("WorkingDir") or "",
        "user": config.get("User") or "",
        "init": bool(host.get("Init")),
        "labels": "\n".join(f"{k}={v}" for k, v in sorted((config.get("Labels") or {}).items())),
        "log_driver": log_config.get("Type") or "",
        "log_options": "\n".join(f"{k}={v}" for k, v in sorted((log_config.get("Config") or {}).items())),
        "memory": _format_memory(host.get("Memory") or 0),
        "cpus": _format_cpus(host.get("NanoCpus") or 0),
        "privileged": bool(host.get("Privileged")),
        "cap_add": "\n".join(host.get("CapAdd") or []),
        "cap_drop": "\n".join(host.get("CapDrop") or []),
        "devices": "\n".join(_device_text(device) for device in host.get("Devices") or []),
        "pid": host.get("PidMode") or "",
    }
