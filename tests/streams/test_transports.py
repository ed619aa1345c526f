"""Logs from an engine that is not on a unix socket: DOCKER_HOST=tcp:// (containers/streams/sockets.py).

The engine here is the main one, reached through a TCP port of the test's own that forwards every
connection to /var/run/docker.sock: the same raw HTTP/1.0 request goes out over TCP, and the
socket gets "lines" frames, since only logs from a unix socket are relayed as bytes.
"""

import asyncio
import socket
import threading

import pytest

from dashboard.engine import reset_client
from tests.conftest import wait_for
from tests.streams.conftest import LogReader, open_socket
from tests.streams.test_download import BOTH, SCRIPT, docker_logs, download

UPSTREAM = "/var/run/docker.sock"


class TcpForwarder:
    """127.0.0.1:<port> -> the engine's unix socket, one pair of copying threads per connection."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, name="tcp-forwarder", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(UPSTREAM)
            self.connections += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._copy, args=(source, target), daemon=True).start()

    @staticmethod
    def _copy(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()
        for connection in self.connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()


@pytest.fixture
def over_tcp(monkeypatch):
    forwarder = TcpForwarder()
    monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{forwarder.port}")
    reset_client()
    yield forwarder
    reset_client()
    forwarder.close()


async def read(cookie: str, container_id: str, query: str, until=None) -> LogReader:
    ws, connected, _ = await open_socket(f"/ws/containers/{container_id}/logs/?{query}", cookie)
    assert connected
    reader = LogReader(ws)
    try:
        await (reader.read_to_end(30) if until is None else reader.read_until(until, 30))
    finally:
        await ws.disconnect()
    return reader


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("tty", [False, True], ids=["frames", "tty"])
async def test_a_log_over_tcp_keeps_stdout_and_stderr_apart_and_follows(engine, session_cookie, over_tcp, tty):
    script = "for i in 1 2 3; do echo o$i; echo e$i >&2; done; sleep 1; echo later; sleep 300"
    container = engine.container(["sh", "-c", script], tty=tty)
    reader = await read(
        session_cookie,
        container["Id"],
        "follow=1&tail=all&stdout=1&stderr=1&timestamps=1",
        until=lambda reader: "later" in reader.texts,
    )
    assert reader.relayed == 0  # "lines" frames: tcp:// logs are split by the server
    assert sorted(reader.texts) == ["e1", "e2", "e3", "later", "o1", "o2", "o3"] and reader.texts[-1] == "later"
    # Each stream keeps its own order (the engine may write one stream's lines before the other's).
    err = "o" if tty else "e"  # a TTY merges both
    assert [text for stream, _, text in reader.lines if stream == err and text.startswith("e")] == ["e1", "e2", "e3"]
    assert [text for stream, _, text in reader.lines if stream == "o" and text.startswith("o")] == ["o1", "o2", "o3"]
    assert all(timestamp.endswith("Z") for _, timestamp, _ in reader.lines)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_log_over_tcp_that_is_not_followed_ends_and_a_missing_container_is_said(
    engine, session_cookie, over_tcp
):
    container = engine.container(["sh", "-c", "echo one; echo two >&2"])
    await asyncio.to_thread(
        wait_for, lambda: not engine.client.api.inspect_container(container["Id"])["State"]["Running"]
    )
    reader = await read(session_cookie, container["Id"], "follow=0&tail=all&stderr=0")
    assert reader.texts == ["one"] and reader.final == {"type": "end"}
    gone = await read(session_cookie, "f" * 64, "follow=0")
    assert gone.final["type"] == "error" and "No such container" in gone.final["message"]


@pytest.mark.django_db
def test_a_download_over_tcp_is_the_log_byte_for_byte(engine, logged_in, over_tcp):
    container = engine.container(["sh", "-c", SCRIPT])
    wait_for(lambda: not engine.client.api.inspect_container(container["Id"])["State"]["Running"])
    body, _ = download(logged_in, container["Id"], BOTH)
    assert body == docker_logs(container["Id"])
