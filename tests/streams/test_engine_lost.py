"""A followed log whose engine dies (issue 10, item 6): an extra dockerd of the test's own is
killed with -9 while a log is followed from it, then started again (never the main engine)."""

import asyncio
import os
import signal

import pytest

from tests.streams.conftest import LogReader, open_socket

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def numbers(reader: LogReader) -> list[int]:
    return [int(text.split()[1]) for text in reader.texts]


def assert_as_the_engine_logged(reader: LogReader, extra, container_id: str) -> None:
    """The lines shown are the engine's own log, in its order, none twice and none left out up to
    the last one shown (the counter's numbers alone cannot tell a repeated line from a count
    that started again)."""
    numbers_shown = numbers(reader)
    assert numbers_shown == sorted(set(numbers_shown)), "a line came twice, or out of order"
    logged = [line.strip() for line in extra.client.api.logs(container_id).decode().splitlines()]
    assert reader.texts == logged[: len(reader.texts)], "the lines shown are not the engine's log"


def state_names(reader: LogReader) -> list[str]:
    return [state["state"] for state in reader.states]


RELAYED = "follow=1&tail=all&stdout=1&stderr=1&timestamps=1"  # as the logs page asks


@pytest.mark.parametrize(
    ("query", "tty"),
    [(RELAYED, False), (RELAYED, True), ("follow=1&tail=all", False), ("follow=1&tail=all&regex=1&q=^line", False)],
    ids=["relayed", "relayed-tty", "relayed-without-timestamps", "lines"],
)
async def test_a_followed_log_says_its_engine_went_away_and_reads_on_when_it_is_back(
    berth_on_extra, session_cookie, query, tty
):
    extra = berth_on_extra
    container_id = extra.counter(tty)
    ws, connected, _ = await open_socket(f"/ws/containers/{container_id}/logs/?{query}", session_cookie)
    assert connected
    reader = LogReader(ws)
    try:
        await reader.read_until(lambda r: len(r.texts) >= 3)
        await asyncio.to_thread(extra.kill)
        await reader.read_until(lambda r: "engine-lost" in state_names(r), timeout=5)
        assert reader.states[-1] == {"type": "state", "state": "engine-lost"}
        before = len(reader.texts)
        await asyncio.to_thread(extra.start)
        # --live-restore: the container ran on under its shim while its engine was away.
        assert extra.client.api.inspect_container(container_id)["State"]["Running"]
        await reader.read_until(lambda r: state_names(r)[-1] == "running" and len(r.texts) >= before + 5, timeout=30)
        assert state_names(reader) == ["engine-lost", "running"]
        assert_as_the_engine_logged(reader, extra, container_id)
        assert reader.final is None  # still following
    finally:
        await ws.disconnect()


async def test_a_container_that_died_while_its_engine_was_away_is_followed_when_it_starts_again(
    berth_on_extra, session_cookie
):
    extra = berth_on_extra
    container_id = extra.counter()
    pid = extra.client.api.inspect_container(container_id)["State"]["Pid"]
    ws, connected, _ = await open_socket(f"/ws/containers/{container_id}/logs/?{RELAYED}", session_cookie)
    assert connected
    reader = LogReader(ws)
    try:
        await reader.read_until(lambda r: len(r.texts) >= 3)
        await asyncio.to_thread(extra.kill)
        await reader.read_until(lambda r: "engine-lost" in state_names(r), timeout=5)
        os.kill(pid, signal.SIGKILL)  # the container's own process, started by this test
        await asyncio.to_thread(extra.start)
        await reader.read_until(lambda r: state_names(r)[-1] == "exited", timeout=30)
        assert reader.states[-1] == {"type": "state", "state": "exited", "code": 137}
        before = len(reader.texts)
        await asyncio.to_thread(extra.client.api.start, container_id)
        await reader.read_until(lambda r: state_names(r)[-1] == "running" and len(r.texts) >= before + 3, timeout=30)
        assert state_names(reader) == ["engine-lost", "exited", "running"]
        assert_as_the_engine_logged(reader, extra, container_id)
    finally:
        await ws.disconnect()
