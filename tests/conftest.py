"""Fixtures for tests against the real Docker engine that `.ci/run` starts.

Every resource a test makes gets a random `berth-test-` name and the label
`berth.test=1` (plus `berth.test.run=<this run>`), and is removed after the test; the
session ends with a sweep of what this run so labelled and left behind. The sweep takes
only this run's resources, so two test sessions on one engine do not remove each
other's. Under CI=true a missing engine fails the run: it never skips.
"""

import os
import secrets
import selectors
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import docker
import docker.errors
import pytest

from tests.browser_support import berth_server, browser, live_server_url, page  # noqa: F401 - fixtures, used by name
from tests.images import BUSYBOX_IMAGE, ensure_test_images

# Set once in the controlling process; pytest-xdist workers inherit it from the environment.
RUN_ID = os.environ.setdefault("BERTH_TEST_RUN", secrets.token_hex(4))
TEST_LABEL = {"berth.test": "1", "berth.test.run": RUN_ID}
TEST_PREFIX = "berth-test-"


CLI_LABELS = [arg for key, value in TEST_LABEL.items() for arg in ("--label", f"{key}={value}")]  # the CLI's flags


def docker_cli(*args: str) -> str:
    """The docker CLI, as a user beside Berth runs it; its output."""
    return subprocess.run(["docker", *args], check=True, capture_output=True, text=True, timeout=60).stdout.strip()


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


@pytest.fixture(autouse=True)
def no_container_mirror_after():
    """A test's container mirror (containers/mirror.py) goes with it: a mirror listens to the
    events hub of the engine it was made for, and the next test may point Berth elsewhere."""
    yield
    from containers import mirror  # here: Django is set up only once the tests run

    mirror.close_all()


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


VERSION_ANSWER = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 21\r\n\r\n{"ApiVersion":"1.41"}'


class SilentEngine:
    """A unix socket that accepts connections and reads what they send, and never answers: an
    engine that hangs (issue 10, item 7). With answers_version it answers `GET /version` (what
    a client asks as it is made) and nothing else: an engine that hangs once Berth has its
    client. One thread serves every connection."""

    def __init__(self, answers_version: bool = False):
        self.answers_version = answers_version
        self.dir = tempfile.mkdtemp(prefix="berth-silent-")  # short: unix socket paths are
        self.path = os.path.join(self.dir, "docker.sock")
        self.host = f"unix://{self.path}"
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(64)
        self.connections = 0
        self._wake_reader, self._wake = socket.socketpair()
        self._thread = threading.Thread(target=self._serve, name="silent-engine", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self.server, selectors.EVENT_READ)
        selector.register(self._wake_reader, selectors.EVENT_READ)
        while True:
            for key, _ in selector.select():
                if key.fileobj is self._wake_reader:
                    for other in list(selector.get_map().values()):
                        other.fileobj.close()
                    return
                if key.fileobj is self.server:
                    connection, _ = self.server.accept()
                    self.connections += 1
                    selector.register(connection, selectors.EVENT_READ)
                elif not (data := key.fileobj.recv(65536)):
                    selector.unregister(key.fileobj)
                    key.fileobj.close()
                elif self.answers_version and data.startswith(b"GET /version "):
                    key.fileobj.sendall(VERSION_ANSWER)

    def close(self) -> None:
        self._wake.send(b"x")
        self._thread.join(5)
        self._wake.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(params=["silent", "hung"])
def silent_engine(request, monkeypatch, settings):
    """Berth pointed at an engine that never answers, with DOCKER_TIMEOUT lowered to 2 s: one
    silent from the start ("silent"), and one that hangs after Berth has made its client ("hung")."""
    from dashboard.engine import get_client, reset_client

    settings.DOCKER_TIMEOUT = 2
    engine = SilentEngine(answers_version=request.param == "hung")
    monkeypatch.setenv("DOCKER_HOST", engine.host)
    reset_client()
    if engine.answers_version:
        get_client()
    yield engine
    reset_client()
    engine.close()


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
