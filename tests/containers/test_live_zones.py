"""Live-pushed rows show times in the viewer's zone, as the page does (issue 14, part 2): a
socket's scope carries the zone cookie and the user (dashboard/zones.scope_zone)."""

import asyncio
import re
import secrets
import zoneinfo

import pytest

from accounts.models import Preferences
from dashboard.times import parse_engine_time
from tests.conftest import TEST_PREFIX
from tests.containers.test_live_rows import list_socket
from tests.streams.conftest import open_socket
from tests.system.test_events import frames_until

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


@pytest.fixture
def seoul_cookie(client, user) -> str:
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}; berth_tz=Asia/Seoul"


def seoul_title(engine_time: str) -> str:
    return parse_engine_time(engine_time).astimezone(SEOUL).strftime("%Y-%m-%d %H:%M:%S") + " KST (Asia/Seoul)"


async def test_a_pushed_row_is_in_the_cookies_zone(engine, seoul_cookie):
    tag = secrets.token_hex(3)
    socket = await list_socket(f"all=1&q={TEST_PREFIX}zone-{tag}", seoul_cookie)
    try:
        created = await asyncio.to_thread(engine.container, name=f"{TEST_PREFIX}zone-{tag}", start=False)
        frame = await socket.until(lambda f: f["type"] == "row" and f["id"] == created["Id"])
        assert f'title="{seoul_title(created["Created"])}"' in frame["html"]
    finally:
        await socket.ws.disconnect()


async def test_a_users_own_zone_wins_in_a_socket_too(engine, seoul_cookie, user):
    from channels.db import database_sync_to_async

    await database_sync_to_async(Preferences.objects.create)(user=user, time_zone="Europe/Berlin")
    token = secrets.token_hex(4)
    ws, connected, _ = await open_socket(f"/ws/events/?label=berth.test.events={token}", seoul_cookie)
    assert connected
    try:
        made = await asyncio.to_thread(engine.container, "sleep 300", labels={"berth.test.events": token})
        frames = await frames_until(ws, lambda f: made["Name"].lstrip("/") in f.get("html", ""))
        html = "".join(frame["html"] for frame in frames)
        assert re.search(r'<time datetime="[^"]+Z" title="[^"]+ CET \(Europe/Berlin\)">', html), html
        assert "KST" not in html
    finally:
        await ws.disconnect()
