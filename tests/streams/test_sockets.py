"""sockets.py against the real engine: a connection of Berth's own, a log's raw request, a pull's
connections; and the translation of what such a connection gets back (dashboard/engine.py)."""

import socket

import docker.errors
import pytest

from containers.streams import sockets, wire
from dashboard.engine import EngineError, EngineNotFound, EngineUnavailable, refusal, user_message


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
