"""Who may open a stream (hard case 14), and real runs through uvicorn (what Berth ships) and Daphne."""

import asyncio
import json

import pytest
import websockets
from channels.db import database_sync_to_async

from accounts import websocket_auth
from accounts.models import AuditEntry
from accounts.roles import WEBSOCKET_FORBIDDEN, WEBSOCKET_UNAUTHENTICATED
from bench.common import berth_server, logged_in_session
from containers import consumers, streams
from tests.streams.conftest import LogReader, open_socket

PATHS = ["attach/", "exec/?cmd=sh", "logs/?follow=1"]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", PATHS)
async def test_it_refuses_a_foreign_origin(engine, session_cookie, path):
    container = engine.container("sleep 300")
    # Another port of Berth's own host is as foreign as another host (issue 10, item 1).
    for origin in (b"http://evil.test", b"http://testserver:9999", b"https://testserver"):
        ws, connected, _ = await open_socket(f"/ws/containers/{container['Id']}/{path}", session_cookie, origin=origin)
        await assert_refused_for_origin(ws, connected, container["Id"], origin.decode())


async def assert_refused_for_origin(ws, connected, container_id: str, origin: str) -> None:
    """Accepted, closed with 4403 before anything else is sent, audited with the origin; no stream ran."""
    assert connected  # accepted first, so that the browser sees why
    assert (await ws.receive_output(5)) == {"type": "websocket.close", "code": WEBSOCKET_FORBIDDEN}
    await ws.disconnect()
    entries = AuditEntry.objects.filter(action="websocket.connect", outcome="denied", extra__origin=origin)
    assert await database_sync_to_async(entries.count)() == 1
    streams_opened = AuditEntry.objects.filter(object_id=container_id).exclude(action="websocket.connect")
    assert not await database_sync_to_async(streams_opened.exists)()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", PATHS)
async def test_it_refuses_a_socket_without_an_origin(engine, session_cookie, path):
    container = engine.container("sleep 300")
    ws, connected, _ = await open_socket(f"/ws/containers/{container['Id']}/{path}", session_cookie, origin=None)
    await assert_refused_for_origin(ws, connected, container["Id"], "")


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", PATHS)
async def test_it_closes_an_anonymous_socket_with_4401(engine, path):
    container = engine.container("sleep 300")
    ws, connected, _ = await open_socket(f"/ws/containers/{container['Id']}/{path}", cookie=None)
    assert connected  # accepted first, so that the browser sees why
    assert (await ws.receive_output(5)) == {"type": "websocket.close", "code": WEBSOCKET_UNAUTHENTICATED}
    await ws.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_it_lets_a_viewer_read_logs_but_not_type_into_a_container(engine, client, django_user_model):
    from accounts.models import Membership

    viewer = await database_sync_to_async(django_user_model.objects.create_user)("vera", password="vera-password-1")
    await database_sync_to_async(Membership.objects.create)(user=viewer, role="viewer")
    await database_sync_to_async(client.force_login)(viewer)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    container = engine.container("sleep 300")
    for path in ("attach/", "exec/"):
        ws, connected, _ = await open_socket(f"/ws/containers/{container['Id']}/{path}", cookie)
        assert connected
        assert (await ws.receive_output(5)) == {"type": "websocket.close", "code": WEBSOCKET_FORBIDDEN}
        await ws.disconnect()
    ws, connected, _ = await open_socket(f"/ws/containers/{container['Id']}/logs/?follow=0", cookie)
    assert json.loads((await ws.receive_output(10))["text"])["type"] in ("lines", "end")
    await ws.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_it_says_when_the_container_does_not_exist(session_cookie):
    ws, connected, _ = await open_socket("/ws/containers/berth-test-no-such-container/exec/", session_cookie)
    assert connected
    message = await ws.receive_output(10)
    assert json.loads(message["text"])["type"] == "error"
    await ws.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["exec/", "attach/", "logs/?follow=1"])
async def test_it_says_so_when_the_address_names_no_container(session_cookie, path):
    # "." reached the engine as a path segment: /containers/./json is its list (issue 10, item 9).
    for reference in (".", "..", ".hidden"):
        ws, connected, _ = await open_socket(f"/ws/containers/{reference}/{path}", session_cookie)
        assert connected
        message = json.loads((await ws.receive_output(10))["text"])
        assert message == {"type": "error", "message": f"No container is called “{reference}”."}
        assert (await ws.receive_output(5)) == {"type": "websocket.close", "code": 1011}
        await ws.disconnect()
    ws, connected, _ = await open_socket(f"/ws/containers/./{path}", cookie=None)  # the login check first
    assert (await ws.receive_output(5)) == {"type": "websocket.close", "code": WEBSOCKET_UNAUTHENTICATED}
    await ws.disconnect()


# ---------------------------------------------------------------- through real servers


# uvicorn serves Berth (dashboard/serve.py); Daphne is the Channels reference server.
@pytest.fixture(scope="module", params=["uvicorn", "daphne"])
def real_server(request):
    with berth_server(request.param) as base:
        yield base


def test_it_runs_an_exec_and_refuses_strangers_through_a_real_server(real_server, engine):
    container = engine.container("sleep 300")
    session = logged_in_session(real_server)
    cookie = f"sessionid={session.cookies['sessionid']}"
    url = real_server.replace("http://", "ws://") + f"/ws/containers/{container['Id']}/exec/?cmd=sh"

    async def scenario():
        async with websockets.connect(url, origin=real_server, additional_headers={"Cookie": cookie}) as socket:
            output = b""
            while b"# " not in output:
                output += await asyncio.wait_for(socket.recv(), 10)
            await socket.send(json.dumps({"type": "resize", "cols": 77, "rows": 22}))
            await socket.send(b"stty size; exit 3\r")
            while True:
                message = await asyncio.wait_for(socket.recv(), 10)
                if isinstance(message, str):
                    break
                output += message
            assert b"22 77" in output
            assert json.loads(message) == {"type": "exit", "code": 3}
        # A foreign origin (another port of the same host too) is closed with 4403; an anonymous
        # socket with 4401.
        for origin in ("http://evil.test", real_server.rsplit(":", 1)[0] + ":9999"):
            async with websockets.connect(url, origin=origin, additional_headers={"Cookie": cookie}) as socket:
                with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                    await asyncio.wait_for(socket.recv(), 10)
                assert closed.value.rcvd.code == WEBSOCKET_FORBIDDEN
        async with websockets.connect(url, origin=real_server) as socket:
            with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 10)
            assert closed.value.rcvd.code == WEBSOCKET_UNAUTHENTICATED

    asyncio.run(scenario())


# ---------------------------------------------------------------- reading before the user is known


@pytest.fixture
def early_reads(monkeypatch):
    """Every log read a consumer starts, and whether its user was known by then."""
    started = []
    start_reading = consumers.LogsConsumer.start_reading

    def recording(consumer):
        started.append("user_lookup" not in consumer.scope)  # signed_in() pops it
        start_reading(consumer)

    monkeypatch.setattr(consumers.LogsConsumer, "start_reading", recording)
    return started


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_it_starts_a_log_read_before_the_user_is_known_and_stops_it_for_a_stranger(engine, early_reads):
    container = engine.container(["sh", "-c", "seq 1 100000; sleep 300"])
    ws, connected, _ = await open_socket(
        f"/ws/containers/{container['Id']}/logs/?tail=all&follow=1", "sessionid=forged0123456789abcdefghijklmnop"
    )
    assert connected
    # The engine was asked first; the stranger still gets nothing but the refusal.
    assert (await ws.receive_output(5)) == {"type": "websocket.close", "code": WEBSOCKET_UNAUTHENTICATED}
    assert early_reads == [False]
    assert not [pump for pump in streams.Pump.live if pump.name == "logs" and not pump.stopping.is_set()]
    await ws.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_it_reads_early_only_for_a_socket_with_a_session_and_only_a_few_at_once(
    engine, session_cookie, early_reads, monkeypatch
):
    container = engine.container(["sh", "-c", "echo hello; sleep 300"])
    path = f"/ws/containers/{container['Id']}/logs/?tail=all&follow=0"
    ws, _, _ = await open_socket(path, cookie=None)  # no session at all: nothing read
    await ws.receive_output(5)
    await ws.disconnect()
    assert early_reads == []
    monkeypatch.setattr(consumers, "_early_starts", consumers.EARLY_STARTS_LIMIT)  # others are reading early
    ws, _, _ = await open_socket(path, session_cookie)
    reader = LogReader(ws)
    await reader.read_to_end(10)
    assert reader.texts == ["hello"]
    assert early_reads == [True]  # the read waited for the user
    await ws.disconnect()
    assert consumers._early_starts == consumers.EARLY_STARTS_LIMIT  # and took no slot


# ---------------------------------------------------------------- lookups lent to later sockets


async def socket_outcome(path: str, cookie: str) -> str | int:
    """Opens a socket on a container that has said "hi": "open" when it streams, else its close code."""
    ws, connected, _ = await open_socket(path, cookie)
    assert connected
    message = await ws.receive_output(10)
    await ws.disconnect()
    return message["code"] if message["type"] == "websocket.close" else "open"


async def signed_in_cookie(client, user) -> str:
    await database_sync_to_async(client.force_login)(user)
    return f"sessionid={client.cookies['sessionid'].value}"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_page_lends_its_lookup_to_its_socket_until_a_logout(engine, client, user):
    container = engine.container(["sh", "-c", "echo hi; sleep 300"])
    cookie = await signed_in_cookie(client, user)
    await database_sync_to_async(client.get)(f"/containers/{container['Id']}/logs/")
    assert websocket_auth._recalled(client.cookies["sessionid"].value) is not None
    path = f"/ws/containers/{container['Id']}/logs/?follow=1"
    assert await socket_outcome(path, cookie) == "open"
    await database_sync_to_async(client.logout)()
    assert await socket_outcome(path, cookie) == WEBSOCKET_UNAUTHENTICATED


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_role_taken_away_here_counts_for_the_next_socket_at_once(engine, client, django_user_model):
    from accounts.models import Membership

    olga = await database_sync_to_async(django_user_model.objects.create_user)("olga", password="olga-password-1")
    await database_sync_to_async(Membership.objects.create)(user=olga, role="operator")
    container = engine.container(["sh", "-c", "echo hi; sleep 300"])
    cookie = await signed_in_cookie(client, olga)
    await database_sync_to_async(client.get)(f"/containers/{container['Id']}/exec/?cmd=sh")
    path = f"/ws/containers/{container['Id']}/exec/?cmd=echo+hi"
    assert await socket_outcome(path, cookie) == "open"
    # Saved, as the users page saves it (update_or_create).
    await database_sync_to_async(Membership.objects.update_or_create)(user=olga, defaults={"role": "viewer"})
    assert websocket_auth._recalled(client.cookies["sessionid"].value) is None
    assert await socket_outcome(path, cookie) == WEBSOCKET_FORBIDDEN


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_change_made_by_another_process_counts_within_recent_seconds(engine, client, user, monkeypatch):
    monkeypatch.setattr(websocket_auth, "RECENT_SECONDS", 0.5)
    container = engine.container(["sh", "-c", "echo hi; sleep 300"])
    cookie = await signed_in_cookie(client, user)
    path = f"/ws/containers/{container['Id']}/logs/?follow=1"
    assert await socket_outcome(path, cookie) == "open"  # looked up, and remembered
    # Another process deactivates the user: no signal reaches this one (update() sends none).
    await database_sync_to_async(type(user).objects.filter(pk=user.pk).update)(is_active=False)
    await asyncio.sleep(0.6)
    assert await socket_outcome(path, cookie) == WEBSOCKET_UNAUTHENTICATED
