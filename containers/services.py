"""The containers app's public service: container lists and one container's details, plain
functions returning small dataclasses; the views, the other apps and the tests call it as
`services.X`.

It and the modules it gathers (operations.py: one engine call each, the actions among them;
reach.py: what a container hands whoever starts it; creation.py: create, run, replace), with
the containers/streams/ package, are the only container code that touches the Docker SDK. Lists use the
low-level `client.api.containers()` dicts: one engine call per page, where `containers.list()`
would inspect every container.
"""

import re
import shlex
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from containers.creation import create_container, replace_container, run_container
from containers.operations import (
    ACTIONS,
    container_exists,
    image_exists,
    inspect_container,
    inspect_volume,
    kill_container,
    network_names,
    network_subnets,
    pause_container,
    recent_output,
    remove_container,
    rename_container,
    restart_container,
    start_container,
    stop_container,
    unpause_container,
)
from containers.reach import ContainerReach, NetworkPeer, container_reach, network_peer
from dashboard.engine import get_client, translate_errors
from dashboard.times import parse_engine_time

# What the modules above hold, importable from here as before the split (`services.start_container`).
__all__ = [
    "ACTIONS",
    "ContainerReach",
    "NetworkPeer",
    "container_exists",
    "container_reach",
    "create_container",
    "image_exists",
    "inspect_container",
    "inspect_volume",
    "kill_container",
    "network_names",
    "network_subnets",
    "network_peer",
    "parse_engine_time",
    "pause_container",
    "recent_output",
    "remove_container",
    "rename_container",
    "replace_container",
    "restart_container",
    "run_container",
    "start_container",
    "stop_container",
    "unpause_container",
]

STATES = ("running", "paused", "restarting", "created", "exited", "dead", "removing")
# What `docker ps` lists without -a: the engine counts paused and restarting containers as running.
ACTIVE_STATES = ("running", "paused", "restarting")
HEALTHS = ("healthy", "unhealthy", "starting", "none")
SORT_KEYS = ("name", "image", "command", "created", "status", "ports")
LOG_DRIVERS_WITHOUT_READ = ("none", "syslog", "gelf", "fluentd", "awslogs", "splunk", "etwlogs")

_HEALTH_IN_STATUS = re.compile(r"\((healthy|unhealthy|health: starting)\)")


@dataclass(frozen=True)
class ContainerSummary:
    id: str
    name: str
    image: str
    command: str
    created: datetime
    state: str
    status: str
    health: str
    ports: list[str]
    labels: dict[str, str]

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def compose_project(self) -> str:
        return self.labels.get("com.docker.compose.project", "")


@dataclass(frozen=True)
class ContainerPage:
    rows: list[ContainerSummary]
    total: int  # containers listed (running ones only unless `all`)
    matching: int  # containers left after the filters
    page: int
    pages: int
    everything: int = 0  # every container on the engine, stopped ones included ("Remove all")
    active: int = 0  # running, paused or restarting ones on the engine ("Stop all")
    matching_active: int = 0  # those of them the filters select


def parse_health(status: str) -> str:
    match = _HEALTH_IN_STATUS.search(status)
    if not match:
        return "none"
    return "starting" if match.group(1) == "health: starting" else match.group(1)


def format_ports(ports: list[dict]) -> list[str]:
    """`docker ps` style, each binding once: the engine lists 0.0.0.0 and :: separately."""
    seen: set[tuple] = set()
    formatted = []
    for port in sorted(ports, key=lambda p: (p.get("PrivatePort", 0), p.get("Type", ""), p.get("IP", ""))):
        private, proto = port.get("PrivatePort"), port.get("Type", "tcp")
        public = port.get("PublicPort")
        ip = port.get("IP", "")
        if public:
            # "::" is the IPv6 twin of "0.0.0.0"; keep one of the pair.
            key = (private, proto, public, "0.0.0.0" if ip in ("::", "0.0.0.0") else ip)
            text = f"{'0.0.0.0' if ip == '::' else ip}:{public}->{private}/{proto}"
        else:
            key = (private, proto)
            text = f"{private}/{proto}"
        if key not in seen:
            seen.add(key)
            formatted.append(text)
    return formatted


def container_name(raw: dict) -> str:
    """A listed container's own name, as `docker ps` shows it. A container reached by a legacy
    link is listed under the link's name too ("/web/mysql"), and the engine sorts the names,
    so that one may come first: the own name is the one with no "/" after the first."""
    names = raw.get("Names") or []
    own = next((name for name in names if "/" not in name[1:]), names[0] if names else "/" + raw["Id"][:12])
    return own.lstrip("/")


def summarize(raw: dict) -> ContainerSummary:
    return ContainerSummary(
        id=raw["Id"],
        name=container_name(raw),
        image=raw.get("Image", ""),
        command=raw.get("Command", ""),
        created=datetime.fromtimestamp(raw.get("Created", 0), tz=UTC),
        state=raw.get("State", ""),
        status=raw.get("Status", ""),
        health=parse_health(raw.get("Status", "")),
        ports=format_ports(raw.get("Ports") or []),
        labels=raw.get("Labels") or {},
    )


@translate_errors
def list_raw_containers(all: bool = True, filters: dict | None = None) -> list[dict]:
    """The engine's own container list, one call. Other apps count their users from it."""
    return get_client().api.containers(all=all, filters=filters)


def list_containers(all: bool = True) -> list[ContainerSummary]:
    return [summarize(raw) for raw in list_raw_containers(all=all)]


# Sort keys read the engine's dicts directly: only the rows of the page shown are summarized.
_RAW_SORT_KEYS = {
    "name": lambda raw: container_name(raw).lower(),
    "image": lambda raw: raw.get("Image", "").lower(),
    "command": lambda raw: raw.get("Command", ""),
    "created": lambda raw: raw.get("Created", 0),
    "status": lambda raw: (raw.get("State", ""), raw.get("Status", "")),
    "ports": lambda raw: format_ports(raw.get("Ports") or []),
}


def _matches(raw: dict, needle: str, state: str, health: str) -> bool:
    return (
        (not needle or needle in container_name(raw).lower() or needle in raw.get("Image", "").lower())
        and (not state or raw.get("State") == state)
        and (not health or parse_health(raw.get("Status", "")) == health)
    )


def _selected(raws: list[dict], all: bool, search: str, state: str, health: str) -> list[dict]:
    """The engine's dicts that the list's filters select (`all`: stopped ones too, as `docker ps -a`)."""
    needle = search.strip().lower()
    return [raw for raw in raws if (all or raw.get("State") in ACTIVE_STATES) and _matches(raw, needle, state, health)]


def query_containers(
    *,
    all: bool = False,
    search: str = "",
    state: str = "",
    health: str = "",
    sort: str = "name",
    descending: bool = False,
    page: int = 1,
    per_page: int = 100,
) -> ContainerPage:
    """Filter, sort and page the whole list on the server, from one engine call (or none: the
    container mirror, containers/mirror.py).

    The call lists stopped containers too, whatever `all` says: the bulk buttons count every
    container on the engine (issue 11, item 9), and `docker ps` without -a is the same list
    with only ACTIVE_STATES kept.
    """
    from containers import mirror  # here: the mirror reads the live rows' rules, which read this module

    raws = mirror.listed_containers()  # the events-fed copy, when it is provably current
    if raws is None:
        raws = list_raw_containers(all=True)
    matching, shown, page, pages = paged_raws(raws, all, search, state, health, sort, descending, page, per_page)
    rows = [summarize(raw) for raw in shown]
    active = sum(raw.get("State") in ACTIVE_STATES for raw in raws)
    return ContainerPage(
        rows,
        len(raws) if all else active,
        len(matching),
        page,
        pages,
        everything=len(raws),
        active=active,
        matching_active=sum(raw.get("State") in ACTIVE_STATES for raw in matching),
    )


def paged_raws(
    raws: list[dict],
    all: bool,
    search: str,
    state: str,
    health: str,
    sort: str,
    descending: bool,
    page: int,
    per_page: int,
) -> tuple[list[dict], list[dict], int, int]:
    """What the filters select (sorted), the engine's dicts on the page asked for, that page and
    the number of pages: the list page, and its live rows (containers/live_rows.py)."""
    matching = _selected(raws, all, search, state, health)
    matching.sort(key=sort_key(sort), reverse=descending)
    pages = max(1, -(-len(matching) // per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    return matching, matching[start : start + per_page], page, pages


def sort_key(sort: str):
    """The list's sort key for the engine's dict of a container."""
    return _RAW_SORT_KEYS[sort if sort in SORT_KEYS else "name"]


def selected(raw: dict, *, all: bool = False, search: str = "", state: str = "", health: str = "", **_ignored) -> bool:
    """Would the list's filters show this container (the engine's dict of it)?"""
    return bool(_selected([raw], all, search, state, health))


@translate_errors
def listed_container(container_id: str) -> dict | None:
    """One container as the list has it (the engine's dict), by its full id, or None when it is
    gone: one list call filtered to it, never the whole list."""
    raws = get_client().api.containers(all=True, filters={"id": [container_id]})
    return next((raw for raw in raws if raw["Id"] == container_id), None)


def matching_containers(
    *, all: bool = False, search: str = "", state: str = "", health: str = "", **_ignored
) -> list[ContainerSummary]:
    """Every container the list's filters select, on all its pages (a bulk action on "the N shown")."""
    return [summarize(raw) for raw in _selected(list_raw_containers(all=True), all, search, state, health)]


# ---------------------------------------------------------------- one container


@dataclass(frozen=True)
class PortBinding:
    container_port: str  # "80/tcp"
    host_ip: str
    host_port: str

    @property
    def protocol(self) -> str:
        return self.container_port.split("/")[-1]


@dataclass(frozen=True)
class MountInfo:
    type: str
    source: str
    destination: str
    read_only: bool
    name: str = ""


@dataclass(frozen=True)
class NetworkAttachment:
    name: str
    ip_address: str
    mac_address: str
    gateway: str
    aliases: list[str]
    links: list[str]


@dataclass(frozen=True)
class ContainerDetail:
    id: str
    name: str
    image: str
    image_id: str
    created: datetime | None
    state: str
    status_text: str
    running: bool
    paused: bool
    exit_code: int
    oom_killed: bool
    restart_count: int
    started_at: datetime | None
    finished_at: datetime | None
    error: str
    health: str
    command: list[str]
    entrypoint: list[str]
    env: list[tuple[str, str]]
    ports: list[PortBinding]
    exposed_ports: list[str]
    mounts: list[MountInfo]
    networks: list[NetworkAttachment]
    network_mode: str
    links: list[str]
    labels: dict[str, str]
    restart_policy: str
    restart_max_retries: int
    log_driver: str
    log_options: dict[str, str]
    tty: bool
    open_stdin: bool
    auto_remove: bool
    hostname: str
    working_dir: str
    user: str
    inspect: dict = field(repr=False)

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def command_line(self) -> str:
        """The command as a shell would take it back, quotes included."""
        return shlex.join(self.command)

    @property
    def entrypoint_line(self) -> str:
        return shlex.join(self.entrypoint)

    @property
    def logs_readable(self) -> bool:
        return self.log_driver not in LOG_DRIVERS_WITHOUT_READ

    @property
    def has_stopped(self) -> bool:
        """Exited, dead, or restarting: in a crash loop the engine keeps the last run's exit
        code and output, which say why it stopped as well as for one that stays stopped."""
        return self.state in ("exited", "dead", "restarting")


def _split_env(lines: list[str] | None) -> list[tuple[str, str]]:
    return [tuple(line.split("=", 1)) if "=" in line else (line, "") for line in lines or []]


def _status_text(state: dict) -> str:
    if state.get("Paused"):
        return _("Paused")
    if state.get("Restarting"):
        return _("Restarting")
    if state.get("Running"):
        return _("Running")
    status = state.get("Status", "")
    if status == "exited":
        return _("Exited (%(code)s)") % {"code": state.get("ExitCode", 0)}
    return str(STATUS_WORDS.get(status, status.capitalize()))


# The other states' words, as the page shows them (the engine's own word when it is new).
STATUS_WORDS = {
    "created": pgettext_lazy("a container's state", "Created"),
    "dead": pgettext_lazy("a container's state", "Dead"),
    "removing": pgettext_lazy("a container's state", "Removing"),
}


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _port_bindings(net: dict) -> list[PortBinding]:
    return [
        PortBinding(container_port, binding.get("HostIp", ""), binding.get("HostPort", ""))
        for container_port, bindings in sorted((net.get("Ports") or {}).items())
        for binding in (bindings or [])
        if binding.get("HostIp") != "::"  # the IPv6 twin of 0.0.0.0
    ]


def _attachments(container_id: str, net: dict) -> list[NetworkAttachment]:
    return [
        NetworkAttachment(
            name=name,
            ip_address=info.get("IPAddress", ""),
            mac_address=info.get("MacAddress", ""),
            gateway=info.get("Gateway", ""),
            aliases=[a for a in (info.get("Aliases") or []) if not container_id.startswith(a)],
            links=info.get("Links") or [],
        )
        for name, info in sorted((net.get("Networks") or {}).items())
    ]


def _mounts(data: dict) -> list[MountInfo]:
    return [
        MountInfo(
            m.get("Type", ""), m.get("Source", ""), m.get("Destination", ""), not m.get("RW", True), m.get("Name", "")
        )
        for m in data.get("Mounts") or []
    ]


def detail_from_inspect(data: dict) -> ContainerDetail:
    config, host, state = data.get("Config") or {}, data.get("HostConfig") or {}, data.get("State") or {}
    net = data.get("NetworkSettings") or {}
    restart = host.get("RestartPolicy") or {}
    log_config = host.get("LogConfig") or {}
    return ContainerDetail(
        id=data["Id"],
        name=data.get("Name", "").lstrip("/"),
        image=config.get("Image", ""),
        image_id=data.get("Image", ""),
        created=parse_engine_time(data.get("Created")),
        state=state.get("Status", ""),
        status_text=_status_text(state),
        running=bool(state.get("Running")),
        paused=bool(state.get("Paused")),
        exit_code=state.get("ExitCode", 0),
        oom_killed=bool(state.get("OOMKilled")),
        restart_count=data.get("RestartCount", 0),
        started_at=parse_engine_time(state.get("StartedAt")),
        finished_at=parse_engine_time(state.get("FinishedAt")),
        error=state.get("Error", ""),
        health=(state.get("Health") or {}).get("Status", "none"),
        command=_as_list(config.get("Cmd")),
        entrypoint=_as_list(config.get("Entrypoint")),
        env=_split_env(config.get("Env")),
        ports=_port_bindings(net),
        exposed_ports=sorted(config.get("ExposedPorts") or {}),
        mounts=_mounts(data),
        networks=_attachments(data["Id"], net),
        network_mode=host.get("NetworkMode", ""),
        links=host.get("Links") or [],
        labels=config.get("Labels") or {},
        restart_policy=restart.get("Name") or "no",
        restart_max_retries=restart.get("MaximumRetryCount", 0),
        log_driver=log_config.get("Type", ""),
        log_options=log_config.get("Config") or {},
        tty=bool(config.get("Tty")),
        open_stdin=bool(config.get("OpenStdin")),
        auto_remove=bool(host.get("AutoRemove")),
        hostname=config.get("Hostname", ""),
        working_dir=config.get("WorkingDir", ""),
        user=config.get("User", ""),
        inspect=data,
    )


def get_container(container_id: str) -> ContainerDetail:
    """Raises EngineNotFound (a 404) for an unknown id or name."""
    return detail_from_inspect(inspect_container(container_id))
