"""How fast Berth lists 1,000 containers, against the raw Engine API in the same run.

Makes 1,000 labelled containers (about 20 running, the rest Created), then times the
median of 10 logged-in GETs of /containers/?all=1 through Berth's server (dashboard/serve.py), divided
by the median raw `GET /containers/json?all=1`. Also a container page (÷ one inspect)
and /images/ (÷ `GET /images/json` + `GET /containers/json?all=1`). Removes what it made.

    .venv/bin/python bench/list_containers.py [--containers 1000]
"""

import argparse
import re
import sys
from pathlib import Path

import docker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    berth_server,
    logged_in_session,
    make_containers,
    median_ms,
    raw_get,
    remove_bench_objects,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--containers", type=int, default=1000)
    parser.add_argument("--running", type=int, default=20)
    args = parser.parse_args()

    client = docker.from_env(timeout=120)
    remove_bench_objects(client)
    try:
        ids = make_containers(client, args.containers, args.running)
        total = len(client.api.containers(all=True))
        with berth_server() as base:
            session = logged_in_session(base)

            def berth_list():
                response = session.get(base + "/containers/?all=1")
                response.raise_for_status()
                return response.text

            rows = len(re.findall(r'<tr id="container-row-', berth_list()))
            berth = median_ms(berth_list)
            engine = median_ms(lambda: raw_get("/containers/json?all=1"))

            sample = ids[0]
            page = median_ms(lambda: session.get(f"{base}/containers/{sample}/").raise_for_status())
            inspect = median_ms(lambda: raw_get(f"/containers/{sample}/json"))

            images = median_ms(lambda: session.get(base + "/images/").raise_for_status())
            images_raw = median_ms(lambda: (raw_get("/images/json"), raw_get("/containers/json?all=1")))

        print(f"container_page ratio={page / inspect:.2f} (berth {page:.1f} ms, engine {inspect:.1f} ms)")
        print(f"images_list ratio={images / images_raw:.2f} (berth {images:.1f} ms, engine {images_raw:.1f} ms)")
        print(
            f"list_containers ratio={berth / engine:.2f} "
            f"(berth {berth:.1f} ms, engine {engine:.1f} ms, {total} containers, {rows} rows shown)"
        )
    finally:
        remove_bench_objects(client)


if __name__ == "__main__":
    main()
