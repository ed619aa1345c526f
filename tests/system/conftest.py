"""Fixtures for the overview, disk usage and prune tests: role clients, images, and an
empty disk-usage cache (the cache is per process: one test's figures must not leak into the next)."""

import pytest
from django.core.cache import cache

from system import services
from tests.accounts.conftest import (  # noqa: F401 - fixtures, used by name
    admin_client_,
    admin_user,
    operator,
    operator_client,
    viewer,
    viewer_client,
)
from tests.test_images_app.conftest import builds, make_image  # noqa: F401 - fixtures, used by name


@pytest.fixture(autouse=True)
def no_disk_usage_yet():
    cache.delete(services._cache_key())
    yield
    cache.delete(services._cache_key())
