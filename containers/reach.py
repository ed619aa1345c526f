"""What starting or entering a container hands over: the container whose network stack it
shares, and the facts the operator restrictions judge (accounts/restrictions.py).

Importable from containers/services.py as before.
"""

from dataclasses import dataclass, field

from containers.operations import inspect_container, inspect_volume
from dashboard.engine import EngineNotFound


@dataclass(frozen=True)
class NetworkPeer:
    """The container whose network stack `--net container:<name>` shares (the engine keeps its id)."""

    id: str
    name: str  # "" when it no longer exists

    @property
    def short_id(self) -> str:
        return self.id[:12]


def network_peer(network_mode: str) -> NetworkPeer | None:
    """One inspect, only for a `container:` network mode."""
    kind, _, reference = network_mode.partition(":")
    if kind != "container" or not reference:
        return None
    try:
        data = inspect_container(reference)
    except EngineNotFound:
        return NetworkPeer(reference, "")
    return NetworkPeer(data["Id"], data.get("Name", "").lstrip("/"))


@dataclass(frozen=True)
class ContainerReach:
    """What a container hands whoever starts or enters it: the facts the operator restrictions
    judge (accounts.restrictions.Restrictions.reach_refusal)."""

    id: str
    name: str
    inspect: dict = field(repr=False)
    volumes: dict[str, dict] = field(repr=False)  # {name: inspect} of each named volume it mounts


def container_reach(container_id: str) -> ContainerReach:
    """One container inspect, and one inspect per named volume it mounts (-v name:/path or
    --mount type=volume); a volume gone since is left out."""
    data = inspect_container(container_id)
    host = data.get("HostConfig") or {}
    names = [bind.split(":", 1)[0] for bind in host.get("Binds") or [] if not bind.startswith("/")]
    names += [m.get("Source", "") for m in host.get("Mounts") or [] if m.get("Type") == "volume"]
    names += [m.get("Name", "") for m in data.get("Mounts") or [] if m.get("Type") == "volume"]
    volumes = {name: inspect_volume(name) for name in dict.fromkeys(filter(None, names))}
    return ContainerReach(data["Id"], data.get("Name", "").lstrip("/"), data, {k: v for k, v in volumes.items() if v})
