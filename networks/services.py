"""Network operations against the engine: plain functions returning small dataclasses.

The network list call does not say which containers use a network (and the network
inspect call names only running ones), so attachments are read from the one container
list call (`containers.services.list_raw_containers`), never one call per network.
"""

import ipaddress
import os
import socket
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.utils.translation import gettext_lazy as _
from docker.types import IPAMConfig, IPAMPool

from containers.services import container_name, list_raw_containers
from dashboard.engine import (
    EngineError,
    EngineNotFound,
    docker_host,
    engine_calls,
    get_client,
    side_by_side,
    translate_errors,
)
from dashboard.outcomes import RemovalResult, remove_listed
from dashboard.times import parse_engine_time
from networks.validators import IPNetwork

BUILTIN_NETWORKS = ("bridge", "host", "none")
MACVLAN_MODES = ("bridge", "private", "vepa", "passthru")
# Drivers the engine lists but a user cannot create another network of.
SINGLETON_DRIVERS = ("host", "null")
# Drivers the engine lists that do not work here, and why (shown on the create form).
UNAVAILABLE_DRIVERS = {
    "ipvlan": _("ipvlan needs kernel support that this engine's host kernel does not have."),
}
SWARM_ONLY_DRIVERS = {
    "overlay": _("overlay spans several engines and needs swarm mode (docker swarm init), which is off here."),
}


@dataclass(frozen=True)
class Attachment:
    """One container on one network, as the container list reports it."""

    container_id: str
    container_name: str
    state: str
    ipv4: str
    ipv6: str
    mac_address: str
    aliases: list[str] = field(default_factory=list)

    @property
    def short_id(self) -> str:
        return self.container_id[:12]


@dataclass(frozen=True)
class NetworkSummary:
    id: str
    name: str
    driver: str
    scope: str
    subnets: list[str]
    gateways: list[str]
    internal: bool
    attachable: bool
    ipv6: bool
    created: datetime | None
    labels: dict[str, str]
    containers: list[Attachment]

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def builtin(self) -> bool:
        return self.name in BUILTIN_NETWORKS

    @property
    def is_default_bridge(self) -> bool:
        return self.name == "bridge"

    @property
    def container_names(self) -> list[str]:
        return [a.container_name for a in self.containers]


@dataclass(frozen=True)
class IpamPool:
    subnet: str
    ip_range: str
    gateway: str


@dataclass(frozen=True)
class NetworkDetail(NetworkSummary):
    ipam_driver: str = "default"
    ipam: list[IpamPool] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    inspect: dict = field(default_factory=dict, repr=False)

    @property
    def ip_networks(self) -> list[IPNetwork]:
        return [ipaddress.ip_network(pool.subnet, strict=False) for pool in self.ipam if pool.subnet]

    @property
    def refuses_aliases(self) -> bool:
        """The default bridge (and host/none) take no aliases and no static addresses."""
        return self.builtin


# ---------------------------------------------------------------- reading


def _attachments_by_network(raw_containers: list[dict]) -> dict[str, list[Attachment]]:
    """Network id (or name) -> the containers on it, running or not, from one container list.

    A container that was created but never started has no endpoint yet, so its entry has
    no NetworkID: it is filed under the network's name instead (see `_attached_to`).
    """
    found: dict[str, list[Attachment]] = {}
    for raw in raw_containers:
        name = container_name(raw)
        for network_name, endpoint in ((raw.get("NetworkSettings") or {}).get("Networks") or {}).items():
            found.setdefault(endpoint.get("NetworkID") or network_name, []).append(
                Attachment(
                    container_id=raw["Id"],
                    container_name=name,
                    state=raw.get("State", ""),
                    ipv4=endpoint.get("IPAddress", ""),
                    ipv6=endpoint.get("GlobalIPv6Address", ""),
                    mac_address=endpoint.get("MacAddress", ""),
                )
            )
    return found


def _attached_to(raw_network: dict, attachments: dict[str, list[Attachment]]) -> list[Attachment]:
    found = attachments.get(raw_network["Id"], []) + attachments.get(raw_network.get("Name", ""), [])
    return sorted(found, key=lambda a: a.container_name)


def _summary_fields(raw: dict, containers: list[Attachment]) -> dict:
    pools = (raw.get("IPAM") or {}).get("Config") or []
    return {
        "id": raw["Id"],
        "name": raw.get("Name", ""),
        "driver": raw.get("Driver", ""),
        "scope": raw.get("Scope", ""),
        "subnets": [p["Subnet"] for p in pools if p.get("Subnet")],
        "gateways": [p["Gateway"] for p in pools if p.get("Gateway")],
        "internal": bool(raw.get("Internal")),
        "attachable": bool(raw.get("Attachable")),
        "ipv6": bool(raw.get("EnableIPv6")),
        "created": parse_engine_time(raw.get("Created")),
        "labels": raw.get("Labels") or {},
        "containers": containers,
    }


@translate_errors
def list_raw_networks() -> list[dict]:
    return get_client().api.networks()


def list_networks() -> list[NetworkSummary]:
    """Every network with its containers: two engine calls whatever the counts, made side by side."""
    return _networks_and_containers()[0]


def _networks_and_containers() -> tuple[list[NetworkSummary], list[tuple[str, str]]]:
    raw_networks, raw_containers = side_by_side(list_raw_networks, lambda: list_raw_containers(all=True))
    attached = _attachments_by_network(raw_containers)
    networks = [NetworkSummary(**_summary_fields(raw, _attached_to(raw, attached))) for raw in raw_networks]
    networks.sort(key=list_sort_key)
    containers = sorted(((raw["Id"], container_name(raw)) for raw in raw_containers), key=lambda row: row[1])
    return networks, containers


def list_sort_key(network: NetworkSummary) -> tuple:
    """Built-ins first (as `docker network ls` users look for them), then by name."""
    return (not network.builtin, network.name.lower())


def network_summary(network_id: str) -> NetworkSummary | None:
    """One network as the list shows it, None when it is gone: its inspect and the containers on
    it (a list call filtered to it), for the live list (networks/live.py)."""
    try:
        raw = _inspect_network(network_id)
    except EngineNotFound:
        return None
    # By id and by name: a container created but never started is on it by name only (no endpoint yet).
    on_it = list_raw_containers(all=True, filters={"network": [raw["Id"], raw.get("Name", "")]})
    return NetworkSummary(**_summary_fields(raw, _attached_to(raw, _attachments_by_network(on_it))))


def connect_choices(container_id: str = "") -> tuple[list[NetworkSummary], list[tuple[str, str]]]:
    """For the connect form: the networks (only those a given container is not on yet)
    and every container as (id, name), from the same two calls as the list."""
    networks, containers = _networks_and_containers()
    if container_id:
        networks = [n for n in networks if container_id not in {a.container_id for a in n.containers}]
    return networks, containers


@translate_errors
def _inspect_network(network_id: str) -> dict:
    return get_client().api.inspect_network(network_id)


@translate_errors
def _aliases(container_id: str, network_name: str) -> list[str]:
    endpoint = (get_client().api.inspect_container(container_id)["NetworkSettings"]["Networks"] or {}).get(
        network_name
    ) or {}
    # The engine adds the container's short id as an alias on user-defined networks.
    return [a for a in endpoint.get("Aliases") or [] if not container_id.startswith(a)]


# Aliases are only in each container's inspect; past this many attachments the page
# leaves them to the container pages rather than make hundreds of calls.
MAX_ALIAS_LOOKUPS = 50


def get_network(network_id: str) -> NetworkDetail:
    """`docker network inspect`, with every attached container, stopped ones too."""
    raw = _inspect_network(network_id)
    containers = _attached_to(raw, _attachments_by_network(list_raw_containers(all=True)))
    if raw.get("Name") not in BUILTIN_NETWORKS and len(containers) <= MAX_ALIAS_LOOKUPS:
        containers = list(engine_calls.map(lambda a: _with_aliases(a, raw["Name"]), containers))
    ipam = raw.get("IPAM") or {}
    return NetworkDetail(
        **_summary_fields(raw, containers),
        ipam_driver=ipam.get("Driver") or "default",
        ipam=[
            IpamPool(p.get("Subnet", ""), p.get("IPRange", ""), p.get("Gateway", "")) for p in ipam.get("Config") or []
        ],
        options=raw.get("Options") or {},
        inspect=raw,
    )


def _with_aliases(attachment: Attachment, network_name: str) -> Attachment:
    try:
        aliases = _aliases(attachment.container_id, network_name)
    except EngineError:  # removed meanwhile: show it without aliases
        aliases = []
    return replace(attachment, aliases=aliases)


# ---------------------------------------------------------------- drivers


@dataclass(frozen=True)
class DriverChoice:
    name: str
    available: bool
    note: str = ""


@translate_errors
def _engine_info() -> dict:
    return get_client().api.info()


def network_drivers() -> tuple[list[DriverChoice], list[str]]:
    """What the create form offers: every installed driver that can make a network here,
    and the host's interfaces as macvlan parents when the engine runs on this machine."""
    info = _engine_info()
    installed = (info.get("Plugins") or {}).get("Network") or []
    swarm_active = ((info.get("Swarm") or {}).get("LocalNodeState") or "") == "active"
    choices = []
    for name in sorted(set(installed) - set(SINGLETON_DRIVERS), key=lambda n: (n != "bridge", n != "macvlan", n)):
        if name in SWARM_ONLY_DRIVERS and not swarm_active:
            choices.append(DriverChoice(name, False, SWARM_ONLY_DRIVERS[name]))
        elif name in UNAVAILABLE_DRIVERS:
            choices.append(DriverChoice(name, False, UNAVAILABLE_DRIVERS[name]))
        else:
            choices.append(DriverChoice(name, True))
    return choices, _host_interfaces(info)


def _host_interfaces(info: dict) -> list[str]:
    # Only when the engine's host is this one (same host name over a local socket): in a
    # container, /sys/class/net lists the container's own interfaces, not the host's.
    if not docker_host().startswith("unix://") or info.get("Name") != socket.gethostname():
        return []
    try:
        names = os.listdir("/sys/class/net")
    except OSError:
        return []
    return sorted(n for n in names if n != "lo" and not n.startswith(("veth", "br-", "docker")))


# ---------------------------------------------------------------- changing


@translate_errors
def create_network(
    *,
    name: str,
    driver: str = "bridge",
    subnet: str = "",
    ip_range: str = "",
    gateway: str = "",
    ipv6_subnet: str = "",
    ipv6_gateway: str = "",
    internal: bool = False,
    attachable: bool = False,
    options: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
) -> str:
    """`docker network create`; an IPv6 subnet turns IPv6 on. Returns the new network's id."""
    pools = []
    if subnet:
        pools.append(IPAMPool(subnet=subnet, iprange=ip_range or None, gateway=gateway or None))
    if ipv6_subnet:
        pools.append(IPAMPool(subnet=ipv6_subnet, gateway=ipv6_gateway or None))
    created = get_client().api.create_network(
        name,
        driver=driver,
        options=options or None,
        ipam=IPAMConfig(pool_configs=pools) if pools else None,
        check_duplicate=True,
        internal=internal,
        labels=labels or None,
        enable_ipv6=bool(ipv6_subnet),
        attachable=attachable or None,
    )
    return created["Id"]


@translate_errors
def connect(network_id: str, container_id: str, aliases: list[str] | None = None, ipv4: str = "") -> None:
    """`docker network connect [--alias A] [--ip X]`; works on stopped containers too."""
    get_client().api.connect_container_to_network(
        container_id, network_id, aliases=aliases or None, ipv4_address=ipv4 or None
    )


@translate_errors
def disconnect(network_id: str, container_id: str, force: bool = False) -> None:
    get_client().api.disconnect_container_from_network(container_id, network_id, force=force)


class NetworkInUse(EngineError):
    """Refused before asking the engine: containers are attached, named in the message."""


def remove_network(network: NetworkSummary) -> None:
    if network.builtin:
        text = _("%(name)s is a built-in network of the engine and cannot be removed.") % {"name": network.name}
        raise EngineError(text, 403)
    if network.containers:
        names = ", ".join(network.container_names)
        text = _("%(name)s has containers attached: %(containers)s. Disconnect them first.")
        raise NetworkInUse(text % {"name": network.name, "containers": names}, 409)
    _remove_network(network.id)


@translate_errors
def _remove_network(network_id: str) -> None:
    get_client().api.remove_network(network_id)


def unused_networks() -> list[NetworkSummary]:
    """User-made networks with no container attached (built-ins are never offered)."""
    return [n for n in list_networks() if not n.builtin and not n.containers]


def remove_networks(names_or_ids: list[str]) -> list[RemovalResult]:
    """Remove exactly the networks listed (never the prune call, which takes whatever is unused now).

    Each one is checked again against a fresh list, so a network that got a container since
    the user confirmed is refused and reported, not removed.
    """
    networks = list_networks()
    current = {**{n.name: n for n in networks}, **{n.id: n for n in networks}}
    return remove_listed(names_or_ids, current, remove_network, name_of=lambda network: network.name)


def container_choices() -> list[tuple[str, str]]:
    """(id, name) of every container, for the connect form; one call."""
    return sorted(((raw["Id"], container_name(raw)) for raw in list_raw_containers(all=True)), key=lambda row: row[1])
