"""The Run/Create form's privilege flags, parsed: --cap-add, --cap-drop, --device, --pid.

Pure functions as in containers/run_flags.py; each of these hands out root on the host, which
accounts/restrictions.py may forbid an Operator.
"""

import posixpath
from dataclasses import dataclass

from django.utils.translation import gettext as _

from containers.run_flags import split_items

# Linux capabilities (capabilities(7)); the engine refuses any other name at create.
CAPABILITIES = frozenset(
    "CAP_" + name
    for name in [
        "CHOWN",
        "DAC_OVERRIDE",
        "DAC_READ_SEARCH",
        "FOWNER",
        "FSETID",
        "KILL",
        "SETGID",
        "SETUID",
        "SETPCAP",
        "LINUX_IMMUTABLE",
        "NET_BIND_SERVICE",
        "NET_BROADCAST",
        "NET_ADMIN",
        "NET_RAW",
        "IPC_LOCK",
        "IPC_OWNER",
        "SYS_MODULE",
        "SYS_RAWIO",
        "SYS_CHROOT",
        "SYS_PTRACE",
        "SYS_PACCT",
        "SYS_ADMIN",
        "SYS_BOOT",
        "SYS_NICE",
        "SYS_RESOURCE",
        "SYS_TIME",
        "SYS_TTY_CONFIG",
        "MKNOD",
        "LEASE",
        "AUDIT_WRITE",
        "AUDIT_CONTROL",
        "SETFCAP",
        "MAC_OVERRIDE",
        "MAC_ADMIN",
        "SYSLOG",
        "WAKE_ALARM",
        "BLOCK_SUSPEND",
        "AUDIT_READ",
        "PERFMON",
        "BPF",
        "CHECKPOINT_RESTORE",
    ]
)
PID_MODES = ("", "host")


def parse_capability(text: str) -> str:
    """`NET_ADMIN`, `CAP_NET_ADMIN`, `net_admin` or `ALL`, kept as typed: the CLI sends it so."""
    name = text.strip()
    upper = name.upper()
    if upper != "ALL" and (upper if upper.startswith("CAP_") else f"CAP_{upper}") not in CAPABILITIES:
        raise ValueError(
            _("%(name)r is not a Linux capability (for example NET_ADMIN, SYS_TIME or ALL).") % {"name": name}
        )
    return name


@dataclass(frozen=True)
class DeviceSpec:
    path_on_host: str
    path_in_container: str
    permissions: str = "rwm"

    @property
    def text(self) -> str:
        target = "" if self.path_in_container == self.path_on_host else f":{self.path_in_container}"
        mode = "" if self.permissions == "rwm" else f":{self.permissions}"
        return f"{self.path_on_host}{target}{mode}"

    @property
    def mapping(self) -> dict[str, str]:
        return {
            "PathOnHost": self.path_on_host,
            "PathInContainer": self.path_in_container,
            "CgroupPermissions": self.permissions,
        }


def _is_device_mode(text: str) -> bool:
    """r, w and m, each at most once, as the CLI's validDeviceMode."""
    return bool(text) and set(text) <= set("rwm") and len(set(text)) == len(text)


def _clean_path(path: str) -> str:
    """Go's path.Clean for an absolute path: no `//`, `.` or `..` left, no trailing slash."""
    return "/" + posixpath.normpath(path).lstrip("/")


def parse_device(spec: str) -> DeviceSpec:
    """`--device /dev/x[:/dev/y][:rwm]`: the host device, where it appears, and the cgroup permissions."""
    spec = spec.strip()
    parts = spec.split(":")
    if len(parts) > 3 or not all(parts):
        raise ValueError(_("%(spec)r is not a device: write /dev/host[:/dev/container][:rwm].") % {"spec": spec})
    source, target, mode = parts[0], "", "rwm"
    if len(parts) == 3:
        target, mode = parts[1], parts[2]
        if not _is_device_mode(mode):
            raise ValueError(
                _("%(spec)r: the permissions %(mode)r are not valid (some of r, w and m).")
                % {"spec": spec, "mode": mode}
            )
    elif len(parts) == 2:
        if _is_device_mode(parts[1]):
            mode = parts[1]
        else:
            target = parts[1]
    for path in (source, target or source):
        if not path.startswith("/"):
            raise ValueError(
                _("%(spec)r: the device path %(path)r must be absolute (start with /).") % {"spec": spec, "path": path}
            )
    # The CLI cleans the container path (and the host path when no container path is given).
    if not target:
        source = target = _clean_path(source)
    elif len(parts) == 2:
        target = _clean_path(target)
    return DeviceSpec(source, target, mode)


def parse_devices(text: str) -> list[DeviceSpec]:
    return [parse_device(item) for item in split_items(text)]


def parse_pid_mode(text: str) -> str:
    mode = text.strip()
    if mode not in PID_MODES:
        raise ValueError(
            _("%(mode)r is not a PID mode: leave it empty (the container's own) or write host.") % {"mode": mode}
        )
    return mode
