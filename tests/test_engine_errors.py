"""What a user sees when the engine is down, wrong, slow or refuses."""

import socket
import time

import pytest

from dashboard import engine as engine_module

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_client():
    engine_module.reset_client()
    yield
    engine_module.reset_client()


def test_it_answers_503_naming_the_host_when_the_engine_is_absent(logged_in, fresh_client, monkeypatch, tmp_path):
    host = f"unix://{tmp_path}/no-such-docker.sock"
    monkeypatch.setenv("DOCKER_HOST", host)
    response = logged_in.get("/containers/")
    assert response.status_code == 503
    assert host.encode() in response.content
    # Berth's own pages keep working.
    assert logged_in.get("/accounts/login/").status_code == 200


def test_it_gives_up_on_an_engine_that_never_answers(logged_in, fresh_client, monkeypatch, settings):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never answers them
    settings.DOCKER_TIMEOUT = 2
    monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{silent.getsockname()[1]}")
    started = time.monotonic()
    response = logged_in.get("/containers/")
    silent.close()
    assert response.status_code == 503
    assert time.monotonic() - started < 10


def test_it_works_again_when_the_engine_comes_back(logged_in, fresh_client, monkeypatch, tmp_path, docker_client):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/down.sock")
    assert logged_in.get("/containers/").status_code == 503
    monkeypatch.delenv("DOCKER_HOST")
    assert logged_in.get("/containers/").status_code == 200


def test_it_shows_an_engine_refusal_without_a_500(logged_in, engine, docker_client):
    cid = engine.container("sleep 300", start=False)["Id"]
    # Pausing a container that is not running: the engine says why.
    response = logged_in.post(f"/containers/{cid}/pause/", follow=True)
    assert response.status_code == 200
    assert b"is not running" in response.content


@pytest.mark.django_db(transaction=True)  # the page loads run in threads of their own
def test_page_loads_against_a_silent_engine_each_wait_one_timeout(silent_engine, django_user_model, settings):
    """Four at once: each answers 503 after its own DOCKER_TIMEOUT, not after the ones before it."""
    from concurrent.futures import ThreadPoolExecutor

    from django.test import Client

    admin = django_user_model.objects.create_superuser("root", "", "root-password-1")
    clients = [Client() for _ in range(4)]
    for client in clients:
        client.force_login(admin)

    def load(client):
        started = time.monotonic()
        status = client.get("/containers/").status_code
        return status, time.monotonic() - started

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(load, clients))
    assert [status for status, _ in results] == [503] * 4
    assert max(seconds for _, seconds in results) < 2 * settings.DOCKER_TIMEOUT, results
