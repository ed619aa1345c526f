"""Terminal sessions in the audit log (issue 5, item 4): one entry when a session opens, one
when it closes, with the command, the user and how long it lasted."""

import pytest

from accounts.models import AuditEntry
from tests.streams.conftest import Terminal, open_socket, poll

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def entries(action: str, container_id: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, object_id=container_id).order_by("at", "pk"))


async def open_terminal(cookie: str, path: str) -> Terminal:
    ws, connected, _ = await open_socket(path, cookie)
    assert connected
    return Terminal(ws)


async def test_it_records_an_exec_session_with_its_command_duration_and_exit_code(engine, session_cookie, user):
    container = engine.container("sleep 300")
    terminal = await open_terminal(session_cookie, f"/ws/containers/{container['Id']}/exec/?cmd=sh -c 'exit 5'")
    try:
        assert await terminal.wait_final() == {"type": "exit", "code": 5}
    finally:
        await terminal.ws.disconnect()
    opened, closed = await poll(
        lambda: len(found := entries("container.exec", container["Id"])) == 2 and found, message="two entries"
    )
    assert (opened.extra["phase"], opened.outcome, opened.username) == ("open", "ok", user.username)
    assert opened.extra["command"] == "sh -c 'exit 5'" and opened.object_name == container["Name"].lstrip("/")
    assert (closed.extra["phase"], closed.outcome, closed.extra["exit_code"], closed.extra["ended"]) == (
        "close",
        "ok",
        5,
        "exit",
    )
    assert closed.extra["command"] == "sh -c 'exit 5'" and closed.extra["seconds"] >= 0


async def test_it_records_the_close_when_the_browser_leaves_an_attached_terminal(engine, session_cookie, user):
    container = engine.container("sh", tty=True, stdin_open=True)
    terminal = await open_terminal(session_cookie, f"/ws/containers/{container['Id']}/attach/")
    await terminal.send(b"echo attached-$((40+2))\n")
    await terminal.read_until(lambda output: b"attached-42" in output)
    await terminal.ws.disconnect()
    opened, closed = await poll(
        lambda: len(found := entries("container.attach", container["Id"])) == 2 and found, message="two entries"
    )
    assert (opened.extra["phase"], closed.extra["phase"], closed.extra["ended"]) == ("open", "close", "closed")
    assert closed.username == user.username and closed.extra["exit_code"] is None and closed.extra["seconds"] > 0


async def test_it_records_a_session_that_could_not_open_as_failed(engine, session_cookie):
    container = engine.container("sleep 300", start=False)
    terminal = await open_terminal(session_cookie, f"/ws/containers/{container['Id']}/exec/")
    try:
        assert (await terminal.wait_final())["type"] == "error"
    finally:
        await terminal.ws.disconnect()
    [entry] = await poll(lambda: entries("container.exec", container["Id"]), message="the entry")
    assert (entry.outcome, entry.extra["phase"]) == ("failed", "open") and "not running" in entry.message
