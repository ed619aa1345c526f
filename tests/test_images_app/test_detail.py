"""The image page, reached by id (as the container page links it) or by reference."""

import re

import pytest

from tests.conftest import random_name

pytestmark = pytest.mark.django_db

STEPS = """ENV GREETING=hello MODE=test
RUN echo layer > /srv-file
WORKDIR /srv
USER 1000
EXPOSE 8080/tcp
ENTRYPOINT ["httpd", "-f"]
CMD ["-p", "8080"]"""


def test_it_shows_the_image_config_history_and_users(logged_in, engine, make_image):
    reference = f"{random_name('img')}:v1"
    image_id = make_image(reference, steps=STEPS)
    container = engine.container(None, start=False, image=image_id)
    html = logged_in.get(f"/images/{image_id}/").content.decode()
    for text in (
        reference,
        "linux/amd64",
        "<code>httpd -f</code>",
        "<code>-p 8080</code>",
        "<code>/srv</code>",
        "1000",
        "<code>8080/tcp</code>",
        "berth.test.build",  # a label
        "echo layer &gt; /srv-file",  # history
        "Inspect (full JSON)",
        f'href="/containers/{container["Id"]}/"',
    ):
        assert text in html, text
    # Each value sits in the span a Reveal would swap (none here: nothing is secret).
    assert re.search(
        r"<th>GREETING</th><td>\s*<span class=\"masked-value\" id=\"env-value-\d+\"><code>hello</code>", html
    )
    assert ">Reveal</button>" not in html


def test_it_accepts_a_reference_with_registry_and_slashes(logged_in, make_image, docker_client):
    image_id = make_image()
    repository = f"127.0.0.1:5000/team/{random_name('img')}"
    docker_client.api.tag(image_id, repository, "v2")
    response = logged_in.get(f"/images/{repository}:v2/")
    assert response.status_code == 200
    assert image_id in response.content.decode()
    docker_client.api.remove_image(f"{repository}:v2")


def test_it_answers_404_for_an_unknown_image(logged_in):
    assert logged_in.get(f"/images/{random_name('missing')}:v1/").status_code == 404
    assert logged_in.get("/images/sha256:" + "0" * 64 + "/").status_code == 404
