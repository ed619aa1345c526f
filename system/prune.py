"""What a prune would delete, and deleting exactly that.

Never the engine's prune calls: those take whatever qualifies when they run, including what
was made after the user looked. The confirmation page lists each object; the POST carries
that list back, and each one is checked against a fresh list (as volumes' "remove unused"
does) and removed on its own, so an object made, started, used or tagged since is left
alone and reported. Berth's own container and its compose project are never candidates.

Sizes come from the last disk usage computed (`/system/df` is too slow to run on a GET);
an object made since then shows no size. Networks take no disk space.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from containers import services as container_services
from containers.own import own_container_ids, own_projects
from containers.services import ContainerSummary
from dashboard.engine import EngineError, EngineNotFound
from dashboard.outcomes import RemovalResult, remove_listed
from images import services as image_services
from networks import services as network_services
from system import services
from system.services import DiskUsage
from volumes import services as volume_services

KINDS = ("containers", "images", "volumes", "networks", "build_cache")
# Prune follows remove's role for each kind.
ROLES = {"containers": "operator", "images": "admin", "volumes": "admin", "networks": "admin", "build_cache": "admin"}
TITLES = {
    "containers": _("Stopped containers"),
    "images": _("Unused images"),
    "volumes": _("Unused volumes"),
    "networks": _("Unused networks"),
    "build_cache": _("Build cache"),
}
COMPOSE_PROJECT = "com.docker.compose.project"


@dataclass(frozen=True)
class Candidate:
    key: str  # what the confirmation posts back
    name: str
    detail: str = ""
    size: int | None = None  # bytes it frees; None: not measured (made after the disk usage)
    note: str = ""
    ticked: bool = True
    target: object = field(default=None, repr=False, compare=False)  # what the removal needs


@dataclass(frozen=True)
class KindCandidates:
    kind: str
    items: list[Candidate]
    takes_space: bool = True

    @property
    def title(self) -> str:
        return str(TITLES[self.kind])

    @property
    def size(self) -> int:
        return sum(item.size or 0 for item in self.items)

    @property
    def unmeasured(self) -> int:
        return sum(1 for item in self.items if item.size is None) if self.takes_space else 0


@dataclass(frozen=True)
class KindResult:
    kind: str
    keys: list[str]  # what was asked, one per result
    results: list[RemovalResult]
    freed: int

    @property
    def title(self) -> str:
        return str(TITLES[self.kind])


# ---------------------------------------------------------------- candidates


def _containers(everything: list[ContainerSummary], usage: DiskUsage | None) -> KindCandidates:
    protected = own_container_ids(everything)
    sizes = {c.id: c.size_rw for c in usage.containers} if usage else {}
    items = [
        Candidate(c.id, c.name, f"{c.image} · {c.status}", sizes.get(c.id), target=c)
        for c in everything
        if c.state in ("created", "exited", "dead") and c.id not in protected
    ]
    return KindCandidates("containers", sorted(items, key=lambda c: c.name))


def image_key(image_id: str, tags: list[str]) -> str:
    """An image as the confirmation names it: its id and its tags then. Tagged since, it is another key."""
    return " ".join([image_id, *sorted(tags)])


def _images(usage: DiskUsage | None) -> KindCandidates:
    measured = {i.id: i for i in usage.images} if usage else {}
    items = []
    for image in image_services.list_images():
        if image.containers:
            continue
        seen = measured.get(image.id)
        shared = seen.size - seen.unique_size if seen else 0
        note = str(_("%(shared)s more shared with other images") % {"shared": image_services.human_size(shared)})
        items.append(
            Candidate(
                image_key(image.id, image.tags),
                ", ".join(image.tags) or image.short_id,
                str(_("dangling")) if image.dangling else image.short_id,
                seen.unique_size if seen else None,
                note if shared > 0 else "",
                # `docker image prune` takes only dangling ones; tagged ones wait for a tick.
                ticked=image.dangling,
                target=image,
            )
        )
    return KindCandidates("images", sorted(items, key=lambda c: (c.ticked is False, c.name)))


def _volumes(usage: DiskUsage | None, projects: set[str]) -> KindCandidates:
    sizes = {v.name: v.size for v in usage.volumes} if usage else {}
    items = [
        Candidate(v.name, v.display_name, v.driver, sizes.get(v.name), target=v)
        for v in volume_services.unused_volumes()
        if v.labels.get(COMPOSE_PROJECT) not in projects
    ]
    return KindCandidates("volumes", items)


def _networks(projects: set[str]) -> KindCandidates:
    items = [
        Candidate(n.id, n.name, n.driver, target=n)
        for n in network_services.unused_networks()
        if n.labels.get(COMPOSE_PROJECT) not in projects
    ]
    return KindCandidates("networks", items, takes_space=False)


def _build_cache(usage: DiskUsage | None) -> KindCandidates:
    # The engine lists build cache records only in its disk usage: the last one computed.
    records = [r for r in usage.build_cache if not r.in_use] if usage else []
    items = [Candidate(r.id, r.id[:12], r.type, r.size, r.description[:80], target=r) for r in records]
    return KindCandidates("build_cache", items)


def candidates(kinds: list[str], usage: DiskUsage | None) -> list[KindCandidates]:
    """The candidates of the kinds asked for, from fresh lists (one after the other: each list
    call already runs its two engine calls side by side on the shared pool)."""
    everything = [container_services.summarize(raw) for raw in container_services.list_raw_containers(all=True)]
    projects = own_projects(everything)
    makers: dict[str, Callable[[], KindCandidates]] = {
        "containers": lambda: _containers(everything, usage),
        "images": lambda: _images(usage),
        "volumes": lambda: _volumes(usage, projects),
        "networks": lambda: _networks(projects),
        "build_cache": lambda: _build_cache(usage),
    }
    return [makers[kind]() for kind in KINDS if kind in kinds]


# ---------------------------------------------------------------- removal


def _remove_container(candidate: Candidate) -> None:
    # No force: the engine refuses a container that was started since the check.
    container_services.remove_container(candidate.key)


def _remove_image(candidate: Candidate) -> None:
    # Untag each tag the page showed (the engine refuses while a container uses the image),
    # then delete by id without force: gone already when its last tag went.
    image = candidate.target
    for tag in image.tags:
        image_services.remove_image(tag)
    try:
        image_services.remove_image(image.id)
    except EngineNotFound:
        if not image.tags:
            raise


def _remove_volume(candidate: Candidate) -> None:
    volume_services.remove_volume(candidate.target)


def _remove_network(candidate: Candidate) -> None:
    network_services.remove_network(candidate.target)


def _remove_cache_record(candidate: Candidate) -> None:
    deleted = services.prune_build_cache_record(candidate.key)
    if candidate.key not in deleted:
        raise EngineError(str(_("The engine kept it: in use again, or already gone.")))


REMOVERS = {
    "containers": _remove_container,
    "images": _remove_image,
    "volumes": _remove_volume,
    "networks": _remove_network,
    "build_cache": _remove_cache_record,
}
GONE = {
    "containers": _("no longer a stopped container (started, removed, or Berth's own)"),
    "images": _("no longer unused with the same tags (used, tagged or removed since)"),
    "volumes": _("no longer unused (a container uses it, or it was removed)"),
    "networks": _("no longer unused (a container is attached, or it was removed)"),
    "build_cache": _("not in the last disk usage, or in use"),
}


def remove(selection: dict[str, list[str]]) -> list[KindResult]:
    """Remove exactly the listed objects, kind by kind; each is checked against a fresh list first."""
    kinds = [kind for kind in KINDS if selection.get(kind)]
    results = []
    for fresh in candidates(kinds, services.last_disk_usage()):
        current = {item.key: item for item in fresh.items}
        outcome = remove_listed(
            selection[fresh.kind], current, REMOVERS[fresh.kind], gone=str(GONE[fresh.kind]), name_of=lambda c: c.name
        )
        removed = {key for key, result in zip(selection[fresh.kind], outcome, strict=True) if result.ok}
        freed = sum(current[key].size or 0 for key in removed)
        results.append(KindResult(fresh.kind, selection[fresh.kind], outcome, freed))
    return results
