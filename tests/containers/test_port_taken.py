"""A host port another container already publishes: the engine says only "port is already
allocated"; Berth names the container that holds it, linked (issue 11, item 10)."""

import re
import socket

import pytest

from containers import services
from tests.conftest import random_name
from tests.containers.test_create import count_labelled, post_form

pytestmark = pytest.mark.django_db


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def holder(engine):
    """A running container publishing 127.0.0.1:<a free port>:80."""
    port = free_port()
    container = engine.container(
        "httpd -f -p 80", name=random_name("holder"), ports=[80], host={"port_bindings": {80: ("127.0.0.1", port)}}
    )
    return {"port": port, "id": container["Id"], "name": container["Name"].lstrip("/")}


def _names_the_holder(html: str, holder: dict) -> bool:
    link = f'<a href="/containers/{holder["id"]}/">{holder["name"]}</a>'
    return f"Port {holder['port']} is already used by {link}." in html


def test_the_run_form_names_the_container_holding_the_port(logged_in, engine, holder):
    case = random_name("case")
    response = post_form(
        logged_in,
        name=random_name(),
        action="run",
        command="sleep 300",
        ports=f"127.0.0.1:{holder['port']}:80",
        labels=f"berth.test=1\nberth.case={case}",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "port is already allocated" in html  # the engine's own words stay
    assert _names_the_holder(html, holder), re.findall(r'class="message error">(.*?)</div>', html)
    assert count_labelled(engine, case) == 0  # a failed Run leaves nothing behind, as before


def test_start_of_a_created_container_names_the_holder(logged_in, engine, holder, monkeypatch):
    created = engine.container(
        "sleep 300", start=False, ports=[80], host={"port_bindings": {80: ("127.0.0.1", holder["port"])}}
    )
    calls, original = [], services.list_raw_containers
    monkeypatch.setattr(services, "list_raw_containers", lambda **kw: calls.append(kw) or original(**kw))
    response = logged_in.post(f"/containers/{created['Id']}/start/")
    assert calls == [{"all": False}]  # one list of the running containers, only for this refusal
    html = logged_in.get(response["Location"]).content.decode()
    assert "port is already allocated" in html
    assert _names_the_holder(html, holder), re.findall(r'class="message error">(.*?)</div>', html)


def test_start_from_a_list_row_names_the_holder_in_place(logged_in, engine, holder):
    created = engine.container(
        "sleep 300", start=False, ports=[80], host={"port_bindings": {80: ("127.0.0.1", holder["port"])}}
    )
    response = logged_in.post(
        f"/containers/{created['Id']}/start/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=f"container-row-{created['Id'][:12]}",
    )
    assert _names_the_holder(response.content.decode(), holder)


def test_an_other_refusal_names_no_container(logged_in, engine, holder):
    stopped = engine.container("sleep 300", start=False)["Name"].lstrip("/")
    response = post_form(logged_in, name=random_name(), action="run", links=f"{stopped}:db")
    html = response.content.decode()
    assert "non running container" in html and "is already used by" not in html
