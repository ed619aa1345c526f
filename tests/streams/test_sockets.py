"""sockets.py against the real engine: a connection of Berth's own, a log's raw request, a pull's
connections; and the translation of what such a connection gets back (dashboard/engine.py)."""

import asyncio
import socket
import threading

import docker.errors
import pytest

from containers.streams import sockets, wire
from dashboard.engine import EngineError, EngineNotFound, EngineUnavailable, refusal, user_message
from tests.conftest import VERSION_ANSWER


def test_a_connection_of_its_own_speaks_http_1_0_to_the_engine():
    sock = sockets.connect()
    try:
        sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        received = b"".join(iter(lambda: sock.recv(65536), b""))  # HTTP/1.0: the engine closes at the end
    finally:
        sockets.shutdown(sock)
    assert wire.response_head(received) == (200, b"OK")


def test_a_log_of_a_container_that_does_not_exist_is_the_engines_404():
    with pytest.raises(EngineNotFound, match="No such container"):
        sockets.LogStream("f" * 64, {"stdout": 1, "stderr": 1}, follow=False)


def test_a_log_streams_the_engines_frames(engine):
    container = engine.container(["sh", "-c", "echo out; echo err >&2"], start=False)
    engine.client.api.start(container["Id"])
    engine.client.api.wait(container["Id"], timeout=30)
    stream = sockets.LogStream(container["Id"], {"stdout": 1, "stderr": 1}, follow=False)
    try:
        frames = wire.FrameParser().feed(b"".join(stream))
    finally:
        stream.close()
    assert sorted(frames) == [(1, b"out\n"), (2, b"err\n")]


def test_an_engine_that_is_not_there_is_unavailable(monkeypatch, tmp_path):
    from dashboard.engine import reset_client

    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/none.sock")
    reset_client()
    try:
        with pytest.raises(EngineUnavailable):
            sockets.connect()
    finally:
        monkeypatch.undo()
        reset_client()


def test_a_pulls_connections_are_recorded_once_each(docker_client):
    opened = []

    class Recorder:
        def opened(self, connection):
            opened.append(connection)
            return connection

    recorder = Recorder()
    client = docker.from_env()
    try:
        sockets.record_connections(client, recorder.opened)
        client.ping()
        client.ping()  # the pool's connection again: recorded as it is handed out, not wrapped twice
        assert len(opened) == 2 and opened[0] is opened[1]
        assert isinstance(opened[0].sock, socket.socket)
    finally:
        client.close()


def test_a_refusal_is_said_in_the_engines_words():
    assert isinstance(refusal(404, b'{"message":"No such container: x"}'), EngineNotFound)
    assert refusal(500, b'{"message":"boom"}').message == "boom"
    assert refusal(502, b"not json").message == "not json"
    assert refusal(500, b"").message == "The engine answered 500."
    assert refusal(409, b"[]").status_code == 409


def test_a_users_message_is_the_daemons_explanation_or_says_what_failed():
    assert user_message(EngineError("refused")) == "refused"
    assert user_message(docker.errors.APIError("x", explanation="conflict")) == "conflict"
    assert "not answering" in user_message(ConnectionResetError())
    assert user_message(ValueError("odd")) == "ValueError: odd"


UPGRADED = (
    b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
    b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
)


class HastyEngine:
    """An engine that answers an exec start with its 101 head and the process's first output in
    one write, as a loaded real engine's reply may reach Berth: http.client, reading the head,
    takes whatever else the read brought into its buffer (a real engine cannot be made to do
    this on demand)."""

    def __init__(self, tmp_path, output: bytes):
        self.path = str(tmp_path / "docker.sock")
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(8)
        self.output = output
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            request = connection.recv(65536)
            if request.startswith(b"GET /version"):
                connection.sendall(VERSION_ANSWER)
                connection.close()
            elif b"/start " in request.split(b"\r\n", 1)[0]:
                connection.sendall(UPGRADED + self.output)  # kept open by docker-py's socket until it is shut
                connection.shutdown(socket.SHUT_WR)


def test_a_terminal_socket_keeps_the_output_that_came_with_the_engines_answer(monkeypatch, tmp_path):
    from dashboard.engine import reset_client

    HastyEngine(tmp_path, b"4242\nreached\n")
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'docker.sock'}")
    reset_client()
    try:
        sock, first = sockets.exec_socket("e" * 64)
        received = first + b"".join(iter(lambda: sock.recv(65536), b""))
        sockets.shutdown(sock)
    finally:
        reset_client()
    assert received == b"4242\nreached\n"


def test_read_lines_hands_on_whole_lines_across_reads_until_the_end():
    """The stats stream's reader (read_lines): the body read with the head first, a line cut
    across two writes, two lines in one, then the end; a failing line() ends the read with it."""

    async def read(writes: list[bytes], line) -> None:
        mine, engine = socket.socketpair()
        mine.setblocking(False)
        reading = asyncio.create_task(sockets.read_lines(mine, b'{"a"', line))
        for data in writes:
            await asyncio.sleep(0.05)
            engine.sendall(data)
        engine.close()
        try:
            await asyncio.wait_for(reading, 5)
        finally:
            mine.close()

    lines = []
    asyncio.run(read([b": 1}\n{", b'"b": 2}\n{"c": 3}\n', b"tail without end"], lines.append))
    assert lines == [b'{"a": 1}', b'{"b": 2}', b'{"c": 3}']

    def refuse(data: bytes) -> None:
        raise ValueError(data)

    with pytest.raises(ValueError, match="a"):
        asyncio.run(read([b": 1}\n"], refuse))
