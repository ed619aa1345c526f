"""Secret-looking environment values are masked; operators and admins may reveal them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.masking import (
    MASK,
    can_reveal,
    is_secret,
    is_secret_name,
    mask_env_line,
    mask_inspect,
    mask_text,
    masked_env,
    unmask_env,
)


@pytest.mark.parametrize(
    "name",
    [
        "DB_PASSWORD",
        "MYSQL_ROOT_PASSWD",
        "API_KEY",
        "apikey",
        "GITHUB_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "SSH_PRIVATE_KEY",
        "SECRET_KEY_BASE",
        "SENTRY_DSN",
        "DB_PASS",
        "db_pwd",
        "OAUTH_CLIENT_SECRET",
    ],
)
def test_it_recognises_secret_names(name):
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["PATH", "HOME", "PWD", "OLDPWD", "LANG", "TZ", "PORT", "DEBUG", "PYTHONUNBUFFERED"])
def test_it_leaves_ordinary_names_alone(name):
    assert not is_secret_name(name)


def test_it_masks_values_not_names():
    assert masked_env(["PATH=/bin", "DB_PASSWORD=hunter2", "EMPTY_TOKEN=", "NO_EQUALS_KEY"]) == [
        "PATH=/bin",
        f"DB_PASSWORD={MASK}",
        "EMPTY_TOKEN=",
        "NO_EQUALS_KEY",
    ]
    assert mask_env_line("A_KEY=x=y") == f"A_KEY={MASK}"


def test_it_masks_the_inspect_json_without_touching_the_original():
    inspect = {"Id": "abc", "Config": {"Env": ["TOKEN=abc123", "TZ=UTC"], "Image": "busybox"}}
    masked = mask_inspect(inspect)
    assert masked["Config"]["Env"] == [f"TOKEN={MASK}", "TZ=UTC"] and inspect["Config"]["Env"][0] == "TOKEN=abc123"
    assert mask_inspect({"Id": "x", "Config": {"Env": None}}) == {"Id": "x", "Config": {"Env": None}}


@given(
    name=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1, max_size=20),
    value=st.text(min_size=1, max_size=30),
)
def test_it_never_shows_a_secret_value(name, value):
    line = mask_env_line(f"{name}={value}")
    assert line.startswith(f"{name}=")
    if is_secret_name(name):
        assert value not in line[len(name) + 1 :] or value in MASK


@pytest.mark.django_db
def test_it_lets_operators_and_admins_reveal(viewer, operator, admin_user):
    assert [can_reveal(u) for u in (viewer, operator, admin_user)] == [False, True, True]


# ---------------------------------------------------------------- issue 10, item 8: more names, URL values, history lines


@pytest.mark.parametrize(
    "name", ["PGPASS", "JWT", "jwt_secret", "AUTH_TOKEN", "DB_CREDENTIALS", "Api_Key", "PASSPHRASE"]
)
def test_it_recognises_a_secret_word_anywhere_in_the_name(name):
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "value",
    [
        "postgres://u:s3cr3t@db/x",
        "redis://:pw@r/0",
        "amqp://guest:guest@rabbit:5672/",
        "--url=mysql://root:p@ss@db",
        "postgres://u:s3cr3t@db/x?sslmode=require",
    ],
)
def test_it_masks_a_url_with_a_password_whole_whatever_its_name(value):
    assert is_secret("DATABASE_URL", value) and mask_env_line(f"SOME_URL={value}") == f"SOME_URL={MASK}"


@pytest.mark.parametrize(
    "value", ["https://example.com/path", "http://host:8080/x", "ssh://git@github.com/repo", "", "plain"]
)
def test_it_leaves_urls_without_a_password_alone(value):
    assert not is_secret("HOMEPAGE", value)


@pytest.mark.parametrize(
    "line, masked",
    [
        (
            "/bin/sh -c #(nop)  ENV DATABASE_URL=postgres://u:s3cr3t@db/x REDIS_URL=redis://:pw@r/0",
            f"/bin/sh -c #(nop)  ENV DATABASE_URL={MASK} REDIS_URL={MASK}",
        ),
        # The legacy builder writes `ENV PGPASS="a b c" JWT=x` without the quotes: a value runs to the next NAME=.
        (
            "/bin/sh -c #(nop)  ENV PGPASS=a b c JWT=eyJ.x.y TZ=UTC",
            f"/bin/sh -c #(nop)  ENV PGPASS={MASK} JWT={MASK} TZ=UTC",
        ),
        ("ENV DB_PASSWORD=hunter2", f"ENV DB_PASSWORD={MASK}"),  # BuildKit's form
        ("ENV GREETING=hello world", "ENV GREETING=hello world"),
        ("/bin/sh -c #(nop)  ARG API_KEY=argsecret", f"/bin/sh -c #(nop)  ARG API_KEY={MASK}"),
        ("|1 API_KEY=argsecret /bin/sh -c echo $API_KEY", f"|1 API_KEY={MASK} /bin/sh -c echo $API_KEY"),
        (
            "/bin/sh -c export DB_PASSWORD='a b' && run --token=xyz",
            f"/bin/sh -c export DB_PASSWORD={MASK} && run --token={MASK}",
        ),
        ("/bin/sh -c git clone https://u:s3cr3t@git.example/r.git /src", f"/bin/sh -c git clone {MASK} /src"),
        ('/bin/sh -c #(nop)  CMD ["sh"]', '/bin/sh -c #(nop)  CMD ["sh"]'),
    ],
)
def test_it_masks_values_in_an_image_history_line(line, masked):
    assert mask_text(line) == masked


def test_it_masks_the_build_step_in_an_images_inspect_json():
    inspect = {
        "Config": {"Env": ["JWT=eyJ"], "Cmd": ["sh"]},
        "ContainerConfig": {"Env": ["JWT=eyJ"], "Cmd": ["/bin/sh", "-c", "#(nop) ", "ENV JWT=eyJ"]},
    }
    masked = mask_inspect(inspect)
    assert masked["ContainerConfig"]["Cmd"] == ["/bin/sh", "-c", "#(nop) ", f"ENV JWT={MASK}"]
    assert masked["Config"] == {"Env": [f"JWT={MASK}"], "Cmd": ["sh"]} and "eyJ" not in str(masked)


def test_it_restores_a_masked_value_from_the_source_only_for_the_same_name():
    source = {"JWT": "eyJ.a\nb ", "PGPASS": MASK}
    assert unmask_env(["JWT=" + MASK, "TZ=UTC", "PGPASS=" + MASK, "NEW_TOKEN=typed"], source) == [
        "JWT=eyJ.a\nb ",
        "TZ=UTC",
        f"PGPASS={MASK}",
        "NEW_TOKEN=typed",
    ]
    with pytest.raises(ValueError, match="API_KEY"):
        unmask_env(["API_KEY=" + MASK], source)
    with pytest.raises(ValueError, match="JWT"):
        unmask_env(["JWT=" + MASK], None)  # no source container: nothing to restore from


@pytest.mark.parametrize(
    "line", ["sh -c TZ=UTC;DB_PASSWORD=hunter2 run", 'sh -c DB_PASSWORD="hunter2 run', "sh -c a&&JWT=hunter2|x"]
)
def test_it_masks_a_value_after_a_shell_separator_or_an_open_quote(line):
    assert "hunter2" not in mask_text(line)
