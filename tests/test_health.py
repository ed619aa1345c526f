"""/healthz (issue 14, part 4): public, up or down only, 503 when the engine or the database is down."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from dashboard import engine as engine_module
from dashboard.healthcheck import host_header
from tests.browser_support import serve_berth

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fresh_client():
    engine_module.reset_client()
    yield
    engine_module.reset_client()


def test_it_says_up_without_a_login_a_session_or_a_cookie(client, docker_client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"status": "up", "engine": "up", "database": "up"}
    assert not response.cookies  # no session, no CSRF token: nothing for a stranger to keep
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_it_says_down_with_503_when_the_engine_is_absent(client, fresh_client, monkeypatch, tmp_path):
    host = f"unix://{tmp_path}/no-such-docker.sock"
    monkeypatch.setenv("DOCKER_HOST", host)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "down", "engine": "down", "database": "up"}
    assert host.encode() not in response.content and str(tmp_path).encode() not in response.content


@pytest.mark.django_db(transaction=True)  # the ping runs in a thread of its own
def test_it_says_down_within_its_timeout_when_the_engine_never_answers(client, silent_engine):
    started = time.monotonic()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["engine"] == "down"
    # Its own 2 s, not the pages' DOCKER_TIMEOUT, and the database was asked meanwhile.
    assert time.monotonic() - started < 4


def test_it_says_down_with_503_when_the_database_is_unreachable(docker_client):
    # A served Berth (dashboard/serve.py) whose SQLite file becomes a directory: every new
    # connection (one a request, conn_max_age=0) then fails to open it, as a lost database would.
    with serve_berth() as server:
        assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200
        path = Path(server.database_url.removeprefix("sqlite:///"))
        path.unlink()
        path.mkdir()
        response = requests.get(f"{server.url}/healthz", timeout=10)
    assert response.status_code == 503
    assert response.json() == {"status": "down", "engine": "up", "database": "down"}


def test_it_answers_over_plain_http_when_https_redirects_everything_else(client, settings, docker_client):
    # The image's HEALTHCHECK asks from inside the container, past the TLS proxy.
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/accounts/login/").status_code == 301
    assert client.get("/healthz").status_code == 200


def run_healthcheck(port: str, allowed_hosts: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PORT": port, "ALLOWED_HOSTS": allowed_hosts}
    return subprocess.run([sys.executable, "-m", "dashboard.healthcheck"], cwd=ROOT, env=env, capture_output=True)


def test_the_image_healthcheck_asks_with_a_host_berth_allows(docker_client):
    # The image's HEALTHCHECK: its container's ALLOWED_HOSTS may name only Berth's public host.
    allowed = ".berth.example.com,127.0.0.1"  # the fixture waits on 127.0.0.1
    with serve_berth(ALLOWED_HOSTS=allowed) as server:
        port = server.url.rsplit(":", 1)[1]
        assert run_healthcheck(port, allowed).returncode == 0
        assert run_healthcheck(port, "*").returncode == 1  # "localhost" is not allowed here: 400
    assert host_header("*, localhost") == "localhost" and host_header("") == "localhost"
    done = run_healthcheck(port, allowed)  # the server has gone
    assert done.returncode == 1 and b"no answer" in done.stdout
