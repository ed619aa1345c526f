"""Exec terminals: a command run in a running container, and killed when its socket closes,
since the Engine API has no call that would do it. tty=True on create *and* start.
"""

from __future__ import annotations

import io
import logging
import shlex
import tarfile
import threading
import time
from dataclasses import dataclass

from django.utils.translation import gettext as _

from containers import services
from containers.streams import sockets
from containers.streams.sockets import quietly
from containers.streams.terminals import ENGINE_DETACH_KEYS, Terminal
from dashboard.engine import EngineError, get_client, translate, user_message

log = logging.getLogger(__name__)

NOT_SHELLS = ("nologin", "false", "sync", "shutdown", "halt")


def _passwd_entries(container_id: str) -> list[list[str]]:
    """/etc/passwd of the container, read through the archive API (no process needed)."""
    try:
        stream, _ = get_client().api.get_archive(container_id, "/etc/passwd")
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.next()
            content = tar.extractfile(member).read() if member is not None and member.isfile() else b""
    except Exception:  # noqa: BLE001 - no such file: the container has no passwd database
        return []
    return [line.split(":") for line in content.decode("utf-8", "replace").splitlines() if line.count(":") >= 6]


def login_shell(container_id: str, user: str = "") -> str:
    """The login shell /etc/passwd gives the user (root when none), or "" if it names none."""
    name = (user or "root").split(":")[0]
    for entry in _passwd_entries(container_id):
        if name in (entry[0], entry[2]):
            shell = entry[6].strip()
            if shell and not shell.rsplit("/", 1)[-1].startswith(NOT_SHELLS):
                return shell
            return ""
    return ""


# The exec'd command runs under `sh`, which prints its pid first (stripped from the output) so
# that Berth can kill the process and everything in its session when the socket closes. A
# missing shell falls back to sh with a readable message; any other missing command says so.
EXEC_WRAPPER = (
    'echo "$$"; '
    'if ! command -v "$1" >/dev/null 2>&1; then '
    'case "${1##*/}" in bash|zsh|fish|ash|ksh|dash) '
    'echo "berth: $1 is not installed in this container: starting sh instead."; set -- sh;; '
    '*) echo "berth: $1: command not found in this container." >&2; exit 127;; esac; fi; '
    'exec "$@"'
)
KILL_SESSION = (
    "for stat in /proc/[0-9]*/stat; do "
    'read -r pid comm state ppid pgrp session rest < "$stat" 2>/dev/null || continue; '
    '[ "$session" = "$1" ] && kill -KILL "$pid" 2>/dev/null; '
    'done; kill -KILL "$1" 2>/dev/null; exit 0'  # not UI: a shell script
)


@dataclass
class ExecChoice:
    argv: list[str]
    note: str = ""  # said in the terminal before the process starts


def choose_command(container_id: str, cmd: str, user: str) -> ExecChoice:
    if cmd.strip():
        return ExecChoice(shlex.split(cmd))
    shell = login_shell(container_id, user)
    if shell:
        return ExecChoice(
            [shell],
            _("berth: starting %(shell)s, the login shell of %(user)s in /etc/passwd.")
            % {"shell": shell, "user": user or "root"}
            + "\r\n",
        )
    return ExecChoice(["bash"])  # EXEC_WRAPPER falls back to sh, with a message, when bash is missing


class ExecSession(Terminal):
    def __init__(self, container_id: str, cmd: str = "", user: str = "", workdir: str = ""):
        super().__init__()
        self.facts = services.get_container(container_id)
        self.container_id = self.facts.id
        self.cmd, self.user, self.workdir = cmd, user, workdir
        self.exec_id = ""
        self.note = ""
        self.command = ""
        self.pid: int | None = None
        # Keystrokes wait until the wrapper has printed the pid: the tty would echo them first.
        self.held_input = b""
        self.input_lock = threading.Lock()
        self.killed = False
        self.first = b""  # output before the wrapper's process id line is complete

    def open(self) -> None:
        if not self.facts.running:
            raise EngineError(_("%(name)s is not running: exec needs a running container.") % {"name": self.facts.name})
        try:
            choice = choose_command(self.container_id, self.cmd, self.user or self.facts.user)
        except ValueError as e:
            raise EngineError(_("Bad command: %(error)s") % {"error": e}) from None
        api = get_client().api
        created = translate(
            lambda: api.exec_create(
                self.container_id,
                ["sh", "-c", EXEC_WRAPPER, "sh", *choice.argv],
                stdin=True,
                tty=True,
                user=self.user,
                workdir=self.workdir or None,
                environment={"TERM": "xterm-256color"},
                detach_keys=ENGINE_DETACH_KEYS,  # the engine's default would swallow Ctrl-P Ctrl-Q
            )
        )
        self.exec_id = created["Id"]
        self.sock, self.early = sockets.exec_socket(self.exec_id)
        self.note = choice.note
        self.command = shlex.join(choice.argv)  # what really runs, for the audit log

    def _resize(self, cols: int, rows: int) -> None:
        get_client().api.exec_resize(self.exec_id, height=rows, width=cols)

    def write(self, data: bytes) -> None:
        with self.input_lock:
            if not self.started.is_set():
                self.held_input += data
                return
            super().write(data)

    def _started(self) -> None:
        with self.input_lock:
            self.started.set()
            held, self.held_input = self.held_input, b""
            if held:
                quietly(lambda: super(ExecSession, self).write(held))
        self.size_due = True

    def output(self, data: bytes) -> bytes:
        if self.pid is not None or self.started.is_set():
            return data
        # The wrapper prints the process id first, on a line of its own.
        self.first += data
        newline = self.first.find(b"\n")
        if newline < 0 and len(self.first) < 64:
            return b""
        head = self.first[:newline].strip() if newline >= 0 else b""
        if head.isdigit():
            self.pid, data = int(head), self.first[newline + 1 :]
        else:
            data = self.first  # the wrapper did not run (no sh?): show what the engine said
        self.first = b""
        self._started()
        return data

    def greeting(self) -> bytes:
        return self.note.encode()

    def output_end(self) -> bytes:
        rest, self.first = self.first, b""
        return rest

    def kill(self) -> None:
        """Kill the process and its whole session: closing the socket would leave it running."""
        if self.pid is None or not self.exec_id:
            return
        api = get_client().api
        try:
            if not api.exec_inspect(self.exec_id).get("Running"):
                return
            killer = api.exec_create(self.container_id, ["sh", "-c", KILL_SESSION, "sh", str(self.pid)], user="0")
            api.exec_start(killer["Id"])
            self.killed = True
        except Exception:
            log.debug("killing exec %s failed", self.exec_id, exc_info=True)

    def outcome(self) -> dict:
        if not self.exec_id:
            return {"type": "error", "message": _("The process did not start.")}
        deadline = time.monotonic() + 5
        while True:
            try:
                info = get_client().api.exec_inspect(self.exec_id)
            except Exception as e:  # noqa: BLE001 - said to the user, never lost
                return {"type": "error", "message": user_message(e)}
            if not info.get("Running") or time.monotonic() > deadline:
                code = info.get("ExitCode")
                if self.pid is None and code in (126, 127, None):
                    return {
                        "type": "error",
                        "message": _("The command could not be started (exit code %(code)s).") % {"code": code},
                    }
                return {"type": "exit", "code": code if code is not None else -1}
            time.sleep(0.05)
