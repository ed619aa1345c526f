"""Bulk actions in Chromium (issue 11, items 2 and 9): the filtered list offers "the N shown",
the confirmation leads to the job's page, which fills in each result as it comes, and a
reload of that page repeats nothing."""

import re

import pytest

from tests.conftest import random_name

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def started_at(docker_client, cid: str) -> str:
    return docker_client.api.inspect_container(cid)["State"]["StartedAt"]


def test_a_bulk_restart_of_the_ones_shown_shows_its_results_and_a_reload_repeats_nothing(
    page, live_server_url, docker_client, engine
):
    tag = random_name("bulk")
    mine = [engine.container("sleep 300", name=f"{tag}-{i}")["Id"] for i in range(2)]
    other = engine.container("sleep 300")["Id"]
    page.goto(f"{live_server_url}/containers/")
    page.fill("input[name=q]", tag)  # the list's own filter, as a user types it
    page.locator("button", has_text="Stop the 2 shown…").wait_for()
    assert re.search(r"Stop all \d+ on this engine…", page.locator(".bulk-all").inner_text())

    # Restart the two through the selection: "the N shown" is a stop; a restart shows a repeat best.
    # (From the filter's own address: leaving the search box re-draws the table, ticks and all.)
    page.goto(f"{live_server_url}/containers/?q={tag}")
    for cid in mine:
        page.check(f"input[name=ids][value='{cid}']")
    page.locator("#bulk-form button[value=restart]").click()
    assert page.locator("h1").inner_text() == "Restart 2 containers?"
    page.fill("input[name=timeout]", "0")
    before = {cid: started_at(docker_client, cid) for cid in mine}
    page.locator("form.confirm button.primary").click()
    page.wait_for_url(re.compile(r"/containers/bulk/[^/]+/$"))
    page.locator("#bulk-results .state", has_text="Finished: 2 of 2.").wait_for()
    assert page.locator("#bulk-results tr.ok").count() == 2
    after = {cid: started_at(docker_client, cid) for cid in mine}
    assert all(after[cid] != before[cid] for cid in mine)

    page.reload()
    page.locator("#bulk-results .state", has_text="Finished: 2 of 2.").wait_for()
    assert {cid: started_at(docker_client, cid) for cid in mine} == after
    assert docker_client.api.inspect_container(other)["State"]["Running"]
