"""/images/, live (issue 13): /ws/images/?q=&show=&sort=&desc= keeps the rows of an image (one a
tag) up to date when an event names it (its inspect, and the containers made from it:
services.image_summary), and the rows of the image a container created or removed was made
from (their count). Frames as the containers list's (containers/consumers.py), a row's id
being services.row_key: the image's short id and its repository:tag. No paging: every row that
matches goes in, in sort order."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse

from accounts.context_processors import RoleFlags
from containers.live_consumers import LiveConsumer
from containers.live_objects import CONTAINER
from containers.live_rows import Counted, page_request, place
from containers.services import listed_container
from images import services
from images.views import list_context

EVENTS = ["pull", "tag", "untag", "delete", "load", "import", "create", "destroy"]


class LiveImages(Counted):
    def __init__(self, params: dict, user, csrf_secret: str = ""):
        self.params, self.user, self.csrf_secret = params, user, csrf_secret
        self.rows: list[services.ImageRow] = []
        self.query: dict = {}
        self.ids: set[str] = set()  # every image in the engine, for "(M images in the engine)"
        self.new: set[str] = set()
        self.roles = RoleFlags(user)

    def key_of(self, event: dict) -> str:
        actor = (event.get("Actor") or {}).get("ID", "")
        return CONTAINER + actor if event.get("Type") == "container" else actor

    def relist(self, whole: bool) -> list[dict]:
        request = page_request(self.user, reverse("images:list"), self.params, self.csrf_secret)
        context = list_context(request)
        self.rows, self.query = list(context["listing"].rows), context["query"]
        self.ids, self.counted = set(context["listing"].ids), None
        if not whole:
            return []
        return [{"type": "table", "html": render_to_string("images/list.html#image-table", context, request=request)}]

    def changed(self, key: str, expect=None) -> list[dict]:
        if not key.startswith(CONTAINER):
            return self._image(key)
        container_id = key.removeprefix(CONTAINER)
        raw = listed_container(container_id)
        ids = {raw["ImageID"]} if raw and raw.get("ImageID") else set()
        ids |= {row.image.id for row in self.rows if any(c.id == container_id for c in row.image.containers)}
        return [frame for image_id in sorted(ids) for frame in self._image(image_id)]

    def _image(self, reference: str) -> list[dict]:
        image = services.image_summary(reference)
        image_id = image.id if image is not None else reference  # a deleted image is named by its id
        if image is None:
            self.ids.discard(image_id)
        else:
            self.ids.add(image_id)
        needle, show = self.query.get("search", "").strip().lower(), self.query.get("show", "")
        fresh = [row for row in services.rows_of(image) if services.row_shown(row, needle, show)] if image else []
        fresh_keys = {services.row_key(row) for row in fresh}
        frames = []
        for row in [row for row in self.rows if row.image.id == image_id]:
            if services.row_key(row) not in fresh_keys:  # untagged, deleted, or out of the filter now
                self.rows.remove(row)
                frames.append({"type": "remove", "id": services.row_key(row)})
        sort, descending = services.sort_key(self.query.get("sort", "")), self.query.get("descending", False)
        for row in fresh:
            key = services.row_key(row)
            index = next((i for i, shown in enumerate(self.rows) if services.row_key(shown) == key), None)
            if index is not None:
                self.rows[index] = row
            else:
                index = place([sort(shown) for shown in self.rows], sort(row), descending, 1, 1, 10**9)
                self.rows.insert(index, row)
            before = services.row_key(self.rows[index + 1]) if index + 1 < len(self.rows) else None
            frames.append({"type": "row", "id": key, "before": before, "html": self.row(row)})
        return frames

    def count_values(self) -> tuple:
        return len(self.rows), len(self.ids)

    def count_parts(self) -> dict[str, str]:
        matching, total = self.count_values()
        listing = services.ImageListing([], total, matching)
        return {"image-count": render_to_string("images/list.html#image-count", {"listing": listing})}

    def row(self, row: services.ImageRow) -> str:
        return render_to_string("images/list.html#image-row", {"row": row, "perms_role": self.roles})


class ImageListConsumer(LiveConsumer):
    def make_page(self, params: dict, csrf_secret: str) -> LiveImages:
        return LiveImages(params, self.scope["user"], csrf_secret)

    def filters(self) -> dict:
        return {"type": ["image", "container"], "event": EVENTS}
