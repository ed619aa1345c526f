"""The engine calls on one container, and the lookups the Run/Create form makes: each one
Docker call (docker-py's low-level API), its errors translated (dashboard/engine.py).

Importable from containers/services.py, the containers app's public service, as before.
"""

from dashboard.engine import EngineNotFound, get_client, translate_errors


@translate_errors
def inspect_container(container_id: str) -> dict:
    return get_client().api.inspect_container(container_id)


@translate_errors
def recent_output(container_id: str, lines: int = 50) -> str:
    """The last lines of a container's output (stdout and stderr merged)."""
    raw = get_client().api.logs(container_id, stdout=True, stderr=True, tail=lines, timestamps=False)
    return raw.decode("utf-8", "replace")


# ---------------------------------------------------------------- actions


@translate_errors
def start_container(container_id: str) -> None:
    get_client().api.start(container_id)


@translate_errors
def stop_container(container_id: str, timeout: int = 10) -> None:
    get_client().api.stop(container_id, timeout=timeout)


@translate_errors
def restart_container(container_id: str, timeout: int = 10) -> None:
    get_client().api.restart(container_id, timeout=timeout)


@translate_errors
def kill_container(container_id: str, signal: str = "SIGKILL") -> None:
    get_client().api.kill(container_id, signal=signal)


@translate_errors
def pause_container(container_id: str) -> None:
    get_client().api.pause(container_id)


@translate_errors
def unpause_container(container_id: str) -> None:
    get_client().api.unpause(container_id)


@translate_errors
def rename_container(container_id: str, new_name: str) -> None:
    get_client().api.rename(container_id, new_name)


@translate_errors
def remove_container(container_id: str, force: bool = False, volumes: bool = False) -> None:
    """Like `docker rm`: the engine refuses a running container unless forced."""
    get_client().api.remove_container(container_id, force=force, v=volumes)


ACTIONS = {
    "start": start_container,
    "stop": stop_container,
    "restart": restart_container,
    "kill": kill_container,
    "pause": pause_container,
    "unpause": unpause_container,
    "remove": remove_container,
}


# ---------------------------------------------------------------- lookups (the Run/Create form)


@translate_errors
def _inspect_image(reference: str) -> dict:
    return get_client().api.inspect_image(reference)


def _exists(inspect, reference: str) -> bool:
    try:
        inspect(reference)
    except EngineNotFound:
        return False
    return True


def image_exists(reference: str) -> bool:
    return _exists(_inspect_image, reference)


def container_exists(name_or_id: str) -> bool:
    return _exists(inspect_container, name_or_id)


@translate_errors
def _inspect_volume(name: str) -> dict:
    return get_client().api.inspect_volume(name)


def inspect_volume(name: str) -> dict | None:
    """A named volume's inspect document, or None when there is none yet (`-v` would make it)."""
    try:
        return _inspect_volume(name)
    except EngineNotFound:
        return None


@translate_errors
def network_subnets(name_or_id: str) -> list[str]:
    """The subnets of a network's IPAM configuration, as the engine writes them."""
    ipam = get_client().api.inspect_network(name_or_id).get("IPAM") or {}
    return [pool["Subnet"] for pool in ipam.get("Config") or [] if pool.get("Subnet")]


@translate_errors
def network_names() -> list[str]:
    return sorted(network["Name"] for network in get_client().api.networks())
