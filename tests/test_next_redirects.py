"""Issue 10, item 10: a POST's `next` sends the browser only to a local path of Berth.

Every view that reads `next` (grep -rn '"next"' --include=*.py) gets a foreign one and must
go to its own default instead; a local `next` is still followed.
"""

import pytest

from tests.networks.helpers import make_network

pytestmark = pytest.mark.django_db

FOREIGN = ["https://evil.example/x", "//evil.example/x", "http://evil.example", "https:evil.example", "/\\evil.example"]


@pytest.mark.parametrize("target", FOREIGN)
def test_a_container_action_goes_back_to_the_container_not_elsewhere(logged_in, engine, target):
    container = engine.container("sleep 300", start=False)
    response = logged_in.post(f"/containers/{container['Id']}/start/", {"next": target})
    assert (response.status_code, response["Location"]) == (302, f"/containers/{container['Id']}/")
    # A refused action (the container is running now) takes the other way out: the same rule.
    response = logged_in.post(f"/containers/{container['Id']}/unpause/", {"next": target})
    assert (response.status_code, response["Location"]) == (302, f"/containers/{container['Id']}/")


def test_a_local_next_is_still_followed(logged_in, engine):
    container = engine.container("sleep 300", start=False)
    response = logged_in.post(f"/containers/{container['Id']}/start/", {"next": "/containers/?all=1"})
    assert response["Location"] == "/containers/?all=1"


@pytest.mark.parametrize("target", FOREIGN)
def test_a_refused_bulk_action_goes_back_to_the_list(logged_in, target):
    response = logged_in.post("/containers/bulk/", {"action": "stop", "next": target})
    assert (response.status_code, response["Location"]) == (302, "/containers/")


def test_a_disconnect_goes_back_to_the_network(logged_in, engine, docker_client):
    network = make_network(engine, docker_client)
    container = engine.container("sleep 300")
    docker_client.api.connect_container_to_network(container["Id"], network["Id"])
    response = logged_in.post(
        f"/networks/{network['Id']}/disconnect/", {"container": container["Id"], "next": FOREIGN[0]}
    )
    assert (response.status_code, response["Location"]) == (302, f"/networks/{network['Id']}/")


def test_an_https_berth_does_not_send_a_browser_to_plain_http(logged_in, engine, settings):
    settings.ALLOWED_HOSTS = ["berth.example.com"]
    container = engine.container("sleep 300", start=False)
    response = logged_in.post(
        f"/containers/{container['Id']}/start/",
        {"next": "http://berth.example.com/containers/"},
        HTTP_HOST="berth.example.com",
        secure=True,
    )
    assert response["Location"] == f"/containers/{container['Id']}/"


@pytest.mark.parametrize("target", FOREIGN)
def test_the_login_goes_home(client, user, target):
    response = client.post("/accounts/login/", {"username": "alice", "password": "alice-password-1", "next": target})
    assert (response.status_code, response["Location"]) == (302, "/")
