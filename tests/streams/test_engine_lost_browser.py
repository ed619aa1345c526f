"""The logs page while its engine is killed and comes back (issue 10, item 6), in Chromium,
against a Berth server pointed at an extra dockerd of the test's own (never the main engine)."""

import pytest

from tests.browser_support import log_in, serve_berth
from tests.conftest import wait_for

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def extra_berth(extra_engine):
    with serve_berth(DOCKER_HOST=extra_engine.host) as server:
        yield server


def test_the_logs_page_says_the_engine_went_away_then_streams_on(browser, extra_berth, extra_engine):
    from playwright.sync_api import expect

    container_id = extra_engine.counter()
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, extra_berth)
        page.goto(f"{extra_berth.url}/containers/{container_id}/logs/")
        status, lines = page.locator("#log-status"), page.locator("#log-view .line .text")
        expect(status).to_have_text("Streaming")
        expect(lines.nth(2)).to_be_attached()
        extra_engine.kill()
        expect(status).to_have_text("Engine lost — reconnecting…")
        expect(page.locator("#log-view")).to_contain_text("the Docker engine went away")
        page.screenshot(path="/tmp/h5-engine-lost.png")
        before = lines.count()
        extra_engine.start()
        expect(status).to_have_text("Streaming")
        expect(page.locator("#log-view")).to_contain_text("the Docker engine is back")
        wait_for(lambda: lines.count() >= before + 5, message="lines after the engine came back")
        page.screenshot(path="/tmp/h5-engine-back.png")
        numbers = [int(text.split()[1]) for text in lines.all_text_contents()]
        assert numbers == sorted(set(numbers)), "a line came twice, or out of order"
    finally:
        context.close()
        extra_engine.ensure_running()
