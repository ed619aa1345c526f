"""A pull's HTTP stream to the engine, which another thread may close (issue 11, item 11).

Against a registry that never answers, the engine sends not even its response headers until
it gives up itself (about 25 s), so there is no response to close: the request is still
waiting for one. What ends it is closing the connection it was sent on; the engine then sees
its client gone, cancels the request's context and aborts the pull. The pull therefore runs
on a client of its own (`dashboard.engine.dedicated_client`) whose connections this class
records as the pool hands them out (containers/streams/sockets.py: docker-py and urllib3 keep
no handle on a connection in use), so that `close()` can shut each one down from any thread.
"""

import socket
import threading

import docker

from containers.streams.sockets import record_connections
from dashboard.engine import dedicated_client


class PullCancelled(Exception):
    """The stream was closed before the request went out."""


class PullStream:
    def __init__(self):
        self._lock = threading.Lock()
        self._connections: list = []
        self.closed = False
        self._client: docker.DockerClient | None = None

    def client(self) -> docker.DockerClient:
        """The pull's own client (made on first use), every connection of which is recorded."""
        if self._client is None:
            self._client = dedicated_client()
            record_connections(self._client, self._opened)
        return self._client

    def _opened(self, connection):
        # Connected here, under the lock, so that a close() never misses a socket about to be used.
        with self._lock:
            if self.closed:
                raise PullCancelled()
            if connection.sock is None:
                connection.connect()
            self._connections.append(connection)
        return connection

    def close(self) -> None:
        """Shut the pull's connections down: a read blocked on one returns at once, and the engine
        aborts the pull. Safe from any thread, and more than once."""
        with self._lock:
            self.closed = True
            for connection in self._connections:
                sock = connection.sock
                if sock is not None:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass  # already closed
        if self._client is not None:
            self._client.close()
