"""Secret-looking environment values are masked; operators and admins may reveal them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.masking import MASK, can_reveal, is_secret_name, mask_env_line, mask_inspect, masked_env


@pytest.mark.parametrize("name", ["DB_PASSWORD", "MYSQL_ROOT_PASSWD", "API_KEY", "apikey", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY",
                                  "SSH_PRIVATE_KEY", "SECRET_KEY_BASE", "SENTRY_DSN", "DB_PASS", "db_pwd", "OAUTH_CLIENT_SECRET"])
def test_it_recognises_secret_names(name):
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["PATH", "HOME", "PWD", "OLDPWD", "LANG", "TZ", "PORT", "DEBUG", "PYTHONUNBUFFERED"])
def test_it_leaves_ordinary_names_alone(name):
    assert not is_secret_name(name)


def test_it_masks_values_not_names():
    assert masked_env(["PATH=/bin", "DB_PASSWORD=hunter2", "EMPTY_TOKEN=", "NO_EQUALS_KEY"]) == [
        "PATH=/bin", f"DB_PASSWORD={MASK}", "EMPTY_TOKEN=", "NO_EQUALS_KEY"]
    assert mask_env_line("A_KEY=x=y") == f"A_KEY={MASK}"


def test_it_masks_the_inspect_json_without_touching_the_original():
    inspect = {"Id": "abc", "Config": {"Env": ["TOKEN=abc123", "TZ=UTC"], "Image": "busybox"}}
    masked = mask_inspect(inspect)
    assert masked["Config"]["Env"] == [f"TOKEN={MASK}", "TZ=UTC"] and inspect["Config"]["Env"][0] == "TOKEN=abc123"
    assert mask_inspect({"Id": "x", "Config": {"Env": None}}) == {"Id": "x", "Config": {"Env": None}}


@given(name=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1, max_size=20), value=st.text(min_size=1, max_size=30))
def test_it_never_shows_a_secret_value(name, value):
    line = mask_env_line(f"{name}={value}")
    assert line.startswith(f"{name}=")
    if is_secret_name(name):
        assert value not in line[len(name) + 1:] or value in MASK


@pytest.mark.django_db
def test_it_lets_operators_and_admins_reveal(viewer, operator, admin_user):
    assert [can_reveal(u) for u in (viewer, operator, admin_user)] == [False, True, True]
