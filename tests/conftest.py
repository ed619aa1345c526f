"""Fixtures for tests against the real Docker engine that `.ci/run` starts.

Every resource a test makes gets a random `berth-test-` name and the label
`berth.test=1` (plus `berth.test.run=<this run>`), and is removed after the test; the
session ends with a sweep of what this run so labelled and left behind. The sweep takes
only this run's resources, so two test sessions on one engine do not remove each
other's. Under CI=true a missing engine fails the run: it never skips.
"""

import os
import secrets
import time

import docker
import docker.errors
import pytest

from tests.browser_support import berth_server, browser, live_server_url, page  # noqa: F401
from tests.images import BUSYBOX_IMAGE, ensure_test_images

# Set once in the controlling process; pytest-xdist workers inherit it from the environment.
RUN_ID = os.environ.setdefault("BERTH_TEST_RUN", secrets.token_hex(4))
TEST_LABEL = {"berth.test": "1", "berth.test.run": RUN_ID}
TEST_PREFIX = "berth-test-"


def random_name(kind: str = "") -> str:
    return f"{TEST_PREFIX}{kind}{'-' if kind else ''}{secrets.token_hex(4)}"


def wait_for(condition, timeout: float = 20, interval: float = 0.1, message: str = "condition"):
    """Poll until condition() is truthy; return its value. Never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


@pytest.fixture(scope="session")
def docker_client():
    client = docker.from_env(timeout=60)
    try:
        client.ping()
    except Exception as e:  # noqa: BLE001 - any failure means there is no engine
        if os.environ.get("CI") == "true":
            pytest.fail(f"No Docker engine answers ({e}); under CI the engine is required.", pytrace=False)
        pytest.skip(f"No Docker engine answers: {e}")
    ensure_test_images(client)
    yield client
    client.close()


@pytest.fixture
def busybox_image(docker_client) -> str:
    return BUSYBOX_IMAGE


class Resources:
    """What one test made, removed at its end whatever happened (docker-py's tmp_* lists)."""

    def __init__(self, client: docker.DockerClient):
        self.client = client
        self.containers: list[str] = []
        self.volumes: list[str] = []
        self.networks: list[str] = []
        self.images: list[str] = []

    def container(self, command="sleep 300", *, start=True, name=None, image=BUSYBOX_IMAGE, **kwargs) -> dict:
        """Create (and start) a labelled busybox container with the low-level API; returns inspect."""
        labels = {**TEST_LABEL, **kwargs.pop("labels", {})}
        host_config = kwargs.pop("host_config", None) or self.client.api.create_host_config(**kwargs.pop("host", {}))
        created = self.client.api.create_container(
            image, command, name=name or random_name(), labels=labels, host_config=host_config, **kwargs
        )
        self.containers.append(created["Id"])
        if start:
            self.client.api.start(created["Id"])
        return self.client.api.inspect_container(created["Id"])

    def track_container(self, container_id: str) -> str:
        self.containers.append(container_id)
        return container_id

    def cleanup(self):
        for container_id in self.containers:
            try:
                self.client.api.remove_container(container_id, force=True, v=True)
            except docker.errors.APIError:
                pass
        for network in self.networks:
            try:
                self.client.api.remove_network(network)
            except docker.errors.APIError:
                pass
        for volume in self.volumes:
            try:
                self.client.api.remove_volume(volume, force=True)
            except docker.errors.APIError:
                pass
        for image in self.images:
            try:
                self.client.api.remove_image(image, force=True)
            except docker.errors.APIError:
                pass


@pytest.fixture
def engine(docker_client):
    resources = Resources(docker_client)
    yield resources
    resources.cleanup()


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_superuser("alice", "", "alice-password-1")


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def sweep_labelled(client: docker.DockerClient) -> None:
    label = f"berth.test.run={RUN_ID}"
    for raw in client.api.containers(all=True, filters={"label": label}):
        try:
            client.api.remove_container(raw["Id"], force=True, v=True)
        except docker.errors.APIError:
            pass
    for network in client.api.networks(filters={"label": label}):
        try:
            client.api.remove_network(network["Id"])
        except docker.errors.APIError:
            pass
    for volume in (client.api.volumes(filters={"label": label}) or {}).get("Volumes") or []:
        try:
            client.api.remove_volume(volume["Name"], force=True)
        except docker.errors.APIError:
            pass


def pytest_sessionfinish(session, exitstatus):
    # Under xdist only the controller sweeps, once every worker is done.
    if hasattr(session.config, "workerinput"):
        return
    try:
        sweep_labelled(docker.from_env(timeout=30))
    except Exception:  # noqa: BLE001 - no engine, nothing to sweep
        pass
