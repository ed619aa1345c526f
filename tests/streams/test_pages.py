"""The pages around the streams: logs, attach and exec, and the links to them."""

import asyncio

import pytest

from tests.conftest import wait_for

pytestmark = pytest.mark.django_db


def test_it_links_logs_attach_and_exec_from_a_running_container(logged_in, engine):
    container = engine.container("sleep 300")
    page = logged_in.get(f"/containers/{container['Id']}/").content.decode()
    assert f"/containers/{container['Id']}/logs/" in page
    assert f"/containers/{container['Id']}/attach/" in page
    assert f"/containers/{container['Id']}/exec/" in page


def test_it_offers_attach_with_start_for_a_created_interactive_container(logged_in, engine):
    container = engine.container("sh", start=False, tty=True, stdin_open=True)
    page = logged_in.get(f"/containers/{container['Id']}/").content.decode()
    assert f"/containers/{container['Id']}/attach/?start=1" in page
    assert f"/containers/{container['Id']}/exec/" not in page


def test_it_offers_no_attach_for_a_stopped_container_without_a_terminal(logged_in, engine):
    container = engine.container("true", start=False)
    page = logged_in.get(f"/containers/{container['Id']}/").content.decode()
    assert "/attach/" not in page
    assert f"/containers/{container['Id']}/logs/" in page


def test_it_renders_the_terminal_pages_with_their_websocket(logged_in, engine):
    container = engine.container("sleep 300")
    attach = logged_in.get(f"/containers/{container['Id']}/attach/").content.decode()
    assert f'data-ws-path="/ws/containers/{container["Id"]}/attach/"' in attach
    exec_page = logged_in.get(f"/containers/{container['Id']}/exec/?cmd=top&user=&workdir=/").content.decode()
    assert f"/ws/containers/{container['Id']}/exec/?cmd=top&amp;user=&amp;workdir=%2F" in exec_page
    assert "kills this process" in exec_page


def test_it_attaches_before_starting_when_asked(logged_in, engine):
    container = engine.container("sh", start=False, tty=True, stdin_open=True)
    page = logged_in.get(f"/containers/{container['Id']}/attach/?start=1").content.decode()
    assert f'data-ws-path="/ws/containers/{container["Id"]}/attach/?start=1"' in page


def test_it_renders_the_log_page_with_defaults(logged_in, engine):
    container = engine.container("sleep 300")
    page = logged_in.get(f"/containers/{container['Id']}/logs/").content.decode()
    assert "tail=300" in page and "follow=1" in page
    assert 'id="log-view"' in page


def test_it_shows_a_bad_since_on_the_log_page(logged_in, engine):
    container = engine.container("sleep 300")
    page = logged_in.get(f"/containers/{container['Id']}/logs/?since=yesterday-ish&tail=10").content.decode()
    assert "is not a time" in page
    assert 'data-disabled="1"' in page


def test_it_says_a_log_driver_none_keeps_no_logs(logged_in, engine):
    container = engine.container("echo hi", host={"log_config": {"type": "none", "config": {}}})
    page = logged_in.get(f"/containers/{container['Id']}/logs/").content.decode()
    assert "keeps no logs" in page


def test_it_answers_404_for_an_unknown_container(logged_in):
    assert logged_in.get("/containers/berth-test-no-such-thing/logs/").status_code == 404
    assert logged_in.get("/containers/berth-test-no-such-thing/exec/").status_code == 404


# ---------------------------------------------------------------- download


def test_it_downloads_the_log_with_the_pages_filters(logged_in, engine, docker_client):
    container = engine.container(["sh", "-c", "echo out-line; echo err-line >&2; echo other"])
    wait_for(
        lambda: docker_client.api.inspect_container(container["Id"])["State"]["Status"] == "exited",
        message="the container to finish",
    )
    response = logged_in.get(f"/containers/{container['Id']}/logs/download/?tail=&stdout=1&stderr=0&q=line")
    assert response.status_code == 200
    assert response.streaming and response.is_async
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(asyncio.run(_collect(response.streaming_content))).decode()
    assert text == "out-line\n"  # the log's own bytes, as `docker logs` gives them (tests/streams/test_download.py)


async def _collect(iterator) -> list[bytes]:
    return [chunk async for chunk in iterator]


def test_it_refuses_a_bad_regex_for_a_download(logged_in, engine):
    container = engine.container("sleep 300")
    response = logged_in.get(f"/containers/{container['Id']}/logs/download/?regex=1&q=(")
    assert response.status_code == 400
