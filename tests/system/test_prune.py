"""Prune (issue 13, part 4): the GET lists exactly what would go with what it frees; the POST
deletes exactly the listed objects, each checked again, never by the engine's prune calls.

Other tests share the engine: every POST here lists only objects this test made.
"""

import os
import re
import subprocess

import pytest

from accounts.models import AuditEntry
from containers import services as container_services
from dashboard.engine import EngineError
from images.services import human_size
from system import services
from tests.conftest import TEST_LABEL, random_name
from tests.networks.helpers import make_network

pytestmark = pytest.mark.django_db


def exists(call, *args) -> bool:
    import docker.errors

    try:
        call(*args)
    except docker.errors.NotFound:
        return False
    return True


def row(page: str, kind: str, key: str) -> str:
    """The candidate row whose checkbox posts `key` under `kind`, or ""."""
    match = re.search(
        rf'<tr><td class="select"><input type="checkbox" name="{kind}" value="{re.escape(key)}".*?</tr>', page, re.S
    )
    return match.group(0) if match else ""


@pytest.fixture
def leftovers(engine, docker_client, make_image):
    """A stopped container that wrote 5,000 bytes, a dangling image with a 3,000-byte layer of
    its own, an unused volume holding 4,321 bytes and an unused network, all of this test."""
    stopped = engine.container("sh -c 'head -c 5000 /dev/zero > /blob'", start=False)
    docker_client.api.start(stopped["Id"])
    docker_client.api.wait(stopped["Id"], timeout=30)
    tag = f"{random_name('prune')}:v1"
    dangling = make_image(tag, "RUN head -c 3000 /dev/urandom > /layer")
    make_image(tag)  # takes the tag: the first image is now dangling
    volume = docker_client.api.create_volume(random_name("prunevol"), labels=TEST_LABEL)["Name"]
    engine.volumes.append(volume)
    filler = docker_client.api.create_container(
        "berth-test/busybox",
        "sh -c 'head -c 4321 /dev/zero > /v/f'",
        labels=TEST_LABEL,
        host_config=docker_client.api.create_host_config(binds={volume: {"bind": "/v"}}),
    )["Id"]
    docker_client.api.start(filler)
    docker_client.api.wait(filler, timeout=30)
    docker_client.api.remove_container(filler)  # the volume is unused again
    network = make_network(engine, docker_client)
    return {"container": stopped["Id"], "image": dangling, "volume": volume, "network": network["Id"]}


def test_it_lists_the_candidates_with_their_sizes_and_removes_exactly_those(
    admin_client_, engine, docker_client, leftovers
):
    admin_client_.post("/system/df/")
    page = admin_client_.get("/system/prune/").content.decode()
    df = docker_client.api.df()

    container_row = row(page, "containers", leftovers["container"])
    size_rw = next(c for c in df["Containers"] if c["Id"] == leftovers["container"]).get("SizeRw", 0)
    assert size_rw >= 5000 and f'title="{size_rw} bytes">{human_size(size_rw)}<' in container_row
    image_key = leftovers["image"]  # dangling: its id and no tag
    image_row = row(page, "images", image_key)
    image = next(i for i in df["Images"] if i["Id"] == leftovers["image"])
    unique = image["Size"] - image["SharedSize"]
    assert unique >= 3000 and f'title="{unique} bytes">{human_size(unique)}<' in image_row and " checked" in image_row
    assert 'title="4321 bytes">4.32kB<' in row(page, "volumes", leftovers["volume"])
    assert row(page, "networks", leftovers["network"])

    # Made after the user looked: it must stay, whatever the POST (it was not on the page).
    later = engine.container("true", start=False)
    assert not row(page, "containers", later["Id"])
    response = admin_client_.post(
        "/system/prune/",
        {
            "containers": [leftovers["container"]],
            "images": [image_key],
            "volumes": [leftovers["volume"]],
            "networks": [leftovers["network"]],
            "confirm": "on",
        },
    )
    done = response.content.decode()
    assert response.status_code == 200 and "Kept" not in done, done
    assert not exists(docker_client.api.inspect_container, leftovers["container"])
    assert not exists(docker_client.api.inspect_image, leftovers["image"])
    assert not exists(docker_client.api.inspect_volume, leftovers["volume"])
    assert not exists(docker_client.api.inspect_network, leftovers["network"])
    assert exists(docker_client.api.inspect_container, later["Id"])
    assert f"{human_size(size_rw)} freed" in done

    entry = AuditEntry.objects.get(action="system.prune")
    assert entry.outcome == "ok"
    assert {(item["kind"], item["id"]) for item in entry.extra["items"]} == {
        ("containers", leftovers["container"]),
        ("images", leftovers["image"]),
        ("volumes", leftovers["volume"]),
        ("networks", leftovers["network"]),
    }


def test_what_changed_since_the_page_is_kept_and_reported(admin_client_, engine, docker_client, leftovers):
    sleeper = engine.container("sleep 300", start=False)
    page = admin_client_.get("/system/prune/").content.decode()
    assert row(page, "containers", sleeper["Id"])
    assert "has not been computed yet" in page and "not measured" in page  # no disk usage: no sizes
    docker_client.api.start(sleeper["Id"])  # started since
    docker_client.api.tag(leftovers["image"], random_name("retag"), "v1")  # tagged since
    engine.images.append(leftovers["image"])
    user = engine.container("sleep 300", host={"binds": {leftovers["volume"]: {"bind": "/v"}}})  # used since
    done = admin_client_.post(
        "/system/prune/",
        {
            "containers": [sleeper["Id"]],
            "images": [leftovers["image"]],
            "volumes": [leftovers["volume"]],
            "confirm": "on",
        },
    ).content.decode()
    assert done.count("Kept") == 3 and "no longer a stopped container" in done, re.findall(r"<li>.*?</li>", done)
    assert "no longer unused with the same tags" in done and "no longer unused (a container uses it" in done
    for call, key in (
        (docker_client.api.inspect_container, sleeper["Id"]),
        (docker_client.api.inspect_image, leftovers["image"]),
        (docker_client.api.inspect_volume, leftovers["volume"]),
    ):
        assert exists(call, key)
    assert user


def test_a_viewer_cannot_prune(viewer_client, engine, docker_client):
    stopped = engine.container("true", start=False)
    assert viewer_client.get("/system/prune/").status_code == 403
    response = viewer_client.post("/system/prune/", {"containers": [stopped["Id"]], "confirm": "on"})
    assert response.status_code == 403 and exists(docker_client.api.inspect_container, stopped["Id"])
    denied = AuditEntry.objects.filter(outcome="denied", extra__path="/system/prune/")
    assert sorted(e.extra["method"] for e in denied) == ["GET", "POST"]


def test_an_operator_prunes_containers_but_not_images(operator_client, engine, docker_client, leftovers):
    page = operator_client.get("/system/prune/").content.decode()
    assert row(page, "containers", leftovers["container"])
    assert 'name="images"' not in page and 'name="volumes"' not in page and "pruned by an admin" in page

    refused = operator_client.post("/system/prune/", {"images": [leftovers["image"]], "confirm": "on"})
    assert refused.status_code == 403 and "needs the admin role" in refused.content.decode()
    assert exists(docker_client.api.inspect_image, leftovers["image"])
    denied = AuditEntry.objects.get(action="system.prune", outcome="denied")
    assert denied.extra == {"kinds": ["images"]}

    done = operator_client.post("/system/prune/", {"containers": [leftovers["container"]], "confirm": "on"})
    assert done.status_code == 200 and not exists(docker_client.api.inspect_container, leftovers["container"])


def test_an_engine_refusal_is_a_message_for_that_object(admin_client_, engine, monkeypatch):
    stopped = engine.container("true", start=False)

    def refuse(container_id, force=False, volumes=False):
        raise EngineError(f"removal of container {container_id} is already in progress", 409)

    # A refusal between the check and the removal cannot be timed on a real engine: the one patch.
    monkeypatch.setattr(container_services, "remove_container", refuse)
    response = admin_client_.post("/system/prune/", {"containers": [stopped["Id"]], "confirm": "on"})
    assert response.status_code == 200
    assert f"removal of container {stopped['Id']} is already in progress" in response.content.decode()
    assert AuditEntry.objects.get(action="system.prune").outcome == "failed"


def test_berths_own_container_and_compose_project_are_never_listed(admin_client_, engine, docker_client, monkeypatch):
    project = {"com.docker.compose.project": random_name("proj")}
    own = engine.container("sleep 300", labels=project)
    sibling = engine.container("true", start=False, labels=project)
    stranger = engine.container("true", start=False)
    volume = docker_client.api.create_volume(random_name("projvol"), labels={**TEST_LABEL, **project})["Name"]
    engine.volumes.append(volume)
    network = make_network(engine, docker_client, labels=project)
    monkeypatch.setenv("BERTH_CONTAINER_ID", own["Id"][:12])
    page = admin_client_.get("/system/prune/").content.decode()
    assert row(page, "containers", stranger["Id"])
    assert not row(page, "containers", sibling["Id"]) and not row(page, "volumes", volume)
    assert not row(page, "networks", network["Id"])
    # Posted anyway (a forged form): refused by the re-check, kept.
    done = admin_client_.post(
        "/system/prune/", {"containers": [sibling["Id"]], "volumes": [volume], "confirm": "on"}
    ).content.decode()
    assert done.count("Kept") == 2 and exists(docker_client.api.inspect_container, sibling["Id"])


def test_it_refuses_an_empty_or_unconfirmed_post(admin_client_, engine):
    stopped = engine.container("true", start=False)
    page = admin_client_.post("/system/prune/", {"containers": [stopped["Id"]]}).content.decode()
    assert "Tick the box to confirm" in page
    page = admin_client_.post("/system/prune/", {"confirm": "on"}).content.decode()
    assert "Select at least one object" in page
    assert set(AuditEntry.objects.filter(action="system.prune").values_list("outcome", flat=True)) == {"rejected"}
    assert services.last_disk_usage() is None


def test_it_removes_exactly_the_build_cache_record_it_listed(admin_client_, engine, docker_client, tmp_path):
    """A BuildKit build (the Debian 20.10 CLI builds with the engine's BuildKit) leaves cache
    records; the one of this build's RUN step is found by its command, unique to this test."""
    token = random_name("bk")
    (tmp_path / "Dockerfile").write_text(f"FROM berth-test/busybox\nRUN head -c 7777 /dev/urandom > /{token}\n")
    tag = f"{token}:v1"
    built = subprocess.run(
        ["/usr/bin/docker", "build", "-q", "--label", "berth.test=1", "-t", tag, str(tmp_path)],
        env={**os.environ, "DOCKER_BUILDKIT": "1"},
        capture_output=True,
        timeout=120,
    )
    if built.returncode != 0:
        (pytest.fail if os.environ.get("CI") == "true" else pytest.skip)(
            f"no BuildKit build here: {built.stderr.decode()[-300:]}"
        )
    engine.images.append(tag)
    admin_client_.post("/system/df/")
    records = [r for r in services.last_disk_usage().build_cache if token in r.description]
    assert len(records) == 1, records
    mine = records[0]
    page = admin_client_.get("/system/prune/").content.decode()
    assert f'title="{mine.size} bytes">{human_size(mine.size)}<' in row(page, "build_cache", mine.id)

    done = admin_client_.post("/system/prune/", {"build_cache": [mine.id], "confirm": "on"}).content.decode()
    assert "Removed" in done and "Kept" not in done, done
    left = {r["ID"] for r in docker_client.api.df()["BuildCache"] or []}
    assert mine.id not in left
    entry = AuditEntry.objects.get(action="system.prune")
    assert [item["id"] for item in entry.extra["items"]] == [mine.id]


def test_an_unused_tagged_image_is_listed_unticked_and_goes_with_all_its_tags(admin_client_, docker_client, make_image):
    first = f"{random_name('tagged')}:v1"
    image = make_image(first)
    second = f"{random_name('other')}:v2"  # another repository: deleting by id alone would be refused
    docker_client.api.tag(image, *second.split(":"))
    key = " ".join([image, *sorted([first, second])])
    page = admin_client_.get("/system/prune/").content.decode()
    listed = row(page, "images", key)
    assert listed and " checked" not in listed and first in listed and second in listed
    done = admin_client_.post("/system/prune/", {"images": [key], "confirm": "on"}).content.decode()
    assert "Kept" not in done, done
    assert not exists(docker_client.api.inspect_image, image)
