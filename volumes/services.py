"""Volume operations against the engine: plain functions returning small dataclasses.

Which containers use a volume comes from the one container list call (its `Mounts`),
never one call per volume. A volume's size is computed only on its own page: on API
1.41 the engine's disk-usage call (`/system/df`) measures every volume, image and
container at once, so it never runs for the list.
"""

import os
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from containers.services import container_name, list_raw_containers
from dashboard.engine import EngineError, EngineNotFound, docker_host, get_client, side_by_side, translate_errors
from dashboard.outcomes import RemovalResult, remove_listed
from dashboard.times import parse_engine_time


@dataclass(frozen=True)
class VolumeUser:
    container_id: str
    container_name: str
    state: str
    destination: str
    read_only: bool

    @property
    def short_id(self) -> str:
        return self.container_id[:12]


@dataclass(frozen=True)
class VolumeSummary:
    name: str
    driver: str
    mountpoint: str
    created: datetime | None
    labels: dict[str, str]
    scope: str
    users: list[VolumeUser]

    @property
    def in_use(self) -> bool:
        return bool(self.users)

    @property
    def user_names(self) -> list[str]:
        return sorted({u.container_name for u in self.users})

    @property
    def display_name(self) -> str:
        return f"{self.name[:12]}…" if self.anonymous else self.name

    @property
    def anonymous(self) -> bool:
        """Engine-named (64 hex digits): made for a container's VOLUME or `-v /path`."""
        return len(self.name) == 64 and all(c in "0123456789abcdef" for c in self.name)


@dataclass(frozen=True)
class VolumeSize:
    bytes: int | None
    method: str  # how it was measured, shown beside the figure
    error: str = ""


@dataclass(frozen=True)
class VolumeDetail(VolumeSummary):
    options: dict[str, str] = field(default_factory=dict)
    status: dict = field(default_factory=dict)
    inspect: dict = field(default_factory=dict, repr=False)


# ---------------------------------------------------------------- reading


def _users_by_volume(raw_containers: list[dict]) -> dict[str, list[VolumeUser]]:
    """Volume name -> the containers mounting it (running or stopped), from one list call."""
    found: dict[str, list[VolumeUser]] = {}
    for raw in raw_containers:
        name = container_name(raw)
        for mount in raw.get("Mounts") or []:
            if mount.get("Type") != "volume" or not mount.get("Name"):
                continue
            found.setdefault(mount["Name"], []).append(
                VolumeUser(
                    raw["Id"], name, raw.get("State", ""), mount.get("Destination", ""), not mount.get("RW", True)
                )
            )
    for users in found.values():
        users.sort(key=lambda u: u.container_name)
    return found


def _summary_fields(raw: dict, users: list[VolumeUser]) -> dict:
    return {
        "name": raw["Name"],
        "driver": raw.get("Driver", ""),
        "mountpoint": raw.get("Mountpoint", ""),
        "created": parse_engine_time(raw.get("CreatedAt")),
        "labels": raw.get("Labels") or {},
        "scope": raw.get("Scope", ""),
        "users": users,
    }


@translate_errors
def list_raw_volumes() -> list[dict]:
    return (get_client().api.volumes() or {}).get("Volumes") or []


def list_volumes() -> list[VolumeSummary]:
    """Every volume with its users: two engine calls whatever the counts, made side by side."""
    raw_volumes, raw_containers = side_by_side(list_raw_volumes, lambda: list_raw_containers(all=True))
    users = _users_by_volume(raw_containers)
    volumes = [VolumeSummary(**_summary_fields(raw, users.get(raw["Name"], []))) for raw in raw_volumes]
    return sorted(volumes, key=list_sort_key)


@translate_errors
def _inspect_volume(name: str) -> dict:
    return get_client().api.inspect_volume(name)


def volume_summary(name: str) -> VolumeSummary | None:
    """One volume as the list shows it, None when it is gone: its inspect and the containers
    mounting it (a list call filtered to it), for the live list (volumes/live.py)."""
    try:
        raw = _inspect_volume(name)
    except EngineNotFound:
        return None
    users = _users_by_volume(list_raw_containers(all=True, filters={"volume": [name]})).get(raw["Name"], [])
    return VolumeSummary(**_summary_fields(raw, users))


def list_sort_key(volume: VolumeSummary) -> tuple:
    """Named volumes first, by name; the engine-named (anonymous) ones after them."""
    return (volume.anonymous, volume.name.lower())


def get_volume(name: str) -> VolumeDetail:
    """`docker volume inspect`, plus the containers using it. Raises EngineNotFound (a 404)."""
    raw = _inspect_volume(name)
    users = _users_by_volume(list_raw_containers(all=True)).get(raw["Name"], [])
    return VolumeDetail(
        **_summary_fields(raw, users), options=raw.get("Options") or {}, status=raw.get("Status") or {}, inspect=raw
    )


def volume_size(volume: VolumeSummary) -> VolumeSize:
    """The bytes in a volume, the cheapest way that is exact.

    When the engine runs on this machine and its mountpoint is readable here, walk the
    directory as the engine's own disk-usage code does (file sizes, hard links once):
    milliseconds for a small volume. Otherwise ask `/system/df`, which on API 1.41 measures
    every volume, image and container, and keep this volume's figure.
    """
    if _mountpoint_is_local(volume):
        try:
            return VolumeSize(_directory_size(volume.mountpoint), _("measured on this host by walking the mountpoint"))
        except OSError:
            pass  # e.g. not readable by this user: fall back to the engine
    try:
        return VolumeSize(_size_from_engine(volume.name), _("reported by the engine's disk usage (/system/df)"))
    except EngineError as e:
        return VolumeSize(None, _("engine disk usage"), e.message)


def _mountpoint_is_local(volume: VolumeSummary) -> bool:
    # A local socket and the engine's own path to this very volume present here: the same
    # host, or a Berth container given the engine's data directory (same files either way).
    local_engine = docker_host().startswith("unix://")
    return local_engine and volume.driver == "local" and os.path.isdir(volume.mountpoint)


def _directory_size(root: str) -> int:
    total, seen = 0, set()
    for directory, _subdirectories, files in os.walk(root):
        for name in files:
            stat = os.lstat(os.path.join(directory, name))
            if (stat.st_dev, stat.st_ino) in seen:
                continue
            seen.add((stat.st_dev, stat.st_ino))
            total += stat.st_size
    return total


@translate_errors
def _size_from_engine(name: str) -> int | None:
    # The engine hands concurrent callers one shared /system/df run; one that began before
    # this volume existed omits it, so a miss is asked once more.
    for _attempt in range(2):
        for raw in get_client().api.df().get("Volumes") or []:
            if raw.get("Name") == name:
                size = (raw.get("UsageData") or {}).get("Size", -1)
                return None if size is None or size < 0 else size
    return None


@translate_errors
def volume_drivers() -> list[str]:
    """`local` and any installed volume plugin."""
    installed = ((get_client().api.info().get("Plugins") or {}).get("Volume")) or ["local"]
    return sorted(installed, key=lambda name: (name != "local", name))


# ---------------------------------------------------------------- changing


@translate_errors
def create_volume(
    *,
    name: str = "",
    driver: str = "local",
    options: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
) -> str:
    """`docker volume create`; an empty name lets the engine generate one. Returns the name."""
    created = get_client().api.create_volume(
        name=name or None, driver=driver, driver_opts=options or None, labels=labels or None
    )
    return created["Name"]


class VolumeInUse(EngineError):
    """Refused before asking the engine: containers use it, named in the message."""


def remove_volume(volume: VolumeSummary) -> None:
    if volume.users:
        text = _("%(name)s is in use by %(containers)s. Remove those containers first.")
        raise VolumeInUse(text % {"name": volume.name, "containers": ", ".join(volume.user_names)}, 409)
    _remove_volume(volume.name)


@translate_errors
def _remove_volume(name: str) -> None:
    # No force: the engine refuses a volume a container still uses, even one created since we looked.
    get_client().api.remove_volume(name)


def unused_volumes() -> list[VolumeSummary]:
    return [v for v in list_volumes() if not v.users]


def remove_volumes(names: list[str]) -> list[RemovalResult]:
    """Remove exactly the volumes listed: never the prune call, which on API 1.41 also takes
    whatever became unused after the user looked. Each one is checked against a fresh list."""
    current = {v.name: v for v in list_volumes()}
    return remove_listed(names, current, remove_volume, name_of=lambda volume: volume.name)
