from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboard import inputs
from networks import services, validators

# Linux interface names: at most 15 characters; "eth0.10" asks macvlan for a VLAN sub-interface.
INTERFACE_PATTERN = r"^[a-zA-Z0-9_.:@-]{1,15}$"
KEY_VALUE_HELP = gettext_lazy("One KEY=value per line.")


class NetworkCreateForm(forms.Form):
    name = forms.CharField(max_length=128, label=gettext_lazy("Name"))
    driver = forms.ChoiceField(initial="bridge", label=gettext_lazy("Driver"))
    parent = forms.RegexField(
        regex=INTERFACE_PATTERN,
        required=False,
        label=gettext_lazy("Parent interface (macvlan)"),
        help_text=gettext_lazy("The host interface the containers appear on, e.g. eth0 or eth0.10 for VLAN 10."),
        error_messages={"invalid": gettext_lazy("An interface name: up to 15 letters, digits or . _ - : @")},
    )
    macvlan_mode = forms.ChoiceField(
        choices=[(m, m) for m in services.MACVLAN_MODES], initial="bridge", label=gettext_lazy("Macvlan mode")
    )
    subnet = forms.CharField(
        required=False,
        max_length=64,
        label=gettext_lazy("Subnet"),
        help_text=gettext_lazy("CIDR, e.g. 172.72.0.0/16. Empty: the engine picks a free one."),
    )
    ip_range = forms.CharField(
        required=False,
        max_length=64,
        label=gettext_lazy("IP range"),
        help_text=gettext_lazy("Containers get addresses from this block, inside the subnet, e.g. 172.72.0.0/24."),
    )
    gateway = forms.CharField(
        required=False,
        max_length=64,
        label=gettext_lazy("Gateway"),
        help_text=gettext_lazy("An address inside the subnet, e.g. 172.72.0.1."),
    )
    ipv6_subnet = forms.CharField(
        required=False,
        max_length=64,
        label=gettext_lazy("IPv6 subnet"),
        help_text=gettext_lazy("Setting one turns IPv6 on, e.g. fd00:72::/64."),
    )
    ipv6_gateway = forms.CharField(required=False, max_length=64, label=gettext_lazy("IPv6 gateway"))
    internal = forms.BooleanField(
        required=False, label=gettext_lazy("Internal"), help_text=gettext_lazy("No route to the outside world.")
    )
    attachable = forms.BooleanField(
        required=False,
        label=gettext_lazy("Attachable"),
        help_text=gettext_lazy("Standalone containers may join (matters for overlay)."),
    )
    options = forms.CharField(
        required=False,
        strip=False,  # `-o k= v ` keeps " v ", as every key=value field (dashboard/inputs.py)
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Driver options"),
        help_text=gettext_lazy("One KEY=value per line. E.g. com.docker.network.bridge.name=br-mine"),
    )
    labels = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Labels"),
        help_text=KEY_VALUE_HELP,
    )

    def __init__(self, *args, drivers: list[services.DriverChoice], **kwargs):
        super().__init__(*args, **kwargs)
        self.drivers = drivers
        self.fields["driver"].choices = [(d.name, d.name) for d in drivers if d.available]

    def clean_name(self) -> str:
        return inputs.cleaned(inputs.network_name, self.cleaned_data["name"])

    def clean_options(self) -> dict[str, str]:
        return inputs.cleaned(inputs.parse_key_values, self.cleaned_data["options"], _("Option"))

    def clean_labels(self) -> dict[str, str]:
        return inputs.cleaned(inputs.parse_key_values, self.cleaned_data["labels"], _("Label"))

    def clean(self) -> dict:
        data = super().clean()
        subnet = self._parse("subnet", lambda text: validators.parse_subnet(text, version=4))
        for field, parse in (("ip_range", validators.parse_ip_range), ("gateway", validators.parse_gateway)):
            if data.get(field) and subnet is None and "subnet" not in self.errors:
                what = _("IP range") if field == "ip_range" else _("gateway")
                self.add_error(field, _("Give a subnet first: the %(field)s must lie inside it.") % {"field": what})
            elif subnet is not None:
                self._parse(field, lambda text, parse=parse: parse(text, subnet))
        ipv6 = self._parse("ipv6_subnet", lambda text: validators.parse_subnet(text, version=6))
        if data.get("ipv6_gateway") and ipv6 is None and "ipv6_subnet" not in self.errors:
            self.add_error("ipv6_gateway", _("Give an IPv6 subnet first."))
        elif ipv6 is not None:
            self._parse("ipv6_gateway", lambda text: validators.parse_gateway(text, ipv6))
        if data.get("driver") == "macvlan" and not data.get("parent") and "parent" not in self.errors:
            self.add_error("parent", _("A macvlan network needs the host interface it sits on."))
        return data

    def _parse(self, field: str, parse):
        """Parse one field's text; a ValueError becomes that field's error. Returns the value or None."""
        text = (self.cleaned_data.get(field) or "").strip()
        if not text:
            return None
        try:
            value = parse(text)
        except ValueError as e:
            self.add_error(field, str(e))
            return None
        self.cleaned_data[field] = str(value)
        return value

    def service_arguments(self) -> dict:
        """What `services.create_network` takes: macvlan's parent and mode become driver options."""
        data = self.cleaned_data
        options = dict(data["options"])
        if data["driver"] == "macvlan":
            options.update(parent=data["parent"], macvlan_mode=data["macvlan_mode"])
        keys = (
            "name",
            "driver",
            "subnet",
            "ip_range",
            "gateway",
            "ipv6_subnet",
            "ipv6_gateway",
            "internal",
            "attachable",
            "labels",
        )
        return {**{key: data[key] for key in keys}, "options": options}


class ConnectForm(forms.Form):
    """`docker network connect [--alias A]... [--ip X] NETWORK CONTAINER`."""

    network = forms.ChoiceField(label=gettext_lazy("Network"))
    container = forms.ChoiceField(label=gettext_lazy("Container"))
    aliases = forms.CharField(
        required=False,
        max_length=1000,
        label=gettext_lazy("Aliases"),
        help_text=gettext_lazy("Other names this container answers to on the network, separated by spaces or commas."),
    )
    ipv4 = forms.CharField(
        required=False,
        max_length=15,
        label=gettext_lazy("Static IPv4"),
        help_text=gettext_lazy("Empty: the next free address."),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, networks: list[services.NetworkSummary], containers: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.networks = {n.id: n for n in networks}
        # Any network a container can join: host and none take no second network.
        self.fields["network"].choices = [(n.id, n.name) for n in networks if n.name not in ("host", "none")]
        self.fields["container"].choices = containers

    def clean_aliases(self) -> list[str]:
        return inputs.cleaned(inputs.parse_aliases, self.cleaned_data["aliases"])

    def clean(self) -> dict:
        data = super().clean()
        network = self.networks.get(data.get("network", ""))
        if network is None:
            return data
        data["network_name"] = network.name
        # The engine refuses both on the default bridge, with a less helpful message.
        if network.is_default_bridge and data.get("aliases"):
            self.add_error("aliases", _("The default bridge network takes no aliases: use a network you created."))
        ipv4 = (data.get("ipv4") or "").strip()
        if ipv4 and network.is_default_bridge:
            self.add_error(
                "ipv4", _("The default bridge network takes no static addresses: use a network you created.")
            )
        elif ipv4:
            subnets = [validators.parse_subnet(s) for s in network.subnets]
            try:
                data["ipv4"] = str(validators.parse_static_address(ipv4, subnets))
            except ValueError as e:
                self.add_error("ipv4", str(e))
        return data


class DisconnectForm(forms.Form):
    container = forms.CharField(max_length=128)
    force = forms.BooleanField(required=False)
    next = forms.CharField(required=False)


class RemoveForm(forms.Form):
    confirm = forms.BooleanField(
        required=True, error_messages={"required": gettext_lazy("Tick the box to confirm the removal.")}
    )


class NameListField(forms.MultipleChoiceField):
    """Names posted back from a confirmation page: checked by pattern, not against a fresh list,
    so one that changed since is reported by the removal instead of failing the whole form."""

    def valid_value(self, value: str) -> bool:
        return bool(inputs.NETWORK_NAME_PATTERN.fullmatch(value)) and len(value) <= 128


class RemoveUnusedForm(forms.Form):
    """The confirmation carries the exact list shown, so nothing else is removed."""

    names = NameListField(error_messages={"required": gettext_lazy("Select at least one network.")})
    confirm = forms.BooleanField(
        required=True, error_messages={"required": gettext_lazy("Tick the box to confirm the removal.")}
    )
