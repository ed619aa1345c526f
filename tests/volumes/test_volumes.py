"""The volume pages against the real engine: list, create, page, remove, remove unused."""

import pytest

from containers import services as container_services
from tests.conftest import TEST_LABEL, random_name, wait_for
from volumes import services, views

pytestmark = pytest.mark.django_db


def make_volume(engine, docker_client, **kwargs) -> str:
    name = kwargs.pop("name", None) or random_name("vol")
    docker_client.api.create_volume(name=name, labels={**TEST_LABEL, **kwargs.pop("labels", {})}, **kwargs)
    engine.volumes.append(name)
    return name


def engine_volume_size(docker_client, name: str) -> int:
    # The engine shares one /system/df run among concurrent callers, so a run that began
    # before the volume existed can omit it: ask again until it is there.
    def size():
        found = [v for v in docker_client.api.df()["Volumes"] if v["Name"] == name]
        return found and found[0]["UsageData"]["Size"] + 1

    return wait_for(size, message=f"{name} in /system/df") - 1


def test_it_lists_volumes_with_the_containers_using_them(logged_in, engine, docker_client):
    used = make_volume(engine, docker_client, labels={"team": "blue"})
    unused = make_volume(engine, docker_client)
    running = engine.container("sleep 300", host={"binds": [f"{used}:/data"]})
    stopped = engine.container("true", start=False, host={"binds": [f"{used}:/more:ro"]})
    html = logged_in.get("/volumes/?q=berth-test-vol").content.decode()
    assert used in html and unused in html
    assert running["Name"].lstrip("/") in html and stopped["Name"].lstrip("/") in html
    assert "team=blue" in html
    volume = next(v for v in services.list_volumes() if v.name == used)
    assert {(u.container_name, u.destination, u.read_only) for u in volume.users} == {
        (running["Name"].lstrip("/"), "/data", False),
        (stopped["Name"].lstrip("/"), "/more", True),
    }


def test_it_filters_unused_volumes(logged_in, engine, docker_client):
    used = make_volume(engine, docker_client)
    unused = make_volume(engine, docker_client)
    engine.container("true", start=False, host={"binds": [f"{used}:/data"]})
    html = logged_in.get("/volumes/?unused=1&q=berth-test-vol").content.decode()
    assert unused in html and used not in html
    partial = logged_in.get("/volumes/?unused=1", headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="volume-table">')


def test_it_filters_by_name_and_pages_the_list(logged_in, engine, docker_client, monkeypatch):
    monkeypatch.setattr(views, "PER_PAGE", 2)  # 100 in real life; 3 volumes show the same
    tag = random_name("pg")
    names = [make_volume(engine, docker_client, name=f"{tag}-{i}") for i in range(3)]
    first = logged_in.get(f"/volumes/?q={tag}").content.decode()
    assert names[1] in first and names[2] not in first and "Page 1 of 2" in first
    second = logged_in.get(f"/volumes/?q={tag}&page=2").content.decode()
    assert names[2] in second and names[0] not in second
    assert f"?q={tag}&amp;page=1" in second


def test_it_makes_one_container_list_call_for_the_list(logged_in, engine, docker_client, monkeypatch):
    for _ in range(3):
        make_volume(engine, docker_client)
    calls = []
    original = container_services.list_raw_containers
    monkeypatch.setattr(services, "list_raw_containers", lambda **kw: calls.append(kw) or original(**kw))
    monkeypatch.setattr(services, "volume_size", lambda v: pytest.fail("the list must not measure sizes"))
    assert logged_in.get("/volumes/").status_code == 200
    assert len(calls) == 1


@pytest.mark.postgres_redis  # one scenario of this app also runs on PostgreSQL + Redis in CI
def test_it_creates_a_volume_with_driver_options_and_labels(logged_in, engine, docker_client):
    name = random_name("vol")
    engine.volumes.append(name)
    response = logged_in.post(
        "/volumes/new/",
        {
            "name": name,
            "driver": "local",
            "type": "tmpfs",
            "device": "tmpfs",
            "o": "size=10m",
            "labels": "berth.test=1\nowner=alice",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/volumes/{name}/"
    inspected = docker_client.api.inspect_volume(name)
    assert inspected["Options"] == {"type": "tmpfs", "device": "tmpfs", "o": "size=10m"}
    assert inspected["Labels"] == {"berth.test": "1", "owner": "alice"}


def test_it_generates_a_name_when_none_is_given(logged_in, engine, docker_client):
    response = logged_in.post("/volumes/new/", {"driver": "local", "labels": "berth.test=1"})
    assert response.status_code == 302
    name = response["Location"].split("/")[-2]
    engine.volumes.append(name)
    assert len(name) == 64


def test_it_reports_bad_input_on_its_field_and_creates_nothing(logged_in, docker_client):
    response = logged_in.post(
        "/volumes/new/", {"name": "-bad name", "driver": "local", "labels": "=x", "type": "tmpfs"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "is not a valid name: use letters, digits" in html and "has no name before" in html and "Give a device" in html
    )
    # Parallel tests change the engine's volume list at any moment: check the name tried.
    assert "-bad name" not in {v["Name"] for v in docker_client.api.volumes()["Volumes"] or []}


def test_it_shows_the_volume_page_with_size_and_users(logged_in, engine, docker_client):
    name = make_volume(engine, docker_client)
    writer = engine.container(
        "sh -c 'seq 1 1000 > /data/numbers; sleep 300'", host={"binds": [f"{name}:/data:ro"]}, start=False
    )
    # Read-only mount: write through a second, read-write container, then check the page.
    helper = engine.container("sh -c 'seq 1 1000 > /data/numbers'", host={"binds": [f"{name}:/data"]})
    docker_client.api.wait(helper["Id"], timeout=20)
    html = logged_in.get(f"/volumes/{name}/").content.decode()
    assert f"/var/lib/docker/volumes/{name}/_data" in html
    assert writer["Name"].lstrip("/") in html and "read-only" in html and "/data" in html
    # seq 1 1000 writes 3893 bytes; the engine's own disk-usage figure agrees.
    assert "3893 bytes" in html and "walking the mountpoint" in html
    assert engine_volume_size(docker_client, name) == 3893


def test_it_falls_back_to_the_engine_disk_usage_when_the_mountpoint_is_not_here(engine, docker_client, monkeypatch):
    name = make_volume(engine, docker_client)
    helper = engine.container("sh -c 'seq 1 100 > /data/numbers'", host={"binds": [f"{name}:/data"]})
    docker_client.api.wait(helper["Id"], timeout=20)
    monkeypatch.setattr(services, "_mountpoint_is_local", lambda volume: False)
    size = services.volume_size(services.get_volume(name))
    assert size.bytes == 292 and "system/df" in size.method


def test_it_answers_404_for_an_unknown_volume(logged_in):
    assert logged_in.get(f"/volumes/{random_name('nope')}/").status_code == 404


def test_it_refuses_to_remove_a_volume_in_use_and_names_the_containers(logged_in, engine, docker_client):
    name = make_volume(engine, docker_client)
    user = engine.container("true", start=False, host={"binds": [f"{name}:/data"]})
    page = logged_in.get(f"/volumes/{name}/remove/").content.decode()
    assert "in use by" in page and user["Name"].lstrip("/") in page
    response = logged_in.post(f"/volumes/{name}/remove/", {"confirm": "on"})
    assert response.status_code == 200 and user["Name"].lstrip("/") in response.content.decode()
    assert docker_client.api.inspect_volume(name)["Name"] == name


def test_it_removes_a_volume_only_after_confirmation(logged_in, engine, docker_client):
    name = make_volume(engine, docker_client)
    page = logged_in.get(f"/volumes/{name}/remove/").content.decode()
    assert f"Yes, delete {name}" in page
    unconfirmed = logged_in.post(f"/volumes/{name}/remove/", {})
    assert "Tick the box" in unconfirmed.content.decode()
    assert docker_client.api.inspect_volume(name)
    response = logged_in.post(f"/volumes/{name}/remove/", {"confirm": "on"})
    assert response.status_code == 302
    assert name not in {v["Name"] for v in docker_client.api.volumes()["Volumes"] or []}


def test_it_removes_exactly_the_unused_volumes_it_listed(logged_in, engine, docker_client):
    listed = make_volume(engine, docker_client)
    in_use = make_volume(engine, docker_client)
    engine.container("true", start=False, host={"binds": [f"{in_use}:/data"]})
    page = logged_in.get("/volumes/unused/remove/").content.decode()
    assert listed in page and in_use not in page
    # A volume made after the page was shown is unused too, but was not listed: it stays.
    late = make_volume(engine, docker_client)
    # And one the user saw, that a container took meanwhile, is kept and reported.
    taken = make_volume(engine, docker_client)
    engine.container("true", start=False, host={"binds": [f"{taken}:/data"]})
    response = logged_in.post("/volumes/unused/remove/", {"names": [listed, taken], "confirm": "on"})
    html = response.content.decode()
    assert f"Removed <strong>{listed}</strong>" in html and f"Kept <strong>{taken}</strong>" in html
    remaining = {v["Name"] for v in docker_client.api.volumes()["Volumes"] or []}
    assert listed not in remaining and {in_use, late, taken} <= remaining


def test_it_needs_confirmation_to_remove_unused(logged_in, engine, docker_client):
    name = make_volume(engine, docker_client)
    response = logged_in.post("/volumes/unused/remove/", {"names": [name]})
    assert "Tick the box" in response.content.decode()
    assert docker_client.api.inspect_volume(name)


def test_it_lets_a_viewer_look_but_not_change(client, django_user_model, engine, docker_client):
    viewer = django_user_model.objects.create_user("victor", password="victor-password-1")
    client.force_login(viewer)
    name = make_volume(engine, docker_client)
    listing = client.get(f"/volumes/?q={name}").content.decode()
    assert name in listing and "Create a volume" not in listing and "Remove…" not in listing
    assert client.post(f"/volumes/{name}/remove/", {"confirm": "on"}).status_code == 403
    assert client.post("/volumes/unused/remove/", {"names": [name], "confirm": "on"}).status_code == 403
    assert docker_client.api.inspect_volume(name)["Name"] == name


def test_it_records_each_removal_of_remove_unused_in_the_audit_log(logged_in, engine, docker_client):
    from accounts.models import AuditEntry

    gone, kept = make_volume(engine, docker_client), make_volume(engine, docker_client)
    engine.container("true", start=False, host={"binds": [f"{kept}:/data"]})
    logged_in.post("/volumes/unused/remove/", {"names": [gone, kept], "confirm": "on"})
    # One entry for the whole confirmation, each volume's result in it (issue 10, item 4).
    [entry] = AuditEntry.objects.filter(action="volume.remove_unused")
    outcomes = {item["name"]: item["outcome"] for item in entry.extra["items"]}
    assert outcomes == {gone: "ok", kept: "failed"}
    assert (entry.outcome, entry.message) == ("failed", "1 of 2 did not succeed")
    assert not AuditEntry.objects.filter(action="volume.remove").exists()
