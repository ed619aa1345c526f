"""The events feed (/events/, its download and /ws/events/; issue 13, part 5), against the real engine."""

import asyncio
import json
import secrets
import time

import pytest
from channels.db import database_sync_to_async

from accounts.roles import WEBSOCKET_FORBIDDEN, WEBSOCKET_UNAUTHENTICATED
from containers.streams import events as hub_events
from system import events
from tests.conftest import random_name
from tests.streams.conftest import open_socket

pytestmark = pytest.mark.django_db


def ran_and_died(engine, **labels) -> dict:
    """A labelled container that was created, started and died (exit 3): its inspect."""
    token = secrets.token_hex(4)
    container = engine.container("sh -c 'exit 3'", labels={"berth.test.events": token, **labels})
    engine.client.api.wait(container["Id"], timeout=20)
    return {**container, "token": token}


def body_of(response) -> str:
    async def collect():
        return b"".join([chunk async for chunk in response.streaming_content])

    return asyncio.run(collect()).decode()


def rows_of(html: str) -> list[str]:
    body = html.split('id="event-rows"', 1)[1].split("</tbody>", 1)[0]
    return body.split("<tr>")[1:]


def test_the_history_shows_a_labelled_containers_create_start_and_die(viewer_client, engine):
    container = ran_and_died(engine)
    name = container["Name"].lstrip("/")
    page = viewer_client.get(f"/events/?label=berth.test.events={container['token']}").content.decode()
    rows = rows_of(page)
    actions = [row.split('<td class="action">', 1)[1].split("<", 1)[0] for row in rows]
    assert actions == ["die", "start", "create"]  # newest first
    assert all(name in row for row in rows)
    assert f'href="/containers/{container["Id"]}/"' in rows[0]
    assert "exitCode=3" in rows[0]
    assert "keeps only its last 256 events" in page
    assert 'aria-current="page">Events</a>' in page


def test_filters_narrow_the_history(viewer_client, engine):
    first, second = ran_and_died(engine), ran_and_died(engine)
    label = f"label=berth.test.events={first['token']}"
    name = first["Name"].lstrip("/")
    assert len(rows_of(viewer_client.get(f"/events/?{label}&action=die").content.decode())) == 1
    assert rows_of(viewer_client.get(f"/events/?{label}&type=image").content.decode()) == []
    by_name = rows_of(viewer_client.get(f"/events/?type=container&name={name}&since=5m").content.decode())
    assert len(by_name) == 3 and all(name in row for row in by_name)
    by_id = rows_of(viewer_client.get(f"/events/?name={second['Id'][:16]}&action=start").content.decode())
    assert len(by_id) == 1 and second["Name"].lstrip("/") in by_id[0]
    # Until before the events: none; and no live part then.
    page = viewer_client.get(f"/events/?{label}&until=2000-01-01").content.decode()
    assert rows_of(page) == [] and "data-ws-path" not in page and "not live: Until is set" in page
    # A Since in the future reads nothing (the engine would refuse it after until=now).
    assert rows_of(viewer_client.get("/events/?since=2099-01-01").content.decode()) == []
    assert events._bounds(events.EventWindow(since=events.parse_time("2099-01-01")), "1.000000000") == (
        "1.000000000",
        "1.000000000",
    )
    # A bad filter is said on the page, not a 500.
    page = viewer_client.get("/events/?type=nope&label=a b").content.decode()
    assert "is not an event type" in page


def test_the_download_is_json_lines_honouring_the_filters(viewer_client, engine):
    container = ran_and_died(engine)
    ran_and_died(engine)  # another one, which the label leaves out
    response = viewer_client.get(f"/events/download/?label=berth.test.events={container['token']}&action=start")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Content-Disposition"].startswith('attachment; filename="events-')
    lines = body_of(response).splitlines()
    raws = [json.loads(line) for line in lines]
    assert [(raw["Type"], raw["Action"], raw["Actor"]["ID"]) for raw in raws] == [
        ("container", "start", container["Id"])
    ]
    everything = body_of(viewer_client.get(f"/events/download/?label=berth.test.events={container['token']}"))
    assert [json.loads(line)["Action"] for line in everything.splitlines()] == ["create", "start", "die"]
    assert viewer_client.get("/events/download/?since=nonsense").status_code == 400


def test_the_engine_filters_select_what_matches_selects(engine, docker_client):
    """matches() is the rule; the engine's filters only narrow the read: the same events either way."""
    container = ran_and_died(engine)
    name = container["Name"].lstrip("/")
    window, until = events.EventWindow(), events.now_engine_time()
    everything = events.read_raw_events(events.EventFilters(), window, until)
    for filters in (
        events.EventFilters(type="container", name=name),
        events.EventFilters(type="container", name=container["Id"][:10], action="die"),
        events.EventFilters(label=("berth.test.events", container["token"])),
        events.EventFilters(label=("berth.test.events", None), action="start"),
        events.EventFilters(type="image"),
        events.EventFilters(action="exec_start"),
    ):
        narrowed = events.read_raw_events(filters, window, until)
        # The engine keeps its last 256 events, and parallel tests make more meanwhile: compare
        # over what it still holds after the narrowed read (every read ends at `until`).
        oldest = min(map(events.event_key, events.read_raw_events(events.EventFilters(), window, until)))
        assert [key for key in map(events.event_key, narrowed) if key >= oldest] == [
            events.event_key(raw) for raw in everything if events.event_key(raw) >= oldest and filters.matches(raw)
        ]


def test_names_and_labels_are_escaped(viewer_client, engine):
    container = ran_and_died(engine, **{"berth.test.evil": "<script>alert(1)</script>"})
    page = viewer_client.get(f"/events/?label=berth.test.events={container['token']}").content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page


def test_anonymous_gets_the_login_redirect(client):
    for path in ("/events/", "/events/download/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


async def viewer_cookie(client, django_user_model) -> str:
    from accounts.models import Membership

    user = await database_sync_to_async(django_user_model.objects.create_user)("vera", password="vera-password-1")
    await database_sync_to_async(Membership.objects.create)(user=user, role="viewer")
    await database_sync_to_async(client.force_login)(user)
    return f"sessionid={client.cookies['sessionid'].value}"


async def frames_until(ws, condition, timeout: float = 15) -> list[dict]:
    frames, deadline = [], time.monotonic() + timeout
    while not any(condition(frame) for frame in frames):
        message = await ws.receive_output(max(0.1, deadline - time.monotonic()))
        assert message["type"] == "websocket.send", message
        frames.append(json.loads(message["text"]))
    return frames


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_viewer_watches_new_events_live_and_misses_none_since_the_page(engine, client, django_user_model):
    cookie = await viewer_cookie(client, django_user_model)
    token = secrets.token_hex(4)
    since = events.after(events.now_engine_time())
    # Made after the page's read and before the socket: the socket's catch-up brings it.
    early = await asyncio.to_thread(engine.container, "sleep 300", labels={"berth.test.events": token})
    ws, connected, _ = await open_socket(f"/ws/events/?label=berth.test.events={token}&since={since}", cookie)
    assert connected
    frames = await frames_until(ws, lambda f: early["Name"].lstrip("/") in f.get("html", "") and "start" in f["html"])
    late = await asyncio.to_thread(engine.container, "sleep 300", labels={"berth.test.events": token})
    frames += await frames_until(ws, lambda f: late["Name"].lstrip("/") in f.get("html", "") and ">start<" in f["html"])
    html = "".join(frame["html"] for frame in frames)
    assert html.count(f"{early['Name'].lstrip('/')}</a>") == 2  # create and start, once each
    assert all(frame["type"] == "events" for frame in frames)
    await ws.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_socket_refuses_anonymous_and_foreign_origins(client, django_user_model):
    ws, connected, _ = await open_socket("/ws/events/", cookie=None)
    assert connected  # accepted first, so that the browser sees why
    assert (await ws.receive_output(5)) == {"type": "websocket.close", "code": WEBSOCKET_UNAUTHENTICATED}
    cookie = await viewer_cookie(client, django_user_model)
    ws, connected, _ = await open_socket("/ws/events/", cookie, origin=b"http://evil.test")
    assert (await ws.receive_output(5)) == {"type": "websocket.close", "code": WEBSOCKET_FORBIDDEN}
    ws, connected, _ = await open_socket("/ws/events/?since=yesterday", cookie)
    frames = await frames_until(ws, lambda f: f["type"] == "error")
    assert "engine time" in frames[-1]["message"]
    assert (await ws.receive_output(5))["code"] == 1011


def test_the_live_source_is_a_subscription_to_the_shared_hub_ended_with_it(engine):
    """live_events() subscribes to the process's one events stream and unsubscribes once left."""
    name = random_name("events-live")  # parallel tests make containers too: only this one counts
    before = len(hub_events.hub().subscribers)

    async def enter_and_leave():
        async with events.live_events(events.EventFilters(type="container", name=name)) as live:
            assert len(hub_events.hub().subscribers) == before + 1
            engine.container("true", name=name, start=False)
            async for raw in live:
                if events.EventFilters(name=name, type="container").matches(raw):
                    return raw

    raw = asyncio.run(enter_and_leave())
    assert raw["Action"] == "create"
    assert len(hub_events.hub().subscribers) == before


def live_subscriptions() -> list:
    """The live sockets' subscriptions to the events hub."""
    return [
        s for s in hub_events.hub().subscribers if getattr(s.callback, "__self__", None).__class__ is events.LiveEvents
    ]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_socket_ends_with_its_session_and_leaves_no_stream_behind(client, django_user_model):
    cookie = await viewer_cookie(client, django_user_model)
    ws, connected, _ = await open_socket(f"/ws/events/?type=container&name={secrets.token_hex(8)}", cookie)
    assert connected
    await asyncio.sleep(0.5)  # subscribed
    assert live_subscriptions()
    await database_sync_to_async(client.logout)()  # the session is gone, as after a logout elsewhere
    frame = (await frames_until(ws, lambda f: f["type"] == "error", timeout=10))[-1]  # other helpers' events first
    assert "session ended" in frame["message"]
    assert (await ws.receive_output(5)) == {"type": "websocket.close", "code": WEBSOCKET_UNAUTHENTICATED}
    deadline = time.monotonic() + 5
    while live_subscriptions() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not live_subscriptions()


def test_an_image_named_by_its_id_is_labelled_by_its_short_id():
    """An image's delete and untag name it "sha256:<64 digits>", which wrapped into five lines of
    the events table: the short id stands for it (the cell's title holds the whole)."""
    image_id = "sha256:" + "ab12" * 16
    raw = {"Type": "image", "Action": "delete", "Actor": {"ID": image_id, "Attributes": {"name": image_id}}}
    assert events.EngineEvent.of(raw).label == "ab12" * 3
    tagged = {**raw, "Action": "tag", "Actor": {"ID": image_id, "Attributes": {"name": "web:1"}}}
    assert events.EngineEvent.of(tagged).label == "web:1"
