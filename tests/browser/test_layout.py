"""No page scrolls sideways at 1366x768, whatever the names and messages (issue 11, item 14).

A 64-character container name once made the container list 1,757 px wide (Ports and Actions
off-screen) and a long audit message the audit table 1,669 px. Long names and messages wrap,
or are cut with the whole text in their title, in light and in dark mode.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_LABEL, random_name
from tests.images import BUSYBOX_IMAGE
from tests.networks.helpers import make_network

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
WIDTH, HEIGHT = 1366, 768


def long_name(kind: str, length: int = 64) -> str:
    """berth-test-<kind><hex>xxx…: after the prefix, one word with nowhere to break."""
    return (random_name(kind).replace(f"{kind}-", kind) + "x" * length)[:length]


def audit_elsewhere(database_url: str, message: str, object_name: str) -> None:
    """An audit entry written by the server's own database, as a Berth process writes one."""
    code = (
        "from accounts.audit import audit; "
        f"audit(None, 'container.rename', object_type='container', object_id={object_name!r}, object_name={object_name!r}, "
        f"outcome='failed', message={message!r})"
    )
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "dashboard.settings"}
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code], cwd=ROOT, env=env, check=True, timeout=60
    )


@pytest.fixture
def wide_objects(engine, docker_client, berth_server):
    """A 64-character name for a container, its volume, its network and an image tag; a 2,000-character audit message."""
    network = make_network(engine, docker_client, name=long_name("net"))
    volume = docker_client.api.create_volume(long_name("vol"), labels=TEST_LABEL)["Name"]
    engine.volumes.append(volume)
    repository = long_name("img", 100).replace("-", "")  # image references are lower case, no dashes needed
    docker_client.api.tag(BUSYBOX_IMAGE, repository, "a-rather-long-tag-name-for-the-layout")
    engine.images.append(f"{repository}:a-rather-long-tag-name-for-the-layout")
    name = long_name("wide")
    container = engine.container(
        "sleep 300",
        name=name,
        environment={"A_LONG_VARIABLE": "v" * 300},
        host={"binds": {volume: {"bind": "/data/" + "d" * 80, "mode": "rw"}}, "network_mode": network["Name"]},
    )
    # One word of 2,000 characters: it cannot wrap at a space.
    audit_elsewhere(berth_server.database_url, "engine said: " + "refused" * 284, name)
    return {"name": name, "id": container["Id"], "volume": volume, "network": network["Id"]}


def pages(o: dict) -> list[str]:
    return [
        "/",
        "/system/df/",
        "/events/",
        "/system/prune/",
        "/containers/",
        f"/containers/?all=1&q={o['name']}",
        "/audit/",
        f"/containers/{o['id']}/",
        f"/containers/{o['id']}/logs/",
        "/images/",
        "/volumes/",
        f"/volumes/{o['volume']}/",
        "/networks/",
        f"/networks/{o['network']}/",
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_page_scrolls_sideways_at_1366x768(browser, berth_server, wide_objects, scheme):
    from tests.browser_support import log_in

    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, color_scheme=scheme)
    page = context.new_page()
    try:
        log_in(page, berth_server)
        widths = {}
        for path in pages(wide_objects):
            page.goto(f"{berth_server.url}{path}")
            widths[path] = page.evaluate("document.documentElement.scrollWidth")
        assert {path: width for path, width in widths.items() if width > WIDTH} == {}

        # The whole name and the whole message are there on hover.
        page.goto(f"{berth_server.url}/containers/?all=1&q={wide_objects['name']}")
        assert page.locator(f"td.name [title='{wide_objects['name']}']").count() == 1
        page.goto(f"{berth_server.url}/audit/")
        row = page.locator("table.audit tbody tr", has_text=wide_objects["name"][:30]).first
        assert len(row.locator("td.message [title]").get_attribute("title")) == len("engine said: ") + 7 * 284
    finally:
        context.close()
