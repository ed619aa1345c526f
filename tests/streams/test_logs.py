"""Log streams against the real engine: hard cases 1-8 of streaming-hard-cases.md section 7."""

import asyncio
import os
import threading

import pytest

from containers import consumers, streams
from containers.streams import wire
from tests.conftest import wait_for
from tests.streams.conftest import LogReader, open_socket, poll

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


# A log asked for whole (both streams, no search) comes as the engine's bytes (binary frames),
# which LogReader splits as logs.js does; a search, or one stream, gets "lines" frames split by
# the server. The hard cases run both ways (the `relayed` fixture): relayed as the logs page
# asks (with timestamps), and through a search that every line matches.
PAGE_QUERY = "stdout=1&stderr=1&timestamps=1"
EVERY_LINE = "regex=1&q=^"


@pytest.fixture(params=[False, True], ids=["lines", "relayed"])
def relayed(request) -> bool:
    return request.param


def log_path(container_id: str, query: str, relayed: bool | None = None) -> str:
    """The socket's path; `relayed` True or False adds PAGE_QUERY or EVERY_LINE to `query`."""
    extra = "" if relayed is None else f"&{PAGE_QUERY if relayed else EVERY_LINE}"
    return f"/ws/containers/{container_id}/logs/?{query}{extra}"


async def read_log(
    cookie: str,
    container_id: str,
    query: str = "follow=0&tail=all",
    until=None,
    timeout: float = 30,
    relayed: bool | None = None,
) -> LogReader:
    path = log_path(container_id, query, relayed)
    ws, connected, _ = await open_socket(path, cookie)
    assert connected
    reader = LogReader(ws)
    try:
        if until is None:
            await reader.read_to_end(timeout)
        else:
            await reader.read_until(until, timeout)
    finally:
        await ws.disconnect()
    assert_frames(reader)
    return reader


def assert_frames(reader: LogReader) -> None:
    """The lines came the way the socket asked: as relayed bytes, or as "lines" frames."""
    query = reader.ws.scope["query_string"].decode()
    relayed = not any(word in query for word in ("q=", "stdout=0", "stderr=0"))
    if reader.lines:
        assert bool(reader.relayed) == relayed, reader.relayed


def exited(docker_client, container_id: str) -> bool:
    return docker_client.api.inspect_container(container_id)["State"]["Status"] == "exited"


# ---------------------------------------------------------------- 1. UTF-8 split across reads

SPLIT_EURO = "printf '\\342\\202'; sleep .2; printf '\\254\\n'"


@pytest.mark.parametrize("tty", [False, True], ids=["plain", "tty"])
async def test_it_joins_a_character_split_across_reads(engine, docker_client, session_cookie, tty, relayed):
    container = engine.container(["sh", "-c", SPLIT_EURO], tty=tty)
    wait_for(lambda: exited(docker_client, container["Id"]), message="the container to finish")
    reader = await read_log(session_cookie, container["Id"], relayed=relayed)
    assert reader.texts == ["€"]
    assert reader.final == {"type": "end"}


# ---------------------------------------------------------------- 2. stdout and stderr


@pytest.mark.postgres_redis  # one scenario of this app also runs on PostgreSQL + Redis in CI
async def test_it_labels_stdout_and_stderr_in_order(engine, docker_client, session_cookie):
    container = engine.container(["sh", "-c", "for i in 1 2 3; do echo o$i; echo e$i >&2; done"])
    wait_for(lambda: exited(docker_client, container["Id"]), message="the container to finish")
    reader = await read_log(session_cookie, container["Id"], "follow=0&tail=all&timestamps=1")
    assert sorted((line[0], line[2]) for line in reader.lines) == [
        ("e", "e1"),
        ("e", "e2"),
        ("e", "e3"),
        ("o", "o1"),
        ("o", "o2"),
        ("o", "o3"),
    ]
    # Each stream keeps its own order, and the merged lines come in time order.
    assert [text for stream, _, text in reader.lines if stream == "o"] == ["o1", "o2", "o3"]
    assert [text for stream, _, text in reader.lines if stream == "e"] == ["e1", "e2", "e3"]
    times = [wire.time_order(line) for line in reader.lines]
    assert times == sorted(times)


async def test_it_sends_timestamps_only_when_asked(engine, docker_client, session_cookie):
    container = engine.container(["sh", "-c", "echo one; echo two >&2"])
    wait_for(lambda: exited(docker_client, container["Id"]), message="the container to finish")
    plain = await read_log(session_cookie, container["Id"])
    assert sorted(plain.lines) == [["e", "", "two"], ["o", "", "one"]]
    stamped = await read_log(session_cookie, container["Id"], "follow=0&tail=all&timestamps=1")
    assert all(streams.engine_time_from_rfc3339(line[1]) for line in stamped.lines) and len(stamped.lines) == 2


async def test_it_shows_a_tty_containers_merged_output_as_stdout(engine, docker_client, session_cookie, relayed):
    container = engine.container(["sh", "-c", "echo o1; echo e1 >&2"], tty=True)
    wait_for(lambda: exited(docker_client, container["Id"]), message="the container to finish")
    reader = await read_log(session_cookie, container["Id"], relayed=relayed)
    assert reader.lines and all(line[0] == "o" for line in reader.lines)
    assert reader.texts == ["o1", "e1"]


# ---------------------------------------------------------------- 3. lines Docker cut at 16 KiB


@pytest.mark.parametrize("tty", [False, True], ids=["plain", "tty"])
async def test_it_joins_a_line_docker_cut_at_16k(engine, docker_client, session_cookie, tty, relayed):
    container = engine.container(["sh", "-c", "head -c 40000 /dev/zero | tr '\\0' a; echo; echo next"], tty=tty)
    wait_for(lambda: exited(docker_client, container["Id"]), message="the container to finish")
    reader = await read_log(session_cookie, container["Id"], relayed=relayed)
    assert reader.texts == ["a" * 40000, "next"]


async def test_it_joins_a_multibyte_character_at_the_16k_cut(engine, docker_client, session_cookie, relayed):
    # The `local` driver keeps the raw bytes of each partial; json-file stores JSON strings, so
    # the engine itself turns the two halves of the character into U+FFFD before Berth sees them.
    script = (
        "head -c 16383 /dev/zero | tr '\\0' a; printf '\\342\\202\\254'; head -c 20000 /dev/zero | tr '\\0' b; echo"
    )
    container = engine.container(["sh", "-c", script], host={"log_config": {"type": "local", "config": {}}})
    wait_for(lambda: exited(docker_client, container["Id"]), message="the container to finish")
    reader = await read_log(session_cookie, container["Id"], relayed=relayed)
    assert reader.texts == ["a" * 16383 + "€" + "b" * 20000]


# ---------------------------------------------------------------- 4. TTY logs arrive as lines


async def test_it_sends_a_tty_log_as_whole_lines(engine, docker_client, session_cookie):
    container = engine.container(["sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done"], tty=True)
    wait_for(lambda: exited(docker_client, container["Id"]), message="the container to finish")
    reader = await read_log(session_cookie, container["Id"], "follow=0&tail=all&timestamps=1")
    assert reader.texts == [f"line{i}" for i in range(1, 6)]
    assert all(line[1].endswith("Z") for line in reader.lines)


async def test_it_follows_a_tty_container_line_by_line(engine, session_cookie, relayed):
    container = engine.container(["sh", "-c", "echo first; sleep 1; echo second; sleep 300"], tty=True)
    reader = await read_log(
        session_cookie, container["Id"], "follow=1&tail=all", until=lambda r: len(r.lines) >= 2, relayed=relayed
    )
    assert reader.texts == ["first", "second"]


# ---------------------------------------------------------------- 5. firehose, 6. slow client


async def test_it_tails_without_streaming_the_whole_log(engine, docker_client, session_cookie, relayed):
    container = engine.container(["seq", "1", "200000"])
    wait_for(lambda: exited(docker_client, container["Id"]), timeout=60, message="the container to finish")
    reader = await read_log(session_cookie, container["Id"], "follow=0&tail=100", relayed=relayed)
    assert reader.texts == [str(n) for n in range(199901, 200001)]


async def test_it_reads_the_whole_log_when_tail_is_empty(engine, docker_client, session_cookie, relayed):
    """`tail=` (the page's empty "Last lines", and every search) means the whole log, not the
    default 300: the socket's query keeps its blank values (issue 11, item 1)."""
    container = engine.container(["seq", "1", "5000"])
    wait_for(lambda: exited(docker_client, container["Id"]), timeout=60, message="the container to finish")
    reader = await read_log(session_cookie, container["Id"], "follow=0&tail=", relayed=relayed)
    assert reader.texts == [str(n) for n in range(1, 5001)]


async def test_it_skips_lines_for_a_client_that_falls_behind_and_says_how_many(engine, session_cookie, relayed):
    """A firehose read by a client that stops reading: the server keeps only a few frames in
    flight and a bounded queue, counts what it drops, and tells the client when it is back."""
    container = engine.container(["sh", "-c", "seq 1 200000; sleep 300"])
    ws, connected, _ = await open_socket(log_path(container["Id"], "follow=1&tail=all", relayed), session_cookie)
    assert connected
    reader = LogReader(ws)
    try:
        await reader.receive_one(timeout=20, ack=False)
        pumps = [pump for pump in streams.Pump.live if pump.name == "logs" and not pump.stopping.is_set()]
        # Not reading: the queue fills to its cap and stays there; frames in flight stay bounded.
        await poll(lambda: any(pump.skipped > 0 for pump in pumps), timeout=60, message="the server to skip lines")
        for pump in pumps:
            assert pump.queue.qsize() <= consumers.LOG_QUEUE_BATCHES
            assert pump.queued_lines <= consumers.LOG_QUEUE_LINES
        assert ws.output_queue.qsize() <= consumers.LOG_FRAMES_IN_FLIGHT
        # Reading again: the lines resume, with the count of those skipped.
        await ws.send_to(text_data='{"type":"ack"}')
        await reader.read_until(lambda r: r.skipped > 0 and r.texts and r.texts[-1] == "200000", timeout=120)
        assert len(reader.lines) + reader.skipped == 200000
        numbers = [int(text) for text in reader.texts]
        assert numbers == sorted(numbers)
        assert_frames(reader)
    finally:
        await ws.disconnect()


# ---------------------------------------------------------------- 7. no leaks on disconnect


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def test_it_frees_threads_and_sockets_after_200_disconnects(engine, session_cookie):
    container = engine.container(["sh", "-c", "echo ready; sleep 300"])
    path = log_path(container["Id"], "follow=1&tail=all")
    # One round first, so that lazily created pools and caches are in the baseline.
    ws, _, _ = await open_socket(path, session_cookie)
    await LogReader(ws).read_until(lambda r: r.lines)
    await ws.disconnect()
    threads_before, fds_before = threading.active_count(), open_fds()
    for _ in range(200):
        ws, connected, _ = await open_socket(path, session_cookie)
        assert connected
        await LogReader(ws).read_until(lambda r: r.lines)
        await ws.disconnect()
    # Polled on the loop itself: a helper thread would count as one more.
    deadline = asyncio.get_running_loop().time() + 20
    while (
        threading.active_count() > threads_before or open_fds() > fds_before
    ) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    assert threading.active_count() <= threads_before, [thread.name for thread in threading.enumerate()]
    assert open_fds() <= fds_before
    assert not [thread.name for thread in threading.enumerate() if thread.name.startswith("berth-logs")]


# ---------------------------------------------------------------- 8. stop and restart while following


async def test_it_follows_across_stop_and_start_without_duplicates(engine, docker_client, session_cookie, relayed):
    container = engine.container(["sh", "-c", "echo hello; exec sleep 300"])
    ws, connected, _ = await open_socket(log_path(container["Id"], "follow=1&tail=all", relayed), session_cookie)
    assert connected
    reader = LogReader(ws)
    try:
        await reader.read_until(lambda r: r.texts == ["hello"])
        await asyncio.to_thread(docker_client.api.stop, container["Id"], timeout=0)
        await reader.read_until(lambda r: any(s["state"] == "exited" for s in r.states))
        assert reader.states[-1]["code"] == 137
        await asyncio.to_thread(docker_client.api.start, container["Id"])
        await reader.read_until(lambda r: len(r.texts) >= 2 and any(s["state"] == "running" for s in r.states))
        assert reader.texts == ["hello", "hello"]
        assert await reader.ws.receive_nothing(timeout=1)
        assert_frames(reader)
    finally:
        await ws.disconnect()


async def test_it_reads_the_logs_of_a_container_that_exited(engine, docker_client, session_cookie, relayed):
    container = engine.container(["sh", "-c", "echo why it died >&2; exit 3"])
    wait_for(lambda: exited(docker_client, container["Id"]), message="the container to finish")
    reader = await read_log(
        session_cookie, container["Id"], "follow=1&tail=300", until=lambda r: r.states, relayed=relayed
    )
    assert reader.lines[0][0] == "e" and reader.texts == ["why it died"]
    assert reader.states[0] == {"type": "state", "state": "exited", "code": 3}


async def test_it_says_a_log_driver_none_keeps_no_logs(engine, session_cookie, relayed):
    container = engine.container("echo hi", host={"log_config": {"type": "none", "config": {}}})
    reader = await read_log(session_cookie, container["Id"], relayed=relayed)
    assert reader.final["type"] == "error"
    assert "keeps no logs" in reader.final["message"]


async def test_it_honours_since_until_and_search(engine, docker_client, session_cookie):
    container = engine.container(["sh", "-c", "echo apple; echo banana; echo cherry"])
    wait_for(lambda: exited(docker_client, container["Id"]), message="the container to finish")
    reader = await read_log(session_cookie, container["Id"], "follow=0&tail=all&since=10m&q=an")
    assert reader.texts == ["banana"]
    reader = await read_log(session_cookie, container["Id"], "follow=0&tail=all&regex=1&q=^(a|c)")
    assert reader.texts == ["apple", "cherry"]
    reader = await read_log(session_cookie, container["Id"], "follow=0&tail=all&until=2000-01-01")
    assert reader.texts == []
    reader = await read_log(session_cookie, container["Id"], "follow=0&tail=all&regex=1&q=(unclosed")
    assert reader.final["type"] == "error" and "regular expression" in reader.final["message"]


async def test_it_cancels_a_users_earlier_search_when_a_new_one_starts(engine, session_cookie):
    container = engine.container(["sh", "-c", "echo needle; sleep 300"])
    first, connected, _ = await open_socket(
        f"/ws/containers/{container['Id']}/logs/?follow=1&tail=all&q=needle", session_cookie
    )
    assert connected
    first_reader = LogReader(first)
    try:
        await first_reader.read_until(lambda r: r.texts == ["needle"])
        second, _, _ = await open_socket(
            f"/ws/containers/{container['Id']}/logs/?follow=1&tail=all&q=need", session_cookie
        )
        second_reader = LogReader(second)
        await second_reader.read_until(lambda r: r.texts == ["needle"])
        await first_reader.read_to_end()
        assert first_reader.final == {"type": "end", "cancelled": True}
        await second.disconnect()
    finally:
        await first.disconnect()


async def test_stopped_followed_logs_wait_on_the_shared_events_stream(engine, docker_client, session_cookie):
    """Issue 13: a followed log whose container stopped opens no /events of its own; every such
    log listens on the hub's one stream, and leaves it when its socket closes."""
    from containers.streams import events

    hub = events.hub()
    wait_for(lambda: hub.thread is None, message="no subscriber left from another test")
    opened = hub.opened
    containers = [engine.container(["sh", "-c", "echo hello; exec sleep 300"]) for _ in range(3)]
    readers = []
    for container in containers:
        ws, connected, _ = await open_socket(log_path(container["Id"], "follow=1&tail=all", True), session_cookie)
        assert connected
        readers.append(LogReader(ws))
    try:
        for reader, container in zip(readers, containers, strict=True):
            await reader.read_until(lambda r: r.texts == ["hello"])
            await asyncio.to_thread(docker_client.api.stop, container["Id"], timeout=0)
        for reader in readers:
            await reader.read_until(lambda r: any(s["state"] == "exited" for s in r.states))
        assert len(hub.subscribers) == 3 and hub.opened == opened + 1
        # Relayed logs (read on the loop) wait on it with no thread of their own.
        assert not [t.name for t in threading.enumerate() if t.name == "berth-logs-restart"]
        await asyncio.to_thread(docker_client.api.start, containers[0]["Id"])
        await readers[0].read_until(lambda r: len(r.texts) >= 2 and any(s["state"] == "running" for s in r.states))
        assert readers[0].texts == ["hello", "hello"]
        await asyncio.to_thread(docker_client.api.remove_container, containers[1]["Id"], force=True)
        await readers[1].read_until(lambda r: any(s["state"] == "removed" for s in r.states))
    finally:
        for reader in readers:
            await reader.ws.disconnect()
    await poll(lambda: not hub.subscribers and hub.thread is None)
    assert hub.opened == opened + 1
