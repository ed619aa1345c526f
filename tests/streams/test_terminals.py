"""Attach and exec terminals against the real engine: hard cases 1, 9-13 and 18 of section 7."""

import asyncio
import hashlib

import pytest

from tests.streams.conftest import Terminal, open_socket, poll

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

PROMPT = b"# "


async def exec_terminal(cookie: str, container_id: str, query: str = "") -> Terminal:
    ws, connected, _ = await open_socket(f"/ws/containers/{container_id}/exec/{query}", cookie)
    assert connected
    return Terminal(ws)


async def attach_terminal(cookie: str, container_id: str, query: str = "") -> Terminal:
    ws, connected, _ = await open_socket(f"/ws/containers/{container_id}/attach/{query}", cookie)
    assert connected
    return Terminal(ws)


def processes(docker_client, container_id: str) -> list[str]:
    return [" ".join(process[-1:]) for process in docker_client.api.top(container_id)["Processes"] or []]


def running(docker_client, container_id: str) -> bool:
    return docker_client.api.inspect_container(container_id)["State"]["Running"]


def put_file(docker_client, container_id: str, directory: str, name: str, content: bytes) -> None:
    from tests.images import build_context

    docker_client.api.put_archive(container_id, directory, build_context({name: content}))


# ---------------------------------------------------------------- exec basics, 1. split UTF-8


async def test_it_runs_a_command_and_reports_its_exit_code(engine, session_cookie):
    container = engine.container("sleep 300")
    terminal = await exec_terminal(session_cookie, container["Id"], "?cmd=sh -c 'echo hi; exit 7'")
    try:
        assert await terminal.wait_final() == {"type": "exit", "code": 7}
        assert terminal.output.replace(b"\r", b"") == b"hi\n"  # the pid line Berth reads is not shown
    finally:
        await terminal.ws.disconnect()


async def test_it_keeps_a_terminal_open_however_long_it_stays_quiet(engine, session_cookie, monkeypatch):
    # docker-py leaves its client timeout on the socket; a quiet terminal must not end with it.
    from dashboard.engine import get_client

    monkeypatch.setattr(get_client().api, "timeout", 1)
    container = engine.container("sleep 300")
    terminal = await exec_terminal(session_cookie, container["Id"], "?cmd=cat")
    try:
        await asyncio.sleep(2.5)
        await terminal.send(b"still here\r")
        await terminal.read_until(lambda output: b"still here" in output)
        assert terminal.final is None
    finally:
        await terminal.ws.disconnect()


async def test_it_passes_a_character_split_across_reads_intact(engine, session_cookie):
    container = engine.container("sleep 300")
    command = 'sh -c \'printf "\\342\\202"; sleep .2; printf "\\254\\n"\''
    terminal = await exec_terminal(session_cookie, container["Id"], f"?cmd={command}")
    try:
        assert (await terminal.wait_final())["code"] == 0
        assert terminal.output.replace(b"\r", b"") == "€\n".encode()
    finally:
        await terminal.ws.disconnect()


async def test_it_runs_as_the_chosen_user_in_the_chosen_directory(engine, session_cookie):
    container = engine.container("sleep 300")
    terminal = await exec_terminal(session_cookie, container["Id"], "?cmd=sh -c 'id -u; pwd'&user=1234&workdir=/proc")
    try:
        await terminal.wait_final()
        assert terminal.output.replace(b"\r", b"").split(b"\n")[:2] == [b"1234", b"/proc"]
    finally:
        await terminal.ws.disconnect()


# ---------------------------------------------------------------- 9. no orphaned exec


async def test_it_kills_the_exec_process_and_its_children_when_the_socket_closes(engine, docker_client, session_cookie):
    container = engine.container("sleep 300")
    terminal = await exec_terminal(session_cookie, container["Id"])
    await terminal.read_until(lambda out: PROMPT in out)
    await terminal.send(b"sleep 1001\r")
    await poll(
        lambda: any("sleep 1001" in p for p in processes(docker_client, container["Id"])), message="sleep to run"
    )
    await terminal.ws.disconnect()
    await poll(
        lambda: (
            not any("sleep 1001" in p or p.strip() in ("sh", "bash") for p in processes(docker_client, container["Id"]))
        ),
        timeout=10,
        message="the shell and its sleep to be gone",
    )
    assert processes(docker_client, container["Id"]) == ["sleep 300"]


# ---------------------------------------------------------------- 10. login shell, no bash


async def test_it_falls_back_to_sh_with_a_message_when_bash_is_missing(engine, session_cookie):
    container = engine.container("sleep 300")
    for query in ("", "?cmd=bash"):  # the default (no /etc/passwd here) and an explicit bash
        terminal = await exec_terminal(session_cookie, container["Id"], query)
        try:
            await terminal.read_until(lambda out: PROMPT in out)
            assert b"bash is not installed in this container: starting sh instead." in terminal.output
            await terminal.send(b"exit 5\r")
            assert await terminal.wait_final() == {"type": "exit", "code": 5}
        finally:
            await terminal.ws.disconnect()


async def test_it_says_a_missing_command_was_not_found(engine, session_cookie):
    container = engine.container("sleep 300")
    terminal = await exec_terminal(session_cookie, container["Id"], "?cmd=no-such-program --flag")
    try:
        assert await terminal.wait_final() == {"type": "exit", "code": 127}
        assert b"no-such-program: command not found" in terminal.output
    finally:
        await terminal.ws.disconnect()


async def test_it_starts_the_login_shell_from_etc_passwd(engine, docker_client, session_cookie):
    container = engine.container("sleep 300")
    passwd = b"root:x:0:0:root:/:/bin/ash\ndaemon:x:1:1:daemon:/:/usr/sbin/nologin\n"
    put_file(docker_client, container["Id"], "/etc", "passwd", passwd)
    terminal = await exec_terminal(session_cookie, container["Id"])
    try:
        await terminal.read_until(lambda out: PROMPT in out)
        assert b"starting /bin/ash, the login shell of root" in terminal.output
        await terminal.send(b"exit\r")
        assert (await terminal.wait_final())["code"] == 0
    finally:
        await terminal.ws.disconnect()
    # nologin is not a shell: the user gets the fallback instead.
    terminal = await exec_terminal(session_cookie, container["Id"], "?user=daemon")
    try:
        await terminal.read_until(lambda out: b"$ " in out)
        assert b"starting sh instead" in terminal.output
    finally:
        await terminal.ws.disconnect()


async def test_it_takes_the_login_shell_of_the_containers_own_user(engine, docker_client, session_cookie):
    container = engine.container("sleep 300", user="1000")
    put_file(
        docker_client, container["Id"], "/etc", "passwd", b"root:x:0:0::/:/bin/false\nappuser:x:1000:1000::/:/bin/ash\n"
    )
    terminal = await exec_terminal(session_cookie, container["Id"])
    try:
        await terminal.read_until(lambda out: b"$ " in out)
        assert b"starting /bin/ash, the login shell of 1000" in terminal.output
    finally:
        await terminal.ws.disconnect()


async def test_it_refuses_exec_in_a_stopped_container(engine, session_cookie):
    container = engine.container("true", start=False)
    terminal = await exec_terminal(session_cookie, container["Id"])
    final = await terminal.wait_final()
    assert final["type"] == "error" and "not running" in final["message"]
    await terminal.ws.disconnect()


# ---------------------------------------------------------------- 11. resize


async def test_it_applies_a_resize_sent_before_the_exec_started(engine, session_cookie):
    container = engine.container("sleep 300")
    terminal = await exec_terminal(session_cookie, container["Id"], "?cmd=sh")
    try:
        await terminal.control({"type": "resize", "cols": 101, "rows": 33})  # before the pid line
        await terminal.read_until(lambda out: PROMPT in out)
        await terminal.send(b"stty size\r")
        await terminal.read_until(lambda out: b"33 101" in out)
        await terminal.control({"type": "resize", "cols": 120, "rows": 40})  # while running
        await terminal.send(b"stty size\r")
        await terminal.read_until(lambda out: b"40 120" in out)
        await terminal.send(b"exit\r")
        assert (await terminal.wait_final())["type"] == "exit"
    finally:
        await terminal.ws.disconnect()


async def test_it_holds_an_attach_resize_until_the_container_started(engine, docker_client, session_cookie):
    container = engine.container("sh", start=False, tty=True, stdin_open=True)
    terminal = await attach_terminal(session_cookie, container["Id"], "?start=1")
    try:
        await terminal.control({"type": "resize", "cols": 90, "rows": 30})
        await terminal.read_until(lambda out: PROMPT in out)  # attached first: the first prompt is there
        await terminal.send(b"stty size\r")
        await terminal.read_until(lambda out: b"30 90" in out)
        await terminal.send(b"exit 4\r")
        assert await terminal.wait_final() == {"type": "exit", "code": 4}
        await terminal.control({"type": "resize", "cols": 80, "rows": 24})  # after exit: ignored quietly
    finally:
        await terminal.ws.disconnect()
    assert docker_client.api.inspect_container(container["Id"])["State"]["ExitCode"] == 4


async def test_it_says_when_an_attach_with_start_has_started_the_container(engine, docker_client, session_cookie):
    # The page is drawn while the container is Created (issue 11, item 7): the socket says
    # when its start has happened, before any output and only then.
    container = engine.container("sh", start=False, tty=True, stdin_open=True)
    terminal = await attach_terminal(session_cookie, container["Id"], "?start=1")
    try:
        await terminal.read_until(lambda out: PROMPT in out)
        assert terminal.texts == [{"type": "state", "state": "running"}]
        assert terminal.final is None
        assert docker_client.api.inspect_container(container["Id"])["State"]["Running"]
        await terminal.send(b"exit 0\r")
        assert await terminal.wait_final() == {"type": "exit", "code": 0}
    finally:
        await terminal.ws.disconnect()
    running = engine.container("sh", tty=True, stdin_open=True)  # already running: nothing to say
    terminal = await attach_terminal(session_cookie, running["Id"], "?start=1")
    try:
        await terminal.send(b"\r")
        await terminal.read_until(lambda out: PROMPT in out)
        assert terminal.texts == []
    finally:
        await terminal.ws.disconnect()


# ---------------------------------------------------------------- attach: exit, 12. detach keys


async def test_it_reports_the_exit_of_the_main_process_on_ctrl_d(engine, docker_client, session_cookie):
    container = engine.container("sh", tty=True, stdin_open=True)
    terminal = await attach_terminal(session_cookie, container["Id"])
    try:
        await terminal.send(b"\r")
        await terminal.read_until(lambda out: PROMPT in out)
        await terminal.send(b"\x04")
        assert await terminal.wait_final() == {"type": "exit", "code": 0}
    finally:
        await terminal.ws.disconnect()
    assert not docker_client.api.inspect_container(container["Id"])["State"]["Running"]


async def test_it_holds_a_ctrl_p_back_until_the_next_key_and_then_passes_both(engine, session_cookie):
    # As `docker attach` does: a Ctrl-P waits for the next key, and any key but Ctrl-Q follows it
    # through, whether it comes in the same frame or the next one.
    container = engine.container("cat -v", tty=True, stdin_open=True)
    terminal = await attach_terminal(session_cookie, container["Id"])
    try:
        await terminal.send(b"\x10")  # the tty echoes it as ^P once it reaches the program's side
        assert await terminal.ws.receive_nothing(timeout=1), "the Ctrl-P went through before the next key"
        await terminal.send(b"a")
        await terminal.read_until(lambda out: b"^Pa" in out)
        await terminal.send(b"\x10exit\r")  # a held Ctrl-P and what follows it in one frame
        await terminal.send(b"\x10")
        await terminal.send(b"\x10\r")  # a second Ctrl-P is an ordinary next key: both pass
        await terminal.read_until(lambda out: out.count(b"^Pa^Pexit") >= 2 and out.count(b"^P^P") >= 2)
        await terminal.send(b"\x10")
        await terminal.send(b"\x10\x11")  # the Ctrl-P that waited goes through; the pair detaches
        assert await terminal.wait_final() == {"type": "detached"}
    finally:
        await terminal.ws.disconnect()
    terminal = await attach_terminal(session_cookie, container["Id"])
    try:
        await terminal.send(b"x\r")
        await terminal.read_until(lambda out: b"^Px" in out)  # cat's line: the first Ctrl-P, then x
    finally:
        await terminal.ws.disconnect()


@pytest.mark.parametrize(
    "detach",
    [[b"\x10\x11"], [b"\x10", b"\x11"]],
    ids=["one frame", "split across two frames"],
)
async def test_no_key_of_the_detach_reaches_the_program(engine, docker_client, session_cookie, detach):
    # Issue 12, defect 1: the Ctrl-P used to reach busybox sh, which recalls the last command
    # with it, so an `exit` typed after attaching again ran `echo oneexit` and the shell stayed.
    container = engine.container("sh", tty=True, stdin_open=True)
    terminal = await attach_terminal(session_cookie, container["Id"])
    try:
        await terminal.send(b"echo one\r")
        await terminal.read_until(lambda out: out.count(b"one") >= 2)  # the echo, then its output
        for frame in detach:
            await terminal.send(frame)
        assert await terminal.wait_final() == {"type": "detached"}
    finally:
        await terminal.ws.disconnect()
    assert running(docker_client, container["Id"])
    terminal = await attach_terminal(session_cookie, container["Id"])
    try:
        await terminal.send(b"exit 3\r")
        await poll(lambda: not running(docker_client, container["Id"]), timeout=5, message="the shell to exit")
        assert await terminal.wait_final() == {"type": "exit", "code": 3}
    finally:
        await terminal.ws.disconnect()


async def test_it_passes_ctrl_p_ctrl_q_through_to_an_exec_program(engine, session_cookie):
    container = engine.container("sleep 300")
    # -ixon: otherwise the tty itself takes Ctrl-Q as flow control
    terminal = await exec_terminal(session_cookie, container["Id"], "?cmd=sh -c 'stty -ixon; echo ready; exec cat -v'")
    try:
        # Type only once stty has run: before it, the tty would take the Ctrl-Q itself.
        await terminal.read_until(lambda out: b"ready" in out)
        await terminal.send(b"\x10")  # exec keeps no detach keys: a lone Ctrl-P goes through at once
        await terminal.read_until(lambda out: b"^P" in out, timeout=5)
        await terminal.send(b"\x11x\r")
        await terminal.read_until(lambda out: out.count(b"^P^Qx") >= 2)  # echo, then cat's own output
        await terminal.send(b"\x10\x11y\r")  # and so does a pair in one frame
        await terminal.read_until(lambda out: out.count(b"^P^Qy") >= 2)
    finally:
        await terminal.ws.disconnect()


async def test_it_refuses_to_attach_to_a_stopped_container_unless_asked_to_start_it(engine, session_cookie):
    container = engine.container("sh", start=False, tty=True, stdin_open=True)
    terminal = await attach_terminal(session_cookie, container["Id"])
    final = await terminal.wait_final()
    assert final["type"] == "error" and "start it first" in final["message"]
    await terminal.ws.disconnect()


async def test_it_shows_the_live_output_of_a_server_process(engine, session_cookie):
    container = engine.container(["sh", "-c", "while true; do echo tick; sleep 0.2; done"])
    terminal = await attach_terminal(session_cookie, container["Id"])
    try:
        await terminal.read_until(lambda out: out.count(b"tick") >= 2)
    finally:
        await terminal.ws.disconnect()


# ---------------------------------------------------------------- 13. stdin EOF


async def test_it_closes_stdin_on_eof_and_the_program_exits_cleanly(engine, session_cookie):
    container = engine.container("cat", stdin_open=True)
    terminal = await attach_terminal(session_cookie, container["Id"])
    try:
        await terminal.send(b"hello\n")
        await terminal.read_until(lambda out: out == b"hello\n")
        await terminal.control({"type": "eof"})
        assert await terminal.wait_final() == {"type": "exit", "code": 0}
    finally:
        await terminal.ws.disconnect()


# ---------------------------------------------------------------- 18. a 64 KiB paste


async def test_it_delivers_a_64k_paste_intact(engine, session_cookie):
    container = engine.container("sleep 300")
    paste = b"".join(f"{n:05d}".encode() + b"x" * 58 + b"\n" for n in range(1024))  # 64 KiB in lines
    assert len(paste) == 65536
    terminal = await exec_terminal(session_cookie, container["Id"], "?cmd=sh -c 'stty -echo; md5sum'")
    try:
        for start in range(0, len(paste), 16384):  # as terminal.js sends it
            await terminal.send(paste[start : start + 16384])
        await terminal.send(b"\x04")
        assert (await terminal.wait_final(timeout=30))["code"] == 0
        assert hashlib.md5(paste).hexdigest().encode() in terminal.output
    finally:
        await terminal.ws.disconnect()


async def test_it_runs_full_screen_programs(engine, session_cookie):
    container = engine.container("sleep 300")
    terminal = await exec_terminal(session_cookie, container["Id"], "?cmd=top")
    try:
        await terminal.control({"type": "resize", "cols": 100, "rows": 30})
        await terminal.read_until(lambda out: b"PID" in out and b"\x1b[" in out)
        await terminal.send(b"q")
        assert (await terminal.wait_final())["type"] == "exit"
    finally:
        await terminal.ws.disconnect()
