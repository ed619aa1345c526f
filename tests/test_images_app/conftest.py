"""Image fixtures: small labelled images built on berth-test/busybox, removed after each test."""

import re

import pytest

from tests.conftest import TEST_LABEL, random_name
from tests.images import BUSYBOX_IMAGE, build_context


def build_image(client, tag: str, steps: str = "") -> str:
    """Build a labelled image from busybox with extra Dockerfile `steps`; returns its id.

    A random label value makes each build a new image even with identical steps.
    """
    labels = " ".join(f"{key}={value}" for key, value in {**TEST_LABEL, "berth.test.build": random_name()}.items())
    dockerfile = f"FROM {BUSYBOX_IMAGE}\nLABEL {labels}\n{steps}\n".encode()
    image, _ = client.images.build(fileobj=build_context({"Dockerfile": dockerfile}), custom_context=True, tag=tag, rm=True, forcerm=True)
    return image.id


@pytest.fixture
def make_image(docker_client, engine):
    """make_image(tag=None, steps="") -> image id, tracked for removal."""

    def make(tag: str | None = None, steps: str = "") -> str:
        image_id = build_image(docker_client, tag or f"{random_name('img')}:v1", steps)
        engine.images.append(image_id)
        return image_id

    return make


def hidden_ids(html: str) -> list[str]:
    return re.findall(r'name="ids" value="(sha256:[0-9a-f]{64})"', html)
