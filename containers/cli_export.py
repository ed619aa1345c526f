"""An existing container as the `docker run` line that makes it again ("copy as docker run").

The same path as Duplicate/Edit: `spec_from_inspect()` gives the form's fields, and each field
becomes the flags that containers/cli_import.py reads back into the same field. Only what
differs from the defaults is written: what the image sets itself (its environment, command,
working directory, user, labels, volumes) and the engine's own defaults are left out. Secret
environment values stay masked (accounts/masking.py) unless the caller says they were revealed.
"""

import shlex

from django.utils.translation import gettext as _

from accounts.masking import mask_env_line
from containers.cli_import import BOOLEAN_FLAGS, LIST_FIELDS, SHORT, VALUE_FLAGS
from containers.specs import spec_from_inspect

# The short form where the CLI has one (-p, -e, -v...), as people write them.
_SHORT_OF = {long: f"-{letter}" for letter, long in SHORT.items()}
_FLAG_OF = {name: _SHORT_OF.get(flag, flag) for flag, name in {**VALUE_FLAGS, **BOOLEAN_FLAGS}.items()}
# The form's order, which is also the order people tend to write them in.
FIELD_ORDER = [
    "name",
    "ports",
    "publish_all",
    "env",
    "interactive",
    "tty",
    "auto_remove",
    "workdir",
    "user",
    "init",
    "volumes",
    "volumes_from",
    "network",
    "network_aliases",
    "ipv4_address",
    "links",
    "hostname",
    "add_host",
    "dns",
    "restart_policy",
    "memory",
    "cpus",
    "log_driver",
    "log_options",
    "labels",
    "privileged",
    "cap_add",
    "cap_drop",
    "devices",
    "pid",
]


# What a container may have that the Run form has no field for, so the line cannot carry it:
# (flag, HostConfig or Config key, the values that mean "not set"; the engine writes 64 MiB of
# /dev/shm and IPC mode "private" or "shareable" when none is asked for).
NOT_CARRIED = [
    ("--read-only", "HostConfig", "ReadonlyRootfs", (None, False)),
    ("--tmpfs", "HostConfig", "Tmpfs", (None, {})),
    ("--mount", "HostConfig", "Mounts", (None, [])),
    ("--ulimit", "HostConfig", "Ulimits", (None, [])),
    ("--sysctl", "HostConfig", "Sysctls", (None, {})),
    ("--group-add", "HostConfig", "GroupAdd", (None, [])),
    ("--dns-option", "HostConfig", "DnsOptions", (None, [])),
    ("--dns-search", "HostConfig", "DnsSearch", (None, [])),
    ("--cpu-shares", "HostConfig", "CpuShares", (None, 0)),
    ("--pids-limit", "HostConfig", "PidsLimit", (None, 0)),
    ("--memory-reservation", "HostConfig", "MemoryReservation", (None, 0)),
    ("--oom-kill-disable", "HostConfig", "OomKillDisable", (None, False)),
    ("--shm-size", "HostConfig", "ShmSize", (None, 0, 64 * 1024 * 1024)),
    ("--ipc", "HostConfig", "IpcMode", (None, "", "private", "shareable")),
    ("--uts", "HostConfig", "UTSMode", (None, "")),
    ("--userns", "HostConfig", "UsernsMode", (None, "")),
    ("--cgroup-parent", "HostConfig", "CgroupParent", (None, "")),
    ("--domainname", "Config", "Domainname", (None, "")),
    ("--mac-address", "Config", "MacAddress", (None, "")),
    ("--stop-timeout", "Config", "StopTimeout", (None,)),
]


def not_carried(inspect: dict, image: dict) -> list[str]:
    """The flags the container was made with that the line leaves out, by name."""
    flags = [flag for flag, part, key, unset in NOT_CARRIED if (inspect.get(part) or {}).get(key) not in unset]
    config, defaults, host = inspect.get("Config") or {}, image.get("Config") or {}, inspect.get("HostConfig") or {}
    # The engine writes label=disable itself for --privileged and --pid host (which the line carries).
    engine_made = {"label=disable"} if host.get("Privileged") or host.get("PidMode") == "host" else set()
    if set(host.get("SecurityOpt") or []) - engine_made:
        flags.append("--security-opt")
    for flag, key in (("--health-cmd", "Healthcheck"), ("--stop-signal", "StopSignal")):
        if config.get(key) and config.get(key) != defaults.get(key):
            flags.append(flag)
    published = set(host.get("PortBindings") or {})
    if set(config.get("ExposedPorts") or {}) - set(defaults.get("ExposedPorts") or {}) - published:
        flags.append("--expose")
    return flags


def _without_image_defaults(fields: dict, inspect: dict, image: dict) -> dict:
    """The fields minus what the image would set anyway (it is the same image on the same engine)."""
    config, defaults = inspect.get("Config") or {}, image.get("Config") or {}
    image_env, image_labels = set(defaults.get("Env") or []), defaults.get("Labels") or {}
    # A list, not lines: a value may hold line breaks, and each entry is one -e (and masked whole).
    fields["env"] = [entry for entry in config.get("Env") or [] if entry not in image_env]
    fields["labels"] = "\n".join(
        f"{key}={value}"
        for key, value in sorted((config.get("Labels") or {}).items())
        if image_labels.get(key) != value
    )
    image_volumes = set(defaults.get("Volumes") or {})
    fields["volumes"] = "\n".join(line for line in fields["volumes"].split("\n") if line not in image_volumes)
    for name, key in (("workdir", "WorkingDir"), ("user", "User")):
        if fields[name] == (defaults.get(key) or ""):
            fields[name] = ""
    return fields


def _command_words(inspect: dict, image: dict) -> tuple[list[str], list[str], list[str]]:
    """(--entrypoint words, the command after the image, notes). The engine takes the image's
    command only when the entrypoint is the image's too, so a changed entrypoint writes both."""
    config, defaults = inspect.get("Config") or {}, image.get("Config") or {}
    entrypoint, command = list(config.get("Entrypoint") or []), list(config.get("Cmd") or [])
    if entrypoint == list(defaults.get("Entrypoint") or []):
        return [], [] if command == list(defaults.get("Cmd") or []) else command, []
    if not entrypoint:
        return ["--entrypoint", ""], command, []
    notes = []
    if len(entrypoint) > 1:
        notes.append(_("Its entrypoint has several words and --entrypoint takes one: the others lead the command."))
    return ["--entrypoint", entrypoint[0]], entrypoint[1:] + command, notes


def _flags(fields: dict, default_log_driver: str) -> list[str]:
    words = []
    for name in FIELD_ORDER:
        value = fields.get(name)
        if name in BOOLEAN_FLAGS.values():
            words += [_FLAG_OF[name]] if value else []
        elif name == "restart_policy":
            retries = fields.get("restart_max_retries")
            policy = f"{value}:{retries}" if retries else value
            words += ["--restart", policy] if value and value != "no" else []
        elif name == "log_driver":
            words += ["--log-driver", value] if value and value != default_log_driver else []
        elif name in LIST_FIELDS:
            for item in value if isinstance(value, list) else (value or "").split("\n"):
                words += [_FLAG_OF[name], item] if item else []
        elif value:
            words += [_FLAG_OF[name], value]
    return words


def docker_run(
    inspect: dict, image: dict, *, default_log_driver: str, revealed: bool = False, network_peer: str = ""
) -> tuple[str, list]:
    """(the `docker run` line, notes about it) for a container's inspect and its image's inspect;
    `network_peer` names the container whose network it uses, as a person writes it (the
    engine keeps its 64-hex id)."""
    fields = _without_image_defaults(spec_from_inspect(inspect), inspect, image)
    if network_peer and fields["network"].startswith("container:"):
        fields["network"] = f"container:{network_peer}"
    if not revealed:
        fields["env"] = [mask_env_line(entry) for entry in fields["env"]]
    config = inspect.get("Config") or {}
    entrypoint, command, notes = _command_words(inspect, image)
    detach = ["-d"] if not config.get("AttachStdout") and not config.get("AttachStderr") else []
    words = [*detach, *_flags(fields, default_log_driver), *entrypoint, fields["image"], *command]
    left_out = not_carried(inspect, image)
    if left_out:
        notes.append(
            _("Not in the line, as the Run form has no field for them: %(flags)s.") % {"flags": ", ".join(left_out)}
        )
    return " ".join(["docker", "run", *(shlex.quote(word) for word in words)]), notes
