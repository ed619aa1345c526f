"""Open sockets end with their session (issue 10, item 2), proved across real processes.

Two real Berth servers share one SQLite file: the terminal runs on the first, and every change
(logout, a new password, deactivation, a role change) is made through the second one's pages,
or by a `manage.py shell` of its own (session expiry). Nothing reaches the first process but
the database, as in a deployment with several processes and no channel layer.
"""

import ast
import asyncio
import csv
import io
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import requests
import websockets

from bench.common import free_port, server_command
from tests.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]
ADMIN, ADMIN_PASSWORD = "root-admin", "root-admin-password-1"
PASSWORD = "terminal-user-password-1"
ENDED_WITHIN = 6  # seconds: the watcher checks every second or two, and the machine is busy


@contextmanager
def server(env: dict, log_path: Path):
    port = free_port()
    with open(log_path, "ab") as log:
        process = subprocess.Popen(server_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def answering() -> bool:
        assert process.poll() is None, log_path.read_text()[-2000:]
        try:
            return requests.get(base + "/accounts/login/", timeout=10).status_code == 200
        except requests.RequestException:  # not up yet, or too busy to answer (a loaded CI machine)
            return False

    try:
        wait_for(answering, timeout=60, message=f"Berth on {base}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


class Deployment:
    """Two Berth processes on one database; `shell()` runs Python in a third one."""

    def __init__(self, env: dict, terminals: str, pages: str):
        self.env, self.terminals, self.pages = env, terminals, pages

    def shell(self, code: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def make_user(self, role: str) -> str:
        name = f"term-{secrets.token_hex(3)}"
        self.shell(
            "from django.contrib.auth.models import User; from accounts.models import Membership; "
            f"u = User.objects.create_user({name!r}, password={PASSWORD!r}); "
            f"Membership.objects.create(user=u, role={role!r})"
        )
        return name

    def user_id(self, name: str) -> int:
        return int(
            self.shell(
                f"from django.contrib.auth.models import User; print(User.objects.get(username={name!r}).pk)"
            ).split()[-1]
        )

    def log_in(self, base: str, name: str, password: str = PASSWORD) -> requests.Session:
        browser = requests.Session()
        token = csrf_token(browser, base + "/accounts/login/")
        response = browser.post(
            base + "/accounts/login/",
            data={"username": name, "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": base + "/accounts/login/"},
        )
        assert "/accounts/login/" not in response.url, f"could not log in as {name}"
        return browser

    def audit_rows(self, action: str) -> list[dict]:
        """The audit log's CSV export of `action`, read through the second server as its admin."""
        if getattr(self, "admin", None) is None:
            self.admin = self.log_in(self.pages, ADMIN, ADMIN_PASSWORD)
        answer = self.admin.get(self.pages + "/audit/export.csv", params={"action": action})
        assert answer.status_code == 200
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        for row in rows:
            row["extra"] = ast.literal_eval(row["extra"] or "{}")
        return rows


def csrf_token(browser: requests.Session, url: str) -> str:
    page = browser.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def post_form(browser: requests.Session, base: str, form_page: str, action: str, data: dict) -> requests.Response:
    token = csrf_token(browser, base + form_page)
    return browser.post(
        base + action, data={**data, "csrfmiddlewaretoken": token}, headers={"Referer": base + form_page}
    )


@pytest.fixture(scope="module")
def deployment():
    workdir = Path(tempfile.mkdtemp(prefix="berth-session-end-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SUPERUSER_USERNAME": ADMIN,
        "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0", "--noinput"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "ensure_admin"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    with ExitStack() as stack:
        terminals = stack.enter_context(server(env, workdir / "terminals.log"))
        pages = stack.enter_context(server(env, workdir / "pages.log"))
        yield Deployment(env, terminals, pages)


class OpenSocket:
    def __init__(self, base: str, path: str, browser: requests.Session):
        self.url = base.replace("http://", "ws://") + path
        self.origin, self.cookie = base, f"sessionid={browser.cookies['sessionid']}"

    async def __aenter__(self):
        self.socket = await websockets.connect(self.url, origin=self.origin, additional_headers={"Cookie": self.cookie})
        return self.socket

    async def __aexit__(self, *exc):
        await self.socket.close()


async def shell_ready(socket) -> None:
    """Types into the exec'd shell and sees the answer: the terminal is really running."""
    await socket.send(b"echo $((6*7))x\r")
    output = b""
    while b"42x" not in output:
        message = await asyncio.wait_for(socket.recv(), 15)
        assert isinstance(message, bytes), message
        output += message


async def ended(socket) -> tuple[dict, int]:
    """The error frame and the close code that end the socket, within ENDED_WITHIN seconds."""
    deadline = time.monotonic() + ENDED_WITHIN
    frame = None
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            message = await asyncio.wait_for(socket.recv(), max(0.01, deadline - time.monotonic()))
            if isinstance(message, str):
                frame = json.loads(message)
    return frame, closed.value.rcvd.code


def exec_processes(docker_client, container_id: str) -> list[str]:
    """The shells exec started (`cmd=sh`); the container's own command is never a bare `sh`."""
    top = docker_client.api.top(container_id, ps_args="-o pid,args")
    return [process[-1] for process in top["Processes"] if process[-1] == "sh"]


def ending_entry(deployment: Deployment, name: str, kind: str) -> dict | None:
    for row in deployment.audit_rows("container.exec"):
        extra = row["extra"]
        if row["username"] == name and extra.get("phase") == "close" and extra.get("ended") == kind:
            return row
    return None


async def check_exec_ends(deployment, engine, docker_client, trigger, *, code: int, says: str, kind: str = "session"):
    """Opens a real exec terminal as a new operator on the first server, makes the change
    with `trigger(name, browser)`, and sees the terminal end: error frame, close code, the
    process killed and the end audited."""
    container = engine.container("sleep 300")
    name = deployment.make_user("operator")
    browser = deployment.log_in(deployment.terminals, name)
    async with OpenSocket(deployment.terminals, f"/ws/containers/{container['Id']}/exec/?cmd=sh", browser) as socket:
        await shell_ready(socket)
        assert exec_processes(docker_client, container["Id"])
        await asyncio.to_thread(trigger, name, browser)
        frame, closed_with = await ended(socket)
    assert closed_with == code
    assert frame["type"] == "error" and says in frame["message"], frame
    wait_for(lambda: not exec_processes(docker_client, container["Id"]), timeout=10, message="the exec'd shell killed")
    entry = wait_for(
        lambda: ending_entry(deployment, name, kind), timeout=10, interval=0.5, message="the end in the audit log"
    )
    assert entry["outcome"] == "denied"
    return entry


def test_a_logout_elsewhere_ends_the_terminal(deployment, engine, docker_client):
    def log_out(name, browser):
        post_form(browser, deployment.pages, "/", "/accounts/logout/", {})

    entry = asyncio.run(check_exec_ends(deployment, engine, docker_client, log_out, code=4401, says="Log in again"))
    assert "session ended" in entry["message"]


def test_a_logout_elsewhere_ends_a_log_stream_too(deployment, engine, docker_client):
    container = engine.container(["sh", "-c", "while true; do echo tick; sleep 0.2; done"])
    name = deployment.make_user("viewer")

    async def scenario():
        browser = deployment.log_in(deployment.terminals, name)
        async with OpenSocket(
            deployment.terminals, f"/ws/containers/{container['Id']}/logs/?follow=1&tail=1", browser
        ) as logs:
            assert await asyncio.wait_for(logs.recv(), 10)
            await logs.send('{"type":"ack"}')
            await asyncio.to_thread(post_form, browser, deployment.pages, "/", "/accounts/logout/", {})
            return await ended(logs)

    frame, code = asyncio.run(scenario())
    assert code == 4401
    assert frame == {"type": "error", "message": "Your session ended (logged out). Log in again."}
    rows = wait_for(
        lambda: [row for row in deployment.audit_rows("websocket.ended") if row["username"] == name],
        timeout=10,
        interval=0.5,
        message="websocket.ended in the audit log",
    )
    assert rows[0]["outcome"] == "denied" and rows[0]["object_id"] == container["Id"]
    assert rows[0]["extra"]["stream"] == "logs" and rows[0]["extra"]["code"] == 4401


def test_an_expired_session_ends_the_terminal(deployment, engine, docker_client):
    def expire(name, browser):
        deployment.shell(
            "import datetime; from django.utils import timezone; from django.contrib.sessions.models import Session; "
            f"assert Session.objects.filter(session_key={browser.cookies['sessionid']!r})"
            ".update(expire_date=timezone.now() - datetime.timedelta(seconds=1)) == 1"
        )

    entry = asyncio.run(check_exec_ends(deployment, engine, docker_client, expire, code=4401, says="expired"))
    assert entry["message"] == "session expired"


def test_a_deactivation_ends_the_terminal(deployment, engine, docker_client):
    def deactivate(name, browser):
        admin = deployment.log_in(deployment.pages, ADMIN, ADMIN_PASSWORD)
        post_form(admin, deployment.pages, "/users/", f"/users/{deployment.user_id(name)}/deactivate/", {})

    entry = asyncio.run(check_exec_ends(deployment, engine, docker_client, deactivate, code=4401, says="deactivated"))
    assert entry["message"] == "account deactivated"


def test_a_password_set_by_an_admin_ends_the_terminal(deployment, engine, docker_client):
    def reset(name, browser):
        admin = deployment.log_in(deployment.pages, ADMIN, ADMIN_PASSWORD)
        page = f"/users/{deployment.user_id(name)}/password/"
        answer = post_form(
            admin,
            deployment.pages,
            page,
            page,
            {"new_password1": "a-new-password-7", "new_password2": "a-new-password-7"},
        )
        assert answer.url.endswith("/users/"), answer.text[-500:]

    entry = asyncio.run(
        check_exec_ends(deployment, engine, docker_client, reset, code=4401, says="password was changed")
    )
    assert entry["message"] == "password changed"


def test_the_users_own_password_change_ends_the_terminal(deployment, engine, docker_client):
    def change(name, browser):
        # Another browser of the same user: the terminal's session keeps its key, its hash goes stale.
        elsewhere = deployment.log_in(deployment.pages, name)
        page = "/accounts/password_change/"
        answer = post_form(
            elsewhere,
            deployment.pages,
            page,
            page,
            {"old_password": PASSWORD, "new_password1": "another-password-8", "new_password2": "another-password-8"},
        )
        assert answer.url.endswith("/password_change/done/"), answer.text[-500:]

    entry = asyncio.run(
        check_exec_ends(deployment, engine, docker_client, change, code=4401, says="password was changed")
    )
    assert entry["message"] == "password changed"


def test_a_demotion_to_viewer_ends_terminals_but_not_log_streams(deployment, engine, docker_client):
    container = engine.container(["sh", "-c", "while true; do echo tick; sleep 0.2; done"])
    name = deployment.make_user("operator")

    def demote(name, browser):
        admin = deployment.log_in(deployment.pages, ADMIN, ADMIN_PASSWORD)
        post_form(admin, deployment.pages, "/users/", f"/users/{deployment.user_id(name)}/role/", {"role": "viewer"})

    async def scenario():
        browser = deployment.log_in(deployment.terminals, name)
        base, cid = deployment.terminals, container["Id"]
        async with (
            OpenSocket(base, f"/ws/containers/{cid}/logs/?follow=1&tail=1", browser) as logs,
            OpenSocket(base, f"/ws/containers/{cid}/attach/", browser) as attach,
            OpenSocket(base, f"/ws/containers/{cid}/exec/?cmd=sh", browser) as exec_,
        ):
            await shell_ready(exec_)
            await asyncio.to_thread(demote, name, browser)
            for socket in (exec_, attach):
                frame, code = await ended(socket)
                assert code == 4403
                assert frame == {"type": "error", "message": "Your role no longer allows this terminal."}
            # The same checks judged the log socket: it is still streaming, for a few ticks more.
            until = time.monotonic() + 3
            while time.monotonic() < until:
                await logs.send('{"type":"ack"}')
                assert await asyncio.wait_for(logs.recv(), 5)

    asyncio.run(scenario())
    wait_for(lambda: not exec_processes(docker_client, container["Id"]), timeout=10, message="the exec'd shell killed")
    assert wait_for(
        lambda: ending_entry(deployment, name, "role"),
        timeout=10,
        interval=0.5,
        message="the exec's end in the audit log",
    )
    attach_rows = [row for row in deployment.audit_rows("container.attach") if row["username"] == name]
    assert any(row["extra"].get("ended") == "role" for row in attach_rows), attach_rows
    assert not [row for row in deployment.audit_rows("websocket.ended") if row["username"] == name]


# ---------------------------------------------------------------- in one process: the watcher's cost


@pytest.mark.django_db
def test_one_check_of_many_sockets_costs_a_few_queries(django_user_model, django_assert_max_num_queries):
    from django.test import Client

    from accounts.session_watch import Watched, endings

    watched = []
    for index in range(10):
        person = django_user_model.objects.create_user(f"watched-{index}", password=PASSWORD)
        client = Client()  # a session each: a second login on one client would end the first
        client.force_login(person)
        key = client.cookies["sessionid"].value
        watched += [Watched(key, person.pk, role) for role in ("viewer", "operator", "operator")]
    with django_assert_max_num_queries(2):
        found = endings(watched)
    assert {w.role for w in found} == {"operator"}  # viewers all: their terminals end, their logs go on
    assert all(ending.code == 4403 for ending in found.values())


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_one_watcher_task_serves_every_socket_of_a_process(engine, session_cookie):
    from accounts import session_watch
    from tests.streams.conftest import open_socket

    container = engine.container(["sh", "-c", "echo hi; sleep 300"])
    sockets = []
    for _ in range(5):
        ws, connected, _ = await open_socket(f"/ws/containers/{container['Id']}/logs/?follow=1", session_cookie)
        assert connected
        sockets.append(ws)
    # A socket is watched once begun, which may follow its accept (a first engine client is made then).
    for _ in range(100):
        watchers = [task for task in asyncio.all_tasks() if task.get_name() == "berth-session-watch"]
        if len(session_watch._watcher().sockets) == 5:
            break
        await asyncio.sleep(0.05)
    assert len(watchers) == 1 and len(session_watch._watcher().sockets) == 5
    for ws in sockets:
        await ws.disconnect()
    await asyncio.wait_for(watchers[0], 5)  # nothing left to watch: the task ends


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_watcher_keeps_one_connection_and_opens_another_after_a_failure(monkeypatch, django_user_model):
    """Its checks run in a thread of its own on one kept connection (database_sync_to_async
    opened one a tick: a third of Berth's CPU in bench/live_stats.py), closed when the watching
    ends; a check that failed closes it, and the next tick connects again. A database failure
    on demand is the one thing made here: endings() fails once."""
    from channels.db import database_sync_to_async
    from django.db import connections
    from django.db.backends.signals import connection_created

    from accounts import session_watch

    opened, closed_sockets = [], []

    def created(sender, connection, **kwargs):
        opened.append((connection, threading.current_thread().name))

    connection_created.connect(created)
    monkeypatch.setattr(session_watch, "CHECK_SECONDS", 0.05)
    real, failures = session_watch.endings, iter([True])

    def failing_once(watched):
        if next(failures, False):
            raise session_watch.get_user_model().DoesNotExist("the database went away")
        return real(watched)

    person = await database_sync_to_async(django_user_model.objects.create_user)("kept", password=PASSWORD)
    wrapper = type(connections["default"])
    closes, close = [], wrapper.close

    def recorded_close(self):
        closes.append((self, threading.current_thread().name))
        close(self)  # a no-op for the tests' in-memory SQLite, which the test run keeps

    monkeypatch.setattr(wrapper, "close", recorded_close)

    class Socket:
        scope = {"session": type("S", (), {"session_key": "no-such-session"})(), "user": person}

        async def end_session(self, ending):
            closed_sockets.append(ending)

    try:
        monkeypatch.setattr(session_watch, "endings", failing_once)
        session_watch.watch(Socket(), "viewer")
        await asyncio.sleep(0.3)  # the failing tick, then the next ones
    finally:
        connection_created.disconnect(created)
    assert [ending.code for ending in closed_sockets] == [4401]  # the next tick found the session gone
    watcher = session_watch._watcher()
    await asyncio.wait_for(watcher.task, 5)  # its one socket ended: the watching ends
    watchers = [connection for connection, thread in opened if thread.startswith("berth-session-watch")]
    assert len(watchers) == 1, opened  # the failing tick failed before its query: one connection
    await asyncio.sleep(0.1)  # the last close is handed to the watcher's thread
    assert [thread for _, thread in closes] == ["berth-session-watch_0"] * 2  # after the failure, at the end
