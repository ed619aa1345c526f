"""The container page (`docker inspect`, plus why it stopped) against the real engine."""

import pytest

from tests.conftest import random_name

pytestmark = pytest.mark.django_db


def test_it_shows_state_config_env_ports_and_inspect(logged_in, engine, docker_client):
    name = random_name()
    engine.container(
        "httpd -f -p 80",
        name=name,
        environment=["GREETING=hello world", "EMPTY="],
        ports=[80],
        host={
            "port_bindings": {80: ("127.0.0.1", None)},
            "restart_policy": {"Name": "on-failure", "MaximumRetryCount": 3},
        },
        labels={"team": "berth"},
    )
    port = docker_client.api.inspect_container(name)["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"]
    html = logged_in.get(f"/containers/{name}/").content.decode()
    assert "Running" in html
    assert "GREETING" in html and "hello world" in html
    assert f'href="http://127.0.0.1:{port}/"' in html
    assert "on-failure (max 3 retries)" in html
    assert "team" in html and "json-file" in html
    assert "&quot;Id&quot;" in html  # the full inspect JSON
    assert "172.17." in html  # its address on the bridge


def test_it_explains_why_an_exited_container_stopped(logged_in, engine, docker_client):
    name = random_name()
    engine.container("sh -c 'echo starting up; echo cannot find config >&2; exit 2'", name=name)
    docker_client.api.wait(name, timeout=20)
    html = logged_in.get(f"/containers/{name}/").content.decode()
    assert "Exited (2)" in html
    assert "Exited with code <strong>2</strong>" in html
    assert "starting up" in html and "cannot find config" in html


def test_it_says_when_the_log_driver_keeps_no_logs(logged_in, engine, docker_client):
    name = random_name()
    engine.container("echo unreadable-output-7f3", name=name, host={"log_config": {"Type": "none", "Config": {}}})
    docker_client.api.wait(name, timeout=20)
    html = logged_in.get(f"/containers/{name}/").content.decode()
    assert "keeps no logs the engine can read back" in html
    assert "Last lines of its output" not in html


def test_it_answers_404_for_an_unknown_container(logged_in, docker_client):
    response = logged_in.get(f"/containers/{random_name()}/")
    assert response.status_code == 404
    assert b"No such container" in response.content
