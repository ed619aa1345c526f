"""Helpers for the stream tests: real websockets into the real ASGI app, against the real engine.

Sockets go through the whole application (origin check, session auth), with a session cookie
made by logging the `user` fixture in, as a browser would have it.
"""

import asyncio
import contextlib
import json
import os
import time
from urllib.parse import parse_qs

import pytest
from channels.testing import WebsocketCommunicator

from containers.streams.wire import LineAssembler, lines_in_time_order
from dashboard.asgi import application
from dashboard.engine import reset_client

ORIGIN = b"http://testserver"  # Berth's own origin for a socket whose Host is testserver (HOST)
HOST = b"testserver"  # in ALLOWED_HOSTS only under tests: Django's test setup adds it


@pytest.fixture
def session_cookie(client, user) -> str:
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


async def open_socket(
    path: str, cookie: str | None, origin: bytes | None = ORIGIN
) -> tuple[WebsocketCommunicator, bool, int | None]:
    headers = [(b"host", HOST)]
    if origin is not None:
        headers.append((b"origin", origin))
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=10)
    return communicator, connected, code


class Terminal:
    """A terminal websocket as the browser sees it: output bytes and the final text frame."""

    def __init__(self, communicator: WebsocketCommunicator):
        self.ws = communicator
        self.output = b""
        self.final: dict | None = None
        self.texts: list[dict] = []

    async def send(self, data: bytes) -> None:
        await self.ws.send_to(bytes_data=data)

    async def control(self, message: dict) -> None:
        await self.ws.send_to(text_data=json.dumps(message))

    async def read_until(self, condition, timeout: float = 15) -> bytes:
        """Read output until condition(output) holds or the socket sends its final frame."""
        deadline = time.monotonic() + timeout
        while not condition(self.output):
            if self.final is not None:
                raise AssertionError(
                    f"socket ended ({self.final}) before the condition; output: {self.output[-500:]!r}"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out; output so far: {self.output[-500:]!r}")
            await self._receive(remaining)
        return self.output

    async def _receive(self, timeout: float) -> None:
        message = await self.ws.receive_output(timeout)
        if message["type"] == "websocket.close":
            self.final = self.final or {"type": "closed", "code": message.get("code")}
            return
        if message.get("bytes") is not None:
            self.output += message["bytes"]
        else:
            data = json.loads(message["text"])
            self.texts.append(data)
            if data.get("type") != "state":  # an attach's "started" news; the stream goes on
                self.final = data

    async def wait_final(self, timeout: float = 15) -> dict:
        deadline = time.monotonic() + timeout
        while self.final is None:
            await self._receive(max(0.01, deadline - time.monotonic()))
        return self.final


class LogReader:
    """A logs websocket: collects lines and state messages, acking every frame like logs.js."""

    def __init__(self, communicator: WebsocketCommunicator):
        self.ws = communicator
        self.lines: list[list] = []
        self.skipped = 0
        self.states: list[dict] = []
        self.final: dict | None = None
        # Relayed bytes carry the engine's timestamps only when the socket asked for them.
        self.timestamps = parse_qs(communicator.scope["query_string"].decode()).get("timestamps") == ["1"]
        self.assembler = LineAssembler(timestamps=self.timestamps)
        self.relayed = 0  # binary frames

    async def receive_one(self, timeout: float, ack: bool = True) -> dict:
        message = await self.ws.receive_output(timeout)
        if message["type"] == "websocket.close":
            self.final = self.final or {"type": "closed", "code": message.get("code")}
            return self.final
        if message.get("bytes") is not None:  # a relayed log: split as logs.js does
            self.relayed += 1
            self.lines.extend(list(line) for line in lines_in_time_order(self.assembler, message["bytes"]))
            data = {"type": "bytes"}
        else:
            data = json.loads(message["text"])
        if data["type"] in ("lines", "bytes"):
            self.lines.extend(data.get("lines", ()))
            self.skipped += data.get("skipped", 0)
            if ack:
                await self.ws.send_to(text_data='{"type":"ack"}')
            return data
        self.lines.extend(list(line) for line in self.assembler.finish())  # what a stream left
        self.assembler = LineAssembler(timestamps=self.timestamps)  # a new stream follows a state change
        if data["type"] == "state":
            self.states.append(data)
        else:
            self.final = data
        return data

    async def read_until(self, condition, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not condition(self):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (self.final is not None and not condition(self)):
                texts = [line[2] for line in self.lines[-10:]]
                raise AssertionError(f"timed out or ended ({self.final}); last lines {texts}, states {self.states}")
            await self.receive_one(remaining)

    async def read_to_end(self, timeout: float = 20) -> None:
        await self.read_until(lambda reader: reader.final is not None, timeout)

    @property
    def texts(self) -> list[str]:
        return [line[2] for line in self.lines]


async def poll(condition, timeout: float = 15, interval: float = 0.05, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = await asyncio.to_thread(condition)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        await asyncio.sleep(interval)


def started_extra_engine(**options):
    """A dockerd of the module's own (tests/extra_engine.py, ExtraEngine(**options)), with the test
    image loaded; stopped by its pid and its bridge deleted, whatever the tests did. Under CI an
    engine that cannot start fails the run."""
    from tests.extra_engine import ExtraEngine, can_start_engines

    reason = can_start_engines()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    extra = ExtraEngine(**options)
    try:
        extra.start()
        extra.load_image()
        yield extra
    finally:
        extra.stop()


@pytest.fixture(scope="module")
def extra_engine(docker_client):
    """An extra engine for tests that kill one."""
    yield from started_extra_engine()


@contextlib.contextmanager
def berth_on(host: str, monkeypatch):
    """Berth pointed at another engine (dashboard.engine reads DOCKER_HOST when it makes its client)."""
    monkeypatch.setenv("DOCKER_HOST", host)
    reset_client()
    try:
        yield
    finally:
        reset_client()


@pytest.fixture
def berth_on_extra(extra_engine, monkeypatch):
    """Berth pointed at the extra engine; its containers removed after."""
    with berth_on(extra_engine.host, monkeypatch):
        yield extra_engine
    extra_engine.ensure_running()
    for raw in extra_engine.client.api.containers(all=True):
        extra_engine.client.api.remove_container(raw["Id"], force=True, v=True)
