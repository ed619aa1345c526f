"""/ws/networks/: a /networks/ page's rows, live from the engine's shared events (issue 13)."""

import asyncio

import pytest

from tests.conftest import TEST_LABEL, random_name
from tests.containers.test_live_rows import list_socket_at

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def session_cookie(client, user) -> str:
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def run(call, *args, **kwargs):
    return asyncio.to_thread(call, *args, **kwargs)


def count_cell(html: str) -> str:
    return html.split('<td class="num"', 1)[1].split(">", 1)[1].split("<", 1)[0]


async def test_network_rows_follow_the_engine(engine, docker_client, session_cookie):
    api = docker_client.api
    socket = await list_socket_at("/ws/networks/", session_cookie)
    try:
        name = random_name("live")
        network_id = (await run(api.create_network, name, labels=TEST_LABEL))["Id"]
        engine.networks.append(network_id)
        frame = await socket.until(lambda f: f["type"] == "row" and f["id"] == network_id)
        assert frame["html"].lstrip().startswith(f'<tr id="network-row-{network_id[:12]}"')
        assert count_cell(frame["html"]) == "0"
        user = await run(engine.container, host={"network_mode": name})
        frame = await socket.until(
            lambda f: f.get("id") == network_id and count_cell(f.get("html", 'x<td class="num">?<')) == "1"
        )
        await run(api.remove_container, user["Id"], force=True)
        await socket.until(
            lambda f: f.get("id") == network_id and count_cell(f.get("html", 'x<td class="num">?<')) == "0"
        )
        await run(api.remove_network, network_id)
        await socket.until(lambda f: f == {"type": "remove", "id": network_id})
    finally:
        await socket.ws.disconnect()
