"""The docker CLI in and out: a pasted `docker run` line fills the Run form (`?cli=`), and a
container's page offers the `docker run` line that makes it again, its secrets masked until
an operator reveals them (audited as `container.env.reveal`, like one value's Reveal)."""

import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import docker.errors
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.audit import audit
from accounts.masking import is_secret
from accounts.roles import role_required
from containers import cli_export, cli_import, services
from dashboard.engine import get_client, translate_errors

# The engine's default log driver changes only with its configuration and a restart; `docker
# info` gathers much more: 7.5 ms here, against 0.8 ms for the image inspect each page also makes.
LOG_DRIVER_SECONDS = 60
_log_driver: tuple[float, str] = (0.0, "")


@dataclass
class DockerRun:
    line: str
    notes: list[str] = field(default_factory=list)
    masked: list[str] = field(default_factory=list)  # the names of the secrets masked in it


@translate_errors
def _image_and_log_driver(image_id: str) -> tuple[dict, str]:
    global _log_driver
    api = get_client().api
    try:
        image = api.inspect_image(image_id)
    except docker.errors.NotFound:  # the image is gone (`docker rmi -f`): no defaults to leave out
        image = {}
    fetched_at, driver = _log_driver
    if not driver or time.monotonic() - fetched_at > LOG_DRIVER_SECONDS:
        driver = api.info().get("LoggingDriver") or "json-file"
        _log_driver = (time.monotonic(), driver)
    return image, driver


def docker_run(container: services.ContainerDetail, *, revealed: bool = False) -> DockerRun:
    """The `docker run` line of a container, for its page."""
    image, driver = _image_and_log_driver(container.image_id)
    peer = services.network_peer(container.network_mode)  # an inspect only for --network container:...
    line, notes = cli_export.docker_run(
        container.inspect,
        image,
        default_log_driver=driver,
        revealed=revealed,
        network_peer=(peer.name or peer.id[:12]) if peer else "",
    )
    image_env = set((image.get("Config") or {}).get("Env") or [])
    masked = [
        key
        for key, value in container.env
        if is_secret(key, value) and f"{key}={value}" not in image_env and not revealed
    ]
    return DockerRun(line, notes, masked)


@role_required("viewer")
@never_cache
def docker_run_block(request: HttpRequest, container_id: str) -> HttpResponse:
    """The container's `docker run` line, masked as its page is: asked for when the page's block
    scrolls into view (htmx), not with the page, whose view it cost an image inspect every time
    (container_page went from 20 to 27 times an inspect)."""
    container = services.get_container(container_id)
    context = {"container": container, "docker_run": docker_run(container)}
    template = "containers/_docker_run.html" if request.htmx else "containers/docker_run.html"
    return render(request, template, context)


@require_POST
@role_required("operator")
@never_cache
def docker_run_reveal(request: HttpRequest, container_id: str) -> HttpResponse:
    """The container's `docker run` line with its secrets, for an operator, audited."""
    container = services.get_container(container_id)
    shown = docker_run(container)
    audit(
        request,
        "container.env.reveal",
        object_type="container",
        object_id=container.id,
        object_name=container.name,
        extra={"variables": shown.masked, "in": "docker run"},
    )
    context = {"container": container, "docker_run": docker_run(container, revealed=True), "revealed": True}
    template = "containers/_docker_run.html" if request.htmx else "containers/docker_run.html"
    return render(request, template, context)


# ---------------------------------------------------------------- in: ?cli= on the Run form


def pasted_command(request: HttpRequest) -> cli_import.Pasted | None:
    """The pasted command of `/containers/new/?cli=...`, read into the form's fields."""
    if request.method != "GET" or "cli" not in request.GET:
        return None
    pasted = cli_import.read_command(request.GET["cli"])
    pasted.link = reverse("containers:create") + "?" + urlencode({"cli": request.GET["cli"]})
    return pasted
