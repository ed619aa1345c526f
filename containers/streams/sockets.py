"""Opening the engine's streams: logs, events, stats, attach, exec (and a pull's connections, images/streams.py).

The ONLY module that touches docker-py's and urllib3's internals (pyproject.toml lets only this
one reach private members). Every log is one raw `GET /containers/{id}/logs` in HTTP/1.0 on a
connection of its own, made by docker-py's own adapter for DOCKER_HOST's transport (unix, tcp
with or without TLS, ssh), so that the engine's bytes arrive unwrapped, 8-byte frame headers
and all (wire.py takes them apart): docker-py's `logs(stream=True)` drops each frame's stream
id, so stdout and stderr could no longer be told apart, and inspects the container first.
Terminals are docker-py's hijacked attach and exec sockets, taken out of their wrappers.
Errors become Berth's by dashboard.engine's translation.
"""

from __future__ import annotations

import asyncio
import select
import socket
import struct
from collections.abc import Callable, Iterator

import requests
import urllib3.exceptions
from django.utils.translation import gettext as _

from containers.streams import wire
from containers.streams.wire import READ_SIZE
from dashboard.engine import EngineUnavailable, get_client, refusal, translate, unreachable

GATHER_SECONDS = 0.003  # how long a followed log's read waits for more before passing on what it has
UNFOLLOWED_BATCH = 16384  # what a log that is not followed is read in


def quietly(call: Callable[[], None]) -> None:
    try:
        call()
    except Exception:  # noqa: BLE001 - closing something already closed
        pass


def shutdown(sock) -> None:
    """Shut a stream's socket down (a read blocked on it returns at once) and close it."""
    quietly(lambda: sock.shutdown(socket.SHUT_RDWR))
    quietly(sock.close)


# ---------------------------------------------------------------- a connection of our own


def engine_socket_path() -> str | None:
    """The engine's unix socket when DOCKER_HOST is one; None for tcp:// and ssh:// engines."""
    api = get_client().api
    path = getattr(api.get_adapter(api.base_url), "socket_path", None)
    return path if path and api.base_url.startswith("http+docker://") else None


def api_path(template: str, *args: str) -> str:
    """An Engine API path with the client's version, e.g. "/v1.47/containers/ab/logs"."""
    return f"/v{get_client().api.api_version}{template.format(*args)}"


def connect():
    """A new connection to the engine, whatever DOCKER_HOST's transport, connected within the
    client's timeout: a socket (an ssl one for TLS), or for ssh the socket-like channel docker-py
    makes. It is never in docker-py's pool: nobody else will use it, and closing it ends only it."""
    api = get_client().api
    adapter = api.get_adapter(api.base_url)
    probe = requests.Request("GET", f"{api.base_url}/_ping").prepare()
    try:
        pool = adapter.get_connection_with_tls_context(probe, verify=api.verify, cert=api.cert)
        connection = pool._new_conn()  # urllib3 hands out a connection of one's own no other way
        connection.timeout = api.timeout
        connection.connect()
    except (OSError, urllib3.exceptions.HTTPError) as e:
        raise unreachable(e) from e
    return connection.sock


def _read_head(sock, request: bytes) -> bytes:
    """Send `request`, read the response's head; the body bytes read with it. Raises Berth's
    engine errors for a refusal (its whole body read) or a connection that failed."""
    try:
        sock.sendall(request)
        received = b""
        while (head := wire.response_head(received)) is None:
            data = sock.recv(READ_SIZE)
            if not data:
                raise EngineUnavailable(_("The engine closed the connection."))
            received += data
        status, body = head
        if status != 200:
            body += b"".join(iter(lambda: sock.recv(READ_SIZE), b""))
            raise refusal(status, body)
    except OSError as e:
        raise unreachable(e) from e
    return body


class LogStream:
    """One `GET /containers/{id}/logs` read as raw bytes, closable from another thread."""

    def __init__(self, container_id: str, params: dict, follow: bool):
        self.follow = follow
        self.sock = connect()
        try:
            self.first = _read_head(self.sock, wire.request(api_path("/containers/{}/logs", container_id), params))
        except BaseException:
            shutdown(self.sock)
            raise
        self.sock.settimeout(None)  # a followed log may stay quiet for hours

    def __iter__(self) -> Iterator[bytes]:
        if self.first:
            yield self.first
        if type(self.sock) is socket.socket:  # a plain one (not TLS, not ssh): gathered reads
            yield from self._gathered()
            return
        while True:
            try:
                data = self.sock.recv(READ_SIZE)
            except (OSError, ValueError):  # closed by close()
                return
            if not data:
                return
            yield data

    def _gathered(self) -> Iterator[bytes]:
        sock = self.sock
        # A followed log's recv() waits at most GATHER_SECONDS for the rest of a batch (see
        # _gather). A log that is not followed has an end: its batches are UNFOLLOWED_BATCH bytes
        # or the rest, so a short log comes whole (its stdout and stderr lines sorted together
        # whatever pauses the engine makes) and a long one still flows while the engine reads.
        if self.follow:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 0, int(GATHER_SECONDS * 1e6)))
        buffer = memoryview(bytearray(READ_SIZE))[: READ_SIZE if self.follow else UNFOLLOWED_BATCH]
        while True:
            try:
                select.select([sock], [], [])  # however long the log stays quiet
                size = self._gather(sock, buffer)
            except BlockingIOError:  # the timeout, and nothing read after all: wait again
                continue
            except (OSError, ValueError):  # closed by close()
                return
            if not size:
                return
            yield bytes(buffer[:size])

    @staticmethod
    def _gather(sock: socket.socket, buffer: memoryview) -> int:
        """Read what is there and what follows within GATHER_SECONDS, up to a full buffer.

        The engine writes a log line at a time. With SO_RCVLOWAT at the buffer's size the
        kernel gathers them in one recv() (until the buffer is full, the timeout, or the end):
        a fast log costs a few system calls per 64 KiB instead of a select() and a recv() per
        line, which was most of Berth's CPU for a 1,000-line tail.
        """
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, len(buffer))
        try:
            return sock.recv_into(buffer)
        finally:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, 1)

    def close(self) -> None:
        shutdown(self.sock)


class EventStream:
    """One raw `GET /events` (HTTP/1.0: the body comes unchunked, one JSON object a line), read
    in the events hub's thread (streams/events.py) and closable from another.

    next_line() returns b"" when the engine ends the stream (or close() was called) and None
    when it stayed quiet for `idle` seconds: the hub then pings the engine, since an engine that
    hangs keeps the connection open and says nothing, like an idle one."""

    def __init__(self, params: dict, idle: float):
        self.sock = connect()
        try:
            self.pending = _read_head(self.sock, wire.request(api_path("/events"), params))
        except BaseException:
            shutdown(self.sock)
            raise
        self.sock.settimeout(idle)

    def next_line(self) -> bytes | None:
        self.pending = self.pending.lstrip(b"\n")  # blank lines are no events
        while b"\n" not in self.pending:
            try:
                data = self.sock.recv(READ_SIZE)
            except TimeoutError:
                return None
            except (OSError, ValueError):  # closed by close()
                return b""
            if not data:
                return b""
            self.pending = (self.pending + data).lstrip(b"\n")
        line, _, self.pending = self.pending.partition(b"\n")
        return line

    def close(self) -> None:
        shutdown(self.sock)


# ---------------------------------------------------------------- on the event loop


def loop_socket() -> socket.socket:
    """A socket for open_log_on_loop(), to be shut down from a pump's stop() while it opens."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.setblocking(False)
    return sock


async def open_log_on_loop(sock: socket.socket, container_id: str, params: dict) -> bytes:
    """LogStream's request, for an engine on a unix socket, sent and answered on the event loop
    (a blocking connect there could hold every socket up to DOCKER_TIMEOUT); the body bytes
    read with the head."""
    return await _open_on_loop(sock, wire.request(api_path("/containers/{}/logs", container_id), params))


async def open_stats_on_loop(sock: socket.socket, container_id: str) -> bytes:
    """`GET /containers/{id}/stats?stream=1` in HTTP/1.0 on `sock` (a loop_socket()), read on the
    event loop like a relayed log: the body is the engine's JSON, one sample a line, about one a
    second (the daemon's own sampling); the body bytes read with the head. A thread per watched
    container would wake a second time for each sample only to hand it to the loop."""
    return await _open_on_loop(sock, wire.request(api_path("/containers/{}/stats", container_id), {"stream": "1"}))


def open_stats(container_id: str):
    """The same stats request on a blocking connection of its own, for tcp:// and ssh://
    engines: (the socket, the body bytes read with the head); read it with sock.recv()."""
    sock = connect()
    try:
        first = _read_head(sock, wire.request(api_path("/containers/{}/stats", container_id), {"stream": "1"}))
    except BaseException:
        shutdown(sock)
        raise
    sock.settimeout(None)  # a stopped container's stream may stay quiet
    return sock, first


async def _open_on_loop(sock: socket.socket, request: bytes) -> bytes:
    loop = asyncio.get_running_loop()
    try:
        # An engine that hangs must not hold the socket for ever: the head comes within the
        # client's timeout, as for any other request (the body may then stay quiet for hours).
        async with asyncio.timeout(get_client().api.timeout):
            await loop.sock_connect(sock, engine_socket_path())
            await loop.sock_sendall(sock, request)
            received = b""
            while (head := wire.response_head(received)) is None:
                data = await receive(sock)
                if not data:
                    raise EngineUnavailable(_("The engine closed the connection."))
                received += data
    except (OSError, TimeoutError) as e:
        raise unreachable(e) from e
    status, body = head
    while status != 200 and (data := await receive(sock)):
        body += data
    if status != 200:
        raise refusal(status, body)
    return body


async def receive(sock: socket.socket, size: int = READ_SIZE) -> bytes:
    """The next bytes on `sock`, read on the event loop: recv() never waits (MSG_DONTWAIT), the
    loop does. b"" at the end, and once the socket is shut down or closed."""
    loop = asyncio.get_running_loop()
    while True:
        try:
            return sock.recv(size, socket.MSG_DONTWAIT)
        except BlockingIOError:
            if not await readable(loop, sock):
                return b""
        except OSError:
            return b""


async def readable(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> bool:
    """Wait until `sock` has something to read (or its end); False when it is closed."""
    try:
        descriptor = sock.fileno()
    except OSError:
        return False
    if descriptor < 0:
        return False
    ready = loop.create_future()
    loop.add_reader(descriptor, lambda: ready.done() or ready.set_result(True))
    try:
        return await ready
    finally:
        loop.remove_reader(descriptor)


def hand_on_lines(received: bytes, line: Callable[[bytes], None]) -> bytes:
    """line() for each whole line of `received`; the unfinished rest, to be continued."""
    *whole, rest = received.split(b"\n")
    for each in whole:
        line(each)
    return rest


async def read_lines(sock: socket.socket, pending: bytes, line: Callable[[bytes], None]) -> None:
    """Hand each line of `sock` to line() (after those of `pending`, the body read with the
    head) until the stream ends or the task is cancelled.

    The reader stays registered for the stream's whole life and the loop calls it with the
    bytes: receive() would make a future, register and unregister the descriptor (two
    epoll_ctl) and resume the reading task, for each of a stats stream's reads. py-spy on
    bench/live_stats.py's 200 sockets: receive() and readable() were a tenth of Berth's CPU."""
    loop = asyncio.get_running_loop()
    ended = loop.create_future()
    descriptor = sock.fileno()

    def ready() -> None:
        nonlocal pending
        try:
            data = sock.recv(READ_SIZE, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        try:
            if not data:
                ended.done() or ended.set_result(None)
                return
            pending = hand_on_lines(pending + data, line)
        except BaseException as e:  # noqa: BLE001 - the reading task raises it
            loop.remove_reader(descriptor)
            ended.done() or ended.set_exception(e)

    pending = hand_on_lines(pending, line)
    loop.add_reader(descriptor, ready)
    try:
        await ended
    finally:
        loop.remove_reader(descriptor)


def terminal_socket(hijacked) -> tuple[socket.socket, bytes]:
    """The engine's hijacked socket, ready for a terminal, and the output that came with the
    engine's answer.

    docker-py leaves the client's timeout on it, which would end a terminal that stays quiet
    that long (and make every read wait in poll() first). Without it reads never wait
    (Terminal.read_output), and a write the engine does not take within the timeout still fails, by
    SO_SNDTIMEO, instead of holding the event loop.
    """
    first = _read_past_the_head(hijacked)
    sock = getattr(hijacked, "_sock", hijacked)
    timeout = sock.gettimeout()
    sock.settimeout(None)
    if timeout:
        seconds = int(timeout)
        sock.setsockopt(
            socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", seconds, int((timeout - seconds) * 1e6))
        )
    return sock, first


def _read_past_the_head(hijacked) -> bytes:
    """What http.client's buffered reader took beyond the engine's 101 head. It reads the head
    in 8 KiB gulps, so a process that printed before Berth read the answer (a loaded machine:
    an exec's first line was lost so once in CI) is in that buffer, which docker-py's raw socket
    skips. docker-py keeps the response on the socket (`_response`); `read1` returns what the
    buffer holds, and with the socket non-blocking never waits for more."""
    reader = getattr(getattr(getattr(hijacked, "_response", None), "raw", None), "_fp", None)
    reader = getattr(reader, "fp", None)
    sock = getattr(hijacked, "_sock", hijacked)
    if reader is None or not isinstance(sock, socket.socket):
        return b""
    timeout = sock.gettimeout()
    sock.setblocking(False)
    try:
        return reader.read1(READ_SIZE) or b""
    except OSError:  # nothing buffered, and nothing more yet
        return b""
    finally:
        sock.settimeout(timeout)


def attach_socket(container_id: str, params: dict) -> tuple[socket.socket, bytes]:
    """The container's hijacked attach socket, ready for a terminal, with its first output (terminal_socket)."""
    api = get_client().api
    return terminal_socket(translate(lambda: api.attach_socket(container_id, params=params)))


def exec_socket(exec_id: str) -> tuple[socket.socket, bytes]:
    """The started exec's hijacked socket and its first output. tty=True on start too: the engine
    frames output by the start body's Tty, not the create's."""
    api = get_client().api
    return terminal_socket(translate(lambda: api.exec_start(exec_id, tty=True, socket=True)))


# ---------------------------------------------------------------- a pull's connections


def record_connections(client, opened: Callable) -> None:
    """Hand every connection `client`'s pools give out to opened(connection) first, which
    returns it: docker-py and urllib3 keep no handle on a connection in use, and a pull that
    another thread cancels must be able to shut its connection down (images/streams.py)."""
    for adapter in client.api.adapters.values():
        pick = adapter.get_connection_with_tls_context
        adapter.get_connection_with_tls_context = lambda *args, pick=pick, **kwargs: _recorded(
            pick(*args, **kwargs), opened
        )


def _recorded(pool, opened: Callable):
    if getattr(pool, "berth_opened", None) != opened:  # wrapped once (a bound method is made anew each time)
        pool.berth_opened, take = opened, pool._get_conn
        pool._get_conn = lambda *args, **kwargs: opened(take(*args, **kwargs))
    return pool
