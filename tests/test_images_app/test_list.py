"""The image list (`docker images`) with each image's users, against the real engine."""

import pytest

from containers import services as container_services
from images import services
from tests.conftest import random_name

pytestmark = pytest.mark.django_db


@pytest.mark.postgres_redis  # one scenario of this app also runs on PostgreSQL + Redis in CI
def test_it_lists_one_row_per_tag_with_size_and_usage_count(logged_in, engine, make_image, docker_client):
    repository = random_name("img")
    image_id = make_image(f"{repository}:one")
    docker_client.api.tag(image_id, repository, "two")
    engine.container("sleep 300", image=f"{repository}:one")
    engine.container("true", image=image_id, start=False)
    html = logged_in.get(f"/images/?q={repository}").content.decode()
    short_id = image_id.removeprefix("sha256:")[:12]
    assert html.count(f"<code>{short_id}</code>") == 2  # one row per tag
    assert '<td class="tag">one' in html and '<td class="tag">two' in html
    assert "1.99MB" in html
    assert f'href="/images/{image_id}/#containers">2</a>' in html


def test_it_marks_dangling_images_and_filters_them(logged_in, make_image):
    tag = f"{random_name('dang')}:v1"
    first = make_image(tag)
    second = make_image(tag)  # takes the tag: the first is now dangling
    rows = services.query_images(show="dangling").rows
    dangling_ids = {row.image.id for row in rows}
    assert first in dangling_ids and second not in dangling_ids
    row = next(row for row in rows if row.image.id == first)
    assert (row.repository, row.tag, row.reference) == ("<none>", "<none>", "")
    html = logged_in.get("/images/?show=dangling").content.decode()
    assert first.removeprefix("sha256:")[:12] in html
    assert 'class="badge dangling"' in html


def test_it_filters_unused_images(engine, make_image):
    repository = random_name("img")
    used = make_image(f"{repository}-used:v1")
    unused = make_image(f"{repository}-unused:v1")
    engine.container("true", image=used, start=False)
    ids = {row.image.id for row in services.query_images(search=repository, show="unused").rows}
    assert ids == {unused}


def test_it_sorts_by_column(logged_in, make_image):
    repository = random_name("sort")
    make_image(f"{repository}:a")
    make_image(f"{repository}:b", steps="RUN echo bigger > /file")
    rows = services.query_images(search=repository, sort="tag", descending=True).rows
    assert [row.tag for row in rows] == ["b", "a"]
    rows = services.query_images(search=repository, sort="size").rows
    assert rows[0].image.size <= rows[1].image.size
    html = logged_in.get(f"/images/?q={repository}&sort=tag&desc=1").content.decode()
    assert html.index(f'{repository}</a></td>\n        <td class="tag">b') < html.index(
        f'{repository}</a></td>\n        <td class="tag">a'
    )


def test_it_renders_only_the_table_for_htmx(logged_in):
    response = logged_in.get("/images/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="image-table">')
    assert "<html" not in html


def test_it_makes_one_images_call_and_one_containers_call(logged_in, engine, monkeypatch):
    engine.container("sleep 300")
    calls = []

    def counting(original, name):
        def wrapper(*args, **kwargs):
            calls.append(name)
            return original(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(
        container_services, "list_raw_containers", counting(container_services.list_raw_containers, "containers")
    )
    monkeypatch.setattr(services, "list_raw_images", counting(services.list_raw_images, "images"))
    assert logged_in.get("/images/?sort=containers&desc=1").status_code == 200
    assert sorted(calls) == ["containers", "images"]


def test_it_requires_login(client):
    response = client.get("/images/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
