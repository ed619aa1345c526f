"""The overview at `/` and the disk usage at /system/df/ (issue 13, part 4), against the real engine."""

import re
from datetime import UTC, datetime

import pytest

from containers.own import id_from_mountinfo
from dashboard.engine import EngineError
from images.services import human_size
from system import services
from tests.conftest import TEST_LABEL, random_name

pytestmark = pytest.mark.django_db


def test_it_shows_the_engine_and_its_counts_at_the_root(logged_in, docker_client):
    page = logged_in.get("/").content.decode()
    version, info = docker_client.api.version(), docker_client.api.info()
    assert f'{version["Version"]} <span class="muted">(API {version["ApiVersion"]})' in page
    assert info["KernelVersion"] in page and info["Driver"] in page and info["LoggingDriver"] in page
    assert f"version {info['CgroupVersion']}" in page
    for block in ("overview-engine", "overview-counts", "overview-events", "overview-disk"):
        assert f'id="{block}"' in page
    assert 'aria-current="page">Overview</a>' in page
    # Not computed yet: the overview offers the button, which comes back here.
    assert "Compute disk usage" in page and 'name="next" value="/"' in page
    # The container list stays where it was.
    assert 'id="container-table"' in logged_in.get("/containers/").content.decode()


def test_each_block_renders_on_its_own_as_a_partial(logged_in):
    from django.template.loader import render_to_string

    counts = services.Counts(running=3, paused=1, stopped=2, images=7, volumes=5, networks=4)
    html = render_to_string("system/overview.html#overview-counts", {"overview": services.Overview(None, counts)})
    assert html.lstrip().startswith('<section id="overview-counts"') and "6 containers in all" in html


def test_the_counts_are_the_engines(logged_in, engine):
    engine.container("sleep 300")
    page = logged_in.get("/").content.decode()
    # Other tests share the engine, so only what this one made is certain.
    figures = dict(re.findall(r'class="figure (\w+)">([\d,]+)<', page))
    assert set(figures) == {"running", "paused", "stopped", "images", "volumes", "networks"}
    assert int(figures["running"].replace(",", "")) >= 1 and int(figures["networks"].replace(",", "")) >= 3


def test_the_latest_events_name_a_container_just_made(logged_in, engine):
    name = random_name("ev")
    container = engine.container("true", start=False, name=name)
    page = logged_in.get("/").content.decode()
    events = page.split('id="overview-events"', 1)[1]
    assert f'<a href="/containers/{container["Id"]}/">{name}</a>' in events
    assert '<td class="action">create</td>' in events


def test_disk_usage_after_a_post_shows_the_engines_numbers(logged_in, engine, docker_client):
    writer = engine.container("sh -c 'head -c 100000 /dev/zero > /blob'", start=False)
    docker_client.api.start(writer["Id"])
    docker_client.api.wait(writer["Id"], timeout=30)
    volume = docker_client.api.create_volume(random_name("dfvol"), labels=TEST_LABEL)["Name"]
    engine.volumes.append(volume)
    filler = engine.container(
        "sh -c 'head -c 12345 /dev/zero > /v/f'", start=False, host={"binds": {volume: {"bind": "/v"}}}
    )
    docker_client.api.start(filler["Id"])
    docker_client.api.wait(filler["Id"], timeout=30)

    before = logged_in.get("/system/df/").content.decode()
    assert "has not been computed on this engine yet" in before
    response = logged_in.post("/system/df/")
    assert (response.status_code, response["Location"]) == (302, "/system/df/")
    page = logged_in.get("/system/df/").content.decode()

    engine_df = docker_client.api.df()
    size_rw = next(c for c in engine_df["Containers"] if c["Id"] == writer["Id"]).get("SizeRw", 0)
    assert size_rw >= 100000
    row = re.search(rf'<tr data-id="{writer["Id"]}">.*?</tr>', page, re.S).group(0)
    assert f'title="{size_rw} bytes">{human_size(size_rw)}<' in row
    volume_row = re.search(rf'<tr data-id="{volume}">.*?</tr>', page, re.S).group(0)
    assert 'title="12345 bytes">12.3kB<' in volume_row
    usage = services.last_disk_usage()
    assert usage.layers_size > 0 and "Computed " in page and "by alice" in page
    # The totals are computed from the same figures, as `docker system df` computes them.
    images = next(kind for kind in usage.kinds() if kind.kind == "images")
    assert f'title="{images.size} bytes">{human_size(images.size)}<' in page
    # The overview shows it too, with when it was computed, and offers to compute it again.
    overview = logged_in.get("/").content.decode()
    assert "Compute again" in overview and "disk-usage" in overview and "Not computed yet" not in overview


def test_an_engine_refusal_of_the_disk_usage_is_a_message(logged_in, monkeypatch):
    def refuse():
        raise EngineError("a disk usage operation is already running", 500)

    # The engine cannot be made to refuse /system/df on demand: the one patch, at the services layer.
    monkeypatch.setattr(services, "_raw_df", refuse)
    response = logged_in.post("/system/df/", follow=True)
    assert response.status_code == 200
    assert "could not compute its disk usage: a disk usage operation is already running" in response.content.decode()


def test_an_engine_refusal_on_the_overview_is_a_page_not_a_500(logged_in, monkeypatch):
    def refuse():
        raise EngineError("the engine said no", 500)

    monkeypatch.setattr(services, "_info", refuse)
    response = logged_in.get("/")
    assert response.status_code == 502 and "the engine said no" in response.content.decode()


def test_a_viewer_sees_the_overview_and_computes_the_disk_usage(viewer_client):
    page = viewer_client.get("/").content.decode()
    assert "Compute disk usage" in page and "/system/prune/" not in page
    assert viewer_client.post("/system/df/").status_code == 302
    assert services.last_disk_usage() is not None


def test_it_finds_its_own_container_id_in_the_mount_table():
    own = "4f" * 32
    text = (
        "600 599 0:52 / / rw,relatime master:300 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/X\n"
        f"612 600 254:1 /var/lib/docker/containers/{own}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda1 rw\n"
        f"613 600 254:1 /var/lib/docker/containers/{own}/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw\n"
    )
    assert id_from_mountinfo(text) == own
    # On the host the engine's shm mounts are listed too; they are no container's own files.
    host = f"90 30 0:50 / /var/lib/docker/containers/{own}/mounts/shm rw - tmpfs shm rw,size=65536k\n"
    assert id_from_mountinfo(host) == ""


def test_an_event_whose_id_fits_no_page_is_shown_without_a_link():
    from django.template.loader import render_to_string

    odd = services.EngineEvent(datetime.now(UTC), "image", "pull", "Not/A Reference!", "")
    gone = services.EngineEvent(datetime.now(UTC), "container", "destroy", "ab" * 32, "old")
    html = render_to_string("system/overview.html#overview-events", {"events": [odd, gone], "event_minutes": 10})
    assert "Not/A Reference!" in html and "old" in html and "<a " not in html


def test_inside_a_container_it_reads_its_id_from_the_mount_table(tmp_path, monkeypatch):
    from containers import own

    own_id = "7c" * 32
    table = tmp_path / "mountinfo"
    table.write_text(f"1 0 254:1 /var/lib/docker/containers/{own_id}/hostname /etc/hostname rw - ext4 /dev/vda1 rw\n")
    monkeypatch.delenv("BERTH_CONTAINER_ID", raising=False)
    monkeypatch.setattr(own, "MOUNTINFO", str(table))
    assert own.own_container_id() == own_id
    monkeypatch.setenv("BERTH_CONTAINER_ID", "berth")  # the setting wins
    assert own.own_container_id() == "berth"


def test_the_mount_table_of_a_real_container_names_that_container(engine, docker_client):
    # With a hostname of its own, as compose's `hostname:` gives: the hostname no longer helps.
    container = engine.container("cat /proc/self/mountinfo", start=False, hostname="berth")
    docker_client.api.start(container["Id"])
    docker_client.api.wait(container["Id"], timeout=30)
    table = docker_client.api.logs(container["Id"]).decode()
    assert id_from_mountinfo(table) == container["Id"]


@pytest.mark.parametrize("path", ["/", "/system/df/", "/system/prune/"])
def test_without_an_engine_each_page_says_which_host_it_tried(logged_in, monkeypatch, tmp_path, path):
    from dashboard import engine as engine_module

    host = f"unix://{tmp_path}/no-such-docker.sock"
    monkeypatch.setenv("DOCKER_HOST", host)
    engine_module.reset_client()
    try:
        response = logged_in.post(path) if path == "/system/df/" else logged_in.get(path)
    finally:
        engine_module.reset_client()
    assert response.status_code == 503 and host in response.content.decode()
