"""A container in a crash loop (`--restart always`, a command that fails) says why on its page
while the engine restarts it: the last exit code and the last lines of output (issue 11, item 4)."""

import re

import pytest

from tests.conftest import random_name, wait_for

pytestmark = pytest.mark.django_db


def test_a_restarting_container_shows_its_last_exit_code_and_output(logged_in, engine, docker_client):
    name = random_name("loop")
    engine.container(["sh", "-c", "echo boom; exit 3"], name=name, host={"restart_policy": {"Name": "always"}})
    wait_for(lambda: docker_client.api.inspect_container(name)["RestartCount"] >= 1, message="a first restart")

    def restarting_page():
        # The engine flips it to "running" for each short try: read the page while it waits.
        html = logged_in.get(f"/containers/{name}/").content.decode()
        return html if 'class="badge big state-restarting"' in html else None

    html = wait_for(restarting_page, message="the page of a restarting container")
    assert "Why it stopped" in html
    assert "Exited with code <strong>3</strong>" in html
    assert re.search(r'<dd class="exit-code">3</dd>', html)
    assert "Last lines of its output" in html and "boom" in html
    assert "restarting it" in html  # says what the engine does, and no invented time of the next try
