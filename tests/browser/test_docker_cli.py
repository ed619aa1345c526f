"""The docker CLI in and out, as a user clicks it in Chromium (issue 14, part 3): a seed line
pasted into the Run form fills its fields and Create makes it; the container's page copies its
`docker run` line. Screenshots of the filled form at 1366x768, light and dark, go to
$BERTH_SCREENSHOTS when it is set."""

import os
import re
from pathlib import Path

import pytest

from tests.browser_support import wait_for_js
from tests.conftest import random_name

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_a_pasted_seed_line_fills_the_form_and_create_makes_it(page, live_server_url, engine):
    name = random_name("pasted")
    line = f"sudo docker create -i -t --name {name} \\\n  -p 127.0.0.1::80 -e COLOR=blue \\\n  --read-only -l berth.test=1 berth-test/busybox"
    page.goto(f"{live_server_url}/containers/new/")
    page.fill("textarea[name=cli]", line)
    page.locator("button", has_text="Fill the form").click()
    page.wait_for_url(re.compile(r"/containers/new/\?cli="))
    assert page.input_value("input[name=image]") == "berth-test/busybox"
    assert page.input_value("input[name=name]") == name
    assert page.input_value("[name=ports]") == "127.0.0.1::80"
    assert page.input_value("[name=env]") == "COLOR=blue"
    assert page.is_checked("input[name=interactive]") and page.is_checked("input[name=tty]")
    assert "left out: --read-only." in page.locator(".unsupported-flags").inner_text()
    if os.environ.get("BERTH_SCREENSHOTS"):
        folder = Path(os.environ["BERTH_SCREENSHOTS"])
        page.set_viewport_size({"width": 1366, "height": 768})
        page.screenshot(path=str(folder / "run-form-pasted-light.png"))
        page.emulate_media(color_scheme="dark")
        page.screenshot(path=str(folder / "run-form-pasted-dark.png"))
        page.emulate_media(color_scheme="light")
    page.click("button[name=action][value=create]")
    page.wait_for_url(re.compile(r"/containers/[0-9a-f]{64}/$"))
    engine.track_container(name)
    assert page.locator(".badge.big").inner_text() == "Created"
    data = engine.client.api.inspect_container(name)
    assert data["HostConfig"]["PortBindings"] == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}
    assert "COLOR=blue" in data["Config"]["Env"]


def test_copy_as_docker_run_copies_the_line(page, live_server_url, engine):
    container = engine.container("sleep 300", environment=["COLOR=blue"])
    page.goto(f"{live_server_url}/containers/{container['Id']}/")
    page.locator("#docker-run").scroll_into_view_if_needed()  # the block asks for its line when seen
    line = page.locator("#docker-run-line").inner_text()
    if os.environ.get("BERTH_SCREENSHOTS"):
        page.locator("#docker-run").screenshot(path=str(Path(os.environ["BERTH_SCREENSHOTS"]) / "docker-run-block.png"))
    assert line.startswith("docker run --name ") and "-e COLOR=blue" in line and "sleep 300" in line
    button = page.locator("button.copy-button")
    # The page's Permissions-Policy allows writing the clipboard, never reading it: what is written is recorded.
    page.evaluate("() => { navigator.clipboard.writeText = async (text) => { window.copiedText = text; }; }")
    button.click()
    wait_for_js(page, "() => window.copiedText !== undefined")
    assert page.evaluate("window.copiedText") == line
    assert button.inner_text() == "Copied"


def test_reveal_secrets_puts_the_values_in_the_line(page, live_server_url, engine):
    container = engine.container("sleep 300", environment=["DB_PASSWORD=hunter2"])
    page.goto(f"{live_server_url}/containers/{container['Id']}/")
    page.locator("#docker-run").scroll_into_view_if_needed()
    assert "-e 'DB_PASSWORD=••••••'" in page.locator("#docker-run-line").inner_text()
    page.locator("#docker-run button", has_text="Reveal secrets").click()
    page.locator("#docker-run-line", has_text="DB_PASSWORD=hunter2").wait_for()
    assert page.url.endswith(f"/containers/{container['Id']}/")  # swapped in place
