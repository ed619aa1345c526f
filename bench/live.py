"""How fast Berth's live /containers/ page hears the engine, and how much it pushes (issue 13).

events_latency: 20 times, a labelled busybox container is created (outside the timed window),
then started with a raw `POST /containers/{id}/start`. From the moment that request is sent,
Berth's time is until a socket subscribed to the container list (its page shows the container:
`?all=1&q=<this run's names>`) receives the container's row showing it running; raw is until a
raw `GET /events` opened beforehand delivers its `start` event. The ratio divides the medians;
the lag is Berth minus raw, run by run.

live_row_bytes: with 1,000 containers (about 20 running), the bytes pushed to a list socket
(`?all=1`, its first page) when a container shown on that page starts, until a second of quiet
(stats frames excluded). Removes what it made, and only that.

    .venv/bin/python bench/live.py [--runs 20] [--containers 1000]
"""

import argparse
import concurrent.futures
import json
import secrets
import socket
import statistics
import sys
import threading
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
    make_containers,
)

DOCKER_SOCKET = "/var/run/docker.sock"


def raw_request(method: str, path: str) -> socket.socket:
    """An HTTP/1.0 request on a connection of its own, sent; the socket (its answer unread)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(DOCKER_SOCKET)
    sock.sendall(f"{method} {path} HTTP/1.0\r\nHost: docker\r\n\r\n".encode())
    return sock


class RawEvents:
    """A raw /events stream of container starts, read in a thread: when each id's start came."""

    def __init__(self):
        filters = json.dumps({"type": ["container"], "event": ["start"]}, separators=(",", ":"))
        self.sock = raw_request("GET", f"/events?filters={filters}")
        self.seen: dict[str, float] = {}
        self.cond = threading.Condition()
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            buffer += self.sock.recv(65536)
        self.pending = buffer.partition(b"\r\n\r\n")[2]
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        data = self.pending
        while True:
            while b"\n" in data:
                line, _, data = data.partition(b"\n")
                if line.strip():
                    now = time.perf_counter()
                    event = json.loads(line)
                    with self.cond:
                        self.seen[event.get("id") or event["Actor"]["ID"]] = now
                        self.cond.notify_all()
            more = self.sock.recv(65536)
            if not more:
                return
            data += more

    def wait(self, container_id: str, timeout: float = 30) -> float:
        with self.cond:
            if not self.cond.wait_for(lambda: container_id in self.seen, timeout):
                raise RuntimeError("the raw events stream did not say the start")
            return self.seen[container_id]


def frames_until(ws: WebsocketClient, condition, timeout: float = 30) -> tuple[float, int]:
    """Read frames until condition(frame) holds: when it came, and the bytes of every frame read."""
    size = 0
    deadline = time.monotonic() + timeout
    while True:
        if time.monotonic() > deadline:  # frames for other containers may keep coming
            raise TimeoutError("the frame waited for did not come")
        text = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        now = time.perf_counter()
        frame = json.loads(text)
        if frame.get("type") != "stats":
            size += len(text.encode())
        if condition(frame):
            return now, size


def is_running_row(container_id: str):
    return lambda f: f.get("type") == "row" and f.get("id") == container_id and "state-running" in f.get("html", "")


def events_latency(client, base: str, ws_base: str, cookie: str, runs: int, made: list[str]) -> None:
    tag = f"berth-bench-live-{secrets.token_hex(3)}"
    raw = RawEvents()
    berth_ms, raw_ms = [], []
    with WebsocketClient(f"{ws_base}/ws/containers/?all=1&q={tag}", origin=base, cookie=cookie) as ws:
        frames_until(ws, lambda f: f == {"type": "state", "state": "live"})
        for index in range(runs):
            created = client.api.create_container(
                BUSYBOX_IMAGE, "sleep 3600", name=f"{tag}-{index:02}", labels={BENCH_LABEL: "1"}
            )["Id"]
            made.append(created)
            frames_until(ws, lambda f, c=created: f.get("type") == "row" and f.get("id") == c)  # its Created row
            started = time.perf_counter()
            answer = raw_request("POST", f"/containers/{created}/start")
            seen, _ = frames_until(ws, is_running_row(created))
            heard = raw.wait(created)
            answer.recv(65536)
            answer.close()
            berth_ms.append((seen - started) * 1000)
            raw_ms.append((heard - started) * 1000)
    lags = sorted(b - r for b, r in zip(berth_ms, raw_ms, strict=True))
    berth, engine = statistics.median(berth_ms), statistics.median(raw_ms)
    p95 = lags[min(len(lags) - 1, round(0.95 * (len(lags) - 1)))]
    print(
        f"events_latency ratio={berth / engine:.2f} (berth {berth:.1f} ms, raw {engine:.1f} ms, "
        f"lag p50 {statistics.median(lags):.1f} ms p95 {p95:.1f} ms, {runs} runs)"
    )


def live_row_bytes(client, base: str, ws_base: str, cookie: str, count: int, made: list[str]) -> None:
    made.extend(make_containers(client, count, 20))
    everything = client.api.containers(all=True)
    first_page = sorted(everything, key=lambda raw: min(raw["Names"], key=len).lstrip("/").lower())[:100]
    shown = next(
        raw["Id"] for raw in first_page if raw.get("Labels", {}).get(BENCH_LABEL) and raw["State"] == "created"
    )
    with WebsocketClient(f"{ws_base}/ws/containers/?all=1", origin=base, cookie=cookie) as ws:
        frames_until(ws, lambda f: f == {"type": "state", "state": "live"})
        client.api.start(shown)
        _, size = frames_until(ws, is_running_row(shown))
        try:  # whatever else comes for it within a second of quiet
            while True:
                text = ws.recv(timeout=1)
                if json.loads(text).get("type") != "stats":
                    size += len(text.encode())
        except TimeoutError:
            pass
    print(f"live_row_bytes={size} (one row of a page of {len(first_page)}, {len(everything)} containers)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--containers", type=int, default=1000)
    args = parser.parse_args()
    client = docker.from_env(timeout=120)
    # Only what this run made is removed: another bench may be running beside it (the common
    # sweep of every berth.bench object would take that one's containers away mid-run).
    made: list[str] = []
    try:
        with berth_server() as base:
            session = logged_in_session(base)
            cookie = f"sessionid={session.cookies['sessionid']}"
            ws_base = base.replace("http://", "ws://")
            events_latency(client, base, ws_base, cookie, args.runs, made)
            live_row_bytes(client, base, ws_base, cookie, args.containers, made)
    finally:
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda c: client.api.remove_container(c, force=True), made))


if __name__ == "__main__":
    main()
