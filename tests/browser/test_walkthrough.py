"""The foundation walkthrough, as a user clicks it in Chromium against the real engine:
log in, run busybox httpd with `-p 80` from the form, find its random host port in the
list, open it, read the container's page, stop it and remove it.
"""

import re
import urllib.request

import pytest

from tests.conftest import random_name

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_it_runs_finds_opens_stops_and_removes_a_web_server(page, live_server_url, docker_client, engine):
    name = random_name("web")
    page.goto(f"{live_server_url}/containers/new/")
    page.fill("input[name=image]", "berth-test/busybox")
    page.fill("input[name=name]", name)
    page.fill("[name=ports]", "80")
    page.locator("summary", has_text="Command").click()
    page.fill("input[name=command]", "httpd -f -p 80 -h /etc")
    page.locator("summary", has_text="Labels").click()
    page.fill("[name=labels]", "berth.test=1")
    page.click("button[name=action][value=run]")
    page.wait_for_url(re.compile(r"/containers/[^/]+/$"))
    engine.track_container(name)
    assert page.locator(".badge.big").inner_text() == "Running"

    # The list shows which host port `-p 80` got.
    page.goto(f"{live_server_url}/containers/?q={name}")
    row = page.locator(f"tr:has(a:text-is('{name}'))")
    ports = row.locator("td.ports").inner_text()
    host_port = re.search(r"0\.0\.0\.0:(\d+)->80/tcp", ports).group(1)
    engine_port = docker_client.api.inspect_container(name)["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"]
    assert host_port == engine_port

    # Opening the host port serves the container's web server (its /etc as the web root).
    with urllib.request.urlopen(f"http://127.0.0.1:{host_port}/hostname", timeout=10) as response:
        assert response.read().decode().strip() == docker_client.api.inspect_container(name)["Config"]["Hostname"]

    # The container's page links the port on the engine's host.
    row.locator("td.name a").click()
    page.wait_for_url(re.compile(rf"/containers/{name}/$"))
    assert page.locator(f"a[href='http://127.0.0.1:{host_port}/']").count() == 1
    assert "httpd -f -p 80 -h /etc" in page.locator("dl.facts").nth(1).inner_text()

    # Stop it from its page; the summary updates in place.
    page.fill("input[name=timeout]", "1")
    page.locator("#container-summary button", has_text="Stop").click()
    page.locator(".badge.big", has_text="Exited").wait_for()
    assert not docker_client.api.inspect_container(name)["State"]["Running"]

    # Remove it, after the confirmation that names it.
    page.locator("a.button", has_text="Remove…").first.click()
    assert f"Remove container {name}?" in page.locator("h1").inner_text()
    page.check("input[name=confirm]")
    page.locator("button.danger", has_text=f"Remove {name}").click()
    page.wait_for_url(re.compile(r"/containers/$"))
    assert f"Removed {name}." in page.locator("#messages").inner_text()
    assert not docker_client.api.containers(all=True, filters={"name": f"^/{name}$"})
