"""refuse_unless(): a websocket accepts, then closes with 4401 (anonymous) or 4403 (role), audited."""

import pytest
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from accounts.models import AuditEntry
from accounts.roles import refuse_unless

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.postgres_redis]


class TerminalConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        if await refuse_unless(self, "operator"):
            return
        await self.accept()
        await self.send("welcome")


async def connect_as(user) -> tuple[WebsocketCommunicator, dict]:
    communicator = WebsocketCommunicator(TerminalConsumer.as_asgi(), "/ws/containers/abc/exec/")
    communicator.scope["user"] = user
    communicator.scope["client"] = ["10.9.8.7", 50000]
    accepted, _ = await communicator.connect()
    assert accepted  # accepted first, so the browser sees the close code
    return communicator, await communicator.receive_output()


def entries() -> list[tuple]:
    return list(
        AuditEntry.objects.order_by("id").values_list(
            "action", "username", "address", "object_id", "outcome", "message"
        )
    )


async def test_it_closes_an_anonymous_socket_with_4401_and_audits_it():
    communicator, message = await connect_as(AnonymousUser())
    assert message == {"type": "websocket.close", "code": 4401}
    assert await database_sync_to_async(entries)() == [
        ("websocket.connect", "", "10.9.8.7", "/ws/containers/abc/exec/", "denied", "not logged in")
    ]


async def test_it_closes_a_viewers_socket_with_4403_and_audits_it(viewer):
    communicator, message = await connect_as(viewer)
    assert message == {"type": "websocket.close", "code": 4403}
    assert await database_sync_to_async(entries)() == [
        ("websocket.connect", "vera", "10.9.8.7", "/ws/containers/abc/exec/", "denied", "needs the operator role")
    ]


async def test_it_lets_an_operator_in(operator):
    communicator, message = await connect_as(operator)
    assert message == {"type": "websocket.send", "text": "welcome"}
    await communicator.disconnect()
    assert await database_sync_to_async(entries)() == []
