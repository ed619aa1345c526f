"""/ws/images/: an /images/ page's rows, live from the engine's shared events (issue 13)."""

import asyncio
import re
import secrets

import pytest

from tests.containers.test_live_rows import list_socket_at

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def session_cookie(client, user) -> str:
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def count(html: str) -> int:
    """The row's Containers cell (the image's, whatever its tag: other tests' containers count)."""
    cell = html.split('<td class="containers"', 1)[1].split("</td>", 1)[0]
    return int(re.search(r">(\d+)</", cell).group(1))


def run(call, *args, **kwargs):
    return asyncio.to_thread(call, *args, **kwargs)


async def test_image_rows_follow_tags_and_containers(engine, docker_client, session_cookie):
    api = docker_client.api
    repository = f"berth-test-live-{secrets.token_hex(3)}"
    # An image of this test's own (a commit has a new id), so that its container count is exact.
    source = await run(engine.container, start=False)
    await run(api.commit, source["Id"], repository, "v1", changes=["LABEL berth.test=1"])
    engine.images.append(f"{repository}:v1")
    socket = await list_socket_at(f"/ws/images/?q={repository}", session_cookie)
    try:
        await run(api.tag, f"{repository}:v1", repository, "v2")
        engine.images.append(f"{repository}:v2")
        frame = await socket.until(lambda f: f["type"] == "row" and f["id"].endswith(f"-{repository}:v2"))
        key = frame["id"]
        assert frame["html"].lstrip().startswith(f'<tr id="image-row-{key}"')
        assert count(frame["html"]) == 0
        user = await run(engine.container, image=f"{repository}:v2", start=False)
        await socket.until(lambda f: f.get("id") == key and count(f["html"]) == 1)
        await run(api.remove_container, user["Id"], force=True)
        await socket.until(lambda f: f.get("id") == key and count(f["html"]) == 0)
        await run(api.remove_image, f"{repository}:v2")
        await socket.until(lambda f: f == {"type": "remove", "id": key})
    finally:
        await socket.ws.disconnect()
