"""The container mirror across a lost engine: not read from while the engine is away, and listed
afresh when it is back, so that what changed meanwhile (here a container that died while its
engine was away, which the engine tells no event of) shows on the next page view."""

import os
import signal

import pytest

from tests.containers.test_mirror import assert_current, assert_served_and_current

pytestmark = pytest.mark.django_db


def test_the_mirror_is_listed_afresh_when_its_engine_is_back(berth_on_extra, logged_in):
    extra = berth_on_extra
    container_id = extra.counter()
    name = extra.client.api.inspect_container(container_id)["Name"].lstrip("/")
    assert_served_and_current(logged_in, extra.client, name)
    pid = extra.client.api.inspect_container(container_id)["State"]["Pid"]
    extra.kill()
    response = logged_in.get("/containers/?all=1")
    assert response.status_code == 503 and name not in response.content.decode()  # the engine is away: said so
    os.kill(pid, signal.SIGKILL)  # the container's own process, started by this test
    extra.start()
    assert_current(logged_in, extra.client, name)
    assert_served_and_current(logged_in, extra.client, name)
    [listed] = extra.client.api.containers(all=True, filters={"id": container_id})
    assert listed["State"] == "exited"
