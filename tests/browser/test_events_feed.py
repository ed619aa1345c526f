"""The live events page in Chromium (issue 13, part 5): a `docker run` from the CLI shows up
without a reload, for a viewer too; screenshots at 1366x768, light and dark."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser_support import LiveServer, log_in
from tests.conftest import TEST_LABEL, random_name
from tests.images import BUSYBOX_IMAGE

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("BERTH_SCREENSHOTS", "/tmp/berth-screenshots"))
VIEWER, VIEWER_PASSWORD = "events-viewer", "events-viewer-password-1"


def viewer_on(server: LiveServer) -> LiveServer:
    """A viewer account in the server's own database (made once per server)."""
    code = (
        "from django.contrib.auth import get_user_model; from accounts.models import Membership; "
        f"u, made = get_user_model().objects.get_or_create(username={VIEWER!r}); "
        f"made and (u.set_password({VIEWER_PASSWORD!r}) or u.save() or Membership.objects.create(user=u, role='viewer'))"
    )
    env = {**os.environ, "DATABASE_URL": server.database_url, "DJANGO_SETTINGS_MODULE": "dashboard.settings"}
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code], cwd=ROOT, env=env, check=True, timeout=60
    )
    return LiveServer(server.url, VIEWER, VIEWER_PASSWORD, server.database_url, server.log_path)


def docker_run(engine, token: str, **extra_labels: str) -> str:
    """`docker run -d` from the CLI, labelled: its name (removed with the test's resources)."""
    name = random_name("events")
    labels = {**TEST_LABEL, "berth.test.events": token, **extra_labels}
    flags = [arg for key, value in labels.items() for arg in ("--label", f"{key}={value}")]
    made = subprocess.run(
        ["docker", "run", "-d", "--name", name, *flags, BUSYBOX_IMAGE, "sleep", "300"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    engine.track_container(made.stdout.strip())
    return name


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_docker_run_appears_live_for_a_viewer(browser, berth_server, engine, scheme):
    viewer = viewer_on(berth_server)
    token = secrets.token_hex(4)
    earlier = docker_run(engine, token, **{"berth.test.note": "<b>not bold</b>"})
    context = browser.new_context(viewport={"width": 1366, "height": 768}, color_scheme=scheme)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, viewer)
        page.goto(f"{berth_server.url}/events/?label=berth.test.events={token}")
        rows = page.locator("#event-rows tr")
        assert rows.count() == 2 and rows.filter(has_text=earlier).count() == 2  # its create and start, drawn
        page.locator("#events-status[data-state=live]").wait_for()
        later = docker_run(engine, token)
        page.locator("#event-rows tr", has_text=later).nth(1).wait_for()  # its create and start
        assert rows.first.locator("td.action").inner_text() == "start"
        assert rows.count() == 4
        # Names and labels are text, never markup.
        assert page.locator("#event-rows b").count() == 0
        assert page.locator("#event-rows code", has_text="<b>not bold</b>").count() == 2
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"events-{scheme}.png"))
    finally:
        context.close()
