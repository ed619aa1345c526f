"""The stats sockets and their collector against the real engine (issue 13, part 3)."""

import asyncio
import json
import os
import time

import pytest

from containers import stats
from tests.streams.conftest import open_socket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

BURN = "sh -c 'while :; do :; done'"


async def next_message(ws, kind: str, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(await ws.receive_from(max(0.01, deadline - time.monotonic())))
        if message["type"] == kind:
            return message


def unix_sockets() -> int:
    """This process's open unix and TCP sockets: a stats stream is one of its own."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return count


async def test_page_socket_sends_history_then_samples(engine, session_cookie):
    container = engine.container(BURN)
    ws, connected, _ = await open_socket(f"/ws/containers/{container['Id']}/stats/", session_cookie)
    assert connected
    history = await next_message(ws, "history")
    assert history["state"] == "running"
    cpu = []
    for _ in range(4):
        point = (await next_message(ws, "sample"))["sample"]
        assert point["limit"] > 0 and point["mem"] > 0
        cpu.append(point["cpu"])
    assert max(cpu) > 40, cpu  # it burns a whole CPU
    await ws.disconnect()
    # A second viewer gets at once what the buffer holds, and since when.
    ws, _, _ = await open_socket(f"/ws/containers/{container['Name'][1:]}/stats/", session_cookie)
    history = await next_message(ws, "history")
    assert len(history["samples"]) >= 4 and history["since"] == history["samples"][0]["t"]
    await ws.disconnect()


async def test_one_stream_per_container_however_many_viewers(engine, session_cookie, settings):
    settings.STATS_GRACE_SECONDS = 1
    container = engine.container("sleep 300")
    before = unix_sockets()
    viewers = []
    for _ in range(3):
        ws, connected, _ = await open_socket(f"/ws/containers/{container['Id']}/stats/", session_cookie)
        assert connected
        await next_message(ws, "history")
        viewers.append(ws)
    lister, connected, _ = await open_socket(f"/ws/containers/stats/?ids={container['Id']}", session_cookie)
    assert connected
    await next_message(ws, "sample")
    collector = stats.collector()
    assert collector.reading() == [container["Id"]]
    assert len(collector.watches[container["Id"]].viewers) == 4
    # The engine sees one stream: the first viewer opened a socket (and perhaps the client's
    # pooled connection for the inspect); three more viewers open none.
    assert unix_sockets() - before <= 2
    for ws in viewers:
        await ws.disconnect()
    await lister.disconnect()
    # Within the grace period the stream stays; soon after, it closes and its history goes.
    assert collector.reading() == [container["Id"]]
    deadline = time.monotonic() + 5
    while collector.reading() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert collector.reading() == []
    assert container["Id"] not in collector.watches


async def test_stopped_container_says_so(engine, session_cookie):
    created = engine.container("sleep 300", start=False)
    ws, _, _ = await open_socket(f"/ws/containers/{created['Id']}/stats/", session_cookie)
    history = await next_message(ws, "history")
    assert history == {"type": "history", "state": "stopped", "since": None, "samples": []}
    await ws.disconnect()
    running = engine.container("sleep 300")
    ws, _, _ = await open_socket(f"/ws/containers/{running['Id']}/stats/", session_cookie)
    await next_message(ws, "sample")
    await asyncio.to_thread(engine.client.api.stop, running["Id"], timeout=0)
    assert (await next_message(ws, "state"))["state"] == "stopped"
    await ws.disconnect()


async def test_list_socket_sends_cpu_and_memory_of_its_ids(engine, session_cookie):
    first, second = engine.container("sleep 300"), engine.container(BURN)
    path = f"/ws/containers/stats/?ids={first['Id']},{second['Id']}"
    ws, connected, _ = await open_socket(path, session_cookie)
    assert connected
    seen: dict = {}
    deadline = time.monotonic() + 10
    while len(seen) < 2 and time.monotonic() < deadline:
        seen.update((await next_message(ws, "samples"))["samples"])
    assert set(seen) == {first["Id"], second["Id"]}
    assert set(seen[first["Id"]]) == {"t", "cpu", "mem", "limit", "mem_pct"}
    await ws.disconnect()


async def test_list_socket_refuses_more_than_a_page(session_cookie):
    ids = ",".join(f"{n:064x}" for n in range(101))
    ws, connected, _ = await open_socket(f"/ws/containers/stats/?ids={ids}", session_cookie)
    assert connected
    error = await next_message(ws, "error")
    assert "100" in error["message"]
    assert (await ws.receive_output(5))["code"] == 1011


async def test_anonymous_is_refused():
    ws, connected, code = await open_socket("/ws/containers/stats/?ids=", None)
    assert (await ws.receive_output(5))["code"] == 4401


async def test_a_removed_container_says_so(engine, session_cookie):
    container = engine.container("sleep 300")
    ws, _, _ = await open_socket(f"/ws/containers/{container['Id']}/stats/", session_cookie)
    await next_message(ws, "sample")
    await asyncio.to_thread(engine.client.api.remove_container, container["Id"], force=True)
    while (state := (await next_message(ws, "state"))["state"]) == "stopped":
        pass
    assert state == "removed"
    await ws.disconnect()
