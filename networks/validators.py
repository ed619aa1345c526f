"""Pure parsing and checks for network addresses: no engine calls.

Each function takes the text a user typed and returns a typed value, or raises
`ValueError` with a message meant for the field the text came from. The forms turn
those into field errors, so a bad value is reported before anything is created.
Names, key=value lines (labels, options) and aliases, which other apps' forms take too, are
dashboard/inputs.py's.
"""

import ipaddress

from django.utils.translation import gettext as _

from dashboard import inputs

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = inputs.IPAddress


def parse_subnet(text: str, version: int | None = None) -> IPNetwork:
    """A CIDR subnet such as 172.72.0.0/16; host bits must be zero, as the daemon requires."""
    text = text.strip()
    form = _("%(text)r is not a subnet: write it in CIDR form, e.g. 172.72.0.0/16.") % {"text": text}
    if "/" not in text:
        raise ValueError(form)
    try:
        loose = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(form) from None
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError:
        raise ValueError(
            _("%(text)s has host bits set: the subnet is %(subnet)s.") % {"text": text, "subnet": loose}
        ) from None
    if version and network.version != version:
        raise ValueError(_("%(text)s is not an IPv%(version)s subnet.") % {"text": text, "version": version})
    return network


def parse_ip_range(text: str, subnet: IPNetwork) -> IPNetwork:
    """The range containers get addresses from: a CIDR block inside the subnet."""
    ip_range = parse_subnet(text)
    if ip_range.version != subnet.version or not ip_range.subnet_of(subnet):  # type: ignore[arg-type]
        raise ValueError(
            _("The IP range %(range)s is not inside the subnet %(subnet)s.") % {"range": ip_range, "subnet": subnet}
        )
    return ip_range


def parse_address(text: str, version: int | None = None) -> IPAddress:
    return inputs.ip_address(text.strip(), version)


def parse_gateway(text: str, subnet: IPNetwork) -> IPAddress:
    """A host address of the subnet: not its network address, nor its IPv4 broadcast."""
    gateway = parse_address(text)
    if gateway.version != subnet.version or gateway not in subnet:
        raise ValueError(
            _("The gateway %(gateway)s is not inside the subnet %(subnet)s.") % {"gateway": gateway, "subnet": subnet}
        )
    if subnet.num_addresses > 2 and gateway == subnet.network_address:
        raise ValueError(
            _("The gateway %(gateway)s is the subnet's network address; use a host address such as %(host)s.")
            % {"gateway": gateway, "host": subnet.network_address + 1}
        )
    if subnet.version == 4 and subnet.num_addresses > 2 and gateway == subnet.broadcast_address:
        raise ValueError(_("The gateway %(gateway)s is the subnet's broadcast address.") % {"gateway": gateway})
    return gateway


def parse_static_address(text: str, subnets: list[IPNetwork]) -> ipaddress.IPv4Address:
    """A static IPv4 for a container: dashboard/inputs.py's, as the Run form's `--ip`."""
    return inputs.static_ipv4(text.strip(), subnets)
