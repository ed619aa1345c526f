"""The container page's processes (docker top), asked for again while the page is visible."""

import pytest

pytestmark = pytest.mark.django_db


def test_it_lists_the_processes_of_a_running_container(logged_in, engine):
    container = engine.container("sh -c 'sleep 301'")
    answer = logged_in.get(f"/containers/{container['Id']}/processes/")
    assert answer.status_code == 200
    assert b"<th>PID</th>" in answer.content and b"sleep 301" in answer.content
    assert "no-cache" in answer["Cache-Control"]


def test_a_stopped_container_has_none(logged_in, engine):
    container = engine.container("sleep 300", start=False)
    answer = logged_in.get(f"/containers/{container['Name'][1:]}/processes/")
    assert answer.status_code == 200
    assert b"It is not running: no processes." in answer.content


def test_an_unknown_container_is_a_404(logged_in):
    assert logged_in.get("/containers/berth-test-no-such-one/processes/").status_code == 404
