"""Times in the viewer's zone, in Chromium set to Asia/Seoul (issue 14, part 2): the browser's zone
reaches the server (static/zone.js, the berth_tz cookie), the lists and the container page show
Seoul times with the zone named, and the logs page's timestamps switch between Seoul and UTC."""

import zoneinfo
from datetime import UTC

import pytest
from playwright.sync_api import expect

from dashboard.times import parse_engine_time
from tests.browser_support import logged_in_page, wait_for_js
from tests.conftest import random_name

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


@pytest.fixture
def seoul_page(browser, berth_server):
    with logged_in_page(browser, berth_server, timezone_id="Asia/Seoul") as page:
        yield page


def seoul(engine_time: str) -> str:
    return parse_engine_time(engine_time).astimezone(SEOUL).strftime("%Y-%m-%d %H:%M:%S")


def test_the_lists_and_a_container_page_show_seoul_times(seoul_page, live_server_url, engine):
    name = random_name("seoul")
    made = engine.container(name=name)
    assert {c["name"]: c["value"] for c in seoul_page.context.cookies()}["berth_tz"] == "Asia/Seoul"
    seoul_page.goto(f"{live_server_url}/containers/?all=1&q={name}")
    created = seoul_page.locator(f"#container-row-{made['Id'][:12]} td.created time")
    expect(created).to_have_attribute("title", f"{seoul(made['Created'])} KST (Asia/Seoul)")
    assert created.inner_text() == "now" or created.inner_text().endswith("ago")  # recent: relative
    seoul_page.goto(f"{live_server_url}/containers/{name}/")
    facts = seoul_page.locator("dt:text-is('Created') + dd time")
    expect(facts).to_contain_text(f"{seoul(made['Created'])} KST")
    expect(seoul_page.locator("dt:text-is('Started') + dd time")).to_contain_text(
        f"{seoul(made['State']['StartedAt'])} KST"
    )


def test_log_timestamps_toggle_between_seoul_and_utc_and_the_choice_is_kept(seoul_page, live_server_url, engine):
    made = engine.container(["sh", "-c", "echo first line; sleep 300"], name=random_name("seoul-logs"))
    seoul_page.goto(f"{live_server_url}/containers/{made['Id']}/logs/?timestamps=1")
    stamp = seoul_page.locator("#log-view .line .ts").first
    wait_for_js(seoul_page, "document.querySelector('#log-view .ts[data-ts]') !== null")
    engine_time = stamp.get_attribute("title")  # the engine's own RFC 3339 UTC text
    at = parse_engine_time(engine_time)
    millis = f"{at.microsecond // 1000:03d}"
    local_text = f"{at.astimezone(SEOUL):%Y-%m-%d %H:%M:%S}.{millis}"
    utc_text = f"{at.astimezone(UTC):%Y-%m-%d %H:%M:%S}.{millis}"
    assert local_text != utc_text  # 9 hours apart
    zone = seoul_page.locator("#log-zone")
    expect(zone.locator("option[value=local]")).to_have_text("KST (Asia/Seoul)")
    expect(stamp).to_have_text(local_text)
    zone.select_option("utc")
    expect(stamp).to_have_text(utc_text)
    seoul_page.reload()
    wait_for_js(seoul_page, "document.querySelector('#log-view .ts[data-ts]') !== null")
    expect(seoul_page.locator("#log-zone")).to_have_value("utc")
    expect(seoul_page.locator("#log-view .line .ts").first).to_have_text(utc_text)
    seoul_page.locator("#log-zone").select_option("local")
    expect(seoul_page.locator("#log-view .line .ts").first).to_have_text(local_text)
    seoul_page.get_by_role("checkbox", name="timestamps").uncheck()  # no times shown: no zone to choose
    expect(seoul_page.locator("#log-zone")).to_be_hidden()
