"""How much slower are /volumes/ and /networks/ than the Engine API calls they need?

Run: .venv/bin/python bench/networks_volumes.py

Makes 200 volumes, 50 networks and 1,000 containers (mostly Created, 20 running; many
mount a volume or sit on a network), all labelled `berth.bench=networks_volumes` and
removed at the end. Then, in the same run, it times:

  - the median of 10 logged-in GETs of /volumes/ (its first page: 100 of the 200 volumes,
    all of them counted and matched to their users) and /networks/ through Berth's server (dashboard/serve.py);
  - alternating with them, the median of 10 raw `GET /volumes` + `GET /containers/json?all=1` (and `GET /networks`
    + the same container list) over the unix socket with http.client, bodies read and
    JSON-decoded: the floor any client of the engine pays.

Each ratio is page time / raw time (target <= 1.5). The last line is
`networks_volumes ratio=R (...)`, R the worse of the two.
"""

import http.client
import json
import socket
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docker
import docker.errors
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import berth_server, logged_in_session
from tests.images import BUSYBOX_IMAGE, ensure_test_images

LABEL_KEY, LABEL_VALUE = "berth.bench", "networks_volumes"
LABELS = {LABEL_KEY: LABEL_VALUE}
VOLUMES, NETWORKS, CONTAINERS, RUNNING = 200, 50, 1000, 20
RUNS = 10
SOCKET = "/var/run/docker.sock"
API = "/v1.41"


# ---------------------------------------------------------------- the fixture


def populate(client: docker.DockerClient) -> None:
    ensure_test_images(client)
    volumes = [f"bench-vol-{i:03d}" for i in range(VOLUMES)]
    # Explicit subnets: 50 networks would exhaust the engine's default address pools.
    networks = [f"bench-net-{i:02d}" for i in range(NETWORKS)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda name: client.api.create_volume(name, labels=LABELS), volumes))
        list(
            pool.map(
                lambda i: client.api.create_network(
                    networks[i],
                    labels=LABELS,
                    ipam=docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=f"10.251.{i}.0/24")]),
                ),
                range(NETWORKS),
            )
        )

        def make(i: int) -> None:
            # Every other container mounts a volume; every third sits on one of the networks.
            binds = [f"{volumes[i % VOLUMES]}:/data"] if i % 2 == 0 else []
            mode = networks[i % NETWORKS] if i % 3 == 0 else "bridge"
            created = client.api.create_container(
                BUSYBOX_IMAGE,
                "sleep 3600",
                name=f"bench-nv-{i:04d}",
                labels=LABELS,
                host_config=client.api.create_host_config(binds=binds, network_mode=mode),
            )
            if i < RUNNING:
                client.api.start(created["Id"])

        list(pool.map(make, range(CONTAINERS)))


def clean(client: docker.DockerClient) -> None:
    selector = {"label": f"{LABEL_KEY}={LABEL_VALUE}"}
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda c: _quietly(client.api.remove_container, c["Id"], force=True),
                client.api.containers(all=True, filters=selector),
            )
        )
        list(pool.map(lambda n: _quietly(client.api.remove_network, n["Id"]), client.api.networks(filters=selector)))
        list(
            pool.map(
                lambda v: _quietly(client.api.remove_volume, v["Name"]),
                (client.api.volumes(filters=selector) or {}).get("Volumes") or [],
            )
        )


def _quietly(call, *args, **kwargs) -> None:
    try:
        call(*args, **kwargs)
    except docker.errors.APIError:
        pass


# ---------------------------------------------------------------- the raw floor


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str):
        super().__init__("localhost")
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def raw_get(connection: UnixConnection, path: str):
    connection.request("GET", API + path)
    response = connection.getresponse()
    body = response.read()
    assert response.status == 200, (path, response.status, body[:200])
    return json.loads(body)


def raw_calls(connection: UnixConnection, paths: list[str]) -> None:
    for path in paths:
        raw_get(connection, path)


# ---------------------------------------------------------------- Berth, timed beside the raw calls


def time_pair(session: requests.Session, url: str, expect: str, paths: list[str]) -> tuple[float, float]:
    """Medians of the page and of its raw calls, alternated run by run so that load from
    anything else on the machine falls on both alike."""
    connection = UnixConnection(SOCKET)
    response = session.get(url)  # warm-up: templates compiled, connections open
    assert response.status_code == 200 and expect in response.text, (url, response.status_code)
    raw_calls(connection, paths)
    page_times, raw_times = [], []
    for _ in range(RUNS):
        start = time.perf_counter()
        session.get(url).raise_for_status()
        page_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        raw_calls(connection, paths)
        raw_times.append(time.perf_counter() - start)
    connection.close()
    return statistics.median(page_times), statistics.median(raw_times)


# ---------------------------------------------------------------- main


def main() -> None:
    client = docker.from_env(timeout=300)
    clean(client)  # anything a crashed earlier run left
    started = time.perf_counter()
    populate(client)
    print(
        f"made {VOLUMES} volumes, {NETWORKS} networks, {CONTAINERS} containers in {time.perf_counter() - started:.0f}s",
        flush=True,
    )
    try:
        with berth_server() as url:
            session = logged_in_session(url)
            volumes_page, volumes_raw = time_pair(
                session, f"{url}/volumes/", "bench-vol-000", ["/volumes", "/containers/json?all=1"]
            )
            networks_page, networks_raw = time_pair(
                session, f"{url}/networks/", "bench-net-49", ["/networks", "/containers/json?all=1"]
            )
    finally:
        clean(client)
    volumes_ratio, networks_ratio = volumes_page / volumes_raw, networks_page / networks_raw
    print(
        f"/volumes/  median {volumes_page * 1000:.0f} ms; raw GET /volumes + GET /containers/json?all=1 {volumes_raw * 1000:.0f} ms; ratio {volumes_ratio:.2f}"
    )
    print(
        f"/networks/ median {networks_page * 1000:.0f} ms; raw GET /networks + GET /containers/json?all=1 {networks_raw * 1000:.0f} ms; ratio {networks_ratio:.2f}"
    )
    worse = max(volumes_ratio, networks_ratio)
    print(
        f"networks_volumes ratio={worse:.2f} (volumes {volumes_ratio:.2f}: {volumes_page * 1000:.0f}/{volumes_raw * 1000:.0f} ms, "
        f"networks {networks_ratio:.2f}: {networks_page * 1000:.0f}/{networks_raw * 1000:.0f} ms; median of {RUNS}, "
        f"{VOLUMES} volumes, {NETWORKS} networks, {CONTAINERS} containers, {RUNNING} running)"
    )


if __name__ == "__main__":
    main()
