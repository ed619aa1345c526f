"""The Run/Create form's checks across fields and against the engine (names free, networks
and link targets that exist, the admin's restrictions), each refused on its own field.

A mixin of containers.forms.ContainerCreateForm, whose clean() calls them in turn with the
cleaned data; they use its `networks`, `replacing` and `restrictions`.
"""

import ipaddress

from django.utils.translation import gettext as _

from accounts.restrictions import MAY_NOT_USE, is_bind_volume
from containers import services
from containers.specs import is_user_network
from dashboard import inputs
from dashboard.engine import EngineError


class CreateChecks:
    def _check_restrictions(self, data: dict) -> None:
        """What the admin settings forbid this user, each refused on its own field."""
        volumes = data.get("volumes") or ()
        binds = [volume.source for volume in volumes if volume.kind == "bind"]
        bind_volumes = []
        if self.restrictions.bind_mounts and not binds:
            # A local volume made with `-o o=bind,device=/etc` is a bind mount under another name.
            named = dict.fromkeys(volume.source for volume in volumes if volume.kind == "volume")
            bind_volumes = [name for name in named if is_bind_volume(services.inspect_volume(name) or {})]
        violations = self.restrictions.violations(
            binds=binds,
            bind_volumes=bind_volumes,
            volumes_from=list(data.get("volumes_from") or ()),
            privileged=bool(data.get("privileged")),
            cap_add=list(data.get("cap_add") or ()),
            devices=[device.text for device in data.get("devices") or ()],
            network_mode=data.get("network") or "",
            pid_mode=data.get("pid") or "",
        )
        if self.restrictions.bind_mounts and "volumes_from" not in violations:
            # --volumes-from a container that bind-mounts a host path is that bind mount too.
            for source in dict.fromkeys(entry.split(":", 1)[0] for entry in data.get("volumes_from") or ()):
                reach = services.container_reach(source) if services.container_exists(source) else None
                borrowed = reach and self.restrictions.reach_violations(reach.inspect, reach.volumes).get("volumes")
                if borrowed:
                    violations["volumes_from"] = MAY_NOT_USE % {
                        "what": _("%(what)s through --volumes-from %(source)s") % {"what": borrowed, "source": source}
                    }
        self.restriction_errors = violations
        for field_name, message in violations.items():
            self.add_error(field_name, message)

    def _check_name_free(self, data: dict) -> None:
        name = data.get("name")
        if not name or not services.container_exists(name):
            return
        if self.replacing and self.replacing.name == name:
            return  # the container being replaced gives its name up
        self.add_error("name", _("The name %(name)s is already in use by another container.") % {"name": repr(name)})

    def _check_network(self, data: dict) -> None:
        network = data.get("network")
        if network is None:
            return
        if network.startswith("container:"):
            if not services.container_exists(network.split(":", 1)[1]):
                self.add_error(
                    "network",
                    _("There is no container %(name)s to share the network of.")
                    % {"name": repr(network.split(":", 1)[1])},
                )
            for field_name, flag in (("hostname", "-h"), ("dns", "--dns"), ("add_host", "--add-host")):
                if data.get(field_name):
                    self.add_error(
                        field_name,
                        _("%(flag)s cannot be used with --network container:… (it shares that container's).")
                        % {"flag": flag},
                    )
        elif network and network != "default" and network not in self.networks:
            self.add_error("network", _("There is no network named %(name)s.") % {"name": repr(network)})
        no_ports = network in ("host", "none") or network.startswith("container:")
        if no_ports and (data.get("ports") or data.get("publish_all")):
            self.add_error(
                "ports",
                _("Ports cannot be published with --network %(network)s: it has no network of its own to map.")
                % {"network": network},
            )
        if not is_user_network(network):
            where = f"--network {network or 'bridge'}"
            for field_name in ("network_aliases", "ipv4_address"):
                if data.get(field_name):
                    self.add_error(
                        field_name,
                        _("Only a user-defined network takes aliases or a static IP, not %(where)s.")
                        % {"where": where},
                    )
        elif data.get("ipv4_address") and network in self.networks:
            self._check_static_ip(data["ipv4_address"], network)

    def _check_static_ip(self, ipv4: str, network: str) -> None:
        """`--ip` inside the network's subnets, as `docker network connect --ip` is checked: one
        network inspect, only when an address is given (the engine would create the container
        and fail its start)."""
        try:
            subnets = [ipaddress.ip_network(subnet, strict=False) for subnet in services.network_subnets(network)]
            inputs.static_ipv4(ipv4, subnets)
        except ValueError as e:
            self.add_error("ipv4_address", str(e))
        except EngineError:
            pass  # e.g. two networks of that name: the engine's own refusal at create will say so

    def _check_targets_exist(self, data: dict) -> None:
        for name, _alias in data.get("links") or ():
            if not services.container_exists(name):
                self.add_error("links", _("There is no container named %(name)s to link to.") % {"name": repr(name)})
        for entry in data.get("volumes_from") or ():
            if not services.container_exists(entry.split(":", 1)[0]):
                self.add_error(
                    "volumes_from", _("There is no container named %(name)s.") % {"name": repr(entry.split(":", 1)[0])}
                )

    def _check_restart(self, data: dict) -> None:
        policy = data.get("restart_policy")
        if data.get("auto_remove") and policy not in (None, "no"):
            self.add_error(
                "restart_policy", _("--restart cannot be used with --rm: a removed container cannot restart.")
            )
        if data.get("restart_max_retries") and policy != "on-failure":
            self.add_error("restart_max_retries", _("Max retries applies only to the on-failure policy."))
