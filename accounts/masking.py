"""Secret values are masked on every page, for every role (issue 5 item 6, issue 10 item 8).

Pure helpers for the container and image pages: `masked_env(lines)` for an environment list,
`mask_text(line)` for an image's history lines, `mask_inspect(inspect)` for the inspect JSON,
`unmask_env(lines, source)` for the Duplicate/Edit form. Logs are not masked.

A value is a secret when its NAME contains a secret word (DB_PASSWORD, PGPASS, JWT, API_KEY,
AUTH_TOKEN...) or when it holds a URL with a password (postgres://u:s3cr3t@db/x,
redis://:pw@host). Either way the whole value is masked, not only the password: the rule stays
one rule, and a password with unusual characters cannot leak in part. `can_reveal(user)`
(operators and admins: an operator could read them through exec anyway) says who may ask for
one value, and that reveal is to be audited:

    audit(request, "container.env.reveal", object_type="container", object_id=cid,
          object_name=name, extra={"variable": key})
"""

import copy
import re

from django.utils.translation import gettext as _

from accounts.roles import has_role

# Also the placeholder the Duplicate/Edit form submits for a value it did not show.
MASK = "••••••"
# Parts of a variable name that mark its value as a secret, anywhere in the name and in any
# case: DB_PASSWORD, PGPASS, JWT, GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY... False positives
# (KEYBOARD, BYPASS) only cost a click.
SECRET_WORDS = ("PASS", "SECRET", "TOKEN", "KEY", "JWT", "CREDENTIAL", "PRIVATE", "SALT", "AUTH")
SECRET_PARTS = {"PWD", "DSN", "CERT", "COOKIE", "SESSION", "SIGNATURE"}
NOT_SECRET = {"PWD", "OLDPWD"}  # the shell's working directories
_PARTS = re.compile(r"[^A-Z0-9]+")
# scheme://user:password@ (the user may be empty, as in redis://:pw@host).
URL_WITH_PASSWORD = re.compile(r"://[^\s/@:]*:[^\s/@]+@")
_URL_TOKEN = re.compile(r"""[A-Za-z][A-Za-z0-9+.-]*://[^\s/@:'"]*:[^\s/@'"]+@[^\s'"]*""")
# NAME=value in a command: the value is one shell word (quoted or not).
_ASSIGNMENT = re.compile(r"""(?<![A-Za-z0-9_.])([A-Za-z_][A-Za-z0-9_.-]*)=("[^"]*"|'[^']*'|["'][^\s]*|[^\s;&|"']*)""")
# The history of an ENV or ARG step ("/bin/sh -c #(nop)  ENV A=1 B=2" from the legacy builder,
# "ENV A=1" from BuildKit): values are written without quotes, so each runs to the next NAME=.
_ENV_STEP = re.compile(r"^((?:/bin/sh -c #\(nop\)\s+)?(?:ENV|ARG)\s+)(.*)$", re.DOTALL)
_NEXT_NAME = re.compile(r"\s+(?=[A-Za-z_][A-Za-z0-9_.-]*=)")


def is_secret_name(name: str) -> bool:
    upper = name.upper()
    if upper in NOT_SECRET:
        return False
    return any(word in upper for word in SECRET_WORDS) or bool(SECRET_PARTS & set(_PARTS.split(upper)))


def is_secret(name: str, value: str) -> bool:
    """Whether NAME=value is shown masked: an empty value has nothing to hide."""
    return bool(value) and (is_secret_name(name) or bool(URL_WITH_PASSWORD.search(value)))


def env_rows(pairs: list[tuple[str, str]]) -> list[tuple[int, str, str, bool]]:
    """(row, name, value shown, masked) for an environment table with a Reveal per masked value."""
    rows = []
    for index, (key, value) in enumerate(pairs, start=1):
        masked = is_secret(key, value)
        rows.append((index, key, MASK if masked else value, masked))
    return rows


def mask_env_line(line: str) -> str:
    """'KEY=value' with the value masked when it is a secret; other lines unchanged."""
    name, equals, value = line.partition("=")
    return f"{name}={MASK}" if equals and is_secret(name, value) else line


def masked_env(lines: list[str] | None) -> list[str]:
    return [mask_env_line(line) for line in lines or []]


def _mask_assignment(match: re.Match) -> str:
    return f"{match[1]}={MASK}" if is_secret(match[1], match[2].strip("'\"")) else match[0]


def mask_text(text: str) -> str:
    """A build step or command line with its secret NAME=value values and passworded URLs masked."""
    step = _ENV_STEP.match(text or "")
    if step:
        return step[1] + " ".join(mask_env_line(pair) for pair in _NEXT_NAME.split(step[2]))
    return _URL_TOKEN.sub(MASK, _ASSIGNMENT.sub(_mask_assignment, text or ""))


def mask_inspect(inspect: dict) -> dict:
    """A copy of a container's (or an image's) inspect data with secret environment values masked."""
    masked = copy.deepcopy(inspect)
    # An image built by the legacy builder carries its environment twice, Config and
    # ContainerConfig, and ContainerConfig.Cmd is its last build step ("#(nop) ", "ENV A=b").
    for key in ("Config", "ContainerConfig"):
        config = masked.get(key) or {}
        if config.get("Env"):
            config["Env"] = masked_env(config["Env"])
    build_step = masked.get("ContainerConfig") or {}
    if isinstance(build_step.get("Cmd"), list):
        build_step["Cmd"] = [mask_text(part) if isinstance(part, str) else part for part in build_step["Cmd"]]
    return masked


def unmask_env(lines: list[str], source: dict[str, str] | None) -> list[str]:
    """The Duplicate/Edit form's environment with each MASK placeholder put back from the source
    container's own value for the same name; ValueError names the ones it has no value for."""
    restored, missing = [], []
    for line in lines:
        name, _equals, value = line.partition("=")
        if value != MASK:
            restored.append(line)
        elif source is not None and name in source:
            restored.append(f"{name}={source[name]}")
        else:
            missing.append(name)
    if missing and source is None:
        raise ValueError(
            _(
                "%(names)s: %(mask)s stands for a masked value, and there is no source container to take it from; "
                "type the value."
            )
            % {"names": ", ".join(missing), "mask": MASK}
        )
    if missing:
        raise ValueError(
            _("%(names)s: the source container has no such variable to keep the masked value of; type the value.")
            % {"names": ", ".join(missing)}
        )
    return restored


def can_reveal(user) -> bool:
    return has_role(user, "operator")
