"""Small helpers shared by the network tests."""

import random

from tests.conftest import TEST_LABEL, random_name


def free_subnet() -> tuple[str, str]:
    """A random private /24 (and its .1 gateway) unlikely to meet another test's network."""
    second, third = random.randint(128, 250), random.randint(0, 255)
    return f"10.{second}.{third}.0/24", f"10.{second}.{third}.1"


def make_network(engine, docker_client, **kwargs) -> dict:
    name = kwargs.pop("name", None) or random_name("net")
    created = docker_client.api.create_network(name, labels={**TEST_LABEL, **kwargs.pop("labels", {})}, **kwargs)
    engine.networks.append(created["Id"])
    return docker_client.api.inspect_network(created["Id"])


def run_in(docker_client, container_id: str, command: str) -> tuple[int, str]:
    """`docker exec CONTAINER sh -c COMMAND`: exit code and output."""
    exec_id = docker_client.api.exec_create(container_id, ["sh", "-c", command])["Id"]
    output = docker_client.api.exec_start(exec_id).decode()
    return docker_client.api.exec_inspect(exec_id)["ExitCode"], output


def network_ids(docker_client) -> set[str]:
    return {n["Id"] for n in docker_client.api.networks()}


def network_exists(docker_client, name: str) -> bool:
    """Whether a network of exactly this name exists. Tests check the name they tried rather
    than the engine's whole list, which parallel tests change at any moment."""
    return any(n["Name"] == name for n in docker_client.api.networks(names=[name]))
