"""/ws/volumes/: a /volumes/ page's rows, live from the engine's shared events (issue 13)."""

import asyncio
import secrets

import pytest

from tests.conftest import TEST_LABEL, TEST_PREFIX
from tests.containers.test_live_rows import ListSocket, list_socket_at

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def session_cookie(client, user) -> str:
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def run(call, *args, **kwargs):
    return asyncio.to_thread(call, *args, **kwargs)


async def test_volume_rows_follow_the_engine(engine, docker_client, session_cookie):
    api = docker_client.api
    tag = f"{TEST_PREFIX}live-{secrets.token_hex(3)}"
    socket: ListSocket = await list_socket_at(f"/ws/volumes/?q={tag}", session_cookie)
    try:
        name = f"{tag}-data"
        await run(api.create_volume, name, labels=TEST_LABEL)
        engine.volumes.append(name)
        frame = await socket.until(lambda f: f["type"] == "row" and f["id"] == name)
        assert frame["html"].lstrip().startswith(f'<tr id="volume-row-{name}"') and "unused" in frame["html"]
        user = await run(engine.container, name=f"{tag}-user", start=False, host={"binds": {name: {"bind": "/data"}}})
        frame = await socket.until(lambda f: f["type"] == "row" and f"{tag}-user" in f["html"])
        assert frame["id"] == name
        await run(api.remove_container, user["Id"], force=True)
        frame = await socket.until(lambda f: f["type"] == "row" and "unused" in f["html"])
        await run(api.remove_volume, name)
        await socket.until(lambda f: f == {"type": "remove", "id": name})
    finally:
        await socket.ws.disconnect()


async def test_an_unused_only_page_drops_a_volume_once_used(engine, docker_client, session_cookie):
    api = docker_client.api
    name = f"{TEST_PREFIX}live-{secrets.token_hex(3)}"
    await run(api.create_volume, name, labels=TEST_LABEL)
    engine.volumes.append(name)
    socket = await list_socket_at(f"/ws/volumes/?q={name}&unused=1", session_cookie)
    try:
        await run(engine.container, start=False, host={"binds": {name: {"bind": "/data"}}})
        await socket.until(lambda f: f == {"type": "remove", "id": name})
    finally:
        await socket.ws.disconnect()
