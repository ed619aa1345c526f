"""dashboard/serve.py's Server: uvicorn's main loop woken once a second, not ten times, and
still keeping the Date header current and stopping at once on SIGTERM."""

import datetime
import email.utils
import os
import signal
import time
from pathlib import Path

import requests

from dashboard.serve import TICK_SECONDS
from tests.browser_support import serve_berth


def wakeups(pid: int) -> int:
    """The voluntary context switches of the process's main thread: one per wakeup of its loop."""
    status = Path(f"/proc/{pid}/task/{pid}/status").read_text()
    return int(status.split("\nvoluntary_ctxt_switches:")[1].split()[0])


def test_it_wakes_once_a_second_keeps_the_date_and_stops_at_once(docker_client):
    with serve_berth() as server:
        first = requests.get(f"{server.url}/healthz", timeout=10)
        before = wakeups(server.pid)
        time.sleep(5)
        woke = wakeups(server.pid) - before
        # Idle, the loop wakes for its ticks (5 in 5 s) and little else; uvicorn's own: 50.
        assert woke <= 5 / TICK_SECONDS * 4, woke
        second = requests.get(f"{server.url}/healthz", timeout=10)
        dated = email.utils.parsedate_to_datetime(second.headers["Date"]).timestamp()
        assert second.headers["Date"] != first.headers["Date"]
        assert abs(dated - time.time()) <= TICK_SECONDS + 1
        # Right after a tick (the Date just changed), SIGTERM: uvicorn begins its shutdown at
        # once, not at the next tick a second later.
        while requests.get(f"{server.url}/healthz", timeout=10).headers["Date"] == second.headers["Date"]:
            time.sleep(0.01)
        asked = time.time()
        os.kill(server.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while "Shutting down" not in Path(server.log_path).read_text():
            assert time.monotonic() < deadline, "the server did not begin to stop"
            time.sleep(0.01)
    [line] = [line for line in Path(server.log_path).read_text().splitlines() if "Shutting down" in line]
    began = datetime.datetime.fromisoformat(line.split()[0].replace("Z", "+00:00")).timestamp()
    assert began - asked < TICK_SECONDS / 2, (began - asked, line)
