"""Image fixtures: small labelled images built on berth-test/busybox, removed after each test."""

import re

import docker.errors
import pytest

from tests.accounts.conftest import operator, operator_client  # noqa: F401 - fixtures, used by name
from tests.conftest import TEST_LABEL, random_name
from tests.images import BUSYBOX_IMAGE, build_context

BUILD_LABEL = "berth.test.build"


def build_image(client, tag: str, steps: str = "") -> tuple[str, str]:
    """Build a labelled image from busybox with extra Dockerfile `steps`; returns (id, build label value).

    A random label value makes each build a new image even with identical steps, and marks
    the build's intermediate images too, so `remove_build` can find every one of them.
    """
    build = random_name("build")
    labels = " ".join(f"{key}={value}" for key, value in {**TEST_LABEL, BUILD_LABEL: build}.items())
    dockerfile = f"FROM {BUSYBOX_IMAGE}\nLABEL {labels}\n{steps}\n".encode()
    image, _ = client.images.build(
        fileobj=build_context({"Dockerfile": dockerfile}), custom_context=True, tag=tag, rm=True, forcerm=True
    )
    return image.id, build


def remove_build(client, build: str) -> None:
    """Remove every image of one build, intermediate ones included, newest (children) first.

    Removing the final image does not always prune its untagged parents, and a parent left
    behind keeps its layers: a later pull would then find them "Already exists".
    """
    images = client.api.images(all=True, filters={"label": f"{BUILD_LABEL}={build}"})
    for image in sorted(images, key=lambda i: i["Created"], reverse=True):
        try:
            client.api.remove_image(image["Id"], force=True)
        except docker.errors.APIError:
            pass  # already pruned along with a child


@pytest.fixture
def builds(docker_client):
    """Build labels made by one test; every image of each is removed at its end."""
    made: list[str] = []
    yield made
    for build in made:
        remove_build(docker_client, build)


@pytest.fixture
def make_image(docker_client, engine, builds):
    """make_image(tag=None, steps="") -> image id, removed after the test with its intermediate images."""

    def make(tag: str | None = None, steps: str = "") -> str:
        image_id, build = build_image(docker_client, tag or f"{random_name('img')}:v1", steps)
        engine.images.append(image_id)
        builds.append(build)
        return image_id

    return make


def hidden_ids(html: str) -> list[str]:
    return re.findall(r'name="ids" value="(sha256:[0-9a-f]{64})"', html)
