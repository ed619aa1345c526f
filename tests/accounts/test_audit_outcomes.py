"""Every attempted change is audited with the outcome the view says (issue 10, item 4), against
the real engine: a slow engine, a pulled Run, bulk actions and confirmation pages."""

import pytest
from django.db import OperationalError

from accounts.models import AuditEntry
from dashboard import engine as dashboard_engine
from tests.conftest import random_name, wait_for
from tests.containers.test_bulk import run_bulk
from tests.images import BUSYBOX_IMAGE
from tests.slow_engine import SlowEngine
from tests.test_images_app.test_pull import OPEN_REGISTRY, build_push_and_forget

pytestmark = pytest.mark.django_db

# Berth gives up on the engine after DOCKER_TIMEOUT (10 s by default); the proxy holds each POST
# a little longer than that. Both are lowered so the test takes seconds, not a quarter minute:
# what matters is only that the answer comes after Berth stopped waiting.
TIMEOUT, HOLD = 2, 4


@pytest.fixture
def slow_engine(tmp_path_factory, monkeypatch, settings):
    settings.DOCKER_TIMEOUT = TIMEOUT
    path = tmp_path_factory.mktemp("slow") / "docker.sock"  # short: a unix socket path has ~108 bytes
    with SlowEngine(path, hold=HOLD) as slow:
        monkeypatch.setenv("DOCKER_HOST", slow.docker_host)
        dashboard_engine.reset_client()
        yield slow
        dashboard_engine.reset_client()
        monkeypatch.delenv("DOCKER_HOST")


def entries(action: str) -> list[AuditEntry]:
    """The entries so far; none while the table is locked. The tests' SQLite is an in-memory
    database in shared-cache mode, whose table locks fail a read at once (no busy timeout) while
    a pull's thread writes its entry; a file database, as Berth runs on, waits instead."""
    try:
        return list(AuditEntry.objects.filter(action=action).order_by("id"))
    except OperationalError as e:
        if "locked" not in str(e):
            raise
        return []


def running(docker_client, container_id: str) -> bool:
    return docker_client.api.inspect_container(container_id)["State"]["Running"]


# ---------------------------------------------------------------- an engine that answers too late


def test_a_start_the_engine_answers_too_late_is_unknown_and_the_page_links_to_it(
    operator_client, engine, docker_client, slow_engine
):
    container = engine.container("sleep 300", start=False)
    response = operator_client.post(f"/containers/{container['Id']}/start/")
    assert response.status_code == 503
    html = response.content.decode()
    assert "The engine did not answer in time; the change may still have happened." in html
    assert f'href="/containers/{container["Id"]}/"' in html
    [entry] = entries("container.start")
    assert (entry.outcome, entry.message, entry.object_id, entry.username) == (
        "unknown",
        "engine timed out",
        container["Id"],
        "otto",
    )
    assert slow_engine.held
    wait_for(lambda: running(docker_client, container["Id"]), message="the held start to reach the engine")


def test_an_htmx_start_the_engine_answers_too_late_says_so_in_the_messages(
    operator_client, engine, docker_client, slow_engine
):
    container = engine.container("sleep 300", start=False)
    response = operator_client.post(
        f"/containers/{container['Id']}/start/",
        headers={"HX-Request": "true", "HX-Target": f"container-row-{container['Id']}"},
    )
    # Swapped into #messages (base.html's htmx-config swaps 503), not lost on the row.
    assert (response.status_code, response["HX-Retarget"]) == (503, "#messages")
    html = response.content.decode()
    assert "the change may still have happened" in html and f'href="/containers/{container["Id"]}/"' in html
    assert entries("container.start")[0].outcome == "unknown"
    wait_for(lambda: running(docker_client, container["Id"]), message="the held start to reach the engine")


def test_a_create_the_engine_answers_too_late_is_unknown_and_links_to_the_list(
    operator_client, engine, docker_client, slow_engine
):
    name = random_name("late")
    response = operator_client.post(
        "/containers/new/", {"image": BUSYBOX_IMAGE, "labels": "berth.test=1", "action": "create", "name": name}
    )
    assert response.status_code == 503
    assert 'href="/containers/"' in response.content.decode()
    [entry] = entries("container.create")
    assert (entry.outcome, entry.message) == ("unknown", "engine timed out")
    created = wait_for(
        lambda: docker_client.api.containers(all=True, filters={"name": name}),
        message="the held create to reach the engine",
    )
    engine.track_container(created[0]["Id"])


def test_a_refused_connection_is_failed_not_unknown(operator_client, engine, tmp_path_factory, monkeypatch):
    container = engine.container("sleep 300", start=False)
    nobody = tmp_path_factory.mktemp("none") / "docker.sock"  # no engine listens here
    monkeypatch.setenv("DOCKER_HOST", f"unix://{nobody}")
    dashboard_engine.reset_client()
    try:
        response = operator_client.post(f"/containers/{container['Id']}/start/")
    finally:
        dashboard_engine.reset_client()
    assert response.status_code == 503 and "may still have happened" not in response.content.decode()
    [entry] = entries("container.start")
    assert entry.outcome == "failed" and entry.message.startswith("engine not answering")


# ---------------------------------------------------------------- a Run that pulls first


@pytest.mark.registry
@pytest.mark.django_db(transaction=True)  # the pull's thread writes the entry on its own connection
def test_a_pulled_create_is_audited_when_the_container_exists(operator_client, engine, docker_client):
    reference = build_push_and_forget(docker_client, engine, OPEN_REGISTRY, "RUN echo pulled > /pulled")
    name = random_name("pulled")
    response = operator_client.post(
        "/containers/new/", {"image": reference, "labels": "berth.test=1", "action": "create", "name": name}
    )
    assert response.status_code == 302 and response["Location"].startswith("/images/pulls/")
    # Written in the pull's thread once the container exists, never before: entry first, then container.
    if entries("container.create"):
        assert docker_client.api.containers(all=True, filters={"name": name})
    [entry] = wait_for(lambda: entries("container.create"), timeout=120, message="the pulled create's entry")
    [created] = docker_client.api.containers(all=True, filters={"name": name})
    engine.track_container(created["Id"])
    assert (entry.outcome, entry.object_id, entry.object_name, entry.username) == ("ok", created["Id"], name, "otto")


@pytest.mark.registry
@pytest.mark.django_db(transaction=True)  # the pull's thread writes the entry on its own connection
def test_a_pulled_create_that_fails_records_the_engines_words(operator_client, engine, docker_client):
    reference = build_push_and_forget(docker_client, engine, OPEN_REGISTRY, "RUN echo refused > /refused")
    name = random_name("refused")
    # The form does not count the host's CPUs; the engine refuses too many at create, after the pull.
    response = operator_client.post(
        "/containers/new/",
        {"image": reference, "labels": "berth.test=1", "action": "create", "name": name, "cpus": "1000"},
    )
    assert response.status_code == 302
    [entry] = wait_for(lambda: entries("container.create"), timeout=120, message="the pulled create's entry")
    assert entry.outcome == "failed" and "Range of CPUs is from" in entry.message, entry.message
    assert (entry.object_name, entry.username) == (name, "otto")
    assert not docker_client.api.containers(all=True, filters={"name": name})


@pytest.mark.registry
@pytest.mark.django_db(transaction=True)  # the pull's thread writes the entry on its own connection
def test_a_run_whose_pull_fails_is_failed(operator_client):
    missing = f"{OPEN_REGISTRY}/{random_name('missing')}:v1"
    response = operator_client.post("/containers/new/", {"image": missing, "action": "create"})
    assert response.status_code == 302
    [entry] = wait_for(lambda: entries("container.create"), timeout=60, message="the failed pull's entry")
    assert entry.outcome == "failed" and entry.message


# ---------------------------------------------------------------- bulk actions and confirmations


@pytest.mark.django_db(transaction=True)  # the bulk job's thread writes the entry on its own connection
def test_a_bulk_action_is_one_entry_with_each_items_result_and_its_confirmation_none(
    operator_client, engine, docker_client
):
    busy = engine.container("sleep 300")
    idle = engine.container("true", start=False)
    ids = [busy["Id"], idle["Id"]]
    page = operator_client.post("/containers/bulk/", {"action": "remove", "ids": ids})
    assert page.status_code == 200 and "Remove 2 containers?" in page.content.decode()
    assert not AuditEntry.objects.exists()  # the confirmation page did nothing
    run_bulk(operator_client, {"action": "remove", "ids": ids})
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.outcome, entry.message) == ("container.bulk", "failed", "1 of 2 did not succeed")
    assert entry.extra["action"] == "remove"
    items = {item["id"]: item for item in entry.extra["items"]}
    assert items[idle["Id"]] == {"id": idle["Id"], "name": idle["Name"].lstrip("/"), "outcome": "ok", "message": ""}
    assert items[busy["Id"]]["outcome"] == "failed"
    assert "You cannot remove a running container" in items[busy["Id"]]["message"]


@pytest.mark.django_db(transaction=True)
def test_a_bulk_action_that_all_worked_is_ok(operator_client, engine, docker_client):
    ids = [engine.container("sleep 300")["Id"] for _ in range(2)]
    run_bulk(operator_client, {"action": "stop", "ids": ids, "timeout": "0"})
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.outcome) == ("container.bulk", "ok")
    assert [item["outcome"] for item in entry.extra["items"]] == ["ok", "ok"]


def test_a_bulk_post_without_containers_is_rejected(operator_client):
    operator_client.post("/containers/bulk/", {"action": "stop"})
    [entry] = AuditEntry.objects.all()
    assert entry.outcome == "rejected" and "No containers to act on" in entry.message


def test_a_kill_without_confirm_records_nothing_and_with_it_one_entry(operator_client, engine, docker_client):
    container = engine.container("sleep 300")
    page = operator_client.post(f"/containers/{container['Id']}/kill/")
    assert page.status_code == 200
    assert not AuditEntry.objects.exists()
    operator_client.post(f"/containers/{container['Id']}/kill/", {"confirm": "1"})
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.outcome, entry.object_name) == ("container.kill", "ok", container["Name"].lstrip("/"))


def test_an_engine_refusal_is_failed_with_the_engines_words(operator_client, engine):
    container = engine.container("sleep 300")
    operator_client.post(f"/containers/{container['Id']}/unpause/")
    [entry] = AuditEntry.objects.all()
    assert entry.outcome == "failed" and "is not paused" in entry.message
