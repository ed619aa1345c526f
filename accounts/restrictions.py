"""What an Operator may not put in a container (the admin settings at /settings/).

The create form calls `restrictions_for(request.user)` and, with what the user asked for,
`.violations(...)`: a {field: message} dict to show beside each field, empty when allowed.
The same restrictions hold for what an Operator may reach after create (issue 10, item 3):
`.reach_refusal(verb, containers.services.container_reach(id))` says why an action on an existing
container is refused, whoever made it. Admins are never restricted; Viewers may not create
containers at all (every flag set).
"""

from dataclasses import dataclass, fields

from django.utils.translation import gettext_lazy as _

from accounts.models import BerthSettings, Role
from accounts.roles import role_of

LABELS = {
    "bind_mounts": _("bind mounts of host paths"),
    "volumes_from": "--volumes-from",
    "privileged": _("privileged mode"),
    "capabilities": _("added capabilities"),
    "devices": _("devices"),
    "host_network": _("the host network"),
    "host_pid": _("the host PID namespace"),
    "container_network": _("another container's network (container:…)"),
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

    @property
    def any(self) -> bool:
        """Whether anything at all is forbidden: an admin's actions need no look at the container."""
        return any(getattr(self, f.name) for f in fields(self))

    def violations(self, **asked) -> dict[str, str]:
        """{form field: message} for each thing asked for that is forbidden (see `uses`)."""
        return {field: MAY_NOT_USE % {"what": what} for field, what in self.uses(**asked).items()}

    def uses(
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
        """{form field: the forbidden thing in words} for each thing asked for that is forbidden.

        `binds` are host-path sources; `bind_volumes` the named volumes that are really bind
        mounts (see is_bind_volume), which the caller finds by inspecting each named volume.
        """
        found: dict[str, str] = {}
        if self.bind_mounts and binds:
            found["volumes"] = f"{LABELS['bind_mounts']} ({', '.join(dict.fromkeys(binds))})"
        elif self.bind_mounts and bind_volumes:
            found["volumes"] = _("volumes that bind-mount host paths (%(names)s)") % {"names": ", ".join(bind_volumes)}
        if self.volumes_from and volumes_from:
            found["volumes_from"] = str(LABELS["volumes_from"])
        if self.privileged and privileged:
            found["privileged"] = str(LABELS["privileged"])
        if self.capabilities and cap_add:
            found["cap_add"] = str(LABELS["capabilities"])
        if self.devices and devices:
            found["devices"] = str(LABELS["devices"])
        if self.host_network and network_mode == "host":
            found["network"] = str(LABELS["host_network"])
        if self.container_network and network_mode.startswith("container:"):
            found["network"] = str(LABELS["container_network"])
        if self.host_pid and pid_mode == "host":
            found["pid"] = str(LABELS["host_pid"])
        return found

    def reach_violations(self, container: dict, volumes: dict[str, dict]) -> dict[str, str]:
        """{field: the forbidden thing in words} that an existing container uses, whoever made it.

        `container` is its inspect document, `volumes` the inspects of the named volumes it
        mounts ({name: inspect}, see containers.services.container_reach).
        """
        host = container.get("HostConfig") or {}
        binds = [bind.split(":", 1)[0] for bind in host.get("Binds") or [] if bind.startswith("/")]
        # --mount type=bind is not in Binds; the top-level Mounts also has what --volumes-from brought.
        binds += [m.get("Source", "") for m in host.get("Mounts") or [] if m.get("Type") == "bind"]
        binds += [m.get("Source", "") for m in container.get("Mounts") or [] if m.get("Type") == "bind"]
        return self.uses(
            binds=binds,
            bind_volumes=sorted(name for name, volume in volumes.items() if is_bind_volume(volume)),
            volumes_from=host.get("VolumesFrom") or [],
            privileged=bool(host.get("Privileged")),
            cap_add=host.get("CapAdd") or [],
            devices=[d.get("PathOnHost", "") for d in host.get("Devices") or []],
            network_mode=host.get("NetworkMode") or "",
            pid_mode=host.get("PidMode") or "",
        )

    def reach_refusal(self, verb: str, reach) -> str:
        """The sentence refusing `verb` (a key of REACH_REFUSALS) on a container; "" if allowed.

        `reach` is what containers.services.container_reach(id) found: .name, .inspect, .volumes.
        """
        found = self.reach_violations(reach.inspect, reach.volumes)
        if not found:
            return ""
        return REACH_REFUSALS[verb] % {"name": reach.name, "what": ", ".join(found.values())}


MAY_NOT_USE = _("Your role may not use %(what)s; an admin can allow it in Settings.")
# What an Operator may not do to a container that uses a forbidden option (issue 10, item 3):
# each gives it, or lets a user reach, what the option hands out.
REACH_REFUSALS = {
    "start": _("Your role may not start %(name)s: it uses %(what)s; an admin can allow it in Settings."),
    "restart": _("Your role may not restart %(name)s: it uses %(what)s; an admin can allow it in Settings."),
    "unpause": _("Your role may not unpause %(name)s: it uses %(what)s; an admin can allow it in Settings."),
    "attach": _("Your role may not attach to %(name)s: it uses %(what)s; an admin can allow it in Settings."),
    "exec": _("Your role may not run commands in %(name)s: it uses %(what)s; an admin can allow it in Settings."),
    # The container's own page, for an Operator: said before any button is tried.
    "reach": _(
        "Your role may not start, restart, unpause, attach to or run commands in %(name)s: it uses %(what)s; "
        "an admin can allow it in Settings."
    ),
    "duplicate": _(
        "Your role may not duplicate %(name)s as it is: it uses %(what)s; an admin can allow it in Settings. "
        "Take those options out of the copy."
    ),
}


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


# Mount options that make a local volume show the host's own files (`mount -o ...`).
BIND_OPTIONS = {"bind", "rbind", "overlay", "lowerdir", "upperdir", "workdir"}


def is_bind_volume(volume_inspect: dict) -> bool:
    """True for a named volume that really mounts host paths: a local volume whose `type` is
    none, bind or overlay, whose `o` options bind or overlay, or whose device is a host path."""
    if (volume_inspect.get("Driver") or "local") != "local":
        return False
    options = volume_inspect.get("Options") or {}
    mount_options = {option.split("=", 1)[0].strip() for option in options.get("o", "").split(",")}
    return (
        options.get("type", "").strip() in ("none", "bind", "rbind", "overlay")
        or bool(mount_options & BIND_OPTIONS)
        or options.get("device", "").startswith("/")
    )
