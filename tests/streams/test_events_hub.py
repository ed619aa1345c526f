"""The events hub (containers/streams/events.py): one engine stream per process, shared, closed
after its last subscriber, opened again after a lost or silent engine. Against real engines."""

import asyncio
import os
import signal
import threading

import pytest

from containers.streams import events
from tests.conftest import TEST_LABEL, wait_for
from tests.images import BUSYBOX_IMAGE


class Heard:
    """A subscriber's callback: what it was told, in order."""

    def __init__(self):
        self.told: list[tuple[str, dict | None]] = []
        self.lock = threading.Lock()

    def __call__(self, kind, event):
        with self.lock:
            self.told.append((kind, event))

    def kinds(self) -> list[str]:
        with self.lock:
            return [kind for kind, _ in self.told]

    def actions(self, container_id: str) -> list[str]:
        with self.lock:
            return [
                e["Action"] for k, e in self.told if k == "event" and (e.get("Actor") or {}).get("ID") == container_id
            ]


def idle_hub(hub: events.Hub) -> None:
    wait_for(lambda: hub.thread is None and not hub.subscribers, message="no subscriber left from another test")


def test_one_stream_for_many_subscribers_closed_after_the_last(engine):
    hub = events.hub()
    idle_hub(hub)
    opened = hub.opened
    created = engine.container(start=False)
    heard = [Heard() for _ in range(5)]
    subs = [events.subscribe(h, {"container": [created["Id"]]}) for h in heard]
    others = Heard()
    subs.append(events.subscribe(others, {"container": ["no-such-container"]}))
    wait_for(lambda: all("live" in h.kinds() for h in heard + [others]), message="every subscriber live")
    thread, stream = hub.thread, hub.stream
    engine.client.api.start(created["Id"])
    wait_for(lambda: all("start" in h.actions(created["Id"]) for h in heard), message="the start heard by all")
    assert hub.opened == opened + 1  # one engine stream for six subscribers
    assert [k for k in others.kinds() if k == "event"] == []  # filtered out
    for sub in subs[:-1]:
        events.unsubscribe(sub)
    assert hub.stream is stream and thread.is_alive()  # one left: still open
    events.unsubscribe(subs[-1])
    thread.join(10)
    assert not thread.is_alive()
    assert stream.sock.fileno() == -1  # closed at the engine too
    assert hub.stream is None and hub.opened == opened + 1


def test_a_new_subscriber_after_the_last_left_opens_it_again(engine):
    hub = events.hub()
    idle_hub(hub)
    opened = hub.opened
    first = Heard()
    sub = events.subscribe(first)
    wait_for(lambda: "live" in first.kinds())
    events.unsubscribe(sub)
    second = Heard()
    sub = events.subscribe(second)
    wait_for(lambda: "live" in second.kinds())
    events.unsubscribe(sub)
    assert hub.opened == opened + 2


def test_a_lost_engine_is_said_and_the_stream_opened_again(berth_on_extra):
    extra = berth_on_extra
    hub = events.hub(extra.host)
    heard = Heard()
    sub = events.subscribe(heard)
    try:
        wait_for(lambda: heard.kinds() == ["live"])
        extra.kill()
        wait_for(lambda: heard.kinds() == ["live", "lost"], message="the loss said once")
        extra.start()
        wait_for(lambda: heard.kinds()[-1:] == ["live"], timeout=30, message="live again: re-list")
        assert heard.kinds().count("lost") == 1
        container_id = extra.counter()
        wait_for(lambda: "start" in heard.actions(container_id), message="events flow again")
        assert hub.opened >= 2
    finally:
        events.unsubscribe(sub)


@pytest.mark.parametrize("silent_engine", ["hung"], indirect=True)
def test_an_engine_that_hangs_is_said_lost(silent_engine):
    hub = events.hub(silent_engine.host)
    heard = Heard()
    sub = events.subscribe(heard)
    try:
        wait_for(lambda: "lost" in heard.kinds(), message="lost said while the engine hangs")
        assert "live" not in heard.kinds()
    finally:
        events.unsubscribe(sub)
    wait_for(lambda: hub.thread is None)


def test_a_quiet_stream_pings_and_reopens_when_the_engine_stopped_answering(engine, monkeypatch):
    """An engine that hangs after the stream opened keeps the connection and says nothing; the
    ping on a quiet stream tells the two apart."""
    monkeypatch.setattr(events, "IDLE_SECONDS", 0.3)
    hub = events.hub()
    idle_hub(hub)
    answers = [True]
    monkeypatch.setattr(events.Hub, "_answers", lambda self: answers[0])
    heard = Heard()
    sub = events.subscribe(heard, {"container": ["none"]})  # others' tests make events meanwhile
    try:
        wait_for(lambda: heard.kinds() == ["live"])
        opened = hub.opened
        answers[0] = False
        wait_for(lambda: heard.kinds()[:3] == ["live", "lost", "live"], message="lost, then live again")
        assert hub.opened > opened
    finally:
        events.unsubscribe(sub)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_list_socket_says_the_engine_lost_and_relists_when_it_is_back(berth_on_extra, client, user):
    """While the engine is away the page says so; once back, the socket sends the whole table
    (a container started meanwhile shows), then "live"."""
    from channels.db import database_sync_to_async

    from tests.containers.test_live_rows import ListSocket
    from tests.streams.conftest import open_socket

    extra = berth_on_extra
    await database_sync_to_async(client.force_login)(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    ws, connected, _ = await open_socket("/ws/containers/?all=1", cookie)
    assert connected
    socket = ListSocket(ws)
    try:
        await socket.until(lambda f: f == {"type": "state", "state": "live"})
        created = extra.client.api.create_container(BUSYBOX_IMAGE, "sleep 300", labels=TEST_LABEL)["Id"]
        await socket.until(lambda f: f.get("id") == created)
        await asyncio.to_thread(extra.kill)
        await socket.until(lambda f: f == {"type": "state", "state": "unavailable"}, timeout=30)
        await asyncio.to_thread(extra.start)
        extra.client.api.start(created)  # before Berth's stream is back, most likely: said by the relist
        running = f'id="container-row-{created[:12]}" class="state-running"'
        frame = await socket.until(lambda f: f["type"] == "table", timeout=60)
        if running not in frame["html"]:  # the relist came first: the start's own event follows
            await socket.until(lambda f: f.get("id") == created and running in f.get("html", ""), timeout=30)
        after_table = socket.frames[socket.frames.index(frame) :]
        if {"type": "state", "state": "live"} not in after_table:
            await socket.until(lambda f: f == {"type": "state", "state": "live"})
    finally:
        await ws.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_after_a_lost_engine_the_overview_counts_are_listed_afresh(berth_on_extra, client, user):
    """What changed while the stream was down makes no event Berth hears: a container whose
    process died while its engine was away (the extra engine keeps its containers under their
    shims, live-restore). The socket lists the tally again once the stream is back, so the page
    never keeps the old figure."""
    from channels.db import database_sync_to_async

    from tests.system.test_live_overview import figures, overview_socket

    extra = berth_on_extra
    await database_sync_to_async(client.force_login)(user)
    session_cookie = f"sessionid={client.cookies['sessionid'].value}"
    api = extra.client.api
    container = api.create_container(BUSYBOX_IMAGE, "sleep 300", labels=TEST_LABEL)["Id"]
    api.start(container)
    socket, parts = await overview_socket(session_cookie)
    try:
        assert (figures(parts["overview-counts"])["running"], figures(parts["overview-counts"])["stopped"]) == (1, 0)
        pid = api.inspect_container(container)["State"]["Pid"]
        await asyncio.to_thread(extra.kill)
        await socket.until(lambda f: f == {"type": "state", "state": "unavailable"}, timeout=30)
        os.kill(pid, signal.SIGKILL)  # the test's own container's process, behind the engine's back
        await asyncio.to_thread(extra.start)
        await socket.until(lambda f: f == {"type": "state", "state": "live"}, timeout=60)
        # The frames up to "live": the relist's own blocks come before it, whatever events follow.
        relisted = [f["html"]["overview-counts"] for f in socket.frames if "overview-counts" in f.get("html", {})]
        assert (figures(relisted[-1])["running"], figures(relisted[-1])["stopped"]) == (0, 1)
        state = api.inspect_container(container)["State"]
        assert not state["Running"]  # the engine's own word for it
    finally:
        await socket.ws.disconnect()
