"""A container's stats stream: the engine's JSON samples read and turned into what a page draws.

`GET /containers/{id}/stats?stream=1` sends one JSON document a line, about one a second (the
daemon's own sampling); a stopped container's documents have `read` "0001-01-01T00:00:00Z" and
zeros, and the stream resumes when it runs again; it ends when the container is removed.
`read_stats` reads it on the event loop for an engine on a unix socket (no thread), in a thread
otherwise, and hands each sample (or None for "stopped") to a callback.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass

from containers.streams import sockets
from dashboard.times import parse_engine_time


@dataclass
class Totals:
    """The running totals a rate is the difference of."""

    at: float
    rx: int
    tx: int
    read: int
    write: int


def _cpu_percent(raw: dict) -> float:
    """As `docker stats` computes it: the container's CPU time over the host's, times the CPUs."""
    cpu, pre = raw.get("cpu_stats") or {}, raw.get("precpu_stats") or {}
    used = (cpu.get("cpu_usage") or {}).get("total_usage", 0) - (pre.get("cpu_usage") or {}).get("total_usage", 0)
    system = cpu.get("system_cpu_usage", 0) - pre.get("system_cpu_usage", 0)
    cpus = cpu.get("online_cpus") or len((cpu.get("cpu_usage") or {}).get("percpu_usage") or ()) or 1
    if used <= 0 or system <= 0 or not pre.get("system_cpu_usage"):
        return 0.0
    return used / system * cpus * 100


def _memory(raw: dict) -> tuple[int, int]:
    """Usage without the page cache the kernel may drop, as the CLI shows it (cgroup v1 names
    it total_inactive_file, v2 inactive_file), and the limit."""
    memory = raw.get("memory_stats") or {}
    stats = memory.get("stats") or {}
    cache = stats.get("total_inactive_file", stats.get("inactive_file", 0))
    usage = memory.get("usage", 0)
    return max(0, usage - cache if cache < usage else usage), memory.get("limit", 0)


def _totals(raw: dict, at: float) -> Totals:
    networks = (raw.get("networks") or {}).values()
    blocks = (raw.get("blkio_stats") or {}).get("io_service_bytes_recursive") or ()
    return Totals(
        at,
        sum(n.get("rx_bytes", 0) for n in networks),
        sum(n.get("tx_bytes", 0) for n in networks),
        sum(b.get("value", 0) for b in blocks if str(b.get("op", "")).lower() == "read"),
        sum(b.get("value", 0) for b in blocks if str(b.get("op", "")).lower() == "write"),
    )


def sample(raw: dict, previous: Totals | None) -> tuple[dict | None, Totals | None]:
    """One sample for the page ({t, cpu, mem, limit, mem_pct, rx, tx, read, write}: seconds since
    the epoch, percent, bytes, bytes a second; rates None for the first) and the totals the next
    rates are counted from; (None, None) for a stopped container's document."""
    read = parse_engine_time(raw.get("read"))
    if read is None:
        return None, None
    totals = _totals(raw, read.timestamp())
    mem, limit = _memory(raw)
    point = {"t": round(totals.at, 3), "cpu": round(_cpu_percent(raw), 2), "mem": mem, "limit": limit}
    point["mem_pct"] = round(mem / limit * 100, 2) if limit else None
    elapsed = totals.at - previous.at if previous else 0
    for name in ("rx", "tx", "read", "write"):
        change = getattr(totals, name) - getattr(previous, name) if previous else -1
        # A counter that went down was reset (the container restarted, a network left): no rate.
        point[name] = round(change / elapsed, 1) if elapsed > 0 and change >= 0 else None
    return point, totals


async def read_stats(container_id: str, received: Callable[[dict | None], None]) -> None:
    """Read the container's stats stream until it ends (the container removed) or the task is
    cancelled: received(sample) for each one, received(None) for "stopped". Raises Berth's
    engine errors when it cannot be opened (EngineNotFound for an unknown container)."""
    previous = None

    def line(data: bytes) -> None:
        nonlocal previous
        try:
            point, previous = sample(json.loads(data), previous)
        except (ValueError, TypeError, AttributeError):  # not a stats document: skipped
            return
        received(point)

    if sockets.engine_socket_path():
        await _read_on_loop(container_id, line)
    else:
        await _read_in_thread(container_id, line)


async def _read_on_loop(container_id: str, line: Callable[[bytes], None]) -> None:
    sock = sockets.loop_socket()
    try:
        await sockets.read_lines(sock, await sockets.open_stats_on_loop(sock, container_id), line)
    finally:
        sockets.shutdown(sock)


async def _read_in_thread(container_id: str, line: Callable[[bytes], None]) -> None:
    sock, pending = await asyncio.to_thread(sockets.open_stats, container_id)
    try:
        while True:
            pending = sockets.hand_on_lines(pending, line)
            more = await asyncio.to_thread(_recv, sock)  # a thread hop a second: tcp:// and ssh:// only
            if not more:
                return
            pending += more
    finally:
        sockets.shutdown(sock)  # a cancelled read's thread returns at once


def _recv(sock) -> bytes:
    try:
        return sock.recv(sockets.READ_SIZE)
    except (OSError, ValueError):
        return b""
