"""Sockets against an engine that accepts connections and never answers (issue 10, item 7)."""

import asyncio
import json
import time

import pytest

from tests.streams.conftest import open_socket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

PATHS = ["logs/?follow=1&stdout=1&stderr=1&timestamps=1", "logs/?follow=1&q=x", "exec/?cmd=sh", "attach/"]


@pytest.mark.parametrize("path", PATHS, ids=["logs-relayed", "logs-lines", "exec", "attach"])
async def test_a_socket_that_cannot_reach_the_engine_is_accepted_told_and_closed_with_1011(
    silent_engine, session_cookie, settings, path
):
    started = time.monotonic()
    ws, connected, _ = await open_socket(f"/ws/containers/berth-test-silent/{path}", session_cookie)
    try:
        assert connected  # never an HTTP 500 at the handshake
        message = await ws.receive_output(3 * settings.DOCKER_TIMEOUT)
        frame = json.loads(message["text"])
        assert frame["type"] == "error" and "not answering" in frame["message"], frame
        assert (await ws.receive_output(5)) == {"type": "websocket.close", "code": 1011}
        assert time.monotonic() - started < 2 * settings.DOCKER_TIMEOUT + 1
    finally:
        await ws.disconnect()


@pytest.mark.parametrize("path", PATHS, ids=["logs-relayed", "logs-lines", "exec", "attach"])
async def test_a_socket_waiting_for_a_silent_engine_does_not_hold_the_event_loop(
    silent_engine, session_cookie, settings, path
):
    """Every other socket of the process is served by the same loop meanwhile."""
    gaps = []

    async def tick():
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.05)
            gaps.append(time.monotonic() - last)
            last = time.monotonic()

    ticker = asyncio.create_task(tick())
    try:
        ws, connected, _ = await open_socket(f"/ws/containers/berth-test-silent/{path}", session_cookie)
        await ws.receive_output(3 * settings.DOCKER_TIMEOUT)  # the error frame
        await ws.disconnect()
    finally:
        ticker.cancel()
    assert max(gaps) < settings.DOCKER_TIMEOUT / 2, max(gaps)
