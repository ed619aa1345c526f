"""Properties of the pure network input parsers (hypothesis)."""

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from networks import validators

prefixes = st.integers(min_value=8, max_value=30)
addresses = st.integers(min_value=0, max_value=2**32 - 1).map(ipaddress.IPv4Address)


@st.composite
def subnets(draw, min_prefix: int = 8, max_prefix: int = 30) -> ipaddress.IPv4Network:
    prefix = draw(st.integers(min_value=min_prefix, max_value=max_prefix))
    return ipaddress.IPv4Network((int(draw(addresses)), prefix), strict=False)


@given(subnets())
def test_it_parses_every_subnet_written_in_cidr_form(subnet):
    assert validators.parse_subnet(str(subnet)) == subnet
    assert validators.parse_subnet(f"  {subnet}  ", version=4) == subnet


@given(subnets(max_prefix=30), st.integers(min_value=1, max_value=3))
def test_it_refuses_host_bits_and_names_the_subnet_meant(subnet, offset):
    text = f"{subnet.network_address + offset}/{subnet.prefixlen}"
    with pytest.raises(ValueError, match=f"the subnet is {subnet}"):
        validators.parse_subnet(text)


@given(st.text(max_size=20).filter(lambda t: "/" not in t))
def test_it_refuses_text_without_a_prefix(text):
    with pytest.raises(ValueError, match="CIDR"):
        validators.parse_subnet(text)


@given(subnets(max_prefix=28), st.data())
def test_it_accepts_exactly_the_ip_ranges_inside_the_subnet(subnet, data):
    candidate = data.draw(subnets(min_prefix=4, max_prefix=30))
    inside = candidate.subnet_of(subnet)
    if inside:
        assert validators.parse_ip_range(str(candidate), subnet) == candidate
    else:
        with pytest.raises(ValueError, match="is not inside the subnet"):
            validators.parse_ip_range(str(candidate), subnet)


@given(subnets(max_prefix=29))
def test_it_accepts_every_sub_block_of_the_subnet_as_ip_range(subnet):
    for block in subnet.subnets(prefixlen_diff=1):
        assert validators.parse_ip_range(str(block), subnet) == block


@given(subnets(max_prefix=29), addresses)
def test_it_accepts_a_gateway_only_at_a_host_address_of_the_subnet(subnet, address):
    is_host = address in subnet and address not in (subnet.network_address, subnet.broadcast_address)
    if is_host:
        assert validators.parse_gateway(str(address), subnet) == address
    else:
        with pytest.raises(ValueError):
            validators.parse_gateway(str(address), subnet)


@given(subnets(max_prefix=29))
def test_it_always_accepts_the_first_host_as_gateway(subnet):
    first = subnet.network_address + 1
    assert validators.parse_gateway(str(first), subnet) == first


def test_it_checks_the_scenario_20_values():
    subnet = validators.parse_subnet("172.72.0.0/16")
    assert str(validators.parse_ip_range("172.72.0.0/24", subnet)) == "172.72.0.0/24"
    assert str(validators.parse_gateway("172.72.0.1", subnet)) == "172.72.0.1"
    with pytest.raises(ValueError, match="not inside the subnet 172.72.0.0/16"):
        validators.parse_ip_range("172.73.0.0/24", subnet)
    with pytest.raises(ValueError, match="not inside"):
        validators.parse_gateway("10.0.0.1", subnet)


@given(st.integers(min_value=0, max_value=2**128 - 1), st.integers(min_value=16, max_value=120))
def test_it_tells_ipv6_from_ipv4_subnets(value, prefix):
    subnet = ipaddress.IPv6Network((value, prefix), strict=False)
    assert validators.parse_subnet(str(subnet), version=6) == subnet
    with pytest.raises(ValueError, match="IPv4"):
        validators.parse_subnet(str(subnet), version=4)


@given(subnets(max_prefix=29), addresses)
def test_it_keeps_static_addresses_inside_the_network(subnet, address):
    ok = address in subnet and address not in (subnet.network_address, subnet.broadcast_address)
    if ok:
        assert validators.parse_static_address(str(address), [subnet]) == address
    else:
        with pytest.raises(ValueError):
            validators.parse_static_address(str(address), [subnet])
