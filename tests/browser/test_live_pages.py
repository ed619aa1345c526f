"""Pages that follow the engine in Chromium (issue 13, parts 2 and 4): the lists' counts, the
overview and the list's CPU and memory cells move when the docker CLI changes the engine beside
the open page, without a reload."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import CLI_LABELS, docker_cli, random_name
from tests.images import BUSYBOX_IMAGE

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def open_live(page, url: str) -> None:
    page.goto(url)
    page.locator("#live-state[data-state=live]").wait_for()
    page.evaluate("window.notReloaded = true")  # gone if the page reloads


def run_busybox(engine, name: str) -> str:
    ran = docker_cli("run", "-d", *CLI_LABELS, "--name", name, BUSYBOX_IMAGE, "sleep", "300")
    engine.track_container(ran)
    return ran


def test_the_containers_counts_follow_the_cli(page, live_server_url, engine):
    tag = random_name("count")
    engine.container(name=random_name("outside"), start=False)  # the engine holds more than the filter selects
    open_live(page, f"{live_server_url}/containers/?all=1&q={tag}")
    count = page.locator("#container-count")
    expect(count).to_have_text(re.compile(r"^0 of \d+ containers?$"))
    expect(page.locator("#container-bulk-all")).not_to_contain_text("Remove the one shown")
    ran = run_busybox(engine, tag)
    page.locator(f"#container-row-{ran[:12]}").wait_for()
    expect(count).to_have_text(re.compile(r"^1 of \d+ containers?$"))
    # The bulk buttons count the engine too: the filters now select one of its containers.
    expect(page.locator("#container-bulk-all")).to_contain_text("Remove the one shown")
    docker_cli("rm", "-f", ran)
    expect(count).to_have_text(re.compile(r"^0 of \d+ containers?$"))
    assert page.evaluate("window.notReloaded") is True


def test_the_images_volumes_and_networks_counts_follow_the_cli(page, live_server_url, engine):
    repository = random_name("count")
    open_live(page, f"{live_server_url}/images/?q={repository}")
    expect(page.locator("#image-count")).to_have_text(re.compile(r"^0 rows \(\d+ images? in the engine\)$"))
    docker_cli("tag", BUSYBOX_IMAGE, f"{repository}:v1")
    engine.images.append(f"{repository}:v1")
    expect(page.locator("#image-count")).to_have_text(re.compile(r"^1 row \(\d+ images? in the engine\)$"))
    assert page.evaluate("window.notReloaded") is True

    volume = random_name("count")
    open_live(page, f"{live_server_url}/volumes/?q={volume}")
    expect(page.locator("#volume-count")).to_contain_text(re.compile(r"^0 of \d+ volumes?\."))
    docker_cli("volume", "create", *CLI_LABELS, volume)
    engine.volumes.append(volume)
    expect(page.locator("#volume-count")).to_contain_text(re.compile(r"^1 of \d+ volumes?\."))
    assert page.evaluate("window.notReloaded") is True

    network = random_name("count")
    open_live(page, f"{live_server_url}/networks/")
    before = page.locator("#network-count").inner_text()
    network_id = docker_cli("network", "create", *CLI_LABELS, network)
    engine.networks.append(network_id)
    page.locator(f"#network-row-{network_id[:12]}").wait_for()
    expect(page.locator("#network-count")).not_to_have_text(before)
    expect(page.locator("#network-count")).to_have_text(re.compile(r"^(\d+) of \1 networks\.$"))  # no filter
    assert page.evaluate("window.notReloaded") is True


def test_the_overview_follows_the_cli(page, live_server_url, engine):
    name = random_name("overview")
    open_live(page, f"{live_server_url}/")
    expect(page.locator("#overview-counts")).to_contain_text("Kept up to date from the engine's events.")
    running = page.locator("#overview-counts .figure.running")
    before = running.inner_text()
    ran = run_busybox(engine, name)
    events = page.locator("#overview-events")
    expect(events.locator("td.name a", has_text=name).first).to_have_attribute("href", f"/containers/{ran}/")
    expect(running).not_to_have_text(before)
    docker_cli("rm", "-f", ran)
    expect(events.locator("tr", has_text=name).locator("td.action", has_text="destroy")).to_have_count(1)
    assert page.evaluate("window.notReloaded") is True


def test_a_row_placed_live_gets_its_cpu_and_memory_at_once(page, live_server_url, engine):
    """The page showed no running row, so no stats socket was open: the row that live.js places
    opens one for it (before, its cells waited for a reload)."""
    tag = random_name("cells")
    open_live(page, f"{live_server_url}/containers/?q={tag}")
    ran = run_busybox(engine, tag)
    row = page.locator(f"#container-row-{ran[:12]}")
    row.wait_for()
    expect(row.locator(f'[data-stats-cpu="{ran}"]')).to_have_text(re.compile(r"^\d+\.\d %$"))
    expect(row.locator(f'[data-stats-mem="{ran}"]')).to_have_text(re.compile(r"^[\d.]+ (B|KiB|MiB|GiB)$"))
    assert page.evaluate("window.notReloaded") is True
