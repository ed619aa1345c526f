"""/ws/containers/: a /containers/ page's rows, live from the engine's shared events (issue 13)."""

import asyncio
import json
import secrets

import pytest

from containers import live_rows, services
from tests.conftest import TEST_PREFIX
from tests.streams.conftest import open_socket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def session_cookie(client, user) -> str:
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


class ListSocket:
    def __init__(self, ws):
        self.ws = ws
        self.frames: list[dict] = []

    async def until(self, condition, timeout: float = 15) -> dict:
        """Frames until one for which condition(frame) holds; that frame."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                message = await self.ws.receive_output(max(0.01, deadline - loop.time()))
            except TimeoutError:
                raise AssertionError(f"timed out; frames: {self.frames}") from None
            assert message["type"] == "websocket.send", message
            frame = json.loads(message["text"])
            self.frames.append(frame)
            if condition(frame):
                return frame

    async def until_quiet(self, seconds: float) -> list[dict]:
        """Every frame that comes until none has for `seconds` (receive_output's own timeout
        would cancel the consumer)."""
        came = []
        while not await self.ws.receive_nothing(timeout=seconds):
            came.append(json.loads((await self.ws.receive_output())["text"]))
        return came


async def list_socket(query: str, cookie: str) -> ListSocket:
    ws, connected, _ = await open_socket(f"/ws/containers/?{query}", cookie)
    assert connected
    socket = ListSocket(ws)
    await socket.until(lambda f: f == {"type": "state", "state": "live"})
    return socket


def run(call, *args, **kwargs):
    return asyncio.to_thread(call, *args, **kwargs)


async def test_rows_follow_start_stop_rename_and_removal(engine, docker_client, session_cookie):
    tag = secrets.token_hex(3)
    socket = await list_socket(f"all=1&q={TEST_PREFIX}live-{tag}", session_cookie)
    try:
        api = docker_client.api
        name = f"{TEST_PREFIX}live-{tag}-a"
        created = await run(engine.container, name=name, start=False)
        cid = created["Id"]
        frame = await socket.until(lambda f: f["type"] == "row" and f["id"] == cid)
        assert name in frame["html"] and 'class="state-created"' in frame["html"]
        assert frame["html"].lstrip().startswith(f'<tr id="container-row-{cid[:12]}"')
        await run(api.start, cid)
        frame = await socket.until(lambda f: f.get("id") == cid and "state-running" in f.get("html", ""))
        await run(api.rename, cid, f"{name}-renamed")
        frame = await socket.until(lambda f: f.get("id") == cid and f"{name}-renamed" in f.get("html", ""))
        await run(api.pause, cid)
        await socket.until(lambda f: f.get("id") == cid and "state-paused" in f.get("html", ""))
        await run(api.remove_container, cid, force=True)
        await socket.until(lambda f: f == {"type": "remove", "id": cid})
        # Someone else's container, outside the filter: no row for this page, only its counts of
        # the engine's containers (the bulk buttons: "Stop all N on this engine").
        await socket.until_quiet(1)
        other = await run(engine.container, start=False)
        await run(api.start, other["Id"])
        frames = await socket.until_quiet(1.5)
        assert frames and {f["type"] for f in frames} == {"parts"}, frames
        # Its create moved "N of M" (M: every container, with all=1), its start "Stop all N".
        assert {part for frame in frames for part in frame["html"]} == {"container-bulk-all", "container-count"}
    finally:
        await socket.ws.disconnect()


async def test_a_row_that_leaves_the_filter_is_removed(engine, docker_client, session_cookie):
    tag = secrets.token_hex(3)
    name = f"{TEST_PREFIX}live-{tag}"
    created = await run(engine.container, name=name)
    socket = await list_socket(f"q={name}", session_cookie)  # running ones only, as docker ps
    try:
        await run(docker_client.api.stop, created["Id"], timeout=0)
        await socket.until(lambda f: f == {"type": "remove", "id": created["Id"]})
    finally:
        await socket.ws.disconnect()


async def test_a_new_container_on_another_page_is_counted(engine, docker_client, session_cookie, monkeypatch):
    monkeypatch.setattr(live_rows, "PER_PAGE", 2)
    tag = secrets.token_hex(3)
    for letter in "bcd":
        await run(engine.container, name=f"{TEST_PREFIX}live-{tag}-{letter}", start=False)
    socket = await list_socket(f"all=1&q={TEST_PREFIX}live-{tag}", session_cookie)  # page 1: b, c
    try:
        late = await run(engine.container, name=f"{TEST_PREFIX}live-{tag}-e", start=False)  # page 2
        assert await socket.until(lambda f: f["type"] != "state") == {"type": "new", "count": 1}
        early = await run(engine.container, name=f"{TEST_PREFIX}live-{tag}-a", start=False)  # first: c moves on
        frame = await socket.until(lambda f: f["type"] == "row")
        assert frame["id"] == early["Id"] and frame["before"] is not None
        pushed_out = await socket.until(lambda f: f["type"] == "remove")
        assert pushed_out["id"] != early["Id"]
        await run(docker_client.api.remove_container, late["Id"], force=True)
        assert await socket.until(lambda f: f["type"] == "new") == {"type": "new", "count": 0}
    finally:
        await socket.ws.disconnect()


async def test_a_socket_reopened_after_sleep_gets_the_whole_table(engine, session_cookie):
    name = f"{TEST_PREFIX}live-{secrets.token_hex(3)}"
    await run(engine.container, name=name)
    ws, connected, _ = await open_socket(f"/ws/containers/?q={name}&catchup=1", session_cookie)
    assert connected
    socket = ListSocket(ws)
    try:
        frame = await socket.until(lambda f: f["type"] == "table")
        assert frame["html"].lstrip().startswith('<div id="container-table">') and name in frame["html"]
        await socket.until(lambda f: f == {"type": "state", "state": "live"})
    finally:
        await ws.disconnect()


async def test_a_container_page_gets_its_state_and_why_it_stopped(engine, docker_client, session_cookie):
    created = await run(engine.container, ["sh", "-c", "echo bye; sleep 300"])
    cid = created["Id"]
    socket = await list_socket_at(f"/ws/containers/{cid}/state/", session_cookie)
    try:
        await run(docker_client.api.kill, cid)
        frame = await socket.until(lambda f: f["type"] == "summary" and "state-exited" in f["html"])
        assert frame["html"].lstrip().startswith('<section id="container-summary"')
        assert 'class="exit-code">137<' in frame["html"]
        assert "Why it stopped" in frame["why"] and "bye" in frame["why"]
        await run(docker_client.api.start, cid)
        frame = await socket.until(lambda f: f["type"] == "summary" and "state-running" in f["html"])
        assert "Why it stopped" not in frame["why"]
        await run(docker_client.api.remove_container, cid, force=True)
        await socket.until(lambda f: f == {"type": "removed"})
    finally:
        await socket.ws.disconnect()


async def list_socket_at(path: str, cookie: str) -> ListSocket:
    ws, connected, _ = await open_socket(path, cookie)
    assert connected
    socket = ListSocket(ws)
    await socket.until(lambda f: f == {"type": "state", "state": "live"})
    return socket


async def test_the_pager_follows_the_rows(engine, docker_client, session_cookie, monkeypatch):
    monkeypatch.setattr(live_rows, "PER_PAGE", 2)
    tag = secrets.token_hex(3)
    for letter in "ab":
        await run(engine.container, name=f"{TEST_PREFIX}live-{tag}-{letter}", start=False)
    socket = await list_socket(f"all=1&q={TEST_PREFIX}live-{tag}", session_cookie)  # one page: no pager

    def pager(frame: dict) -> str | None:
        return frame.get("html", {}).get("container-pager") if frame["type"] == "parts" else None

    try:
        assert pager(socket.frames[-2]).strip() == '<div id="container-pager"></div>'  # the relist's, before "live"
        third = await run(engine.container, name=f"{TEST_PREFIX}live-{tag}-c", start=False)
        frame = await socket.until(lambda f: pager(f) is not None)
        assert "Page 1 of 2" in pager(frame) and "page=2" in pager(frame), pager(frame)
        await run(docker_client.api.remove_container, third["Id"], force=True)
        frame = await socket.until(lambda f: pager(f) is not None)
        assert pager(frame).strip() == '<div id="container-pager"></div>'
    finally:
        await socket.ws.disconnect()


async def test_a_row_whose_list_entry_lags_its_event_is_asked_for_again(
    engine, docker_client, session_cookie, monkeypatch
):
    """Under load the engine's list was seen to show a container running for longer after its die
    than live_rows settles for (SETTLE_TRIES): the row is asked for again until it shows the
    event. The lag is made here, by a list that answers as before the kill a dozen times."""
    name = f"{TEST_PREFIX}live-{secrets.token_hex(3)}"
    created = await run(engine.container, name=name)
    cid = created["Id"]
    socket = await list_socket(f"all=1&q={name}", session_cookie)
    try:
        [before] = await run(docker_client.api.containers, all=True, filters={"id": [cid]})
        listed, stale_answers = services.listed_container, [before] * 12

        def lagging(container_id: str) -> dict | None:
            return stale_answers.pop() if container_id == cid and stale_answers else listed(container_id)

        monkeypatch.setattr(services, "listed_container", lagging)
        await run(docker_client.api.kill, cid)
        await socket.until(lambda f: f.get("id") == cid and "state-exited" in f.get("html", ""))
        assert not stale_answers
    finally:
        await socket.ws.disconnect()
