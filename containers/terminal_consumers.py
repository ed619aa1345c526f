"""The terminal websockets, attach and exec (the protocol is in containers/consumers.py).

Each session is audited when it opens and when it closes (issue 5, item 4), and a terminal is
refused for a container that reaches what the user's operator restrictions forbid.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from channels.db import database_sync_to_async

from accounts.audit import aaudit
from accounts.models import Outcome
from accounts.restrictions import restrictions_for
from accounts.roles import WEBSOCKET_FORBIDDEN
from accounts.session_watch import Ending
from containers import services, streams
from containers.consumers import StreamConsumer
from dashboard.engine import EngineError, EngineUnavailable, user_message

log = logging.getLogger(__name__)

INLINE_WRITE_LIMIT = 4096  # bigger keystroke frames (pastes) are written from a thread


class TerminalConsumer(StreamConsumer):
    """Attach and exec; each session is audited when it opens and when it closes (issue 5, item 4)."""

    session: streams.AttachSession | streams.ExecSession
    opened_at: float | None = None

    async def begin(self) -> None:
        # Attach or exec before any keystroke is read, so that none is lost.
        try:
            self.session = await asyncio.to_thread(self.make_session)
            try:
                await asyncio.to_thread(self.session.open)
            except BaseException:
                self.session.close()
                raise
        except (ValueError, EngineError, EngineUnavailable) as e:
            await self.audit_session(
                outcome=Outcome.FAILED, message=getattr(e, "message", None) or str(e), phase="open"
            )
            raise
        self.opened_at = time.monotonic()
        await self.audit_session(phase="open")
        await self.opened()  # before the output starts, so that what it says comes first
        self.sender = asyncio.create_task(self.forward_output())

    def make_session(self):
        raise NotImplementedError

    async def opened(self) -> None:
        """Said to the browser once the session is open, before its output."""

    async def refused_out_of_reach(self) -> bool:
        # A terminal hands over what the container reaches (host network, /, capabilities...):
        # the operator restrictions hold for it whoever made it (issue 10, item 3). Refused:
        # an error frame that names the restriction, then 4403, audited.
        restrictions = await database_sync_to_async(restrictions_for)(self.scope["user"])
        if not restrictions.any:
            return False
        reach = await asyncio.to_thread(services.container_reach, self.container_id)
        why = restrictions.reach_refusal(self.action, reach)
        if not why:
            self.container_id = reach.id  # the one checked: a name may move to another container meanwhile
            return False
        await aaudit(
            self.scope,
            f"container.{self.action}",
            object_type="container",
            object_id=reach.id,
            object_name=reach.name,
            outcome=Outcome.DENIED,
            message=why,
            extra={"phase": "open", **self.session_facts()},
        )
        self.finished = True
        await self.send(text_data=streams.dumps({"type": "error", "message": why}))
        await self.close(code=WEBSOCKET_FORBIDDEN)
        return True

    def session_facts(self) -> dict:
        """What the audit entries say about the session, beside who, when and where."""
        return {}

    async def audit_session(self, *, phase: str, outcome: str = Outcome.OK, message: str = "", **extra) -> None:
        session = getattr(self, "session", None)
        facts = getattr(session, "facts", None)
        await aaudit(
            self.scope,
            f"container.{self.action}",
            object_type="container",
            object_id=facts.id if facts else self.container_id,
            object_name=facts.name if facts else "",
            outcome=outcome,
            message=message,
            extra={"phase": phase, **self.session_facts(), **extra},
        )

    async def audit_close(self, ending: dict, outcome: str = "") -> None:
        """The closing entry, once per opened session: how long it lasted and how it ended."""
        if self.opened_at is None:
            return
        seconds, self.opened_at = round(time.monotonic() - self.opened_at, 3), None
        failed = ending.get("type") == "error"
        await self.audit_session(
            phase="close",
            outcome=outcome or (Outcome.FAILED if failed else Outcome.OK),
            message=ending.get("message", ""),
            seconds=seconds,
            ended=ending.get("type", ""),
            exit_code=ending.get("code"),
        )

    async def finish(self, message: dict, code: int | None = None) -> None:
        if not self.finished:
            await self.audit_close(message)
        await super().finish(message, code)

    async def audit_end(self, ending: Ending) -> None:
        # The terminal's own closing entry says why, instead of a websocket.ended of its own.
        await self.audit_close({"type": ending.kind, "message": ending.reason}, outcome=Outcome.DENIED)

    async def forward_output(self) -> None:
        try:
            async for chunk in self.session.read_output():
                await self.send(bytes_data=chunk)
        except Exception as e:
            log.debug("%s output failed", self.action, exc_info=True)
            await self.finish({"type": "error", "message": user_message(e)})
            return
        outcome = await asyncio.to_thread(self.session.outcome)
        await self.finish(outcome)

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)  # the output stopped, then cleanup(): exec's kill, the audit
        session = getattr(self, "session", None)
        if session is not None:
            session.close()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.finished or getattr(self, "session", None) is None:
            return
        if bytes_data is not None:
            await self.keystrokes(bytes_data)
        elif text_data:
            await self.control(text_data)

    async def keystrokes(self, data: bytes) -> None:
        try:
            if len(data) <= INLINE_WRITE_LIMIT:
                self.session.write(data)
            else:  # a paste: the engine may take a while to read it all
                await asyncio.to_thread(self.session.write, data)
        except OSError:
            pass  # the stream has ended; its outcome is on its way

    async def control(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            return
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "resize":
            cols, rows = message.get("cols"), message.get("rows")
            if isinstance(cols, int) and isinstance(rows, int) and 0 < cols <= 1000 and 0 < rows <= 1000:
                await asyncio.to_thread(self.session.resize, cols, rows)
        elif kind == "eof":
            self.session.close_stdin()


class AttachConsumer(TerminalConsumer):
    action = "attach"

    def make_session(self):
        return streams.AttachSession(self.container_id, start=self.query.get("start") == "1")

    async def opened(self) -> None:
        # The facts are from before open(): a container not running then was started by it
        # (?start=1). The page was drawn while it was Created; its badge follows this frame.
        if not self.session.facts.running:
            await self.send(text_data=streams.dumps({"type": "state", "state": "running"}))

    def session_facts(self) -> dict:
        return {"start": self.query.get("start") == "1"}

    async def cleanup(self) -> None:
        await self.audit_close({"type": "closed"})  # the browser left; the container goes on


class ExecConsumer(TerminalConsumer):
    action = "exec"

    def make_session(self):
        return streams.ExecSession(
            self.container_id,
            cmd=self.query.get("cmd", ""),
            user=self.query.get("user", ""),
            workdir=self.query.get("workdir", ""),
        )

    def session_facts(self) -> dict:
        session = getattr(self, "session", None)
        command = getattr(session, "command", "") or self.query.get("cmd", "")
        return {"command": command, "exec_user": self.query.get("user", ""), "workdir": self.query.get("workdir", "")}

    async def cleanup(self) -> None:
        # Closing the socket does not end an exec'd process: kill it, deliberately (the page says so).
        session = getattr(self, "session", None)
        if session is not None:
            await asyncio.to_thread(session.kill)
        await self.audit_close(
            {
                "type": "closed",
                "message": "the browser closed the terminal; the process was killed"  # not UI: audit log only
                if getattr(session, "killed", False)
                else "",
            }
        )
