"""A whole `docker create` command line: the Run/Create form's values, parsed, in one
`ContainerSpec`. `create_arguments()` turns a spec into the docker-py keyword arguments that
make the same container as `docker create` with the same flags; `spec_from_inspect()` goes the
other way, from an existing container to the form's initial data ("Duplicate/Edit").

The parsers of each flag are containers/run_flags.py and containers/privilege_flags.py (and
dashboard/inputs.py for what other apps' forms take too); they are importable from here as before.
"""

import shlex
from dataclasses import dataclass, field
from decimal import Decimal

from containers.privilege_flags import (
    CAPABILITIES,
    PID_MODES,
    DeviceSpec,
    parse_capability,
    parse_device,
    parse_devices,
    parse_pid_mode,
)
from containers.run_flags import (
    MEMORY_UNITS,
    PROTOCOLS,
    RESTART_POLICIES,
    PortSpec,
    VolumeSpec,
    parse_add_host,
    parse_alias,
    parse_aliases,
    parse_command,
    parse_cpus,
    parse_env,
    parse_image_reference,
    parse_ip_address,
    parse_labels,
    parse_link,
    parse_log_options,
    parse_memory,
    parse_network,
    parse_port,
    parse_ports,
    parse_volume,
    parse_volumes,
    parse_volumes_from,
    split_items,
    split_lines,
)
from dashboard.inputs import NAME_PATTERN

# The parsers, importable from here as before the split (`specs.parse_port`).
__all__ = [
    "ContainerSpec",
    "CreateArguments",
    "create_arguments",
    "is_user_network",
    "spec_from_inspect",
    "USER_NETWORK_MODES_EXCLUDED",
    "NAME_PATTERN",
    "CAPABILITIES",
    "PID_MODES",
    "DeviceSpec",
    "parse_capability",
    "parse_device",
    "parse_devices",
    "parse_pid_mode",
    "PROTOCOLS",
    "RESTART_POLICIES",
    "PortSpec",
    "VolumeSpec",
    "parse_add_host",
    "parse_alias",
    "parse_aliases",
    "parse_command",
    "parse_cpus",
    "parse_env",
    "parse_image_reference",
    "parse_ip_address",
    "parse_labels",
    "parse_link",
    "parse_log_options",
    "parse_memory",
    "parse_network",
    "parse_port",
    "parse_ports",
    "parse_volume",
    "parse_volumes",
    "parse_volumes_from",
    "split_items",
    "split_lines",
    "NAME_PATTERN",
]

USER_NETWORK_MODES_EXCLUDED = ("", "default", "bridge", "host", "none")


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
        if size and size % MEMORY_UNITS[unit] == 0:
            return f"{size // MEMORY_UNITS[unit]}{unit}"
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
        # A started container's aliases also hold the two the engine adds itself: its short id and its hostname.
        "network_aliases": "\n".join(
            a for a in endpoint.get("Aliases") or [] if not data.get("Id", "").startswith(a) and a != hostname
        ),
        "ipv4_address": ((endpoint.get("IPAMConfig") or {}).get("IPv4Address")) or "",
        "add_host": "\n".join(host.get("ExtraHosts") or []),
        "dns": "\n".join(host.get("Dns") or []),
        # The engine names a container's host after its short id unless told otherwise.
        # In another container's network (--network container:...) it carries that one's, which -h cannot set.
        "hostname": "" if data.get("Id", "").startswith(hostname) or network.startswith("container:") else hostname,
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
