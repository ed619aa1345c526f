"""The terminal and log pages say why their socket ended when the session did (issue 10, item 2)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


def expire_elsewhere(database_url: str, session_key: str) -> None:
    """Expire the session from a process of its own, as another Berth process would."""
    code = (
        "import datetime; from django.utils import timezone; from django.contrib.sessions.models import Session; "
        f"assert Session.objects.filter(session_key={session_key!r}).update(expire_date=timezone.now() - datetime.timedelta(seconds=1)) == 1"
    )
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "dashboard.settings"}
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code], cwd=ROOT, env=env, check=True, timeout=60
    )


def test_the_pages_say_the_session_expired(page, berth_server, engine):
    from playwright.sync_api import expect

    container = engine.container(["sh", "-c", "while true; do echo tick; sleep 1; done"])
    page.goto(f"{berth_server.url}/containers/{container['Id']}/exec/?cmd=sh")
    expect(page.locator("#terminal-status")).to_contain_text("Connected")
    logs = page.context.new_page()
    logs.goto(f"{berth_server.url}/containers/{container['Id']}/logs/?follow=1")
    expect(logs.locator("#log-status")).to_contain_text("Streaming")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "sessionid"]
    expire_elsewhere(berth_server.database_url, cookie["value"])
    # The error frame's words stay: the 4401 that follows does not replace them.
    expect(page.locator("#terminal-status")).to_have_text("Your session expired. Log in again.", timeout=10_000)
    expect(page.locator("#terminal .xterm-rows")).to_contain_text("Your session expired")
    expect(logs.locator("#log-status")).to_have_text("Your session expired. Log in again.", timeout=10_000)
    page.screenshot(path="/tmp/h2-terminal-ended.png")
    logs.screenshot(path="/tmp/h2-logs-ended.png")
