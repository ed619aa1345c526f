"""Pure parsing and checks for network and volume input: no engine, no Django.

Each function takes the text a user typed and returns a typed value, or raises
`ValueError` with a message meant for the field the text came from. The forms turn
those into field errors, so a bad value is reported before anything is created.
"""

import ipaddress
import re

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# The engine's own rule for label and option keys is loose; we refuse only what would
# silently become something else (an empty key, or whitespace inside a key).
_KEY = re.compile(r"^[^\s=]+$")


def parse_subnet(text: str, version: int | None = None) -> IPNetwork:
    """A CIDR subnet such as 172.72.0.0/16; host bits must be zero, as the daemon requires."""
    text = text.strip()
    form = f"{text!r} is not a subnet: write it in CIDR form, e.g. 172.72.0.0/16."
    if "/" not in text:
        raise ValueError(form)
    try:
        loose = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(form) from None
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError:
        raise ValueError(f"{text} has host bits set: the subnet is {loose}.") from None
    if version and network.version != version:
        kind = "an IPv4" if version == 4 else "an IPv6"
        raise ValueError(f"{text} is not {kind} subnet.")
    return network


def parse_ip_range(text: str, subnet: IPNetwork) -> IPNetwork:
    """The range containers get addresses from: a CIDR block inside the subnet."""
    ip_range = parse_subnet(text)
    if ip_range.version != subnet.version or not ip_range.subnet_of(subnet):  # type: ignore[arg-type]
        raise ValueError(f"The IP range {ip_range} is not inside the subnet {subnet}.")
    return ip_range


def parse_address(text: str, version: int | None = None) -> IPAddress:
    text = text.strip()
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an IP address.") from None
    if version and address.version != version:
        raise ValueError(f"{text} is not an IPv{version} address.")
    return address


def parse_gateway(text: str, subnet: IPNetwork) -> IPAddress:
    """A host address of the subnet: not its network address, nor its IPv4 broadcast."""
    gateway = parse_address(text)
    if gateway.version != subnet.version or gateway not in subnet:
        raise ValueError(f"The gateway {gateway} is not inside the subnet {subnet}.")
    if subnet.num_addresses > 2 and gateway == subnet.network_address:
        raise ValueError(
            f"The gateway {gateway} is the subnet's network address; use a host address such as {subnet.network_address + 1}."
        )
    if subnet.version == 4 and subnet.num_addresses > 2 and gateway == subnet.broadcast_address:
        raise ValueError(f"The gateway {gateway} is the subnet's broadcast address.")
    return gateway


def parse_static_address(text: str, subnets: list[IPNetwork]) -> ipaddress.IPv4Address:
    """A static IPv4 for a container: inside one of the network's IPv4 subnets, if it has any."""
    address = parse_address(text, version=4)
    assert isinstance(address, ipaddress.IPv4Address)
    v4 = [s for s in subnets if s.version == 4]
    if v4 and not any(address in s for s in v4):
        raise ValueError(f"{address} is not inside the network's subnet {', '.join(map(str, v4))}.")
    if any(address == s.network_address or (s.num_addresses > 2 and address == s.broadcast_address) for s in v4):
        raise ValueError(f"{address} is not a host address of the subnet.")
    return address


def parse_key_values(text: str, what: str = "line") -> dict[str, str]:
    """`KEY=value` lines (labels, driver options); a bare `KEY` means an empty value.

    Blank lines are skipped; a key given twice is an error rather than a silent overwrite.
    """
    pairs: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        key, _, value = line.partition("=")
        key = key.strip()
        if not _KEY.match(key):
            raise ValueError(f"{what.capitalize()} {number}: {line!r} needs a KEY=value form with a non-empty key.")
        if key in pairs:
            raise ValueError(f"{what.capitalize()} {number}: {key} is given twice.")
        pairs[key] = value.strip()
    return pairs


def parse_aliases(text: str) -> list[str]:
    """Network aliases, separated by commas or spaces; each must be a valid DNS label chain."""
    aliases = [a for a in re.split(r"[\s,]+", text.strip()) if a]
    for alias in aliases:
        if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9_.-]{0,252})", alias):
            raise ValueError(f"{alias!r} is not a valid alias: use letters, digits, '.', '_' or '-'.")
    return list(dict.fromkeys(aliases))
