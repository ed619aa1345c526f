"""What live stats cost the engine, against `docker stats` in the same run.

    .venv/bin/python bench/live_stats.py [--containers 20] [--viewers 10] [--seconds 30] [--rounds 3] [--sockets list|page]

Prints two lines (bench/live.py calls stats_cost() and stats_idle() for them):
- `stats_cost ratio=R (...)`: 20 running busybox containers each writing a line a second; 10
  websocket viewers each watching all 20 for 30 s through Berth: the list's socket
  (`/ws/containers/stats/?ids=<the 20>`), the one socket that watches many containers, as
  `docker stats` shows them in one table. `--sockets page` opens a container page's socket for
  each instead (10 x 20 = 200 sockets, 200 frames a second: a heavier case than the issue's,
  measured for the closing note). CPU seconds of Berth's process + dockerd + containerd over that time, divided
  by the CPU seconds of `docker stats` (the CLI, streaming the same 20) + dockerd + containerd
  over 30 s. Medians of `rounds` alternated windows (the figures are small, the machine noisy).
- `stats_idle ratio=R (...)`: dockerd + containerd CPU over 30 s starting 60 s after the last
  viewer left Berth, divided by the same with no Berth running. Medians as above.
CPU seconds are the processes' own utime + stime from /proc (every thread), read around each window.
BENCH_VERBOSE=1 prints each window's figures per process to stderr.

2026-12-01, quiet machine (load 0.1), engine 20.10, 200 page sockets: stats_cost 1.28 (Berth's
own process 0.47 of 1.54 CPU s, the CLI 0.17 of 1.20; dockerd and containerd within 10 % of the
CLI's windows), stats_idle 0.93 (0.13 against 0.14 CPU s). Under other checkouts' tests the same
script gave 0.67 to 2.05: dockerd's share then swings 0.6 to 6 CPU s a window.
2026-12-02, quiet machine, 10 list sockets: stats_cost 0.97 (Berth's own process 0.48 to 0.53
CPU s a window, the CLI 0.38 to 0.47), the same script on the code before that day's changes
(session watcher, uvicorn's tick, stats reads) 1.13 (Berth 0.82 to 1.06); 200 page sockets 1.18;
stats_idle 1.02.
"""

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

import docker
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH_LABEL, BUSYBOX_IMAGE, berth_server, logged_in_session, server_pid

TICKS = os.sysconf("SC_CLK_TCK")
GRACE = "5"  # STATS_GRACE_SECONDS of the bench's Berth: its streams are gone before the CLI's window
IDLE_WAIT = 60  # seconds after the last viewer left before an idle window starts
# A view before the counted ones: a fresh Berth's first view paid for what a served one has
# done already (imports, first use of every path), 1.28 and 1.38 CPU s against 0.83 to 1.01 in
# the later windows of the same run (list sockets, 2026-12-02); the CLI's windows start 3 s
# after it did.
WARM_UP_SECONDS = 10


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def engine_pids() -> list[int]:
    """The main dockerd (it owns /var/run/docker.sock) and the containerd it runs."""
    dockerd = int(Path("/var/run/docker.pid").read_text())
    pids = [dockerd]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name, rest = stat.split("(", 1)[1].rsplit(")", 1)
            if name == "containerd" and int(rest.split()[1]) == dockerd:
                pids.append(int(entry.name))
    if len(pids) < 2:  # a containerd of the system's own, not dockerd's child
        pids += [
            int(p) for p in subprocess.run(["pgrep", "-x", "containerd"], capture_output=True, text=True).stdout.split()
        ]
    return pids


def measured(pids: list[int], seconds: float) -> float:
    before = [cpu_seconds(p) for p in pids]
    time.sleep(seconds)
    used = [cpu_seconds(p) - b for p, b in zip(pids, before, strict=True)]
    if os.environ.get("BENCH_VERBOSE"):
        print("window per process:", [f"{u:.2f}" for u in used], file=sys.stderr)
    return sum(used)


def make_writers(client: docker.DockerClient, count: int) -> list[str]:
    ids = []
    for index in range(count):
        created = client.api.create_container(
            BUSYBOX_IMAGE,
            ["sh", "-c", "while :; do echo tick; sleep 1; done"],
            name=f"berth-bench-stats-{secrets.token_hex(3)}-{index}",
            labels={BENCH_LABEL: "1"},
        )
        client.api.start(created["Id"])
        ids.append(created["Id"])
    return ids


def remove_own(client: docker.DockerClient, ids: list[str]) -> None:
    """Only this run's containers: remove_bench_objects() would also take those of a bench that
    another checkout runs on the same engine at the same time (it happened: the windows then
    measured nothing)."""
    for container_id in ids:
        try:
            client.api.remove_container(container_id, force=True)
        except docker.errors.NotFound:
            pass


def socket_paths(ids: list[str], viewers: int, kind: str) -> list[str]:
    """Each viewer's sockets: the list's one for all of `ids`, or a container page's for each."""
    if kind == "list":
        return [f"/ws/containers/stats/?ids={','.join(ids)}"] * viewers
    return [f"/ws/containers/{container_id}/stats/" for _ in range(viewers) for container_id in ids]


async def _view(base: str, cookie: str, paths: list[str], seconds: float, pids: list[int]) -> float:
    """Open a socket for each of `paths`, wait until each has a sample, then measure `pids` for
    `seconds` while every socket is read; closes them all. The CPU seconds."""
    url = base.replace("http://", "ws://")
    sockets = []
    for path in paths:
        sockets.append(
            await websockets.connect(url + path, origin=base, additional_headers={"Cookie": cookie}, max_size=None)
        )

    async def first_sample(ws) -> None:
        while '"sample' not in (message := await ws.recv()):  # "sample" or the list's "samples"
            if '"error"' in message:
                raise RuntimeError(f"Berth said: {message}")

    await asyncio.wait_for(asyncio.gather(*(first_sample(ws) for ws in sockets)), 30)

    async def drain(ws) -> None:
        async for _ in ws:
            pass

    readers = [asyncio.create_task(drain(ws)) for ws in sockets]
    before = [cpu_seconds(p) for p in pids]
    await asyncio.sleep(seconds)
    used = [cpu_seconds(p) - b for p, b in zip(pids, before, strict=True)]
    if os.environ.get("BENCH_VERBOSE"):
        print("berth window per process:", [f"{u:.2f}" for u in used], file=sys.stderr)
    used = sum(used)
    for ws in sockets:
        await ws.close()
    await asyncio.gather(*readers, return_exceptions=True)
    return used


def berth_window(base, cookie, paths, seconds) -> float:
    pid = server_pid(int(base.rsplit(":", 1)[1]))
    if pid is None:
        raise RuntimeError("no Berth server process found")
    pids = [pid, *engine_pids()]
    used = asyncio.run(_view(base, cookie, paths, seconds, pids))
    time.sleep(int(GRACE) + 5)  # Berth's streams closed before whatever comes next
    return used


def cli_window(ids, seconds) -> float:
    cli = subprocess.Popen(["docker", "stats", *ids], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(3)  # its streams open and it has its first samples, as Berth's viewers had
        pids = [cli.pid, *engine_pids()]
        return measured(pids, seconds)
    finally:
        cli.kill()  # it ignores SIGTERM while streaming
        cli.wait(10)
        time.sleep(3)


def stats_cost(
    client, containers: int = 20, viewers: int = 10, seconds: float = 30, rounds: int = 3, sockets: str = "list"
) -> str:
    ids = make_writers(client, containers)
    paths = socket_paths(ids, viewers, sockets)
    try:
        with berth_server(STATS_GRACE_SECONDS=GRACE) as base:
            session = logged_in_session(base)
            cookie = f"sessionid={session.cookies['sessionid']}"
            berth_window(base, cookie, paths, WARM_UP_SECONDS)  # not counted: see WARM_UP_SECONDS
            berth, cli = [], []
            for _ in range(rounds):
                berth.append(berth_window(base, cookie, paths, seconds))
                cli.append(cli_window(ids, seconds))
    finally:
        remove_own(client, ids)
    b, c = statistics.median(berth), statistics.median(cli)
    return (
        f"stats_cost ratio={b / c:.2f} (Berth+dockerd+containerd {b:.2f} CPU s, docker stats+dockerd+containerd "
        f"{c:.2f} CPU s, medians of {rounds} alternated {seconds:g} s windows; {viewers} viewers x {containers} containers, "
        f"{len(paths)} {sockets} sockets)"
    )


def stats_idle(
    client, containers: int = 20, viewers: int = 10, seconds: float = 30, rounds: int = 3, sockets: str = "list"
) -> str:
    ids = make_writers(client, containers)
    paths = socket_paths(ids, viewers, sockets)
    after, without = [], []
    try:
        for _ in range(rounds):
            with berth_server(STATS_GRACE_SECONDS=GRACE) as base:
                session = logged_in_session(base)
                cookie = f"sessionid={session.cookies['sessionid']}"
                asyncio.run(_view(base, cookie, paths, 5, []))
                time.sleep(IDLE_WAIT)
                after.append(measured(engine_pids(), seconds))
            time.sleep(3)
            without.append(measured(engine_pids(), seconds))
    finally:
        remove_own(client, ids)
    a, w = statistics.median(after), statistics.median(without)
    return (
        f"stats_idle ratio={a / w:.2f} (dockerd+containerd {a:.2f} CPU s from {IDLE_WAIT} s after the last viewer "
        f"left, {w:.2f} CPU s without Berth, medians of {rounds} alternated {seconds:g} s windows)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--containers", type=int, default=20)
    parser.add_argument("--viewers", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=["cost", "idle"])
    parser.add_argument("--sockets", choices=["list", "page"], default="list")
    args = parser.parse_args()
    client = docker.from_env()
    sizes = {
        "containers": args.containers,
        "viewers": args.viewers,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "sockets": args.sockets,
    }
    if args.only != "idle":
        print(stats_cost(client, **sizes), flush=True)
    if args.only != "cost":
        print(stats_idle(client, **sizes), flush=True)


if __name__ == "__main__":
    main()
