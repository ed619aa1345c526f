"""The websocket for an address that names no container (`/ws/containers/./exec/`).

Such a reference never reaches the engine, where `.` and `..` would be path segments
(dashboard/converters.py): the socket is answered as for a container that does not exist,
after the same login check as every stream (the consumers' protocol: an error frame, 1011).
"""

from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils.translation import gettext as _

from accounts.roles import refuse_unless
from containers import streams


class NoSuchContainer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        if await refuse_unless(self, "viewer"):
            return
        await self.accept()
        name = self.scope["url_route"]["kwargs"]["container_id"]
        await self.send(
            text_data=streams.dumps(
                {"type": "error", "message": _("No container is called “%(name)s”.") % {"name": name}}
            )
        )
        await self.close(code=1011)
