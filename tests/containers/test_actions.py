"""Start, stop, restart, kill, pause, rename and remove, one container at a time."""

import pytest

from tests.conftest import random_name, wait_for

pytestmark = pytest.mark.django_db


def state_of(docker_client, container_id: str) -> dict:
    return docker_client.api.inspect_container(container_id)["State"]


@pytest.mark.postgres_redis  # one scenario of this app also runs on PostgreSQL + Redis in CI
def test_it_starts_and_stops_a_container(logged_in, engine, docker_client):
    container = engine.container("sleep 300", start=False)
    response = logged_in.post(f"/containers/{container['Id']}/start/")
    assert response.status_code == 302
    assert state_of(docker_client, container["Id"])["Running"]
    response = logged_in.post(f"/containers/{container['Id']}/stop/", {"timeout": "0"})
    assert response.status_code == 302
    state = state_of(docker_client, container["Id"])
    assert not state["Running"] and state["ExitCode"] == 137


def test_it_updates_the_row_in_place_for_htmx(logged_in, engine, docker_client):
    container = engine.container("sleep 300")
    short = container["Id"][:12]
    response = logged_in.post(
        f"/containers/{container['Id']}/stop/",
        {"timeout": "0"},
        headers={"HX-Request": "true", "HX-Target": f"container-row-{short}"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="container-row-{short}"')
    assert "Exited (137)" in html
    assert 'id="messages"' in html and "hx-swap-oob" in html


def test_it_pauses_unpauses_restarts_and_kills(logged_in, engine, docker_client):
    cid = engine.container("sleep 300")["Id"]
    # The engine sets State.Paused from containerd's event, after its answer: wait for it.
    logged_in.post(f"/containers/{cid}/pause/")
    wait_for(lambda: state_of(docker_client, cid)["Paused"], message="the pause")
    name = docker_client.api.inspect_container(cid)["Name"].lstrip("/")
    html = logged_in.get(f"/containers/?q={name}").content.decode()
    assert "(Paused)" in html
    logged_in.post(f"/containers/{cid}/unpause/")
    wait_for(lambda: not state_of(docker_client, cid)["Paused"], message="the unpause")
    started = state_of(docker_client, cid)["StartedAt"]
    logged_in.post(f"/containers/{cid}/restart/", {"timeout": "0"})
    assert state_of(docker_client, cid)["StartedAt"] != started
    page = logged_in.post(f"/containers/{cid}/kill/").content.decode()
    name = docker_client.api.inspect_container(cid)["Name"].lstrip("/")
    assert f"Kill {name}?" in page and state_of(docker_client, cid)["Running"]  # asked first
    logged_in.post(f"/containers/{cid}/kill/", {"confirm": "1"})
    wait_for(lambda: not state_of(docker_client, cid)["Running"], message="the kill")


def test_it_reports_an_engine_refusal_as_a_message(logged_in, engine):
    cid = engine.container("sleep 300", start=False)["Id"]
    response = logged_in.post(f"/containers/{cid}/unpause/", follow=True)
    assert response.status_code == 200
    assert b"Could not unpause" in response.content
    assert b"is not paused" in response.content


def test_it_renames_and_rejects_a_bad_name(logged_in, engine, docker_client):
    cid = engine.container("sleep 300", start=False)["Id"]
    new_name = random_name("renamed")
    response = logged_in.post(f"/containers/{cid}/rename/", {"name": "bad name!"})
    assert b"is not a valid name: use letters, digits" in response.content
    taken = engine.container("sleep 1", start=False)["Name"].lstrip("/")
    response = logged_in.post(f"/containers/{cid}/rename/", {"name": taken})
    assert response.status_code == 200 and b"already in use" in response.content
    response = logged_in.post(f"/containers/{cid}/rename/", {"name": new_name})
    assert response.status_code == 302
    assert docker_client.api.inspect_container(cid)["Name"] == f"/{new_name}"


def test_it_asks_before_removing_and_names_the_container(logged_in, engine, docker_client):
    container = engine.container("sleep 300")
    name = container["Name"].lstrip("/")
    page = logged_in.get(f"/containers/{name}/remove/").content.decode()
    assert f"Remove container {name}?" in page
    # Without the confirmation box nothing is removed.
    response = logged_in.post(f"/containers/{name}/remove/", {"force": "on"})
    assert b"Tick the box to confirm" in response.content
    assert docker_client.api.inspect_container(container["Id"])


def test_it_refuses_to_remove_a_running_container_unless_forced(logged_in, engine, docker_client):
    container = engine.container("sleep 300")
    cid = container["Id"]
    response = logged_in.post(f"/containers/{cid}/remove/", {"confirm": "on"})
    assert response.status_code == 200
    assert b"You cannot remove a running container" in response.content
    assert docker_client.api.inspect_container(cid)["State"]["Running"]
    response = logged_in.post(f"/containers/{cid}/remove/", {"confirm": "on", "force": "on", "volumes": "on"})
    assert response.status_code == 302
    assert not docker_client.api.containers(all=True, filters={"id": cid})


def test_it_rejects_get_on_actions(logged_in, engine):
    cid = engine.container("sleep 300", start=False)["Id"]
    for verb in ("start", "stop", "restart", "kill", "pause", "unpause"):
        assert logged_in.get(f"/containers/{cid}/{verb}/").status_code == 405
