"""A container reached by a legacy link (`--link db:mysql`) is listed by the engine under two
names, `/web/mysql` often first: every page shows the one `docker ps` shows (issue 11, item 3)."""

import re

import pytest

from tests.conftest import random_name

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(engine, docker_client):
    """`docker run -d --name db -v vol:/data ...` then `docker run -d --name web --link db:mysql ...`,
    made as the CLI makes them (the link in HostConfig.Links)."""
    # As in the report (wordpress, wordpressdb): the engine sorts the names, and "/web/mysql"
    # sorts before "/webdb", so the link name comes first.
    web_name, volume = random_name("web"), random_name("vol")
    db_name = web_name + "db"
    engine.volumes.append(volume)
    db = engine.container(name=db_name, host={"binds": [f"{volume}:/data"]})
    engine.container(name=web_name, host={"links": {db_name: "mysql"}})
    names = next(raw["Names"] for raw in docker_client.api.containers(filters={"id": db["Id"]}))
    # The engine really gives the link name too, which is what the pages must not show.
    assert names == [f"/{web_name}/mysql", f"/{db_name}"]
    return {"db": db, "db_name": db_name, "web_name": web_name, "alias": f"{web_name}/mysql", "volume": volume}


def _assert_canonical(html: str, linked: dict) -> None:
    assert linked["alias"] not in html
    assert f">{linked['db_name']}<" in html


def test_the_container_list_shows_the_canonical_name(logged_in, linked):
    _assert_canonical(logged_in.get("/containers/?q=" + linked["db_name"]).content.decode(), linked)


def test_the_list_filter_and_sort_use_the_canonical_name(logged_in, linked):
    # A search for the link's name finds nothing: it is no container's name.
    html = logged_in.get("/containers/?q=" + linked["alias"]).content.decode()
    assert f"container-row-{linked['db']['Id'][:12]}" not in html


def test_the_network_pages_show_the_canonical_name(logged_in, linked):
    for url in ("/networks/", "/networks/bridge/"):
        html = logged_in.get(url).content.decode()
        assert linked["alias"] not in html, url
    assert f">{linked['db_name']}</a>" in logged_in.get("/networks/bridge/").content.decode()


def test_the_connect_picker_offers_the_canonical_name(logged_in, linked):
    html = logged_in.get("/networks/connect/").content.decode()
    assert linked["alias"] not in html
    assert re.search(rf'<option value="{linked["db"]["Id"]}"[^>]*>{linked["db_name"]}</option>', html)
    fixed = logged_in.get(f"/networks/connect/?container={linked['db']['Id']}").content.decode()
    assert linked["alias"] not in fixed and linked["db_name"] in fixed


def test_the_volume_pages_show_the_canonical_name(logged_in, linked):
    for url in ("/volumes/", f"/volumes/{linked['volume']}/"):
        _assert_canonical(logged_in.get(url).content.decode(), linked)


def test_the_image_page_lists_its_users_by_canonical_name(logged_in, linked):
    _assert_canonical(logged_in.get(f"/images/{linked['db']['Image']}/").content.decode(), linked)


def test_the_bulk_confirmation_names_it_canonically(logged_in, linked):
    html = logged_in.post("/containers/bulk/", {"action": "stop", "ids": [linked["db"]["Id"]]}).content.decode()
    _assert_canonical(html, linked)
