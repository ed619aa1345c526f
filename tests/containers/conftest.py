"""Users of each role for the container tests: the fixtures of tests/accounts/conftest.py."""

from tests.accounts.conftest import admin_client_, admin_user, operator, operator_client, viewer, viewer_client  # noqa: F401 - fixtures, used by name
