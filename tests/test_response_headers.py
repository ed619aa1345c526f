"""Issue 10, item 13: pages that show secrets are not stored; every response has a Permissions-Policy."""

import pytest

pytestmark = pytest.mark.django_db

SECRET = "s3cr3t-value-for-no-store"


def not_stored(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.fixture
def container(engine):
    return engine.container("sleep 300", environment={"DB_PASSWORD": SECRET, "GREETING": "hello"})


def test_the_container_page_and_its_inspect_are_not_stored(logged_in, container):
    response = logged_in.get(f"/containers/{container['Id']}/")
    assert response.status_code == 200 and "&quot;Env&quot;" in response.content.decode()  # the inspect JSON is on it
    assert not_stored(response)
    summary = logged_in.get(
        f"/containers/{container['Id']}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="container-summary"
    )
    assert summary.status_code == 200 and not_stored(summary)


def test_duplicate_and_edit_are_not_stored(logged_in, container):
    response = logged_in.get(f"/containers/new/?from={container['Id']}")
    # The form holds the source's values (a secret as a placeholder the server resolves on POST).
    html = response.content.decode()
    assert response.status_code == 200 and "GREETING=hello" in html and SECRET not in html
    assert not_stored(response)


def test_the_image_page_is_not_stored(logged_in, busybox_image):
    response = logged_in.get(f"/images/{busybox_image}/")
    assert response.status_code == 200 and not_stored(response)


def test_lists_may_still_be_cached_by_the_browser(logged_in):
    assert not not_stored(logged_in.get("/containers/"))  # nothing secret there: back/forward stays quick


@pytest.mark.parametrize(
    "path",
    ["/accounts/login/", "/containers/", "/containers/berth-test-no-such/", "/static/berth.css", "/admin/login/"],
)
def test_every_response_has_a_tight_permissions_policy(client, logged_in, path):
    for answer in (client.get(path), logged_in.get(path)):
        policy = dict(part.strip().split("=", 1) for part in answer["Permissions-Policy"].split(","))
        for feature in ("camera", "microphone", "geolocation", "usb", "payment", "display-capture", "clipboard-read"):
            assert policy[feature] == "()", (feature, path)
        # The terminal's copy (static/terminal.js: navigator.clipboard.writeText) is Berth's own.
        assert policy["clipboard-write"] == "(self)"
        assert set(policy.values()) <= {"()", "(self)"}
