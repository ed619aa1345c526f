"""Sockets against an engine that accepts connections and never answers (issue 10, item 7)."""

import json
import time

import pytest

from tests.streams.conftest import open_socket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

PATHS = ["logs/?follow=1&stdout=1&stderr=1&timestamps=1", "logs/?follow=1&q=x", "exec/?cmd=sh", "attach/"]


@pytest.mark.parametrize("path", PATHS, ids=["logs-relayed", "logs-lines", "exec", "attach"])
async def test_a_socket_that_cannot_reach_the_engine_is_accepted_told_and_closed_with_1011(silent_engine, session_cookie, settings, path):
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
