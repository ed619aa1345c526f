"""Create, run and replace a container from a `ContainerSpec` (the Run/Create form), as
`docker create` and `docker run -d` would, leaving nothing behind when the engine refuses.

Importable from containers/services.py as before.
"""

from contextlib import suppress

from containers.operations import (
    inspect_container,
    remove_container,
    rename_container,
    start_container,
    stop_container,
)
from containers.specs import ContainerSpec, create_arguments
from dashboard.engine import EngineError, get_client, translate_errors


@translate_errors
def create_container(spec: ContainerSpec, *, detach: bool = False) -> str:
    """`docker create` (detach=False) or the create half of `docker run -d` (detach=True)."""
    api = get_client().api
    arguments = create_arguments(spec, detach=detach)
    networking = None
    if arguments.endpoint is not None:
        endpoint = api.create_endpoint_config(**arguments.endpoint)
        networking = api.create_networking_config({arguments.network: endpoint})
    host_config = api.create_host_config(**arguments.host_config)
    # docker-py leaves an empty device list out; the CLI always sends one (inspect shows [], not null).
    host_config.setdefault("Devices", [])
    return api.create_container(host_config=host_config, networking_config=networking, **arguments.container)["Id"]


def _start_or_discard(container_id: str) -> None:
    """Start it; if the engine refuses (e.g. a link to a stopped container), remove it again,
    so a failed Run leaves no unexplained Created container, and raise the daemon's words."""
    try:
        start_container(container_id)
    except EngineError:
        with suppress(EngineError):
            remove_container(container_id, force=True)
        raise


def run_container(spec: ContainerSpec) -> str:
    """`docker run -d`: create and start, or leave nothing behind."""
    container_id = create_container(spec, detach=True)
    _start_or_discard(container_id)
    return container_id


def replace_container(old_id: str, spec: ContainerSpec, *, start: bool, detach: bool) -> str:
    """Recreate a container with a new configuration ("Duplicate/Edit" with replace).

    The old one keeps its name aside until the new one exists and (for Run) has started;
    any failure puts the old one back as it was and raises the engine's words.
    """
    old = inspect_container(old_id)
    old_name, was_running = old["Name"].lstrip("/"), bool(old["State"].get("Running"))
    aside = spec.name == old_name
    if aside:
        rename_container(old["Id"], f"{old_name}-replaced-{old['Id'][:8]}")
    try:
        new_id = create_container(spec, detach=detach)
    except EngineError:
        if aside:
            rename_container(old["Id"], old_name)
        raise
    if start:
        # The old one may hold the same host ports: stop it before starting the new one.
        if was_running:
            stop_container(old["Id"])
        try:
            _start_or_discard(new_id)
        except EngineError:
            if aside:
                rename_container(old["Id"], old_name)
            if was_running:
                start_container(old["Id"])
            raise
    remove_container(old["Id"], force=True)
    return new_id
