"""Many followers at once: 50 websocket clients on the logs of 10 containers, twice.

    .venv/bin/python bench/concurrent_logs.py [--clients 50] [--containers 10] [--seconds 30]

Each container writes 1,000 numbered lines a second for 30 s; every client follows one of them
from its start to its end. After each round the Berth server's threads and open file
descriptors must be back at their baseline; the second round may not grow its RSS by 10 MB or
more; and every client must have every line, except those the server reported as skipped.
"""

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import docker
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    BENCH_LABEL,
    BUSYBOX_IMAGE,
    berth_server,
    logged_in_session,
    relayed_texts,
    remove_bench_objects,
    server_pid,
)


def process_figures(pid: int) -> dict:
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {
        "threads": int(status["Threads"]),
        "fds": len(list(Path(f"/proc/{pid}/fd").iterdir())),
        "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
    }


def writer_command(seconds: int) -> list[str]:
    # 100 numbered lines every 0.1 s: 1,000 lines a second.
    script = (
        f"i=0; while [ $i -lt {seconds * 10} ]; do seq $((i*100+1)) $((i*100+100)); i=$((i+1)); usleep 100000; done"
    )
    return ["sh", "-c", script]


async def follow(url: str, origin: str, cookie: str, expected: int) -> dict:
    lines = skipped = 0
    last = 0
    out_of_order = 0
    async with websockets.connect(url, origin=origin, additional_headers={"Cookie": cookie}, max_size=None) as socket:
        while lines + skipped < expected:
            frame = await asyncio.wait_for(socket.recv(), 120)
            if isinstance(frame, bytes):
                texts = relayed_texts(frame)
            else:
                message = json.loads(frame)
                if message["type"] in ("end", "error") or (
                    message["type"] == "state" and message["state"] != "running"
                ):
                    break
                if message["type"] != "lines":
                    continue
                skipped += message["skipped"]
                texts = [text for _, _, text in message["lines"]]
            await socket.send('{"type":"ack"}')
            for text in texts:
                number = int(text)
                out_of_order += number <= last
                last = number
            lines += len(texts)
    return {"lines": lines, "skipped": skipped, "out_of_order": out_of_order}


async def one_round(client, base: str, cookie: str, containers: int, clients: int, seconds: int) -> list[dict]:
    ids = []
    for _ in range(containers):
        created = client.api.create_container(BUSYBOX_IMAGE, writer_command(seconds), labels={BENCH_LABEL: "1"})
        client.api.start(created["Id"])
        ids.append(created["Id"])
    ws_base = base.replace("http://", "ws://")
    expected = seconds * 1000
    tasks = [
        follow(f"{ws_base}/ws/containers/{ids[n % containers]}/logs/?tail=all&follow=1", base, cookie, expected)
        for n in range(clients)
    ]
    results = await asyncio.gather(*tasks)
    for container_id in ids:
        client.api.remove_container(container_id, force=True)
    return results


def settle(pid: int, baseline: dict, timeout: float = 15) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        figures = process_figures(pid)
        if (
            figures["threads"] <= baseline["threads"] and figures["fds"] <= baseline["fds"]
        ) or time.monotonic() > deadline:
            return figures
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--containers", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    client = docker.from_env(timeout=120)
    remove_bench_objects(client)
    try:
        with berth_server() as base:
            pid = server_pid(int(base.rsplit(":", 1)[1]))
            cookie = f"sessionid={logged_in_session(base).cookies['sessionid']}"
            # Warm up (the session store's thread, lazily built caches) before the baseline.
            asyncio.run(one_round(client, base, cookie, 1, 2, 1))
            baseline = settle(pid, process_figures(pid))
            rss = []
            for round_number in (1, 2):
                results = asyncio.run(one_round(client, base, cookie, args.containers, args.clients, args.seconds))
                after = settle(pid, baseline)
                rss.append(after["rss_mb"])
                expected = args.seconds * 1000
                lost = sum(expected - r["lines"] - r["skipped"] for r in results)
                print(
                    f"concurrent_logs round={round_number} threads={after['threads']}/{baseline['threads']} "
                    f"fds={after['fds']}/{baseline['fds']} rss_mb={after['rss_mb']:.0f} "
                    f"skipped={sum(r['skipped'] for r in results)} lost={lost} "
                    f"out_of_order={sum(r['out_of_order'] for r in results)}"
                )
            print(f"concurrent_logs rss_growth_mb={rss[1] - rss[0]:.1f}")
    finally:
        remove_bench_objects(client)


if __name__ == "__main__":
    main()
