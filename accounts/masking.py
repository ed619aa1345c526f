"""Environment values whose names look secret are masked on every page (issue 5, item 6).

Pure helpers for the container pages: `masked_env(lines)` for the environment list,
`mask_inspect(inspect)` for the inspect JSON. Masking applies to everyone by default;
`can_reveal(user)` (operators and admins: an operator could read them through exec anyway)
says who may ask for one value, and that reveal is to be audited:

    audit(request, "container.env.reveal", object_type="container", object_id=cid,
          object_name=name, extra={"variable": key})
"""

import copy
import re

from accounts.roles import has_role

MASK = "••••••"
# Parts of a variable name that mark its value as a secret: DB_PASSWORD, API_KEY, GITHUB_TOKEN,
# AWS_SECRET_ACCESS_KEY, SSH_PRIVATE_KEY, MYSQL_ROOT_PASSWD... False positives only cost a click.
SECRET_WORDS = ("PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "PRIVATE", "SALT", "AUTH", "APIKEY")
SECRET_PARTS = {"PASS", "PWD", "DSN", "CERT", "COOKIE", "SESSION", "SIGNATURE"}
NOT_SECRET = {"PWD", "OLDPWD"}  # the shell's working directories
_PARTS = re.compile(r"[^A-Z0-9]+")


def is_secret_name(name: str) -> bool:
    upper = name.upper()
    if upper in NOT_SECRET:
        return False
    return any(word in upper for word in SECRET_WORDS) or bool(SECRET_PARTS & set(_PARTS.split(upper)))


def mask_env_line(line: str) -> str:
    """'KEY=value' with the value masked when KEY looks secret; other lines unchanged."""
    name, equals, value = line.partition("=")
    if equals and value and is_secret_name(name):
        return f"{name}={MASK}"
    return line


def masked_env(lines: list[str] | None) -> list[str]:
    return [mask_env_line(line) for line in lines or []]


def mask_inspect(inspect: dict) -> dict:
    """A copy of a container's (or an image's) inspect data with secret-looking environment values masked."""
    masked = copy.deepcopy(inspect)
    # An image built by the legacy builder carries its environment twice: Config and ContainerConfig.
    for key in ("Config", "ContainerConfig"):
        config = masked.get(key) or {}
        if config.get("Env"):
            config["Env"] = masked_env(config["Env"])
    return masked


def can_reveal(user) -> bool:
    return has_role(user, "operator")
