"""`--net container:<name>`: the engine keeps the other container's 64-hex id; the container page
names it, linked to its page, or gives the short id of one that is gone (issue 11, item 8)."""

import pytest

from tests.conftest import random_name

pytestmark = pytest.mark.django_db


@pytest.fixture
def sharing(engine):
    provider = engine.container(name=random_name("netns"))
    user = engine.container(host={"network_mode": f"container:{provider['Name'].lstrip('/')}"})
    assert user["HostConfig"]["NetworkMode"] == f"container:{provider['Id']}"
    return provider, user


def test_the_page_names_the_container_whose_network_it_uses(logged_in, sharing):
    provider, user = sharing
    html = logged_in.get(f"/containers/{user['Id']}/").content.decode()
    name = provider["Name"].lstrip("/")
    assert f'<a href="/containers/{provider["Id"]}/">{name}</a>' in html
    assert f"container:{provider['Id']}" not in html.split("<details")[0]  # only in the inspect JSON


def test_a_container_that_is_gone_is_shown_by_its_short_id_unlinked(logged_in, sharing, docker_client):
    provider, user = sharing
    docker_client.api.remove_container(provider["Id"], force=True)
    html = logged_in.get(f"/containers/{user['Id']}/").content.decode()
    assert html.count(provider["Id"][:12]) >= 1
    page = html.split("<details")[0]
    assert provider["Id"] not in page and f'href="/containers/{provider["Id"]}/"' not in page
    assert "no longer exists" in page
