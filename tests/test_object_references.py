"""Issue 10, item 9: an address that names no Docker object is a 404, never a 500.

`.` and `..` (sent as %2E) used to reach the engine as path segments: `/containers/./json` is
the engine's container list, which Berth then read as one container. Ids and names are
checked before any engine call: URL converters (dashboard/converters.py, images/urls.py),
and the same rule for Duplicate/Edit's `from` and the form's `replace`.
"""

import pytest

from tests.conftest import TEST_LABEL, random_name
from tests.networks.helpers import make_network

pytestmark = pytest.mark.django_db

BAD = ["%2E", "%2E%2E", ".hidden", "-rf", "a%20b", "%2E%2E%2F%2E%2E"]


def answer(client, method: str, path: str):
    client.raise_request_exception = False  # a 500 is an answer to look at, not an error in the test
    return getattr(client, method)(path)


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/containers/{}/"),
        ("get", "/containers/{}/logs/"),
        ("get", "/containers/{}/exec/"),
        ("get", "/containers/{}/logs/download/"),
        ("post", "/containers/{}/start/"),
        ("post", "/containers/{}/remove/"),
        ("get", "/images/{}/"),
        ("post", "/images/{}/remove/"),
        ("get", "/volumes/{}/"),
        ("post", "/volumes/{}/remove/"),
        ("get", "/networks/{}/"),
        ("post", "/networks/{}/remove/"),
        ("post", "/networks/{}/disconnect/"),
    ],
)
def test_a_bad_reference_is_not_found(logged_in, method, path, bad):
    response = answer(logged_in, method, path.format(bad))
    assert response.status_code == 404, response.content[:300]


@pytest.mark.parametrize("bad", [".", "..", "../..", ".hidden", "a b"])
def test_duplicate_from_a_bad_reference_is_not_found(logged_in, bad):
    response = answer(logged_in, "get", f"/containers/new/?from={bad}")
    assert response.status_code == 404
    assert f"No container is called “{bad}”." in response.content.decode()


@pytest.mark.parametrize("bad", [".", "..", "../x"])
def test_replacing_a_bad_reference_is_a_form_error(logged_in, bad, docker_client, busybox_image):
    name = random_name("replacement")
    response = logged_in.post(
        "/containers/new/", {"image": busybox_image, "name": name, "action": "create", "replace": bad}
    )
    assert response.status_code == 200
    assert "The container to replace" in response.content.decode()
    assert docker_client.api.containers(all=True, filters={"name": name}) == []  # nothing was made


def test_every_kind_of_image_address_still_works(logged_in, docker_client, busybox_image):
    image_id = docker_client.api.inspect_image(busybox_image)["Id"]
    repository = f"127.0.0.1:5000/team/{random_name('img')}"
    docker_client.api.tag(image_id, repository, "v2.1-rc_1")
    try:
        for address in (
            image_id,
            image_id.removeprefix("sha256:"),
            image_id[7:19],
            busybox_image,
            busybox_image.split(":")[0],
            f"{repository}:v2.1-rc_1",
        ):
            assert logged_in.get(f"/images/{address}/").status_code == 200, address
        assert logged_in.get(f"/images/{image_id}/tag/").status_code in (200, 405)
        # A digest reference is routed to the image page too (this one is not on the engine).
        assert answer(logged_in, "get", f"/images/{repository}@sha256:{'0' * 64}/").status_code == 404
    finally:
        docker_client.api.remove_image(f"{repository}:v2.1-rc_1")


def test_names_and_ids_still_work(logged_in, engine, docker_client):
    container = engine.container("sleep 300", name=random_name("a.b_c"))
    for address in (container["Id"], container["Id"][:12], container["Name"].lstrip("/")):
        assert logged_in.get(f"/containers/{address}/").status_code == 200, address
    assert logged_in.get(f"/containers/new/?from={container['Name'].lstrip('/')}").status_code == 200
    network = make_network(engine, docker_client)
    assert logged_in.get(f"/networks/{network['Id']}/").status_code == 200
    volume = docker_client.api.create_volume(random_name("vol.x"), labels=TEST_LABEL)
    engine.volumes.append(volume["Name"])
    assert logged_in.get(f"/volumes/{volume['Name']}/").status_code == 200
