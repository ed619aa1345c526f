"""/ws/overview/: the overview's counts and latest events, live from the shared events hub (issue 13)."""

import asyncio
import re

import pytest

from accounts.roles import WEBSOCKET_FORBIDDEN, WEBSOCKET_UNAUTHENTICATED
from system import services
from tests.conftest import TEST_LABEL, random_name
from tests.containers.test_live_rows import ListSocket
from tests.streams.conftest import open_socket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def session_cookie(client, user) -> str:
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def figures(html: str) -> dict[str, int]:
    return {kind: int(n.replace(",", "")) for kind, n in re.findall(r'class="figure (\w+)">([\d,]+)<', html)}


async def overview_socket(cookie: str) -> tuple[ListSocket, dict]:
    """The socket, once live, and the blocks it sent before saying so."""
    ws, connected, _ = await open_socket("/ws/overview/", cookie)
    assert connected
    socket = ListSocket(ws)
    await socket.until(lambda f: f == {"type": "state", "state": "live"})
    parts = {}
    for frame in socket.frames:
        parts.update(frame.get("html", {}) if frame["type"] == "parts" else {})
    return socket, parts


async def test_it_sends_both_blocks_then_follows_the_counts_and_events(engine, docker_client, session_cookie):
    socket, parts = await overview_socket(session_cookie)
    try:
        assert set(parts) == {"overview-counts", "overview-events"}
        assert parts["overview-counts"].lstrip().startswith('<section id="overview-counts"')
        assert "Kept up to date from the engine's events." in parts["overview-counts"]
        name = random_name("ov")
        container = await asyncio.to_thread(engine.container, "sleep 300", name=name)

        # Parallel tests start and remove containers meanwhile: the running figure is checked
        # against the engine's own count, and the latest events (a list of 20) may have moved on
        # past this container by the frame after the one that showed it.
        shown = {"events": "", "running": None}

        def caught_up(frame) -> bool:
            if frame["type"] != "parts":
                return False
            if name in frame["html"].get("overview-events", ""):
                shown["events"] = frame["html"]["overview-events"]
            if "overview-counts" in frame["html"]:
                shown["running"] = figures(frame["html"]["overview-counts"])["running"]
            running = docker_client.api.containers(filters={"status": ["running"]})
            return bool(shown["events"]) and shown["running"] == len(running)

        await socket.until(caught_up)
        events = shown["events"]
        assert f'<a href="/containers/{container["Id"]}/">{name}</a>' in events
        assert '<td class="action">start</td>' in events
        volume = random_name("ovvol")
        await asyncio.to_thread(docker_client.api.create_volume, volume, labels=TEST_LABEL)
        engine.volumes.append(volume)
        await socket.until(
            lambda f: (
                f["type"] == "parts"
                and "overview-counts" in f["html"]
                and figures(f["html"]["overview-counts"])["volumes"]
                == len(docker_client.api.volumes()["Volumes"] or [])  # this test's volume among them
            )
        )
    finally:
        await socket.ws.disconnect()


async def test_a_relist_counts_as_the_page_does(engine):
    """The tally the socket starts from gives the page's own figures (except for what other tests change)."""
    engine.container("sleep 300")
    tally = await asyncio.to_thread(services.tally)
    counts = tally.counts()
    info = await asyncio.to_thread(services._info)
    assert counts.containers == pytest.approx(info["Containers"], abs=5)
    assert counts.running >= 1 and counts.networks >= 3


async def test_it_is_refused_without_a_login_or_from_another_origin(session_cookie):
    ws, connected, _ = await open_socket("/ws/overview/", cookie=None)
    assert connected  # accepted first, so that the browser sees why
    assert (await ws.receive_output(5)) == {"type": "websocket.close", "code": WEBSOCKET_UNAUTHENTICATED}
    await ws.disconnect()
    ws, connected, _ = await open_socket("/ws/overview/", session_cookie, origin=b"http://evil.test")
    assert connected
    assert (await ws.receive_output(5)) == {"type": "websocket.close", "code": WEBSOCKET_FORBIDDEN}
    await ws.disconnect()
