"""The network and volume forms on any input: never an exception, never an invalid value let through."""

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from networks import services
from networks.forms import ConnectForm, NetworkCreateForm
from volumes.forms import VolumeCreateForm

DRIVERS = [
    services.DriverChoice("bridge", True),
    services.DriverChoice("macvlan", True),
    services.DriverChoice("overlay", False, "swarm"),
]
octet = st.integers(0, 255).map(str)
ipv4ish = st.one_of(
    st.builds(lambda a, b, c, d: f"{a}.{b}.{c}.{d}", octet, octet, octet, octet),
    st.builds(lambda a, b, c, d, p: f"{a}.{b}.{c}.{d}/{p}", octet, octet, octet, octet, st.integers(0, 33).map(str)),
    st.text(max_size=20),
)


@settings(max_examples=300, deadline=None)
@given(
    subnet=ipv4ish,
    ip_range=ipv4ish,
    gateway=ipv4ish,
    driver=st.sampled_from(["bridge", "macvlan", "overlay"]),
    parent=st.text(max_size=16),
)
def test_it_lets_through_only_consistent_addresses(subnet, ip_range, gateway, driver, parent):
    form = NetworkCreateForm(
        {
            "name": "net1",
            "driver": driver,
            "macvlan_mode": "bridge",
            "subnet": subnet,
            "ip_range": ip_range,
            "gateway": gateway,
            "parent": parent,
        },
        drivers=DRIVERS,
    )
    if not form.is_valid():
        return
    arguments = form.service_arguments()
    assert arguments["driver"] in ("bridge", "macvlan")
    if arguments["driver"] == "macvlan":
        assert arguments["options"]["parent"]
    if arguments["subnet"]:
        network = ipaddress.ip_network(arguments["subnet"])
        if arguments["ip_range"]:
            assert ipaddress.ip_network(arguments["ip_range"]).subnet_of(network)
        if arguments["gateway"]:
            assert ipaddress.ip_address(arguments["gateway"]) in network
    else:
        assert not arguments["ip_range"] and not arguments["gateway"]


def network(name: str, subnets: list[str]) -> services.NetworkSummary:
    return services.NetworkSummary(
        id=f"{name}-id",
        name=name,
        driver="bridge",
        scope="local",
        subnets=subnets,
        gateways=[],
        internal=False,
        attachable=False,
        ipv6=False,
        created=None,
        labels={},
        containers=[],
    )


@settings(max_examples=200, deadline=None)
@given(ipv4=ipv4ish, aliases=st.text(max_size=30), target=st.sampled_from(["bridge", "mine"]))
def test_it_connects_only_with_what_the_network_takes(ipv4, aliases, target):
    networks = [network("bridge", ["172.17.0.0/16"]), network("mine", ["10.9.0.0/24"])]
    form = ConnectForm(
        {"network": f"{target}-id", "container": "c1", "aliases": aliases, "ipv4": ipv4},
        networks=networks,
        containers=[("c1", "one")],
    )
    if not form.is_valid():
        return
    data = form.cleaned_data
    if target == "bridge":
        assert not data["aliases"] and not data["ipv4"]
    elif data["ipv4"]:
        assert ipaddress.ip_address(data["ipv4"]) in ipaddress.ip_network("10.9.0.0/24")


@settings(max_examples=200, deadline=None)
@given(name=st.text(max_size=20), labels=st.text(max_size=40), kind=st.text(max_size=8), device=st.text(max_size=8))
def test_it_never_fails_on_any_volume_input(name, labels, kind, device):
    form = VolumeCreateForm(
        {"name": name, "driver": "local", "labels": labels, "type": kind, "device": device}, drivers=["local"]
    )
    if form.is_valid():
        arguments = form.service_arguments()
        assert all(key and "=" not in key for key in arguments["labels"])
        assert bool(arguments["options"].get("type")) == bool(arguments["options"].get("device"))
