"""Bulk actions over a selection and over everything (SCENARIOS 7), run as jobs (issue 11, items 2 and 9)."""

import pytest

from containers import services
from containers.own import own_container_ids
from dashboard.times import parse_engine_time
from tests.conftest import random_name, wait_for

# The job's thread writes the audit entry on its own database connection.
pytestmark = pytest.mark.django_db(transaction=True)


def running(docker_client, cid: str) -> bool:
    return docker_client.api.inspect_container(cid)["State"]["Running"]


def finished_page(client, url: str) -> str:
    """The job's page once every item has ended (it says "Finished")."""
    return wait_for(
        lambda: (html := client.get(url).content.decode()) and "Finished:" in html and html,
        timeout=60,
        message=f"the bulk job {url} to finish",
    )


def run_bulk(client, data: dict) -> str:
    """POST a confirmed bulk action, follow its redirect to the job and return the finished page."""
    response = client.post("/containers/bulk/", {**data, "confirm": "1"})
    assert response.status_code == 302 and response["Location"].startswith("/containers/bulk/"), response
    return finished_page(client, response["Location"])


def test_it_confirms_then_stops_exactly_the_selection(logged_in, engine, docker_client):
    a, b, c = (engine.container("sleep 300")["Id"] for _ in range(3))
    page = logged_in.post("/containers/bulk/", {"action": "stop", "ids": [a, b]}).content.decode()
    assert "Stop 2 containers?" in page
    assert a in page and b in page and c not in page
    assert running(docker_client, a)  # nothing happened yet
    run_bulk(logged_in, {"action": "stop", "ids": [a, b], "timeout": "0"})
    assert not running(docker_client, a) and not running(docker_client, b)
    assert running(docker_client, c)


def test_it_reports_a_failure_for_that_one_and_goes_on(logged_in, engine, docker_client):
    busy = engine.container("sleep 300")["Id"]
    idle = engine.container("true", start=False)["Id"]
    html = run_bulk(logged_in, {"action": "remove", "ids": [busy, idle]})
    assert "You cannot remove a running container" in html
    assert "✓ done" in html
    assert running(docker_client, busy)
    assert not docker_client.api.containers(all=True, filters={"id": idle})


def test_stop_all_lists_every_running_container_but_berths_own(logged_in, engine, monkeypatch):
    own = engine.container("sleep 300", name=random_name("berth-self"))
    other = engine.container("sleep 300")
    stopped = engine.container("true", start=False)
    monkeypatch.setenv("BERTH_CONTAINER_ID", own["Id"][:12])
    page = logged_in.post("/containers/bulk/", {"action": "stop", "scope": "all"}).content.decode()
    assert other["Name"].lstrip("/") in page
    assert stopped["Name"].lstrip("/") not in page  # `docker stop $(docker ps -q)` takes running ones only
    assert f'name="ids" value="{own["Id"]}"' not in page
    assert "they run Berth itself" in page


def test_berth_protects_its_compose_project(engine, monkeypatch):
    project = {"com.docker.compose.project": random_name("proj")}
    own = engine.container("sleep 300", labels=project)
    sibling = engine.container("true", start=False, labels=project)
    stranger = engine.container("true", start=False)
    monkeypatch.setenv("BERTH_CONTAINER_ID", own["Id"])
    protected = own_container_ids(services.list_containers(all=True))
    assert {own["Id"], sibling["Id"]} <= protected
    assert stranger["Id"] not in protected


def test_it_refuses_an_empty_selection(logged_in, docker_client):
    response = logged_in.post("/containers/bulk/", {"action": "stop"}, follow=True)
    assert b"No containers to act on" in response.content


# ---------------------------------------------------------------- Post/Redirect/Get (issue 11, item 2)


def started_at(docker_client, cid: str) -> str:
    return docker_client.api.inspect_container(cid)["State"]["StartedAt"]


def test_a_reload_of_the_result_repeats_nothing(logged_in, engine, docker_client):
    from accounts.models import AuditEntry

    cid = engine.container("sleep 300")["Id"]
    before = started_at(docker_client, cid)
    response = logged_in.post("/containers/bulk/", {"action": "restart", "ids": [cid], "confirm": "1", "timeout": "0"})
    assert response.status_code == 302 and response["Location"].startswith("/containers/bulk/")
    page = finished_page(logged_in, response["Location"])
    assert "✓ done" in page
    restarted = started_at(docker_client, cid)
    assert restarted != before
    for _ in range(2):  # a reload, and the back button: each only reads the job
        assert "✓ done" in logged_in.get(response["Location"]).content.decode()
    assert started_at(docker_client, cid) == restarted
    [entry] = AuditEntry.objects.filter(action="container.bulk")
    assert (entry.outcome, entry.extra["action"], [item["id"] for item in entry.extra["items"]]) == (
        "ok",
        "restart",
        [cid],
    )


def test_the_job_page_is_its_owners_and_admins_only(operator_client, admin_client_, engine, django_user_model):
    from tests.accounts.conftest import client_for, make_user

    cid = engine.container("sleep 300")["Id"]
    response = operator_client.post(
        "/containers/bulk/", {"action": "stop", "ids": [cid], "confirm": "1", "timeout": "0"}
    )
    url = response["Location"]
    finished_page(operator_client, url)
    other = client_for(make_user(django_user_model, "oona", "operator"))
    assert other.get(url).status_code == 404
    assert "✓ done" in admin_client_.get(url).content.decode()
    assert operator_client.get("/containers/bulk/not-a-job/").status_code == 404


def test_htmx_polls_the_results_until_the_job_has_finished(logged_in, engine):
    cid = engine.container("sleep 300")["Id"]
    url = logged_in.post("/containers/bulk/", {"action": "stop", "ids": [cid], "confirm": "1", "timeout": "0"})[
        "Location"
    ]
    finished_page(logged_in, url)
    partial = logged_in.get(url, headers={"HX-Request": "true"})
    assert partial.status_code == 286  # htmx: stop polling
    html = partial.content.decode()
    assert html.lstrip().startswith('<div id="bulk-results"') and "hx-trigger" not in html and "✓ done" in html


# ---------------------------------------------------------------- all on the engine, or the N shown (issue 11, item 9)


def engine_counts() -> tuple[int, int]:
    everything = services.list_containers(all=True)
    return sum(c.state in services.ACTIVE_STATES for c in everything), len(everything)


def says_the_engines_counts(client, url: str) -> str:
    """The page, once its "all N on this engine" match the engine's counts taken just before and
    after it (other tests share the engine and change its counts meanwhile)."""

    def page():
        before = engine_counts()
        html = client.get(url).content.decode()
        active, everything = engine_counts()
        if (active, everything) != before:
            return ""
        assert f"Stop all {active} on this engine…" in html and f"Remove all {everything} on this engine…" in html
        return html

    return wait_for(page, timeout=30, message="the engine's counts to hold still")


def test_the_buttons_say_all_on_the_engine_and_offer_the_ones_shown(logged_in, engine):
    tag = random_name("shown")
    for _ in range(2):
        engine.container("sleep 300", name=f"{tag}-{random_name()}")
    engine.container("true", start=False, name=f"{tag}-{random_name()}")
    engine.container("sleep 300")
    assert "shown…" not in says_the_engines_counts(logged_in, "/containers/?all=1")  # no filter: they are all shown
    page = says_the_engines_counts(logged_in, "/containers/")  # running ones only: stopped ones are not shown
    assert "Stop the" not in page and "Remove the" in page and "shown…" in page
    page = says_the_engines_counts(logged_in, f"/containers/?q={tag}&all=1")
    assert "Stop the 2 shown…" in page and "Remove the 3 shown…" in page
    page = says_the_engines_counts(logged_in, f"/containers/?q={tag}&state=created")
    assert "Stop the" not in page and "Remove the one shown…" in page


def test_stop_the_ones_shown_stops_only_what_the_filter_selects(logged_in, engine, docker_client):
    tag = random_name("shown")
    mine = [engine.container("sleep 300", name=f"{tag}-{random_name()}")["Id"] for _ in range(2)]
    others = [engine.container("sleep 300")["Id"] for _ in range(2)]
    shown = {"scope": "shown", "q": tag, "state": "", "health": ""}
    page = logged_in.post("/containers/bulk/", {"action": "stop", **shown}).content.decode()
    assert "Stop 2 containers?" in page
    assert all(cid in page for cid in mine) and not any(cid in page for cid in others)
    # The confirmation names exactly its targets: confirming sends them, as the page's form does.
    html = run_bulk(logged_in, {"action": "stop", "ids": mine, "timeout": "0"})
    assert html.count("✓ done") == 2
    assert not any(running(docker_client, cid) for cid in mine)
    assert all(running(docker_client, cid) for cid in others)


def test_the_ones_shown_with_an_invalid_filter_changes_nothing(logged_in, engine, docker_client):
    cid = engine.container("sleep 300")["Id"]
    response = logged_in.post("/containers/bulk/", {"action": "stop", "scope": "shown", "state": "bogus"}, follow=True)
    assert b"nothing was done" in response.content
    assert running(docker_client, cid)


def test_a_bulk_stop_stops_the_containers_at_the_same_time(logged_in, engine, docker_client):
    # busybox `sleep` as PID 1 ignores SIGTERM: each stop waits its whole timeout, then kills.
    # One after the other, the second would end a timeout after the first.
    ids = [engine.container("sleep 300")["Id"] for _ in range(2)]
    logged_in.post("/containers/bulk/", {"action": "stop", "ids": ids, "timeout": "3", "confirm": "1"}, follow=True)
    wait_for(lambda: not any(running(docker_client, cid) for cid in ids), timeout=30, message="both stopped")
    ended = [parse_engine_time(docker_client.api.inspect_container(cid)["State"]["FinishedAt"]) for cid in ids]
    assert abs((ended[0] - ended[1]).total_seconds()) < 1, ended
