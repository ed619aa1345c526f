"""What an Operator may not put in a container (the admin settings at /settings/).

The create form calls `restrictions_for(request.user)` and, with what the user asked for,
`.violations(...)`: a {field: message} dict to show beside each field, empty when allowed.
Admins are never restricted; Viewers may not create containers at all (every flag set).
"""

from dataclasses import dataclass, fields

from accounts.models import BerthSettings, Role
from accounts.roles import role_of

LABELS = {
    "bind_mounts": "bind mounts of host paths",
    "volumes_from": "--volumes-from",
    "privileged": "privileged mode",
    "capabilities": "added capabilities",
    "devices": "devices",
    "host_network": "the host network",
    "host_pid": "the host PID namespace",
    "container_network": "another container's network (container:…)",
}


@dataclass(frozen=True)
class Restrictions:
    """True means FORBIDDEN for this user."""

    bind_mounts: bool = False
    volumes_from: bool = False
    privileged: bool = False
    capabilities: bool = False
    devices: bool = False
    host_network: bool = False
    host_pid: bool = False
    container_network: bool = False

    @property
    def forbidden(self) -> list[str]:
        """The forbidden things in words, for a note on the form."""
        return [LABELS[f.name] for f in fields(self) if getattr(self, f.name)]

    def violations(
        self,
        *,
        binds: list[str] = (),
        bind_volumes: list[str] = (),
        volumes_from: list[str] = (),
        privileged: bool = False,
        cap_add: list[str] = (),
        devices: list[str] = (),
        network_mode: str = "",
        pid_mode: str = "",
    ) -> dict[str, str]:
        """{form field: message} for each thing asked for that is forbidden.

        `binds` are host-path sources; `bind_volumes` the named volumes that are really bind
        mounts (see is_bind_volume), which the caller finds by inspecting each named volume.
        """
        found: dict[str, str] = {}

        def refuse(field: str, what: str) -> None:
            found[field] = f"Your role may not use {what}; an admin can allow it in Settings."

        if self.bind_mounts and binds:
            refuse("volumes", f"{LABELS['bind_mounts']} ({', '.join(binds)})")
        elif self.bind_mounts and bind_volumes:
            refuse("volumes", f"volumes that bind-mount host paths ({', '.join(bind_volumes)})")
        if self.volumes_from and volumes_from:
            refuse("volumes_from", LABELS["volumes_from"])
        if self.privileged and privileged:
            refuse("privileged", LABELS["privileged"])
        if self.capabilities and cap_add:
            refuse("cap_add", LABELS["capabilities"])
        if self.devices and devices:
            refuse("devices", LABELS["devices"])
        if self.host_network and network_mode == "host":
            refuse("network", LABELS["host_network"])
        if self.container_network and network_mode.startswith("container:"):
            refuse("network", LABELS["container_network"])
        if self.host_pid and pid_mode == "host":
            refuse("pid", LABELS["host_pid"])
        return found


NOTHING_FORBIDDEN = Restrictions()
EVERYTHING_FORBIDDEN = Restrictions(**{f.name: True for f in fields(Restrictions)})


def restrictions_for(user) -> Restrictions:
    role = role_of(user)
    if role == Role.ADMIN:
        return NOTHING_FORBIDDEN
    if role != Role.OPERATOR:
        return EVERYTHING_FORBIDDEN
    allowed = BerthSettings.load()
    return Restrictions(
        bind_mounts=not allowed.operators_may_bind_mount,
        volumes_from=not allowed.operators_may_use_volumes_from,
        privileged=not allowed.operators_may_run_privileged,
        capabilities=not allowed.operators_may_add_capabilities,
        devices=not allowed.operators_may_use_devices,
        host_network=not allowed.operators_may_use_host_network,
        host_pid=not allowed.operators_may_use_host_pid,
        container_network=not allowed.operators_may_join_container_network,
    )


def is_bind_volume(volume_inspect: dict) -> bool:
    """True for a named volume that is really a bind mount: local driver with o=bind (or rbind)."""
    if (volume_inspect.get("Driver") or "local") != "local":
        return False
    options = (volume_inspect.get("Options") or {}).get("o", "")
    return any(option.strip() in ("bind", "rbind") for option in options.split(","))
