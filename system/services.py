"""The engine as a whole: its facts and counts, its recent events (read by system/events.py), its disk usage.

Disk usage (`/system/df`) walks every image layer, container layer and volume on the host:
minutes on a big one (moby #31951). It runs only when a user asks (a POST), and the result
is kept in the cache, with when it was computed, for the overview and the prune page.
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.utils.translation import gettext as _

from containers.services import ACTIVE_STATES, container_name, list_raw_containers
from dashboard.engine import EngineNotFound, docker_host, get_client, side_by_side, translate_errors
from dashboard.times import parse_engine_time
from images.services import list_raw_images
from networks.services import list_raw_networks
from system.events import EngineEvent, EventWindow, read_events
from volumes.services import list_raw_volumes

EVENT_MINUTES = 10
EVENT_LIMIT = 20


@dataclass(frozen=True)
class EngineFacts:
    name: str
    version: str
    api_version: str
    operating_system: str
    os_type: str
    architecture: str
    kernel: str
    cpus: int
    memory: int
    storage_driver: str
    logging_driver: str
    cgroup_version: str
    cgroup_driver: str
    swarm_state: str
    root_dir: str


@dataclass(frozen=True)
class Counts:
    running: int
    paused: int
    stopped: int
    images: int
    volumes: int
    networks: int

    @property
    def containers(self) -> int:
        return self.running + self.paused + self.stopped


@dataclass(frozen=True)
class Overview:
    facts: EngineFacts
    counts: Counts


# ---------------------------------------------------------------- overview


@translate_errors
def _info() -> dict:
    return get_client().api.info()


@translate_errors
def _version() -> dict:
    return get_client().api.version()


def _facts(info: dict, version: dict) -> EngineFacts:
    return EngineFacts(
        name=info.get("Name", ""),
        version=version.get("Version") or info.get("ServerVersion", ""),
        api_version=version.get("ApiVersion", ""),
        operating_system=info.get("OperatingSystem", ""),
        os_type=info.get("OSType", ""),
        architecture=info.get("Architecture", ""),
        kernel=info.get("KernelVersion", ""),
        cpus=info.get("NCPU", 0),
        memory=info.get("MemTotal", 0),
        storage_driver=info.get("Driver", ""),
        logging_driver=info.get("LoggingDriver", ""),
        cgroup_version=str(info.get("CgroupVersion", "")),
        cgroup_driver=info.get("CgroupDriver", ""),
        swarm_state=(info.get("Swarm") or {}).get("LocalNodeState", "") or "inactive",
        root_dir=info.get("DockerRootDir", ""),
    )


def overview() -> Overview:
    """The engine's facts and the counts of its objects, from five calls made side by side.

    Images are counted as the images page lists them (`docker images`): the engine's own
    count in /info includes the intermediate images of classic builds.
    """
    info, version, images, volumes, networks = side_by_side(
        _info, _version, list_raw_images, list_raw_volumes, list_raw_networks
    )
    counts = Counts(
        running=info.get("ContainersRunning", 0),
        paused=info.get("ContainersPaused", 0),
        stopped=info.get("ContainersStopped", 0),
        images=len(images),
        volumes=len(volumes),
        networks=len(networks),
    )
    return Overview(_facts(info, version), counts)


@dataclass
class Tally:
    """What the live overview counts (system/live.py), from one relist, then kept by events:
    every container's state, every image's id, volume's name and network's id."""

    containers: dict[str, str]
    images: set[str]
    volumes: set[str]
    networks: set[str]

    def counts(self) -> Counts:
        states = list(self.containers.values())
        running, paused = states.count("running"), states.count("paused")
        # As /info counts them (moby daemon/info.go): "restarting" is stopped.
        return Counts(
            running, paused, len(states) - running - paused, *map(len, (self.images, self.volumes, self.networks))
        )


def tally() -> Tally:
    """The four lists, side by side; images as the overview counts them (`docker images`)."""
    containers, images, volumes, networks = side_by_side(
        lambda: list_raw_containers(all=True), list_raw_images, list_raw_volumes, list_raw_networks
    )
    return Tally(
        {raw["Id"]: raw.get("State", "") for raw in containers},
        {raw["Id"] for raw in images},
        {raw["Name"] for raw in volumes},
        {raw["Id"] for raw in networks},
    )


def object_key(kind: str, reference: str) -> str | None:
    """The tally's key of the image, volume or network `reference` names (an image's id, a
    volume's name, a network's id), or None when it is gone: one inspect."""
    try:
        return _inspected_key(kind, reference)
    except EngineNotFound:
        return None


@translate_errors
def _inspected_key(kind: str, reference: str) -> str:
    api = get_client().api
    if kind == "image":
        return api.inspect_image(reference)["Id"]
    if kind == "volume":
        return api.inspect_volume(reference)["Name"]
    return api.inspect_network(reference)["Id"]


def recent_events(minutes: int = EVENT_MINUTES, limit: int = EVENT_LIMIT) -> list[EngineEvent]:
    """The engine's events of the last `minutes`, newest first: a bounded read (system/events.py)."""
    return read_events(window=EventWindow(since=datetime.now(UTC) - timedelta(minutes=minutes)))[:limit]


# ---------------------------------------------------------------- disk usage


@dataclass(frozen=True)
class ImageUsage:
    id: str
    tags: list[str]
    size: int
    shared_size: int  # -1: the engine did not say
    containers: int

    @property
    def unique_size(self) -> int:
        """What deleting this image alone frees: its layers no other image shares."""
        return self.size - self.shared_size if self.shared_size >= 0 else self.size

    @property
    def short_id(self) -> str:
        return self.id.removeprefix("sha256:")[:12]


@dataclass(frozen=True)
class ContainerUsage:
    id: str
    name: str
    image: str
    state: str
    size_rw: int  # its writable layer: what removing it frees

    @property
    def short_id(self) -> str:
        return self.id[:12]


@dataclass(frozen=True)
class VolumeUsage:
    name: str
    size: int | None  # None: the driver does not say (only local volumes are measured)
    links: int  # containers that mount it


@dataclass(frozen=True)
class CacheUsage:
    id: str
    type: str
    description: str
    size: int
    in_use: bool
    shared: bool
    last_used: datetime | None


@dataclass(frozen=True)
class KindUsage:
    """One line of `docker system df`."""

    kind: str
    title: str
    total: int
    active: int
    size: int
    reclaimable: int


@dataclass(frozen=True)
class DiskUsage:
    computed_at: datetime
    seconds: float
    computed_by: str
    layers_size: int
    images: list[ImageUsage]
    containers: list[ContainerUsage]
    volumes: list[VolumeUsage]
    build_cache: list[CacheUsage]

    def kinds(self) -> list[KindUsage]:
        """Totals and reclaimable space per kind, computed as `docker system df` computes them."""
        used_images = [i for i in self.images if i.containers]
        # The CLI skips a used image whose shared size is unknown (-1) when it sums what is used.
        used_size = sum(i.unique_size for i in used_images if i.shared_size >= 0)
        stopped = [c for c in self.containers if c.state not in ACTIVE_STATES]
        volume_sizes = [v.size or 0 for v in self.volumes]
        own_cache = [c for c in self.build_cache if not c.shared]
        return [
            KindUsage(
                "images",
                _("Images"),
                len(self.images),
                len(used_images),
                self.layers_size,
                max(0, self.layers_size - used_size),
            ),
            KindUsage(
                "containers",
                _("Containers"),
                len(self.containers),
                len(self.containers) - len(stopped),
                sum(c.size_rw for c in self.containers),
                sum(c.size_rw for c in stopped),
            ),
            KindUsage(
                "volumes",
                _("Local volumes"),
                len(self.volumes),
                sum(1 for v in self.volumes if v.links),
                sum(volume_sizes),
                sum(v.size or 0 for v in self.volumes if not v.links),
            ),
            KindUsage(
                "build_cache",
                _("Build cache"),
                len(self.build_cache),
                sum(1 for c in self.build_cache if c.in_use),
                sum(c.size for c in own_cache),
                sum(c.size for c in own_cache if not c.in_use),
            ),
        ]

    def largest(self, kind: str, limit: int = 100) -> list:
        """The `limit` largest objects of one kind, for the verbose tables."""
        key = {"images": lambda i: i.size, "containers": lambda c: c.size_rw, "volumes": lambda v: v.size or 0}
        items = getattr(self, kind)
        return sorted(items, key=key.get(kind, lambda c: c.size), reverse=True)[:limit]


def _cache_key() -> str:
    # Per engine: a Berth pointed at another DOCKER_HOST must not show this one's figures.
    # Versioned: a Berth with another DiskUsage shape must not unpickle an older entry (Redis).
    return f"berth.system.df.v1:{docker_host()}"


@translate_errors
def _raw_df() -> dict:
    return get_client().api.df()


def _usage(raw: dict, seconds: float, username: str) -> DiskUsage:
    images = [
        ImageUsage(
            i["Id"],
            [t for t in i.get("RepoTags") or [] if t != "<none>:<none>"],
            i.get("Size", 0),
            i.get("SharedSize", -1),
            i.get("Containers", 0),
        )
        for i in raw.get("Images") or []
    ]
    containers = [
        # SizeRw is left out of the answer when it is 0.
        ContainerUsage(c["Id"], container_name(c), c.get("Image", ""), c.get("State", ""), c.get("SizeRw", 0))
        for c in raw.get("Containers") or []
    ]
    volumes = []
    for v in raw.get("Volumes") or []:
        usage = v.get("UsageData") or {}
        size = usage.get("Size", -1)
        volumes.append(VolumeUsage(v["Name"], None if size is None or size < 0 else size, usage.get("RefCount", 0)))
    cache_records = [
        CacheUsage(
            c["ID"],
            c.get("Type", ""),
            c.get("Description", ""),
            c.get("Size", 0),
            bool(c.get("InUse")),
            bool(c.get("Shared")),
            parse_engine_time(c.get("LastUsedAt")),
        )
        for c in raw.get("BuildCache") or []
    ]
    return DiskUsage(
        datetime.now(UTC), seconds, username, raw.get("LayersSize", 0), images, containers, volumes, cache_records
    )


def compute_disk_usage(username: str = "") -> DiskUsage:
    """Ask the engine for its disk usage now (slow on a big host) and keep it for everyone."""
    started = time.monotonic()
    usage = _usage(_raw_df(), time.monotonic() - started, username)
    cache.set(_cache_key(), usage, timeout=None)
    return usage


def last_disk_usage() -> DiskUsage | None:
    """The disk usage last computed on this engine, or None: never computed here."""
    return cache.get(_cache_key())


@translate_errors
def prune_build_cache_record(record_id: str) -> list[str]:
    """Delete one build cache record; returns the ids the engine deleted.

    The engine's only selector is its `id` filter, which buildkit matches as `id~=<value>`
    (a pattern, not equality), and `all` so that shared and internal records are not
    skipped. A record still in use is never deleted by the engine.
    """
    answer = get_client().api.prune_builds(filters={"id": [record_id]}, all=True) or {}
    return list(answer.get("CachesDeleted") or [])
