"""The team deployment: PostgreSQL and Redis shared by several server processes.

CI runs the `postgres_redis` subset with DATABASE_URL and REDIS_URL set:

    DATABASE_URL=postgres://postgres@127.0.0.1/test REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/pytest -m postgres_redis -n0

The test with two server processes needs a database that other processes can reach, so it
is skipped on the embedded SQLite (whose test database lives in this process's memory).
"""

import base64
import json
import os
import secrets
import socket
import subprocess
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.core.management import call_command

from accounts.models import AuditEntry
from bench.common import server_command
from tests.accounts.conftest import PASSWORD
from tests.conftest import wait_for

BASE_DIR = Path(__file__).resolve().parents[2]
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@pytest.mark.postgres_redis
@pytest.mark.django_db
def test_it_has_every_migration_it_needs():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    db = settings.DATABASES["default"]  # pytest-django has pointed NAME at the test database
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def two_servers():
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
    }
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(server_command(port), cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for port in ports
    ]

    def answering(port: int) -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=10).status_code == 200
        except requests.RequestException:  # not up yet, or too busy to answer (a loaded CI machine)
            return False

    try:
        for port in ports:
            wait_for(lambda port=port: answering(port), timeout=60, message=f"Berth on port {port}")
        yield [f"127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


def websocket_frames(host: str, path: str, cookie: str, count: int) -> list:
    """A minimal websocket client: handshake with the session cookie, then `count` frames (or a
    close): text frames decoded, binary ones as bytes."""
    sock = socket.create_connection(tuple(host.split(":")), timeout=20)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://{host}\r\nCookie: {cookie}\r\n\r\n"
        ).encode()
    )
    reader = sock.makefile("rb")
    status = reader.readline()
    assert b" 101 " in status, status
    while reader.readline() not in (b"\r\n", b""):
        pass
    frames = []
    while len(frames) < count:
        head = reader.read(2)
        opcode, length = head[0] & 0x0F, head[1] & 0x7F
        if length == 126:
            length = int.from_bytes(reader.read(2), "big")
        elif length == 127:
            length = int.from_bytes(reader.read(8), "big")
        payload = reader.read(length)
        if opcode == 8:
            frames.append(("close", int.from_bytes(payload[:2], "big")))
            break
        if opcode == 1:
            frames.append(json.loads(payload))
        elif opcode == 2:  # a relayed log: the engine's bytes
            frames.append(payload)
    sock.close()
    return frames


@pytest.mark.postgres_redis
@pytest.mark.skipif(not ON_POSTGRES, reason="needs DATABASE_URL=postgres://… (the CI postgres_redis run)")
@pytest.mark.django_db(transaction=True)
def test_it_shares_a_session_between_two_server_processes(two_servers, operator, engine):
    first, second = two_servers
    container = engine.container(["sh", "-c", "echo berth-two-servers; sleep 300"])
    browser = requests.Session()
    browser.get(f"http://{first}/accounts/login/")
    response = browser.post(
        f"http://{first}/accounts/login/",
        allow_redirects=False,
        data={"username": "otto", "password": PASSWORD, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
    )
    assert response.status_code == 302
    name = container["Name"].lstrip("/")
    page = browser.get(f"http://{second}/containers/?all=1&q={name}", allow_redirects=False)
    assert page.status_code == 200 and "otto" in page.text and name in page.text
    assert AuditEntry.objects.filter(action="login", username="otto").exists()  # written by the first process

    cookie = f"sessionid={browser.cookies['sessionid']}"
    frames = websocket_frames(second, f"/ws/containers/{container['Id']}/logs/?follow=0", cookie, count=5)
    assert any(isinstance(frame, bytes) and b"berth-two-servers\n" in frame for frame in frames), frames
    assert websocket_frames(second, f"/ws/containers/{container['Id']}/logs/", "", count=1) == [("close", 4401)]
