"""How fast Berth streams logs, against the raw Engine API in the same run.

    .venv/bin/python bench/logs.py [--lines 1000000] [--follow-lines 2000000]

Prints two lines:
- `logs_tail ratio=R`: a container with a 1,000,000-line log; time from opening the websocket
  to receiving the 1,000th line of tail=1000, divided by a raw
  `GET /containers/<id>/logs?stdout=1&stderr=1&tail=1000` read to its end (medians of 30,
  alternated).
- `logs_follow ratio=R`: a container running `seq 1 2000000`, followed from its start; time
  until the client has every line (no skips allowed) divided by the same for a raw follow of an
  identical container through the Engine API; with the Berth server's peak RSS.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import docker
from websockets.exceptions import InvalidState

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    BENCH_LABEL,
    BUSYBOX_IMAGE,
    UnixHTTPConnection,
    WebsocketClient,
    berth_server,
    logged_in_session,
    relayed_texts,
    remove_bench_objects,
    server_pid,
)


def peak_rss_mb(pid: int | None) -> float:
    if pid is None:
        return float("nan")
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make_container(client: docker.DockerClient, command: list[str], start: bool = True) -> str:
    created = client.api.create_container(BUSYBOX_IMAGE, command, labels={BENCH_LABEL: "1"})
    if start:
        client.api.start(created["Id"])
    return created["Id"]


def wait_exit(client: docker.DockerClient, container_id: str) -> None:
    client.api.wait(container_id, timeout=600)


def raw_read(path: str) -> float:
    """Seconds to read one raw Engine API response to its end."""
    started = time.perf_counter()
    connection = UnixHTTPConnection()
    connection.request("GET", path)
    response = connection.getresponse()
    while response.read(1 << 16):
        pass
    connection.close()
    return time.perf_counter() - started


class Berth:
    def __init__(self, base: str):
        self.base = base
        self.ws_base = base.replace("http://", "ws://")
        session = logged_in_session(base)
        self.cookie = f"sessionid={session.cookies['sessionid']}"

    def socket(self, path: str):
        return WebsocketClient(self.ws_base + path, origin=self.base, cookie=self.cookie)

    def receive_lines(self, path: str, wanted: int, before_read=None) -> tuple[float, int, int]:
        """Open the log socket, read until `wanted` lines; (seconds, lines, skipped)."""
        started = time.perf_counter()
        lines = skipped = 0
        with self.socket(path) as socket:
            if before_read is not None:
                started = before_read()
            while lines + skipped < wanted:
                frame = socket.recv(timeout=120)
                if isinstance(frame, bytes):  # relayed log messages
                    lines += len(relayed_texts(frame))
                else:
                    message = json.loads(frame)
                    if message["type"] in ("end", "error"):
                        break
                    if message["type"] != "lines":
                        continue
                    lines += len(message["lines"])
                    skipped += message["skipped"]
                try:
                    socket.send('{"type":"ack"}')
                except (InvalidState, OSError):  # the server finished a log that is not followed
                    pass
            elapsed = time.perf_counter() - started
        return elapsed, lines, skipped


def bench_tail(client: docker.DockerClient, berth: Berth, total: int, repeats: int = 30) -> float:
    """Raw and Berth reads alternate, each after a short pause, so that neither finds the
    machine busy with the other's leftovers and drift falls on both alike."""
    container = make_container(client, ["seq", "1", str(total)])
    wait_exit(client, container)
    raw_path = f"/containers/{container}/logs?stdout=1&stderr=1&tail=1000"
    berth_path = f"/ws/containers/{container}/logs/?tail=1000&follow=0"
    raw, ours = [], []
    for attempt in range(repeats + 3):  # the first 3 warm up
        time.sleep(0.02)
        raw_seconds = raw_read(raw_path)
        time.sleep(0.02)
        elapsed, lines, _ = berth.receive_lines(berth_path, 1000)
        assert lines == 1000, lines
        if attempt >= 3:
            raw.append(raw_seconds)
            ours.append(elapsed)
    ratio = statistics.median(ours) / statistics.median(raw)
    print(
        f"logs_tail ratio={ratio:.2f} berth_ms={statistics.median(ours) * 1000:.1f} raw_ms={statistics.median(raw) * 1000:.1f}"
    )
    return ratio


def bench_follow(client: docker.DockerClient, berth: Berth, total: int, pid: int | None) -> float:
    """Both clocks run from the container's start; each follower opens right after it (a follow
    opened on a Created container ends at once) and reads until the last line has arrived."""
    command = ["seq", "1", str(total)]
    raw_container = make_container(client, command, start=False)
    started = time.perf_counter()
    client.api.start(raw_container)
    connection = UnixHTTPConnection()
    connection.request("GET", f"/containers/{raw_container}/logs?stdout=1&stderr=1&follow=1")
    response = connection.getresponse()
    last, tail = f"{total}\n".encode(), b""
    while not tail.endswith(last):
        chunk = response.read1(1 << 16)
        if not chunk:
            raise RuntimeError("the raw follow ended before the last line")
        tail = (tail + chunk)[-64:]
    raw_seconds = time.perf_counter() - started
    connection.close()

    container = make_container(client, command, start=False)
    started = time.perf_counter()
    client.api.start(container)
    elapsed, lines, skipped = berth.receive_lines(f"/ws/containers/{container}/logs/?tail=all&follow=1", total)
    elapsed = time.perf_counter() - started
    ratio = elapsed / raw_seconds
    print(
        f"logs_follow ratio={ratio:.2f} berth_s={elapsed:.2f} raw_s={raw_seconds:.2f} lines={lines} skipped={skipped} "
        f"peak_rss_mb={peak_rss_mb(pid):.0f}"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--follow-lines", type=int, default=2_000_000)
    args = parser.parse_args()
    client = docker.from_env(timeout=600)
    remove_bench_objects(client)
    try:
        with berth_server() as base:
            berth = Berth(base)
            pid = server_pid(int(base.rsplit(":", 1)[1]))
            bench_tail(client, berth, args.lines)
            bench_follow(client, berth, args.follow_lines, pid)
    finally:
        remove_bench_objects(client)


if __name__ == "__main__":
    main()
