"""Live stats and processes in Chromium (issue 13, part 3): charts, since when, the list's columns."""

import re

import pytest

from tests.conftest import wait_for

pytestmark = pytest.mark.browser

BURN = "sh -c 'while :; do :; done'"


def test_the_page_draws_live_charts_and_processes(page, live_server_url, engine):
    from playwright.sync_api import expect

    container = engine.container(BURN)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server_url}/containers/{container['Id']}/")
    expect(page.locator("#live-stats canvas")).to_have_count(4)
    expect(page.locator("#stats-state")).to_have_text("Live")
    expect(page.locator("#stats-since")).to_contain_text("nobody was watching")
    cpu = page.locator('[data-now="cpu"]')
    expect(cpu).to_have_text(re.compile(r"\d+\.\d %"))
    first = cpu.inner_text()
    wait_for(lambda: cpu.inner_text() != first, timeout=10, message="the CPU figure changes")
    wait_for(lambda: float(cpu.inner_text().split()[0]) > 40, timeout=10, message="a burning CPU shows")
    expect(page.locator('[data-now="mem"]')).to_contain_text(" of ")
    expect(page.locator("#processes table")).to_contain_text("while :")
    page.locator("#live-stats").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/l2-stats-light.png")
    # Reloaded, the page shows the buffer at once and says since when.
    page.emulate_media(color_scheme="dark")
    page.reload()
    expect(page.locator("#stats-since")).to_contain_text("history since")
    page.locator("#live-stats").scroll_into_view_if_needed()
    page.wait_for_timeout(2500)
    page.screenshot(path="/tmp/l2-stats-dark.png")


def test_a_stopped_container_says_so(page, live_server_url, engine):
    from playwright.sync_api import expect

    container = engine.container("sleep 300", start=False)
    page.goto(f"{live_server_url}/containers/{container['Id']}/")
    expect(page.locator("#stats-state")).to_have_text("Not running: no live figures")
    expect(page.locator('[data-now="cpu"]')).to_have_text("—")
    expect(page.locator("#processes")).to_contain_text("not running")


def test_the_list_shows_cpu_and_memory_of_running_rows(page, live_server_url, engine):
    from playwright.sync_api import expect

    container = engine.container(BURN)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server_url}/containers/?q={container['Name'][1:]}")
    cell = page.locator(f'[data-stats-cpu="{container["Id"]}"]')
    expect(cell).to_have_text(re.compile(r"\d+\.\d %"))
    expect(page.locator(f'[data-stats-mem="{container["Id"]}"]')).to_have_text(re.compile(r"\d.* (B|KiB|MiB)"))
    page.screenshot(path="/tmp/l2-list-light.png")


# Pixels of the CPU chart in the accent's hue (blue in both themes): its line and fill.
ACCENT_PIXELS = """(() => {
  const canvas = document.querySelector('[data-chart="cpu"] canvas');
  if (!canvas) return 0;
  const d = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let blue = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 200 && d[i + 2] > d[i] + 60) blue += 1;
  return blue;
})()"""


def test_the_charts_are_drawn_in_the_themes_colours(page, live_server_url, engine):
    """berth.css's colours are light-dark() pairs: read as custom properties they are text a
    canvas cannot paint, and every chart came out black (unreadable in dark mode)."""
    from playwright.sync_api import expect

    from tests.browser_support import wait_for_js

    container = engine.container(BURN)
    for theme in ("light", "dark"):
        page.goto(f"{live_server_url}/containers/{container['Id']}/")
        page.evaluate(f"localStorage.setItem('berth.theme', '{theme}')")
        page.reload()
        expect(page.locator("#stats-state")).to_have_text("Live")
        expect(page.locator('[data-now="cpu"]')).to_have_text(re.compile(r"\d+\.\d %"))
        page.locator("#live-stats").scroll_into_view_if_needed()
        wait_for_js(page, f"{ACCENT_PIXELS} > 50", timeout=15)
