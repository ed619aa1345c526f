"""Operator restrictions hold after create (issue 10, item 3): what an Operator may REACH.

With every restriction on (the default settings), an Operator may not exec into, attach to,
start, restart or unpause a container that has a restricted property, whoever made it: here
the test makes them through docker-py, as an admin would. Each refusal names the restriction
and is audited; the same actions on a plain container work, and an admin is never restricted.
"""

import asyncio
from html import unescape

import docker.errors
import docker.types
import pytest
from channels.db import database_sync_to_async

from accounts.models import AuditEntry
from accounts.restrictions import is_bind_volume
from accounts.roles import WEBSOCKET_FORBIDDEN
from containers import services
from tests.accounts.conftest import client_for
from tests.conftest import TEST_LABEL, random_name, wait_for
from tests.containers.test_bulk import run_bulk
from tests.streams.conftest import Terminal, open_socket

MARKER = "/berth-test-ran"


def overlay_volume(engine, tmp_path, **options) -> str:
    """A local volume that overlays a host directory: a bind mount the engine does not call one."""
    for part in ("lower", "upper", "work"):
        (tmp_path / part).mkdir(exist_ok=True)
    name = random_name("overlay")
    engine.client.api.create_volume(
        name,
        driver="local",
        labels=TEST_LABEL,
        driver_opts={
            "type": "overlay",
            "device": "overlay",
            "o": f"lowerdir={tmp_path / 'lower'},upperdir={tmp_path / 'upper'},workdir={tmp_path / 'work'}",
            **options,
        },
    )
    engine.volumes.append(name)
    return name


def peer(engine) -> str:
    return engine.container("sleep 300")["Id"]


# case: (host config of the container, words the refusal must hold)
CASES = {
    # The issue's own: `--net host --pid host --cap-add SYS_ADMIN -v /:/host:ro`.
    "host-everything": (
        lambda engine, tmp: {
            "network_mode": "host",
            "pid_mode": "host",
            "cap_add": ["SYS_ADMIN"],
            "binds": ["/:/host:ro"],
        },
        ["the host network", "the host PID namespace", "added capabilities", "bind mounts of host paths (/)"],
    ),
    "privileged": (lambda engine, tmp: {"privileged": True}, ["privileged mode"]),
    "device": (lambda engine, tmp: {"devices": ["/dev/null:/dev/berth-null:r"]}, ["devices"]),
    "volumes-from": (lambda engine, tmp: {"volumes_from": [peer(engine)]}, ["--volumes-from"]),
    "container-network": (
        lambda engine, tmp: {"network_mode": f"container:{peer(engine)}"},
        ["another container's network"],
    ),
    "mounts-bind": (
        lambda engine, tmp: {"mounts": [docker.types.Mount("/data", str(tmp), type="bind")]},
        ["bind mounts of host paths (/"],
    ),
    "overlay-volume": (
        lambda engine, tmp: {"binds": [f"{overlay_volume(engine, tmp)}:/data"]},
        ["volumes that bind-mount host paths"],
    ),
    "overlay-volume-mount": (
        lambda engine, tmp: {"mounts": [docker.types.Mount("/data", overlay_volume(engine, tmp), type="volume")]},
        ["volumes that bind-mount host paths"],
    ),
}


def make(engine, tmp_path, case: str, *, start: bool) -> tuple[dict, list[str]]:
    host, words = CASES[case]
    return engine.container("sleep 300", start=start, host=host(engine, tmp_path)), words


def start_as_admin(engine, container_id: str) -> None:
    """Start it through docker-py; skips the rest of a test where this engine cannot run it
    (a privileged container needs every capability, which an engine inside a container may lack)."""
    try:
        engine.client.api.start(container_id)
    except docker.errors.APIError as e:
        if "operation not permitted" not in str(e):
            raise
        pytest.skip(f"this engine cannot run it ({e.explanation}); the checks on the stopped container passed")


def state(engine, container_id: str) -> dict:
    return engine.client.api.inspect_container(container_id)["State"]


def denied(action: str, container_id: str) -> list[str]:
    return list(
        AuditEntry.objects.filter(action=action, object_id=container_id, outcome="denied").values_list(
            "message", flat=True
        )
    )


def assert_names(text: str, words: list[str], verb: str, name: str) -> None:
    text = unescape(text)
    assert f"Your role may not {verb} {name}: it uses " in text, text
    assert "an admin can allow it in Settings" in text
    for word in words:
        assert word in text, (word, text)


# ---------------------------------------------------------------- start, restart, unpause, bulk


@pytest.mark.django_db(transaction=True)  # the bulk job's thread writes its entry on its own connection
@pytest.mark.parametrize("case", CASES)
def test_an_operator_may_not_start_restart_or_unpause_it(case, operator_client, engine, tmp_path):
    container, words = make(engine, tmp_path, case, start=False)
    cid, name = container["Id"], container["Name"].lstrip("/")

    response = operator_client.post(f"/containers/{cid}/start/")
    assert response.status_code == 403
    assert_names(response.content.decode(), words, "start", name)
    html = run_bulk(operator_client, {"action": "start", "ids": [cid]})
    assert_names(html, words, "start", name)
    assert state(engine, cid)["Status"] == "created"
    assert any(words[0] in message for message in denied("container.start", cid))

    start_as_admin(engine, cid)
    started_at = state(engine, cid)["StartedAt"]
    response = operator_client.post(f"/containers/{cid}/restart/", {"timeout": "0"})
    assert response.status_code == 403
    assert_names(response.content.decode(), words, "restart", name)
    html = run_bulk(operator_client, {"action": "restart", "ids": [cid], "timeout": "0"})
    assert_names(html, words, "restart", name)
    assert state(engine, cid)["StartedAt"] == started_at
    assert any(words[0] in message for message in denied("container.restart", cid))

    engine.client.api.pause(cid)
    wait_for(lambda: state(engine, cid)["Paused"], message="the pause")  # set from containerd's event, after the answer
    response = operator_client.post(f"/containers/{cid}/unpause/")
    assert response.status_code == 403
    assert_names(response.content.decode(), words, "unpause", name)
    assert state(engine, cid)["Paused"]
    assert any(words[0] in message for message in denied("container.unpause", cid))


@pytest.mark.django_db
def test_an_htmx_refusal_lands_in_the_messages(operator_client, engine, tmp_path):
    container, words = make(engine, tmp_path, "privileged", start=False)
    response = operator_client.post(f"/containers/{container['Id']}/start/", headers={"HX-Request": "true"})
    assert response.status_code == 403 and response["HX-Retarget"] == "#messages"
    assert_names(response.content.decode(), words, "start", container["Name"].lstrip("/"))


@pytest.mark.django_db(transaction=True)
def test_a_bulk_action_goes_on_with_the_containers_within_reach(operator_client, engine, tmp_path):
    restricted, words = make(engine, tmp_path, "privileged", start=False)
    plain = engine.container("sleep 300", start=False)
    html = run_bulk(operator_client, {"action": "start", "ids": [restricted["Id"], plain["Id"]]})
    assert "✓ done" in html and "privileged mode" in html
    assert state(engine, plain["Id"])["Running"] and not state(engine, restricted["Id"])["Running"]
    [entry] = AuditEntry.objects.filter(action="container.bulk")  # one entry, each item's result in it
    outcomes = {item["id"]: item["outcome"] for item in entry.extra["items"]}
    assert outcomes == {plain["Id"]: "ok", restricted["Id"]: "denied"} and entry.outcome == "failed"


@pytest.mark.django_db(transaction=True)
def test_an_operator_still_starts_restarts_and_unpauses_a_plain_container(operator_client, engine):
    cid = engine.container("sleep 300", start=False)["Id"]
    assert operator_client.post(f"/containers/{cid}/start/").status_code == 302
    assert state(engine, cid)["Running"]
    started_at = state(engine, cid)["StartedAt"]
    assert operator_client.post(f"/containers/{cid}/restart/", {"timeout": "0"}).status_code == 302
    assert state(engine, cid)["StartedAt"] != started_at
    engine.client.api.pause(cid)
    wait_for(lambda: state(engine, cid)["Paused"], message="the pause")  # set from containerd's event, after the answer
    assert operator_client.post(f"/containers/{cid}/unpause/").status_code == 302
    wait_for(lambda: not state(engine, cid)["Paused"], message="the unpause")
    engine.client.api.stop(cid, timeout=0)
    run_bulk(operator_client, {"action": "start", "ids": [cid]})
    assert state(engine, cid)["Running"]
    assert not AuditEntry.objects.filter(outcome="denied").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["host-everything", "overlay-volume"])
def test_an_admin_is_never_restricted(case, admin_client_, engine, tmp_path):
    container, _ = make(engine, tmp_path, case, start=False)
    cid = container["Id"]
    assert admin_client_.post(f"/containers/{cid}/start/").status_code == 302
    assert state(engine, cid)["Running"]
    assert admin_client_.post(f"/containers/{cid}/restart/", {"timeout": "0"}).status_code == 302
    assert not AuditEntry.objects.filter(outcome="denied").exists()


# ---------------------------------------------------------------- what the pages say first


@pytest.mark.django_db
def test_the_container_page_tells_an_operator_before_a_button_is_tried(
    operator_client, viewer_client, admin_client_, engine, tmp_path
):
    container, words = make(engine, tmp_path, "overlay-volume", start=False)
    page = operator_client.get(f"/containers/{container['Id']}/").content.decode()
    assert_names(page, words, "start, restart, unpause, attach to or run commands in", container["Name"].lstrip("/"))
    assert "Your role may not" not in admin_client_.get(f"/containers/{container['Id']}/").content.decode()
    assert (
        "Your role may not" not in viewer_client.get(f"/containers/{container['Id']}/").content.decode()
    )  # no buttons to try
    plain = engine.container("sleep 300", start=False)
    assert "Your role may not" not in operator_client.get(f"/containers/{plain['Id']}/").content.decode()


@pytest.mark.django_db
def test_duplicate_edit_says_what_the_source_uses_that_the_role_may_not(
    operator_client, admin_client_, engine, tmp_path
):
    container, words = make(engine, tmp_path, "host-everything", start=False)
    page = operator_client.get(f"/containers/new/?from={container['Id']}").content.decode()
    assert_names(page, words, "duplicate", container["Name"].lstrip("/") + " as it is")
    plain = engine.container("sleep 300", start=False)
    assert (
        "Your role may not duplicate"
        not in operator_client.get(f"/containers/new/?from={plain['Id']}").content.decode()
    )
    assert "Your role may not" not in admin_client_.get(f"/containers/new/?from={container['Id']}").content.decode()


# ---------------------------------------------------------------- exec and attach sockets


async def refused(path: str, cookie: str) -> Terminal:
    ws, connected, _ = await open_socket(path, cookie)
    assert connected  # accepted first, so that the browser sees why
    terminal = Terminal(ws)
    final = await terminal.wait_final(10)
    assert final["type"] == "error", final
    assert (await ws.receive_output(5)) == {"type": "websocket.close", "code": WEBSOCKET_FORBIDDEN}
    await ws.disconnect()
    return terminal


def cookie_of(user) -> str:
    return f"sessionid={client_for(user).cookies['sessionid'].value}"


def exec_ids(engine, container_id: str) -> list:
    return engine.client.api.inspect_container(container_id).get("ExecIDs") or []


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", CASES)
async def test_an_operator_may_not_exec_into_or_attach_to_it(case, operator, engine, tmp_path):
    cookie = await database_sync_to_async(cookie_of)(operator)
    container, words = await asyncio.to_thread(make, engine, tmp_path, case, start=False)
    cid, name = container["Id"], container["Name"].lstrip("/")

    terminal = await refused(f"/ws/containers/{cid}/attach/?start=1", cookie)
    assert_names(terminal.final["message"], words, "attach to", name)
    assert (await asyncio.to_thread(state, engine, cid))["Status"] == "created"

    await asyncio.to_thread(start_as_admin, engine, cid)
    terminal = await refused(f"/ws/containers/{cid}/exec/?cmd=touch%20{MARKER}", cookie)
    assert_names(terminal.final["message"], words, "run commands in", name)
    assert terminal.output == b""
    assert await asyncio.to_thread(exec_ids, engine, cid) == []  # no exec was even created
    terminal = await refused(f"/ws/containers/{cid}/attach/", cookie)
    assert_names(terminal.final["message"], words, "attach to", name)

    assert len(await database_sync_to_async(denied)("container.exec", cid)) == 1
    messages = await database_sync_to_async(denied)("container.attach", cid)
    assert len(messages) == 2 and all(words[0] in message for message in messages)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_operator_still_execs_into_a_plain_container(operator, engine):
    cookie = await database_sync_to_async(cookie_of)(operator)
    container = await asyncio.to_thread(engine.container, "sleep 300")
    ws, connected, _ = await open_socket(f"/ws/containers/{container['Id']}/exec/?cmd=echo%20reached", cookie)
    terminal = Terminal(ws)
    assert connected
    await terminal.read_until(lambda output: b"reached" in output)
    assert (await terminal.wait_final())["type"] == "exit"
    await ws.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_admin_execs_into_a_restricted_container(admin_user, engine, tmp_path):
    cookie = await database_sync_to_async(cookie_of)(admin_user)
    container, _ = await asyncio.to_thread(make, engine, tmp_path, "host-everything", start=True)
    ws, connected, _ = await open_socket(f"/ws/containers/{container['Id']}/exec/?cmd=ls%20/host", cookie)
    terminal = Terminal(ws)
    assert connected
    await terminal.read_until(lambda output: b"etc" in output)
    assert (await terminal.wait_final())["type"] == "exit"
    await ws.disconnect()


# ---------------------------------------------------------------- which volumes count as bind mounts


@pytest.mark.parametrize(
    "options, bind",
    [
        ({"type": "none", "o": "bind", "device": "/srv"}, True),
        ({"type": "none", "device": "/srv"}, True),
        ({"type": "tmpfs", "device": "tmpfs", "o": "rbind,ro"}, True),
        ({"type": "bind", "device": "srv"}, True),
        ({"type": "overlay", "device": "overlay", "o": "lowerdir=/etc,upperdir=/u,workdir=/w"}, True),
        ({"type": "fuse.overlayfs", "device": "overlay", "o": "lowerdir=/etc"}, True),
        ({"type": "ext4", "device": "/dev/sdz9"}, True),
        ({"type": "tmpfs", "device": "tmpfs", "o": "size=10m"}, False),
        ({"type": "nfs", "device": ":/export", "o": "addr=10.0.0.1"}, False),
        ({}, False),
    ],
)
def test_it_tells_which_local_volumes_are_bind_mounts(engine, options, bind):
    name = random_name("vol")
    engine.client.api.create_volume(name, driver="local", driver_opts=options, labels=TEST_LABEL)
    engine.volumes.append(name)
    assert is_bind_volume(engine.client.api.inspect_volume(name)) is bind


def swap_names_after_the_check(monkeypatch, engine, harmless: dict, restricted: dict) -> str:
    """The name the request uses; once Berth has checked the container it names, the name moves
    to the restricted one (an operator may rename), as a second operator racing the check could.
    The services layer is wrapped only to hit that moment, which a real engine gives no hook for."""
    name = random_name("swap")
    engine.client.api.rename(harmless["Id"], name)
    check = services.container_reach

    def check_then_swap(container_id):
        reach = check(container_id)
        engine.client.api.rename(harmless["Id"], random_name("was"))
        engine.client.api.rename(restricted["Id"], name)
        return reach

    monkeypatch.setattr(services, "container_reach", check_then_swap)
    return name


@pytest.mark.django_db
def test_a_rename_after_the_check_does_not_start_the_restricted_container(
    operator_client, engine, tmp_path, monkeypatch
):
    restricted, _ = make(engine, tmp_path, "host-everything", start=False)
    harmless = engine.container("sleep 300", start=False)
    name = swap_names_after_the_check(monkeypatch, engine, harmless, restricted)
    operator_client.post(f"/containers/{name}/start/")
    assert not state(engine, restricted["Id"])["Running"]
    assert state(engine, harmless["Id"])["Running"]  # what was checked is what was started


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_rename_after_the_check_does_not_open_a_terminal_in_the_restricted_container(
    operator, engine, tmp_path, monkeypatch
):
    cookie = await database_sync_to_async(cookie_of)(operator)
    restricted, _ = await asyncio.to_thread(make, engine, tmp_path, "host-everything", start=True)
    harmless = await asyncio.to_thread(engine.container, "sleep 300")
    name = await asyncio.to_thread(swap_names_after_the_check, monkeypatch, engine, harmless, restricted)
    ws, connected, _ = await open_socket(f"/ws/containers/{name}/exec/?cmd=sleep%2030", cookie)
    assert connected
    try:
        await asyncio.to_thread(
            wait_for,
            lambda: exec_ids(engine, harmless["Id"]) or exec_ids(engine, restricted["Id"]),
            timeout=20,
            message="the exec",
        )
        assert await asyncio.to_thread(exec_ids, engine, restricted["Id"]) == []  # it ran where it was checked
    finally:
        await ws.disconnect()


def test_a_check_that_fails_for_one_container_leaves_the_others_results_whole(engine):
    from containers.bulk_jobs import bulk_action
    from dashboard.engine import EngineError

    broken, plain = engine.container("sleep 300", start=False), engine.container("sleep 300", start=False)
    targets = [c for c in services.list_containers(all=True) if c.id in (broken["Id"], plain["Id"])]

    def refusal(container_id: str) -> str:
        if container_id == broken["Id"]:
            raise EngineError("the inspect failed")  # what a real engine does not do on demand
        return ""

    results = {item.id: item for item in bulk_action("start", targets, refusal)}
    assert results[broken["Id"]].state == "failed" and results[broken["Id"]].error == "the inspect failed"
    assert results[plain["Id"]].state == "ok" and state(engine, plain["Id"])["Running"]
