"""Keystroke echo round trip through Berth's exec terminal, against a raw exec TTY socket.

    .venv/bin/python bench/terminal.py [--keys 500]

Sends one byte at a time to `cat` in a TTY exec and waits for the terminal's echo: through
`/ws/containers/<id>/exec/` on Berth's server (dashboard/serve.py), then through a raw exec
socket with docker-py in the same run; both sockets are read in this thread (WebsocketClient).
Prints `terminal ratio=R` (medians) with both medians and p99s in milliseconds.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import docker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    BENCH_LABEL,
    BUSYBOX_IMAGE,
    WebsocketClient,
    berth_server,
    logged_in_session,
    remove_bench_objects,
)


def p99(samples: list[float]) -> float:
    return sorted(samples)[max(0, int(len(samples) * 0.99) - 1)]


def round_trips(send, receive, keys: int) -> list[float]:
    samples = []
    for index in range(keys + 20):  # the first 20 warm up
        key = b"abcdefghijklmnopqrstuvwxyz"[index % 26 : index % 26 + 1]
        started = time.perf_counter()
        send(key)
        echoed = b""
        while key not in echoed:
            echoed += receive()
        if index >= 20:
            samples.append((time.perf_counter() - started) * 1000)
        if index % 200 == 199:
            send(b"\x15")  # Ctrl-U: keep the tty's line short
            time.sleep(0.01)
            receive_pending(receive)
    return samples


def receive_pending(receive) -> None:
    try:
        receive(timeout=0.05)
    except TimeoutError:
        pass


def through_berth(base: str, container_id: str, keys: int) -> list[float]:
    session = logged_in_session(base)
    url = base.replace("http://", "ws://") + f"/ws/containers/{container_id}/exec/?cmd=cat"
    with WebsocketClient(url, origin=base, cookie=f"sessionid={session.cookies['sessionid']}") as socket:

        def receive(timeout: float = 10) -> bytes:
            message = socket.recv(timeout=timeout)
            if isinstance(message, str):
                raise RuntimeError(f"the exec ended: {message}")
            return message

        return round_trips(socket.send, receive, keys)


def raw_exec(client: docker.DockerClient, container_id: str, keys: int) -> list[float]:
    created = client.api.exec_create(container_id, ["cat"], stdin=True, tty=True)
    sock = client.api.exec_start(created["Id"], tty=True, socket=True)._sock  # noqa: SLF001 - the raw socket under docker-py's SocketIO: the baseline

    def receive(timeout: float = 10) -> bytes:
        sock.settimeout(timeout)
        try:
            return sock.recv(65536)
        except OSError as e:
            raise TimeoutError from e

    try:
        return round_trips(sock.sendall, receive, keys)
    finally:
        sock.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", type=int, default=500)
    args = parser.parse_args()
    client = docker.from_env(timeout=60)
    remove_bench_objects(client)
    container = client.api.create_container(BUSYBOX_IMAGE, "sleep 3600", labels={BENCH_LABEL: "1"})["Id"]
    client.api.start(container)
    try:
        with berth_server() as base:
            ours = through_berth(base, container, args.keys)
        raw = raw_exec(client, container, args.keys)
        ratio = statistics.median(ours) / statistics.median(raw)
        print(
            f"terminal ratio={ratio:.2f} berth_median_ms={statistics.median(ours):.2f} berth_p99_ms={p99(ours):.2f} "
            f"raw_median_ms={statistics.median(raw):.2f} raw_p99_ms={p99(raw):.2f}"
        )
    finally:
        remove_bench_objects(client)


if __name__ == "__main__":
    main()
