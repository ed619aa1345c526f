"""The command palette's search (Ctrl-K, static/keys.js): containers, images, volumes and networks
whose name holds the query, each with the actions the user's role allows.

One engine call per kind, through each app's own service (the raw lists: summarizing a thousand
containers only to read their names would cost what the list page costs). An action is a link:
to the object's page, its logs or terminal, or an existing confirmation page; the palette never
changes anything itself.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.roles import has_role, role_required
from containers.services import container_name, list_raw_containers
from images.services import list_raw_images
from networks.services import list_raw_networks
from volumes.services import list_raw_volumes

# Enough to fill the palette's window twice; a longer query narrows it.
MAX_RESULTS = 50
MAX_QUERY = 200


def _action(label: str, url: str) -> dict:
    return {"label": label, "url": url}


def _containers(request: HttpRequest) -> list[dict]:
    operator = has_role(request.user, "operator")
    items = []
    for raw in list_raw_containers(all=True):
        cid = raw["Id"]
        actions = [
            _action(_("Open"), reverse("containers:detail", args=[cid])),
            _action(_("Logs"), reverse("containers:logs", args=[cid])),
        ]
        if operator and raw.get("State") == "running":
            actions.append(_action(_("Terminal"), reverse("containers:exec", args=[cid])))
        if operator:
            actions.append(_action(_("Remove…"), reverse("containers:remove", args=[cid])))
        items.append(
            {"kind": "container", "name": container_name(raw), "detail": raw.get("State", ""), "actions": actions}
        )
    return items


def _images(request: HttpRequest) -> list[dict]:
    admin = has_role(request.user, "admin")
    items = []
    for raw in list_raw_images():
        iid = raw["Id"]
        tags = [tag for tag in raw.get("RepoTags") or [] if tag != "<none>:<none>"]
        actions = [_action(_("Open"), reverse("images:detail", args=[iid]))]
        if admin:
            actions.append(_action(_("Remove…"), reverse("images:remove", args=[iid])))
        short = iid.removeprefix("sha256:")[:12]
        for name in tags or [short]:  # an untagged image is found by its short id
            items.append({"kind": "image", "name": name, "detail": short, "actions": actions})
    return items


def _volumes(request: HttpRequest) -> list[dict]:
    admin = has_role(request.user, "admin")
    items = []
    for raw in list_raw_volumes():
        name = raw["Name"]
        actions = [_action(_("Open"), reverse("volumes:detail", args=[name]))]
        if admin:
            actions.append(_action(_("Remove…"), reverse("volumes:remove", args=[name])))
        items.append({"kind": "volume", "name": name, "detail": raw.get("Driver", ""), "actions": actions})
    return items


def _networks(request: HttpRequest) -> list[dict]:
    admin = has_role(request.user, "admin")
    items = []
    for raw in list_raw_networks():
        nid = raw["Id"]
        actions = [_action(_("Open"), reverse("networks:detail", args=[nid]))]
        if admin:
            actions.append(_action(_("Remove…"), reverse("networks:remove", args=[nid])))
        items.append({"kind": "network", "name": raw["Name"], "detail": raw.get("Driver", ""), "actions": actions})
    return items


def _rank(item: dict, needle: str) -> tuple:
    """Names that start with the query first, then shorter names, then alphabetical."""
    name = item["name"].lower()
    return (not name.startswith(needle), len(name), name)


@require_GET
@role_required("viewer")
def palette(request: HttpRequest) -> JsonResponse:
    """`?q=` a part of a name (case-insensitive; empty: everything, up to MAX_RESULTS)."""
    needle = request.GET.get("q", "").strip().lower()[:MAX_QUERY]
    kinds = {"container": _("container"), "image": _("image"), "volume": _("volume"), "network": _("network")}
    found = [
        item
        for collect in (_containers, _images, _volumes, _networks)
        for item in collect(request)
        if needle in item["name"].lower()
    ]
    found.sort(key=lambda item: _rank(item, needle))
    for item in found:
        item["kind_label"] = kinds[item["kind"]]
    return JsonResponse({"results": found[:MAX_RESULTS], "more": max(0, len(found) - MAX_RESULTS)})
