"""Bulk actions over a selection and over everything (SCENARIOS 7)."""

import pytest

from containers import services
from tests.conftest import random_name

pytestmark = pytest.mark.django_db


def running(docker_client, cid: str) -> bool:
    return docker_client.api.inspect_container(cid)["State"]["Running"]


def test_it_confirms_then_stops_exactly_the_selection(logged_in, engine, docker_client):
    a, b, c = (engine.container("sleep 300")["Id"] for _ in range(3))
    page = logged_in.post("/containers/bulk/", {"action": "stop", "ids": [a, b]}).content.decode()
    assert "Stop 2 containers?" in page
    assert a in page and b in page and c not in page
    assert running(docker_client, a)  # nothing happened yet
    response = logged_in.post("/containers/bulk/", {"action": "stop", "ids": [a, b], "confirm": "1", "timeout": "0"})
    assert response.status_code == 200
    assert not running(docker_client, a) and not running(docker_client, b)
    assert running(docker_client, c)


def test_it_reports_a_failure_for_that_one_and_goes_on(logged_in, engine, docker_client):
    busy = engine.container("sleep 300")["Id"]
    idle = engine.container("true", start=False)["Id"]
    html = logged_in.post("/containers/bulk/", {"action": "remove", "ids": [busy, idle], "confirm": "1"}).content.decode()
    assert "You cannot remove a running container" in html
    assert "✓ done" in html
    assert running(docker_client, busy)
    assert not docker_client.api.containers(all=True, filters={"id": idle})


def test_stop_all_lists_every_running_container_but_berths_own(logged_in, engine, monkeypatch):
    own = engine.container("sleep 300", name=random_name("berth-self"))
    other = engine.container("sleep 300")
    stopped = engine.container("true", start=False)
    monkeypatch.setenv("BERTH_CONTAINER_ID", own["Id"][:12])
    page = logged_in.post("/containers/bulk/", {"action": "stop", "scope": "all"}).content.decode()
    assert other["Name"].lstrip("/") in page
    assert stopped["Name"].lstrip("/") not in page  # `docker stop $(docker ps -q)` takes running ones only
    assert f'name="ids" value="{own["Id"]}"' not in page
    assert "they run Berth itself" in page


def test_berth_protects_its_compose_project(engine, monkeypatch):
    project = {"com.docker.compose.project": random_name("proj")}
    own = engine.container("sleep 300", labels=project)
    sibling = engine.container("true", start=False, labels=project)
    stranger = engine.container("true", start=False)
    monkeypatch.setenv("BERTH_CONTAINER_ID", own["Id"])
    protected = services.own_container_ids(services.list_containers(all=True))
    assert {own["Id"], sibling["Id"]} <= protected
    assert stranger["Id"] not in protected


def test_it_refuses_an_empty_selection(logged_in, docker_client):
    response = logged_in.post("/containers/bulk/", {"action": "stop"}, follow=True)
    assert b"No containers to act on" in response.content
