"""/containers/ follows the engine in Chromium (issue 13): changes made from the docker CLI show
on the open page without a reload, each in its own row."""

import pytest

from tests.browser_support import wait_for_js
from tests.conftest import CLI_LABELS, docker_cli, random_name
from tests.images import BUSYBOX_IMAGE

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_the_list_follows_the_cli_without_a_reload(page, live_server_url, engine):
    tag = random_name("live")
    stopped = engine.container(name=f"{tag}-a", start=False)["Id"]
    row = f"#container-row-{stopped[:12]}"
    page.goto(f"{live_server_url}/containers/?all=1&q={tag}")
    page.locator("#live-state[data-state=live]").wait_for()
    page.evaluate("window.notReloaded = true")  # gone if the page reloads

    docker_cli("start", stopped)
    page.locator(f"{row}.state-running").wait_for()
    docker_cli("rename", stopped, f"{tag}-b")
    page.locator(f"{row} td.name", has_text=f"{tag}-b").wait_for()
    ran = docker_cli(
        "run",
        "-d",
        *CLI_LABELS,
        "--name",
        f"{tag}-c",
        BUSYBOX_IMAGE,
        "sleep",
        "300",
    )
    engine.track_container(ran)
    page.locator(f"#container-row-{ran[:12]}.state-running").wait_for()
    # Sorted by name: -b, then -c after it.
    names = page.locator("#container-table tbody td.name").all_inner_texts()
    assert names == [f"{tag}-b", f"{tag}-c"]
    docker_cli("rm", "-f", stopped)
    page.locator(row).wait_for(state="detached")
    assert page.evaluate("window.notReloaded") is True
    assert page.locator("#live-state").inner_text() == "live"


def test_a_container_page_keeps_its_state_live(page, live_server_url, engine):
    cid = engine.container(["sh", "-c", "echo going; sleep 300"])["Id"]
    page.goto(f"{live_server_url}/containers/{cid}/")
    page.locator("#live-state[data-state=live]").wait_for()
    page.evaluate("window.notReloaded = true")
    assert page.locator("#why-stopped").inner_text() == ""
    docker_cli("kill", cid)
    page.locator("#container-summary .badge.state-exited").wait_for()
    page.locator("#why-stopped", has_text="Why it stopped").wait_for()
    assert page.locator("#container-summary .exit-code").inner_text() == "137"
    assert "going" in page.locator("#why-stopped").inner_text()
    docker_cli("start", cid)
    page.locator("#container-summary .badge.state-running").wait_for()
    assert page.locator("#why-stopped").inner_text() == ""
    docker_cli("rm", "-f", cid)
    page.locator("#live-state[data-state=removed]").wait_for()
    assert page.evaluate("window.notReloaded") is True


def test_the_volumes_page_follows_the_cli(page, live_server_url, engine):
    name = random_name("live")
    page.goto(f"{live_server_url}/volumes/?q={name}")
    page.locator("#live-state[data-state=live]").wait_for()
    page.evaluate("window.notReloaded = true")
    docker_cli("volume", "create", *CLI_LABELS, name)
    engine.volumes.append(name)
    page.locator(f"#volume-row-{name}").wait_for()
    assert page.locator("#volume-table tbody td.empty").count() == 0
    docker_cli("volume", "rm", name)
    page.locator(f"#volume-row-{name}").wait_for(state="detached")
    assert page.evaluate("window.notReloaded") is True


def test_a_page_that_slept_catches_up_without_a_reload(page, live_server_url, engine):
    """A laptop lid: timers stop, and the clock has jumped when they run again. The page then
    opens its socket again with catchup=1 and takes the whole table."""
    name = random_name("live")
    page.goto(f"{live_server_url}/containers/?q={name}")
    page.locator("#live-state[data-state=live]").wait_for()
    page.evaluate("window.notReloaded = true")
    with page.expect_websocket(lambda ws: "catchup=1" in ws.url, timeout=15000):
        page.evaluate("const real = Date.now; Date.now = () => real() + 60000")  # woke a minute later
    page.locator("#live-state[data-state=live]").wait_for()
    engine.container(name=name)  # and it follows on
    page.locator("#container-table tbody td.name", has_text=name).wait_for()
    assert page.evaluate("window.notReloaded") is True


def test_the_images_page_follows_the_cli(page, live_server_url, engine):
    repository = random_name("live")
    page.goto(f"{live_server_url}/images/?q={repository}")
    page.locator("#live-state[data-state=live]").wait_for()
    page.evaluate("window.notReloaded = true")
    docker_cli("tag", BUSYBOX_IMAGE, f"{repository}:v1")
    engine.images.append(f"{repository}:v1")
    row = page.locator("#image-table tbody tr", has_text=repository)
    row.wait_for()
    assert row.locator("td.tag").inner_text().startswith("v1")
    docker_cli("rmi", f"{repository}:v1")
    row.wait_for(state="detached")
    assert page.evaluate("window.notReloaded") is True


def test_a_rows_stop_button_swaps_that_row_in_place(page, live_server_url, engine):
    """The row's buttons inherit the row as their htmx target (hx-target="this" on the <tr>)."""
    tag = random_name("rowbtn")
    running = engine.container(name=tag)["Id"]
    row = page.locator(f"#container-row-{running[:12]}")
    page.goto(f"{live_server_url}/containers/?all=1&q={tag}")
    page.evaluate("window.notReloaded = true")
    # What htmx will swap (the live socket replaces the row too: only htmx's own target tells).
    page.evaluate(
        "document.body.addEventListener('htmx:beforeRequest', e => { window.target = e.detail.target.tagName; })"
    )
    row.get_by_role("button", name="Stop", exact=True).click()
    wait_for_js(page, "window.target")
    assert page.evaluate("window.target") == "TR"
    row.get_by_role("button", name="Start", exact=True).wait_for()
    assert "state-running" not in (row.get_attribute("class") or "")
    assert page.locator("#container-table tbody tr").count() == 1  # the row replaced, not filled
    assert page.evaluate("window.notReloaded") is True
