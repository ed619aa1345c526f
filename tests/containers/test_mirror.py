"""The container mirror (containers/mirror.py) never shows the list stale: the engine is changed
behind Berth's back with the docker CLI, and every page view is compared with the engine's own
list made just before and just after it, both right after the change (when its event may still
be on its way) and once the mirror has taken it in and serves the page itself."""

import threading
import time

import pytest

from containers import mirror, services
from dashboard.engine import docker_host
from tests.conftest import CLI_LABELS, docker_cli, random_name
from tests.images import BUSYBOX_IMAGE

pytestmark = pytest.mark.django_db


def row(summary: services.ContainerSummary) -> tuple:
    """A row's fields, its Status split in two ("Up 2 seconds", "(healthy)"): each half turns over
    on its own clock, so a view between two engine lists may show one half new and the other old."""
    uptime, _, health_note = summary.status.partition(" (")
    return (summary.name, summary.image, summary.state, uptime, health_note, summary.health, tuple(summary.ports))


def engine_rows(docker_client, tag: str) -> dict[str, tuple]:
    raws = docker_client.api.containers(all=True, filters={"name": tag})
    return {raw["Id"]: row(services.summarize(raw)) for raw in raws}


def shown_rows(client, tag: str) -> dict[str, tuple]:
    page = client.get(f"/containers/?all=1&q={tag}").context["page"]
    return {summary.id: row(summary) for summary in page.rows}


def assert_current(client, docker_client, tag: str) -> None:
    """The page shows what the engine lists: each field of a row as one of the engine's two lists
    around the view has it (a Status such as "Up 2 seconds" and a health check may each turn over
    between them, in either order: "Up 1 second (health: starting)" between "Up Less than a second
    (health: starting)" and "Up 1 second (healthy)" was seen in CI)."""
    before = engine_rows(docker_client, tag)
    shown = shown_rows(client, tag)
    after = engine_rows(docker_client, tag)
    assert shown.keys() == before.keys() == after.keys(), (shown, before)
    for container_id, seen in shown.items():
        old, new = before[container_id], after[container_id]
        assert all(field in (was, now) for field, was, now in zip(seen, old, new, strict=True)), (seen, old, new)


def served() -> int:
    found = mirror._mirrors.get(docker_host())
    return found.served if found else 0


def assert_served_and_current(client, docker_client, tag: str) -> None:
    """Once the mirror has taken the change in, it answers the page itself, and still correctly."""
    deadline = time.monotonic() + 30
    while True:
        before = served()
        assert_current(client, docker_client, tag)
        if served() > before:
            return
        assert time.monotonic() < deadline, "the mirror never served the page"
        time.sleep(0.05)


CHANGES = [
    ("create", lambda tag: docker_cli("create", *CLI_LABELS, "--name", f"{tag}-a", BUSYBOX_IMAGE, "sleep", "300")),
    ("start", lambda tag: docker_cli("start", f"{tag}-a")),
    ("pause", lambda tag: docker_cli("pause", f"{tag}-a")),
    ("unpause", lambda tag: docker_cli("unpause", f"{tag}-a")),
    ("rename", lambda tag: docker_cli("rename", f"{tag}-a", f"{tag}-b")),
    (
        "run with a port",
        lambda tag: docker_cli(
            "run",
            "-d",
            *CLI_LABELS,
            "--name",
            f"{tag}-web",
            "-p",
            "127.0.0.1::80",
            BUSYBOX_IMAGE,
            "httpd",
            "-f",
            "-p",
            "80",
        ),
    ),  # fmt: skip
    ("stop", lambda tag: docker_cli("stop", "-t", "1", f"{tag}-web")),
    ("kill", lambda tag: docker_cli("kill", f"{tag}-b")),
    (
        "run with a health check",
        lambda tag: docker_cli(
            "run",
            "-d",
            *CLI_LABELS,
            "--name",
            f"{tag}-hc",
            "--health-cmd",
            "true",
            "--health-interval",
            "1s",
            BUSYBOX_IMAGE,
            "sleep",
            "300",
        ),
    ),  # fmt: skip
    (
        "tag an image and run it",
        lambda tag: (
            docker_cli("tag", BUSYBOX_IMAGE, f"{tag}-img:v1"),
            docker_cli("run", "-d", *CLI_LABELS, "--name", f"{tag}-tagged", f"{tag}-img:v1", "sleep", "300"),
        ),
    ),  # fmt: skip
    ("untag it (the list then names the image by id)", lambda tag: docker_cli("rmi", f"{tag}-img:v1")),
    (
        "exit with a code",
        lambda tag: docker_cli(
            "wait", docker_cli("run", "-d", *CLI_LABELS, "--name", f"{tag}-exit", BUSYBOX_IMAGE, "sh", "-c", "exit 3")
        ),
    ),
    ("remove", lambda tag: docker_cli("rm", "-f", f"{tag}-b")),
]


@pytest.fixture(params=["events on time", "events late"])
def events_delay(request, monkeypatch):
    """Events as the hub hears them, or each half a second late, as from a busy engine or host:
    then the view right after a change must not trust the mirror (the engine's own event log
    says it is behind). A lag the engine cannot be made to produce on demand, so it is made here."""
    for found in list(mirror._mirrors.values()):
        found.close()  # a mirror made before heard its events without the delay
    if request.param == "events late":
        heard = mirror.Mirror.heard

        def late(self, kind, event):
            threading.Timer(0.5, heard, (self, kind, event)).start()

        monkeypatch.setattr(mirror.Mirror, "heard", late)
    yield
    for found in list(mirror._mirrors.values()):
        found.close()


def test_every_change_behind_berths_back_is_on_the_next_page_view(logged_in, docker_client, events_delay):
    tag = random_name("mirror")
    try:
        assert_served_and_current(logged_in, docker_client, tag)  # the mirror is listed and current
        for what, change in CHANGES:
            change(tag)
            try:
                assert_current(logged_in, docker_client, tag)  # at once: its event may not be here yet
                assert_served_and_current(logged_in, docker_client, tag)
            except AssertionError as e:
                raise AssertionError(f"after {what}: {e}") from None
        # The health check turns "health: starting" into "healthy" with nobody touching anything.
        deadline = time.monotonic() + 30
        while "healthy" not in {fields[5] for fields in engine_rows(docker_client, tag).values()}:
            assert time.monotonic() < deadline, "the health check never passed"
            time.sleep(0.2)
        assert_served_and_current(logged_in, docker_client, tag)
    finally:
        for raw in docker_client.api.containers(all=True, filters={"name": tag}):
            docker_client.api.remove_container(raw["Id"], force=True)


def test_its_status_text_is_the_engines(docker_client, engine):
    """human_duration and status_at say what the engine says, checked on real containers:
    running, paused, exited with a code, created (the longer times are go-units' own rules)."""
    running = engine.container("sleep 300")
    paused = engine.container("sleep 300")
    docker_client.api.pause(paused["Id"])
    exited = engine.container("sh -c 'exit 7'")
    docker_client.api.wait(exited["Id"], timeout=20)
    created = engine.container("true", start=False)
    time.sleep(1.2)  # past "Less than a second"
    for container in (running, paused, exited, created):
        began = time.time_ns()
        [raw] = docker_client.api.containers(all=True, filters={"id": container["Id"]})
        entry = mirror.timed_entry(raw, began, time.time_ns())
        assert entry.good, raw["Status"]
    assert mirror.human_duration(90 * 60 * 10**9) == "2 hours"  # go-units rounds hours to the nearest
    assert mirror.human_duration(3 * 86400 * 10**9) == "3 days"
