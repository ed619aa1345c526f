"""SCENARIOS 20-23 against the real engine, and the network walk-through in a browser.

SCENARIOS 20 and the browser test both use the seed's subnet 172.72.0.0/16; they live in
this one file so `--dist loadfile` runs them one after the other, never overlapping.
"""

import os
import re
import secrets
import subprocess

import pytest

from tests.conftest import random_name, wait_for
from tests.networks.helpers import free_subnet, network_exists, run_in

pytestmark = pytest.mark.django_db

SEED = {"subnet": "172.72.0.0/16", "ip_range": "172.72.0.0/24", "gateway": "172.72.0.1"}


def create_through_berth(logged_in, engine, docker_client, **fields) -> dict:
    name = fields.pop("name", None) or random_name("net")
    data = {"name": name, "driver": "bridge", "macvlan_mode": "bridge", "labels": "berth.test=1", **fields}
    response = logged_in.post("/networks/new/", data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    network = docker_client.api.inspect_network(name)
    engine.networks.append(network["Id"])
    return network


# ---------------------------------------------------------------- SCENARIOS 20


@pytest.mark.postgres_redis  # one scenario of this app also runs on PostgreSQL + Redis in CI
def test_it_creates_the_custom_bridge_and_addresses_come_from_the_ip_range(logged_in, engine, docker_client):
    """docker network create --driver=bridge --subnet=172.72.0.0/16 --ip-range=172.72.0.0/24 --gateway=172.72.0.1"""
    network = create_through_berth(logged_in, engine, docker_client, name=random_name("my_custom_network"), **SEED)
    assert network["IPAM"]["Config"] == [
        {"Subnet": SEED["subnet"], "IPRange": SEED["ip_range"], "Gateway": SEED["gateway"]}
    ]
    container = engine.container("sleep 300", host={"network_mode": network["Name"]})
    address = docker_client.api.inspect_container(container["Id"])["NetworkSettings"]["Networks"][network["Name"]][
        "IPAddress"
    ]
    assert address.startswith("172.72.0.") and address != SEED["gateway"]
    html = logged_in.get(f"/networks/{network['Id']}/").content.decode()
    assert address in html and SEED["ip_range"] in html


def test_it_refuses_a_wrong_ip_range_on_its_field_and_creates_no_network(logged_in, docker_client):
    name = random_name("my_custom_network")
    response = logged_in.post(
        "/networks/new/",
        {"name": name, "driver": "bridge", "macvlan_mode": "bridge", **SEED, "ip_range": "172.73.0.0/24"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["ip_range"] == [
        "The IP range 172.73.0.0/24 is not inside the subnet 172.72.0.0/16."
    ]
    assert not network_exists(docker_client, name)


# ---------------------------------------------------------------- SCENARIOS 21


def test_it_gives_a_none_container_only_loopback(logged_in, engine, docker_client):
    container = engine.container("sleep 300", host={"network_mode": "none"})
    assert run_in(docker_client, container["Id"], "ls /sys/class/net") == (0, "lo\n")
    assert container["Name"].lstrip("/") in logged_in.get("/networks/none/").content.decode()


def test_it_shares_ip_and_mac_with_container_mode(logged_in, engine, docker_client):
    other = engine.container("sleep 300")
    sharing = engine.container("sleep 300", host={"network_mode": f"container:{other['Id']}"})
    probe = "cat /sys/class/net/eth0/address; ip -4 -o addr show dev eth0 | awk '{print $4}'"
    other_view, sharing_view = run_in(docker_client, other["Id"], probe), run_in(docker_client, sharing["Id"], probe)
    assert other_view == sharing_view and other_view[0] == 0
    mac = docker_client.api.inspect_container(other["Id"])["NetworkSettings"]["MacAddress"]
    assert other_view[1].splitlines()[0] == mac
    page = logged_in.get(f"/containers/{sharing['Id']}/").content.decode()
    assert f"container:{other['Id']}" in page and "joins no other network" in page


def test_it_shows_the_host_interfaces_in_host_mode(logged_in, engine, docker_client):
    container = engine.container("sleep 300", host={"network_mode": "host"})
    code, output = run_in(docker_client, container["Id"], "ls /sys/class/net")
    inside = set(output.split())
    assert code == 0 and {"lo", "eth0", "docker0"} <= inside
    # Interfaces come and go as other tests run; the stable ones of this host are all there.
    assert {"eth0", "docker0"} <= set(os.listdir("/sys/class/net"))
    assert container["Name"].lstrip("/") in logged_in.get("/networks/host/").content.decode()


# ---------------------------------------------------------------- SCENARIOS 22


def test_it_resolves_an_alias_to_all_three_containers(logged_in, engine, docker_client):
    """--net-alias alicek106 on three containers in mybridge; nslookup from a fourth."""
    mybridge = create_through_berth(logged_in, engine, docker_client, name=random_name("mybridge"))
    addresses = set()
    for _ in range(3):
        container = engine.container("sleep 300")
        response = logged_in.post(
            "/networks/connect/", {"network": mybridge["Id"], "container": container["Id"], "aliases": "alicek106"}
        )
        assert response.status_code == 302
        endpoint = docker_client.api.inspect_container(container["Id"])["NetworkSettings"]["Networks"][mybridge["Name"]]
        assert "alicek106" in endpoint["Aliases"]
        addresses.add(endpoint["IPAddress"])
    page = logged_in.get(f"/networks/{mybridge['Id']}/").content.decode()
    assert page.count("alicek106") >= 3
    asker = engine.container("sleep 300", host={"network_mode": mybridge["Name"]})
    code, output = run_in(docker_client, asker["Id"], "nslookup -type=a alicek106")
    answers = set(re.findall(r"Address:\s*(\d+\.\d+\.\d+\.\d+)\s*$", output, re.MULTILINE))
    assert code == 0 and answers == addresses and len(addresses) == 3


# ---------------------------------------------------------------- SCENARIOS 23


@pytest.fixture
def veth_parent():
    """A veth pair to be macvlan's parent (the kernel here has no dummy module); removed after."""
    name, peer = f"bv{secrets.token_hex(4)}", f"bp{secrets.token_hex(4)}"
    subprocess.run(["ip", "link", "add", name, "type", "veth", "peer", "name", peer], check=True)
    try:
        for end in (name, peer):
            subprocess.run(["ip", "link", "set", end, "up"], check=True)
        yield name
    finally:
        subprocess.run(["ip", "link", "del", name], check=False)


def test_it_gives_a_macvlan_container_its_own_mac(logged_in, engine, docker_client, veth_parent):
    subnet, gateway = free_subnet()
    network = create_through_berth(
        logged_in, engine, docker_client, driver="macvlan", parent=veth_parent, subnet=subnet, gateway=gateway
    )
    assert network["Driver"] == "macvlan"
    assert network["Options"] == {"parent": veth_parent, "macvlan_mode": "bridge"}
    container = engine.container("sleep 300", host={"network_mode": network["Name"]})
    endpoint = docker_client.api.inspect_container(container["Id"])["NetworkSettings"]["Networks"][network["Name"]]
    code, inside_mac = run_in(docker_client, container["Id"], "cat /sys/class/net/eth0/address")
    with open(f"/sys/class/net/{veth_parent}/address") as f:
        parent_mac = f.read().strip()
    assert code == 0 and inside_mac.strip() == endpoint["MacAddress"] != parent_mac
    page = logged_in.get(f"/networks/{network['Id']}/").content.decode()
    assert endpoint["MacAddress"] in page and endpoint["IPAddress"] in page


# ---------------------------------------------------------------- the walk-through in a browser


@pytest.mark.browser
def test_it_walks_through_networks_in_the_browser(page, live_server_url, docker_client, engine):
    """Create the seed's network, run a container on it, connect a second with an alias, disconnect, remove."""
    from playwright.sync_api import expect

    name = random_name("my_custom_network")
    page.goto(f"{live_server_url}/networks/")
    page.get_by_role("link", name="Create a network").click()
    form = page.locator("form.network-create")
    form.locator("[name=name]").fill(name)
    form.locator("[name=subnet]").fill(SEED["subnet"])
    form.locator("[name=ip_range]").fill(SEED["ip_range"])
    form.locator("[name=gateway]").fill(SEED["gateway"])
    form.locator("[name=labels]").fill("berth.test=1")
    page.get_by_role("button", name="Create network").click()
    expect(page.locator("h1")).to_contain_text(name)
    network = docker_client.api.inspect_network(name)
    engine.networks.append(network["Id"])

    # "Run a container on it": through the engine here; the create form is another page's job.
    first = engine.container("sleep 300", host={"network_mode": name})
    second = engine.container("sleep 300")
    page.reload()
    table = page.locator("#network-containers")
    expect(table).to_contain_text(first["Name"].lstrip("/"))

    page.locator("#network-containers select[name=container]").select_option(second["Id"])
    page.locator("#network-containers input[name=aliases]").fill("alicek106")
    page.locator("#network-containers").get_by_role("button", name="Connect", exact=True).click()
    row = page.locator(f"#attached-{second['Id'][:12]}")
    expect(row).to_contain_text("alicek106")
    expect(row).to_contain_text("172.72.0.")
    expect(table).to_contain_text(first["Name"].lstrip("/"))
    assert wait_for(lambda: name in docker_client.api.inspect_container(second["Id"])["NetworkSettings"]["Networks"])

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Disconnect").click()
    expect(row).to_have_count(0)
    assert name not in docker_client.api.inspect_container(second["Id"])["NetworkSettings"]["Networks"]

    docker_client.api.remove_container(first["Id"], force=True)
    page.get_by_role("link", name="Remove…").click()
    page.get_by_label(f"Yes, remove {name}").check()
    page.get_by_role("button", name=f"Remove {name}").click()
    expect(page.locator(".messages")).to_contain_text(f"Removed network {name}")
    assert name not in {n["Name"] for n in docker_client.api.networks()}
