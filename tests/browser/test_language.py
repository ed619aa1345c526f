"""Berth in Korean in Chromium (issue 14, part 1): a ko-KR browser gets Korean pages, Berth's
JavaScript speaks Korean through the /jsi18n/ catalogue, and the header's switcher changes the
language and keeps it. Screenshots of the pages the issue names, light and dark, at 1366x768."""

import os
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.browser_support import logged_in_page
from tests.conftest import random_name

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
SEED = "sudo docker run -d --name wordpressdb -e MYSQL_ROOT_PASSWORD=password -e MYSQL_DATABASE=wordpress mysql:5.7"


@pytest.fixture
def korean(browser, berth_server):
    with logged_in_page(browser, berth_server, viewport={"width": 1366, "height": 768}, locale="ko-KR") as page:
        yield page


def test_a_korean_browser_gets_korean_pages_and_korean_javascript(korean, live_server_url, engine):
    made = engine.container(["sh", "-c", "echo hello; sleep 300"], name=random_name("ko-page"))
    korean.goto(f"{live_server_url}/containers/")
    expect(korean.locator("html")).to_have_attribute("lang", "ko")
    expect(korean.locator("h1")).to_have_text("컨테이너")
    expect(korean.locator("#live-state")).to_have_text("실시간")  # live.js, with the server's words
    korean.goto(f"{live_server_url}/containers/{made['Id']}/logs/")
    # logs.js through window.gettext, once its socket is open (a CI run under load took over 5 s)
    expect(korean.locator("#log-status")).to_contain_text("스트리밍 중", timeout=15_000)


def test_the_switcher_changes_the_language_and_keeps_it(korean, live_server_url):
    korean.goto(f"{live_server_url}/images/")
    expect(korean.locator("h1")).to_have_text("이미지")
    korean.locator(".language-switch select").select_option("en")  # submits itself
    expect(korean.locator("h1")).to_have_text("Images")
    assert korean.url == f"{live_server_url}/images/"
    korean.goto(f"{live_server_url}/volumes/")
    expect(korean.locator("html")).to_have_attribute("lang", "en")  # the choice beats Accept-Language
    korean.locator(".language-switch select").select_option("ko")
    expect(korean.locator("h1")).to_have_text("볼륨")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_korean_pages_fit_and_show_in_light_and_dark(korean, live_server_url, engine, scheme):
    korean.emulate_media(color_scheme=scheme)
    made = engine.container(name=random_name("ko-shot"))
    shots = {
        "list": "/containers/?all=1",
        "run-seed": f"/containers/new/?cli={quote(SEED)}",
        "container": f"/containers/{made['Id']}/",
    }
    for name, path in shots.items():
        korean.goto(f"{live_server_url}{path}")
        expect(korean.locator("h1")).to_be_visible()
        width = korean.evaluate("document.documentElement.scrollWidth")
        assert width <= 1366, (name, width)  # nothing pushes the page sideways
        if os.environ.get("BERTH_SCREENSHOTS"):  # as the other browser tests: only when asked
            korean.screenshot(path=str(Path(os.environ["BERTH_SCREENSHOTS"]) / f"ko-{name}-{scheme}.png"))
    korean.goto(f"{live_server_url}/containers/new/?cli={quote(SEED)}")
    expect(korean.locator("input[name=name]")).to_have_value("wordpressdb")
