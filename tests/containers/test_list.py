"""The container list (`docker ps` / `docker ps -a`) against the real engine."""

import re

import pytest

from containers import services
from tests.conftest import random_name

pytestmark = pytest.mark.django_db


def test_it_lists_running_containers_only_by_default(logged_in, engine):
    tag = random_name("ps")
    running = engine.container("sleep 300", name=f"{tag}-up")
    stopped = engine.container("true", start=False, name=f"{tag}-created")
    html = logged_in.get(f"/containers/?q={tag}").content.decode()
    assert running["Name"].lstrip("/") in html
    assert stopped["Name"].lstrip("/") not in html


def test_it_lists_all_containers_with_all(logged_in, engine):
    created = engine.container("true", start=False)
    html = logged_in.get(f"/containers/?all=1&q={created['Name'].lstrip('/')}").content.decode()
    assert created["Name"].lstrip("/") in html
    assert ">Created<" in html


def test_it_shows_command_status_with_exit_code_and_ports(logged_in, engine, docker_client):
    name = random_name()
    exited = engine.container("sh -c 'exit 3'", name=name)
    docker_client.api.wait(exited["Id"], timeout=20)
    web = engine.container("httpd -f -p 80", name=f"{name}-web", ports=[80], host={"port_bindings": {80: None}})
    host_port = docker_client.api.inspect_container(web["Id"])["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"]
    html = logged_in.get(f"/containers/?all=1&q={name}").content.decode()
    assert re.search(r"Exited \(3\) [^<]*ago", html)
    assert "sh -c &#x27;exit 3&#x27;" in html or "sh -c 'exit 3'" in html
    # The engine lists 0.0.0.0 and :: for the same binding; the page shows it once.
    assert html.count(f"0.0.0.0:{host_port}-&gt;80/tcp") == 1


def test_it_filters_by_name_and_state_and_sorts(logged_in, engine):
    tag = random_name("flt")
    a = engine.container("sleep 300", name=f"{tag}-a")
    b = engine.container("true", name=f"{tag}-b", start=False)
    page = services.query_containers(all=True, search=tag, sort="name", descending=True)
    assert [c.name for c in page.rows] == [f"{tag}-b", f"{tag}-a"]
    page = services.query_containers(all=True, search=tag, state="created")
    assert [c.id for c in page.rows] == [b["Id"]]
    html = logged_in.get(f"/containers/?q={tag}&state=running").content.decode()
    assert f"{tag}-a" in html and f"{tag}-b" not in html
    assert a["Id"]


def test_it_renders_only_the_table_for_htmx(logged_in, engine):
    engine.container("sleep 300")
    response = logged_in.get("/containers/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="container-table">')
    assert "<html" not in html


def test_it_makes_at_most_one_engine_list_call_per_request(logged_in, engine, monkeypatch):
    """One, or none once the container mirror (containers/mirror.py, tests/containers/test_mirror.py) serves it."""
    engine.container("sleep 300")
    calls = []
    original = services.list_raw_containers

    def counting(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "list_raw_containers", counting)
    assert logged_in.get("/containers/?all=1&sort=created&desc=1").status_code == 200
    assert len(calls) <= 1


def test_it_requires_login(client):
    response = client.get("/containers/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
