"""Image operations against the engine: plain functions returning small dataclasses.

This is the only image code that touches the Docker SDK. The list is built from one
`client.api.images()` call plus the one container list call that counts each image's
users (`ImageID` of every container), so a page costs two engine calls whatever its size.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from django.utils.translation import gettext as _

from containers import services as container_services
from containers.services import ContainerSummary
from dashboard.engine import EngineError, EngineNotFound, get_client, side_by_side, translate_errors
from dashboard.times import parse_engine_time
from images.references import normalize_reference, parse_reference
from images.streams import PullStream

SORT_KEYS = ("repository", "tag", "id", "created", "size", "containers")
NONE = "<none>"


def human_size(size: int) -> str:
    """Decimal units, as `docker images` prints them (1.99MB, 72.8kB)."""
    if size < 1000:
        return f"{size}B"
    value = float(size)
    for unit in ("kB", "MB", "GB"):
        value /= 1000
        if value < 999.5:  # would round up to "1e+03" otherwise
            return f"{value:.3g}{unit}"
    return f"{value / 1000:.3g}TB"


def split_reference(reference: str) -> tuple[str, str]:
    """`repo[:port]/name:tag` -> (repository, tag); the tag is what follows the last ':' after the last '/'."""
    name, _colon, tag = reference.rpartition(":")
    if not name or "/" in tag:
        return reference, ""
    return name, tag


@dataclass(frozen=True)
class ImageSummary:
    id: str
    tags: list[str]  # "repo:tag", without the engine's "<none>:<none>" placeholder
    digests: list[str]
    created: datetime
    size: int
    labels: dict[str, str]
    containers: list[ContainerSummary]  # the containers made from this image

    @property
    def short_id(self) -> str:
        return self.id.removeprefix("sha256:")[:12]

    @property
    def dangling(self) -> bool:
        """No tag at all: what `docker images --filter dangling=true` lists."""
        return not self.tags

    @property
    def size_text(self) -> str:
        return human_size(self.size)


@dataclass(frozen=True)
class ImageRow:
    """One line of the list: an image under one of its tags (or `<none>:<none>`)."""

    image: ImageSummary
    repository: str
    tag: str

    @property
    def reference(self) -> str:
        return "" if self.tag == NONE else f"{self.repository}:{self.tag}"


@dataclass(frozen=True)
class ImageListing:
    rows: list[ImageRow]
    total: int  # images the engine listed
    matching: int  # rows left after the filters
    ids: frozenset[str] = frozenset()  # every image listed (the live page's count: images/live.py)


def _clean_tags(tags: list[str] | None) -> list[str]:
    return [t for t in tags or [] if t != "<none>:<none>"]


def _clean_digests(digests: list[str] | None) -> list[str]:
    return [d for d in digests or [] if d != "<none>@<none>"]


def summarize(raw: dict, users: dict[str, list]) -> ImageSummary:
    return ImageSummary(
        id=raw["Id"],
        tags=_clean_tags(raw.get("RepoTags")),
        digests=_clean_digests(raw.get("RepoDigests")),
        created=datetime.fromtimestamp(raw.get("Created", 0), tz=UTC),
        size=raw.get("Size", 0),
        labels=raw.get("Labels") or {},
        containers=sorted(users.get(raw["Id"], []), key=lambda c: c.name),
    )


@translate_errors
def list_raw_images() -> list[dict]:
    return get_client().api.images()


def _container_users(raw_containers: list[dict]) -> dict[str, list[ContainerSummary]]:
    """Each image id with the containers made from it, from the one container list call."""
    users: dict[str, list[ContainerSummary]] = {}
    for raw in raw_containers:
        users.setdefault(raw.get("ImageID", ""), []).append(container_services.summarize(raw))
    return users


def list_images() -> list[ImageSummary]:
    raw_images, raw_containers = side_by_side(list_raw_images, lambda: container_services.list_raw_containers(all=True))
    users = _container_users(raw_containers)
    return [summarize(raw, users) for raw in raw_images]


def rows_of(image: ImageSummary) -> list[ImageRow]:
    if image.tags:
        return [ImageRow(image, *split_reference(tag)) for tag in image.tags]
    # An untagged image pulled by digest still names its repository, as `docker images` shows.
    repository = image.digests[0].split("@", 1)[0] if image.digests else NONE
    return [ImageRow(image, repository, NONE)]


def _sort_key(key: str):
    return {
        # Untagged images (`<none>`) after the named ones, as they matter least.
        "repository": lambda r: (r.repository == NONE, r.repository.lower(), r.tag),
        "tag": lambda r: (r.tag.lower(), r.repository),
        "id": lambda r: r.image.id,
        "created": lambda r: r.image.created,
        "size": lambda r: r.image.size,
        "containers": lambda r: len(r.image.containers),
    }[key]


def query_images(
    *, search: str = "", show: str = "", sort: str = "repository", descending: bool = False
) -> ImageListing:
    """Filter and sort the whole list on the server, from one images call and one containers call."""
    images = list_images()
    needle = search.strip().lower()
    rows = [row for image in images for row in rows_of(image) if row_shown(row, needle, show)]
    rows.sort(key=sort_key(sort), reverse=descending)
    return ImageListing(rows, len(images), len(rows), frozenset(image.id for image in images))


def row_shown(row: ImageRow, needle: str, show: str) -> bool:
    """Do the list's filters keep this row? (`needle`: the search, stripped and lower-cased.)"""
    image = row.image
    return (
        (show != "dangling" or image.dangling)
        and (show != "unused" or not image.containers)
        and (
            not needle or needle in f"{row.repository}:{row.tag}".lower() or needle in image.id.removeprefix("sha256:")
        )
    )


def sort_key(sort: str):
    return _sort_key(sort if sort in SORT_KEYS else "repository")


def row_key(row: ImageRow) -> str:
    """A row's name on the page (its element's id after "image-row-"): the image and its tag."""
    return f"{row.image.short_id}-{row.repository}:{row.tag}"


def image_summary(reference: str) -> ImageSummary | None:
    """One image as the list shows it, None when it is gone: its inspect, and the containers made
    from it (a list call filtered to it), for the live list (images/live.py)."""
    try:
        raw = inspect_image(reference)
    except EngineNotFound:
        return None
    listed = {
        "Id": raw["Id"],
        "RepoTags": raw.get("RepoTags"),
        "RepoDigests": raw.get("RepoDigests"),
        "Created": int(parse_engine_time(raw.get("Created")).timestamp()) if raw.get("Created") else 0,
        "Size": raw.get("Size", 0),
        "Labels": (raw.get("Config") or {}).get("Labels"),
    }
    made = container_services.list_raw_containers(all=True, filters={"ancestor": [raw["Id"]]})
    return summarize(listed, _container_users([c for c in made if c.get("ImageID") == raw["Id"]]))


# ---------------------------------------------------------------- one image


@dataclass(frozen=True)
class HistoryEntry:
    id: str  # "<missing>" for layers built elsewhere
    created: datetime
    created_by: str
    size: int
    comment: str

    @property
    def size_text(self) -> str:
        return human_size(self.size)


@dataclass(frozen=True)
class ImageDetail:
    id: str
    tags: list[str]
    digests: list[str]
    created: datetime | None
    size: int
    architecture: str
    os: str
    author: str
    env: list[tuple[str, str]]
    entrypoint: list[str]
    command: list[str]
    working_dir: str
    user: str
    exposed_ports: list[str]
    volumes: list[str]
    labels: dict[str, str]
    layers: list[str]  # the root filesystem's layer digests
    history: list[HistoryEntry]
    containers: list[ContainerSummary]
    inspect: dict = field(repr=False)

    @property
    def short_id(self) -> str:
        return self.id.removeprefix("sha256:")[:12]

    @property
    def size_text(self) -> str:
        return human_size(self.size)

    addressed_as: str = ""  # the tag the page was asked for by, which titles it (issue 11, item 12)

    @property
    def title(self) -> str:
        return self.addressed_as or (self.tags[0] if self.tags else self.short_id)

    @property
    def running_containers(self) -> list[ContainerSummary]:
        """Containers that keep the engine from deleting the image even when forced."""
        return [c for c in self.containers if c.state in ("running", "paused", "restarting")]


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def detail_from_inspect(data: dict, history: list[dict], containers: list[ContainerSummary]) -> ImageDetail:
    config = data.get("Config") or {}
    return ImageDetail(
        id=data["Id"],
        tags=_clean_tags(data.get("RepoTags")),
        digests=_clean_digests(data.get("RepoDigests")),
        created=parse_engine_time(data.get("Created")),
        size=data.get("Size", 0),
        architecture=data.get("Architecture", ""),
        os=data.get("Os", ""),
        author=data.get("Author", ""),
        env=[tuple(line.split("=", 1)) if "=" in line else (line, "") for line in config.get("Env") or []],
        entrypoint=_as_list(config.get("Entrypoint")),
        command=_as_list(config.get("Cmd")),
        working_dir=config.get("WorkingDir", ""),
        user=config.get("User", ""),
        exposed_ports=sorted(config.get("ExposedPorts") or {}),
        volumes=sorted(config.get("Volumes") or {}),
        labels=config.get("Labels") or {},
        layers=(data.get("RootFS") or {}).get("Layers") or [],
        history=[
            HistoryEntry(
                id=entry.get("Id", ""),
                created=datetime.fromtimestamp(entry.get("Created", 0), tz=UTC),
                created_by=entry.get("CreatedBy", ""),
                size=entry.get("Size", 0),
                comment=entry.get("Comment", ""),
            )
            for entry in history
        ],
        containers=containers,
        inspect=data,
    )


@translate_errors
def inspect_image(reference: str) -> dict:
    return get_client().api.inspect_image(reference)


@translate_errors
def image_history(reference: str) -> list[dict]:
    return get_client().api.history(reference)


def get_image(reference: str, title_from: str = "") -> ImageDetail:
    """An image by id, short id or reference; raises EngineNotFound (a 404) for an unknown one.

    `title_from`: a reference that titles the image when it is one of its tags (`app` means
    `app:latest`); otherwise the first tag does. An image has its tags in no useful order, so
    the page reached by a tag (after a pull of it) says that tag, not another one.
    """
    data = inspect_image(reference)
    # Only the containers of this image: the engine filters, and summarizes nothing else.
    raw_users = container_services.list_raw_containers(all=True, filters={"ancestor": data["Id"]})
    users = sorted(
        (container_services.summarize(raw) for raw in raw_users if raw.get("ImageID") == data["Id"]),
        key=lambda c: c.name,
    )
    image = detail_from_inspect(data, image_history(data["Id"]), users)
    tag = normalize_reference(title_from) if title_from and parse_reference(title_from) else ""
    return replace(image, addressed_as=tag) if tag in image.tags else image


# ---------------------------------------------------------------- changes


@dataclass(frozen=True)
class TagHolder:
    """The image a repository:tag names now: a new tag of that name takes it from this one."""

    id: str
    tags: list[str]

    @property
    def short_id(self) -> str:
        return self.id.removeprefix("sha256:")[:12]


def tag_holder(reference: str) -> TagHolder | None:
    """The image `repository:tag` names, or None when no image has that tag."""
    try:
        data = inspect_image(reference)
    except EngineNotFound:
        return None
    return TagHolder(data["Id"], _clean_tags(data.get("RepoTags")))


@translate_errors
def tag_image(image_id: str, repository: str, tag: str) -> None:
    get_client().api.tag(image_id, repository, tag)


@dataclass(frozen=True)
class Removal:
    untagged: list[str]
    deleted: list[str]


@translate_errors
def remove_image(reference: str, force: bool = False) -> Removal:
    """`docker rmi`: a tag only untags (deleting the image with its last tag); an id deletes.

    The engine refuses while a container uses the image; `force` overrides that only for
    stopped containers and multiple tags, never for a running container.
    """
    answer = get_client().api.remove_image(reference, force=force) or []
    return Removal(
        untagged=[item["Untagged"] for item in answer if "Untagged" in item],
        deleted=[item["Deleted"] for item in answer if "Deleted" in item],
    )


@dataclass(frozen=True)
class RemovalOutcome:
    image_id: str
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def short_id(self) -> str:
        return self.image_id.removeprefix("sha256:")[:12]


def remove_dangling(image_ids: list[str]) -> list[RemovalOutcome]:
    """Delete exactly these images, each only if it is still untagged; one failure stops nothing.

    Deleting by id would also delete an image someone tagged since the confirmation,
    so each id is checked against a fresh list first.
    """
    still_dangling = {image.id for image in list_images() if image.dangling}
    outcomes = []
    for image_id in image_ids:
        if image_id not in still_dangling:
            outcomes.append(
                RemovalOutcome(image_id, _("No longer a dangling image (tagged or already gone); left alone."))
            )
            continue
        try:
            remove_image(image_id)
            outcomes.append(RemovalOutcome(image_id))
        except EngineError as e:
            outcomes.append(RemovalOutcome(image_id, e.message))
    return outcomes


# ---------------------------------------------------------------- pull


@dataclass(frozen=True)
class PullEvent:
    """One line of the engine's pull stream; `layer_id` is empty for whole-pull lines."""

    status: str
    layer_id: str = ""
    current: int = 0
    total: int = 0


@translate_errors
def pull_progress(reference: str, auth: dict | None = None, stream: PullStream | None = None) -> Iterator[PullEvent]:
    """Pull an image, yielding the engine's progress line by line.

    `auth` ({"username", "password"}) goes to the engine as the X-Registry-Auth header and
    nowhere else. An error inside the stream (the engine has already answered 200) is
    raised as EngineError, like one the engine answers at once. With a `stream`, the pull
    runs on that stream's own connection, which `stream.close()` ends from another thread.
    """
    client = stream.client() if stream else get_client()
    try:
        yield from _pull_events(client.api.pull(reference, stream=True, decode=True, auth_config=auth or None))
    finally:
        if stream:
            stream.close()


def _pull_events(lines) -> Iterator[PullEvent]:
    for line in lines:
        if "error" in line:
            raise EngineError((line.get("errorDetail") or {}).get("message") or line["error"])
        status, layer_id = line.get("status", ""), line.get("id", "")
        detail = line.get("progressDetail") or {}
        if status.startswith("Pulling from"):
            # Its id is the tag, not a layer.
            yield PullEvent(f"{status} ({layer_id})" if layer_id else status)
            continue
        yield PullEvent(status, layer_id, detail.get("current", 0) or 0, detail.get("total", 0) or 0)
