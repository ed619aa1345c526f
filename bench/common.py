"""Shared pieces of the benchmarks: a real Berth server, a logged-in session, raw Engine API timing.

Each benchmark prints ratios against the raw Engine API measured in the same run, so a
noisy machine moves both sides alike.
"""

import concurrent.futures
import http.client
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import docker
import requests
from websockets.client import ClientProtocol
from websockets.frames import Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

ROOT = Path(__file__).resolve().parent.parent
BENCH_LABEL = "berth.bench"
BUSYBOX_IMAGE = "berth-test/busybox:latest"


class UnixHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP over the engine's unix socket: the physical floor of every API call."""

    def __init__(self, path: str = "/var/run/docker.sock"):
        super().__init__("localhost")
        self.socket_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.socket_path)


class WebsocketClient:
    """A blocking websocket client with no thread of its own: websockets' sans-I/O protocol
    over a plain socket, read in the caller's thread as the raw engine sockets are.

    `websockets.sync.client` reads in a background thread and hands each message over, which
    adds about 0.1 ms per message that is the client's, not Berth's.
    """

    def __init__(self, url: str, origin: str, cookie: str = ""):
        self.protocol = ClientProtocol(parse_uri(url), origin=origin, max_size=None)
        address = parse_uri(url)
        self.sock = socket.create_connection((address.host, address.port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request = self.protocol.connect()
        if cookie:
            request.headers["Cookie"] = cookie
        self.protocol.send_request(request)
        self._flush()
        self.frames: list = []
        while not self.frames or not isinstance(self.frames[0], Response):
            self._read()
        response = self.frames.pop(0)
        if response.status_code != 101:
            raise ConnectionError(f"the handshake was refused: {response.status_code}")

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()

    def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                self.sock.sendall(data)

    def _read(self) -> None:
        data = self.sock.recv(1 << 20)
        if data:
            self.protocol.receive_data(data)
        else:
            self.protocol.receive_eof()
        self._flush()  # pongs and the closing handshake
        self.frames.extend(self.protocol.events_received())
        if not data and not self.frames:
            raise EOFError("the server closed the connection")

    def send(self, message: str | bytes) -> None:
        if isinstance(message, str):
            self.protocol.send_text(message.encode())
        else:
            self.protocol.send_binary(message)
        self._flush()

    def recv(self, timeout: float | None = None) -> str | bytes:
        """The next text (str) or binary (bytes) message; EOFError once the socket closed."""
        self.sock.settimeout(timeout)
        parts: list[bytes] = []
        while True:
            while not self.frames:
                self._read()
            frame = self.frames.pop(0)
            if frame.opcode == Opcode.CLOSE:
                raise EOFError(f"closed: {frame.data[:2].hex()}")
            if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
                kind = frame.opcode
            elif frame.opcode != Opcode.CONT:
                continue  # pings are answered by the protocol
            parts.append(frame.data)
            if frame.fin:
                data = b"".join(parts)
                return data.decode() if kind == Opcode.TEXT else data


def relayed_texts(frame: bytes) -> list[str]:
    """The lines of a relayed log frame: the engine's messages, each behind an 8-byte header
    (the benches' containers have no TTY, write short lines, and ask for no timestamps)."""
    from containers.streams.wire import FrameParser  # the pure parser; nothing of Django's runs

    return [payload.decode().rstrip("\n") for _, payload in FrameParser().feed(frame)]


def raw_get(path: str) -> bytes:
    """One raw Engine API GET, read to its end (a fresh connection, as a CLI makes)."""
    connection = UnixHTTPConnection()
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:200]!r}")
        return body
    finally:
        connection.close()


def median_ms(call, repeats: int = 10, warmup: int = 2) -> float:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_command(port: int, server: str = "uvicorn") -> list[str]:
    """How Berth is served: as `make run` does (dashboard/serve.py), or through Daphne."""
    if server == "daphne":
        return [
            sys.executable,
            "-m",
            "daphne",
            "--websocket_timeout",
            "-1",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "dashboard.asgi:application",
        ]
    return [sys.executable, "-m", "dashboard.serve", "--host", "127.0.0.1", "--port", str(port)]


@contextmanager
def berth_server(server: str = "uvicorn", **settings_env: str):
    """Berth served on a free port with a throwaway database, as `make run` serves it (or
    through Daphne), with more settings from the environment if given; yields its base URL."""
    workdir = Path(tempfile.mkdtemp(prefix="berth-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DJANGO_SUPERUSER_USERNAME": "bench",
        "DJANGO_SUPERUSER_PASSWORD": "bench-password-1",
        "LOG_LEVEL": "WARNING",
        **settings_env,
    }
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0", "--noinput"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "manage.py", "ensure_admin"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    log_path = workdir / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            server_command(port, server), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(base + "/accounts/login/", timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("Berth did not start: " + log_path.read_text()[-2000:]) from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def logged_in_session(base: str, username: str = "bench", password: str = "bench-password-1") -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        base + "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token, "next": "/"},
        headers={"Referer": base + "/accounts/login/"},
    )
    if "/accounts/login/" in response.url:
        raise RuntimeError("could not log in to Berth")
    return session


def make_containers(client: docker.DockerClient, count: int, running: int, workers: int = 8) -> list[str]:
    """`count` labelled busybox containers, the first `running` of them started."""

    def make(index: int) -> str:
        created = client.api.create_container(
            BUSYBOX_IMAGE,
            "sleep 3600",
            name=f"berth-bench-{secrets.token_hex(3)}-{index}",
            labels={BENCH_LABEL: "1"},
        )
        if index < running:
            client.api.start(created["Id"])
        return created["Id"]

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(make, range(count)))


def remove_bench_objects(client: docker.DockerClient) -> None:
    label = f"{BENCH_LABEL}=1"
    containers = client.api.containers(all=True, filters={"label": label})
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda c: client.api.remove_container(c["Id"], force=True), containers))
    for network in client.api.networks(filters={"label": label}):
        client.api.remove_network(network["Id"])
    for volume in (client.api.volumes(filters={"label": label}) or {}).get("Volumes") or []:
        client.api.remove_volume(volume["Name"], force=True)


def server_pid(port: int) -> int | None:
    """The server process listening on `port` (its peak RSS is Berth's)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"dashboard.serve" in command and str(port).encode() in command:
                return int(entry.name)
    return None
