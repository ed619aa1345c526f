"""What the container pages say about other containers and about a crash loop, as a user sees
them in Chromium (issue 11, items 4, 8 and 10)."""

import re

import pytest

from tests.conftest import random_name, wait_for
from tests.containers.test_port_taken import free_port

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_a_run_on_a_taken_port_names_the_holder_and_links_it(page, live_server_url, engine):
    port = free_port()
    holder = engine.container(
        "httpd -f -p 80", name=random_name("holder"), ports=[80], host={"port_bindings": {80: ("127.0.0.1", port)}}
    )
    holder_name = holder["Name"].lstrip("/")
    page.goto(f"{live_server_url}/containers/new/")
    page.fill("input[name=image]", "berth-test/busybox")
    page.fill("input[name=name]", random_name())
    page.fill("[name=ports]", f"127.0.0.1:{port}:80")
    page.locator("summary", has_text="Labels").click()
    page.fill("[name=labels]", "berth.test=1")
    page.click("button[name=action][value=run]")
    message = page.locator(".message.error", has_text="is already used by")
    assert f"Port {port} is already used by {holder_name}." in message.inner_text()
    message.locator("a", has_text=holder_name).click()
    page.wait_for_url(re.compile(rf"/containers/{holder['Id']}/$"))


def test_a_crash_loop_shows_the_last_exit_code_and_output(page, live_server_url, engine, docker_client):
    name = random_name("loop")
    engine.container(["sh", "-c", "echo boom; exit 3"], name=name, host={"restart_policy": {"Name": "always"}})
    wait_for(lambda: docker_client.api.inspect_container(name)["RestartCount"] >= 1, message="a first restart")

    def restarting():
        page.goto(f"{live_server_url}/containers/{name}/")
        return page.locator(".badge.big").inner_text() == "Restarting"

    wait_for(restarting, message="its page while it restarts")
    why = page.locator("section.why-stopped")
    assert "Exited with code 3" in why.inner_text() and "boom" in why.locator("pre.output").inner_text()
    assert page.locator("dd.exit-code").inner_text() == "3"


def test_a_shared_network_names_the_other_container_and_links_it(page, live_server_url, engine):
    provider = engine.container(name=random_name("netns"))
    user = engine.container(host={"network_mode": f"container:{provider['Id']}"})
    page.goto(f"{live_server_url}/containers/{user['Id']}/")
    provider_name = provider["Name"].lstrip("/")
    page.locator("section", has_text="Networks").locator("a", has_text=provider_name).first.click()
    page.wait_for_url(re.compile(rf"/containers/{provider['Id']}/$"))
