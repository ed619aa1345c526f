"""The network pages against the real engine: list, page, create, connect, disconnect, remove."""

import pytest

from containers import services as container_services
from networks import services
from tests.conftest import random_name
from tests.networks.helpers import free_subnet, make_network, network_exists, network_ids

pytestmark = pytest.mark.django_db


def test_it_lists_networks_with_counts_from_the_container_list(logged_in, engine, docker_client, monkeypatch):
    subnet, gateway = free_subnet()
    network = make_network(
        engine, docker_client, ipam={"Config": [{"Subnet": subnet, "Gateway": gateway}]}, internal=True
    )
    for start in (True, False):  # a stopped container counts too
        engine.container("sleep 300", start=start, host={"network_mode": network["Name"]})
    calls = []
    original = container_services.list_raw_containers
    monkeypatch.setattr(services, "list_raw_containers", lambda **kw: calls.append(kw) or original(**kw))
    html = logged_in.get("/networks/").content.decode()
    assert len(calls) == 1
    row = html[html.index(f'id="network-row-{network["Id"][:12]}"') :]
    row = row[: row.index("</tr>")]
    assert network["Name"] in row and subnet in row and gateway in row and "internal" in row
    assert '<td class="num"' in row and ">2</td>" in row
    for builtin in ("bridge", "host", "none"):
        assert f">{builtin}</a>" in html
    assert html.count("built-in</span>") == 3


def test_it_filters_unused_networks(logged_in, engine, docker_client):
    used = make_network(engine, docker_client)
    unused = make_network(engine, docker_client)
    engine.container("true", start=False, host={"network_mode": used["Name"]})
    html = logged_in.get("/networks/?unused=1").content.decode()
    assert unused["Name"] in html and used["Name"] not in html and ">bridge</a>" not in html


def test_it_shows_the_network_page_like_docker_network_inspect(logged_in, engine, docker_client):
    subnet, gateway = free_subnet()
    network = make_network(
        engine,
        docker_client,
        ipam={"Config": [{"Subnet": subnet, "Gateway": gateway}]},
        options={"com.docker.network.bridge.enable_icc": "true"},
        labels={"team": "blue"},
    )
    config = docker_client.api.create_networking_config(
        {network["Name"]: docker_client.api.create_endpoint_config(aliases=["db"])}
    )
    running = engine.container("sleep 300", networking_config=config, host={"network_mode": network["Name"]})
    stopped = engine.container("true", start=False, host={"network_mode": network["Name"]})
    endpoint = docker_client.api.inspect_container(running["Id"])["NetworkSettings"]["Networks"][network["Name"]]
    html = logged_in.get(f"/networks/{network['Id']}/").content.decode()
    for text in (
        subnet,
        gateway,
        "com.docker.network.bridge.enable_icc",
        "team",
        endpoint["IPAddress"],
        endpoint["MacAddress"],
        "db",
    ):
        assert text in html
    assert running["Name"].lstrip("/") in html and stopped["Name"].lstrip("/") in html
    # By name as well as by id.
    assert logged_in.get(f"/networks/{network['Name']}/").status_code == 200


def test_it_answers_404_for_an_unknown_network(logged_in):
    assert logged_in.get(f"/networks/{random_name('nope')}/").status_code == 404


def test_it_creates_a_bridge_with_ipv6_options_and_labels(logged_in, engine, docker_client):
    name = random_name("net")
    subnet, gateway = free_subnet()
    ipv6 = f"fd00:{subnet.split('.')[1]}:{subnet.split('.')[2]}::/64"
    response = logged_in.post(
        "/networks/new/",
        {
            "name": name,
            "driver": "bridge",
            "subnet": subnet,
            "gateway": gateway,
            "ipv6_subnet": ipv6,
            "internal": "on",
            "attachable": "on",
            "options": "com.docker.network.bridge.enable_icc=false",
            "labels": "berth.test=1\nteam=blue",
            "macvlan_mode": "bridge",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    network = docker_client.api.inspect_network(name)
    engine.networks.append(network["Id"])
    assert response["Location"] == f"/networks/{network['Id']}/"
    assert network["EnableIPv6"] and network["Internal"] and network["Attachable"]
    assert {c["Subnet"] for c in network["IPAM"]["Config"]} == {subnet, ipv6}
    assert network["Options"] == {"com.docker.network.bridge.enable_icc": "false"}
    assert network["Labels"] == {"berth.test": "1", "team": "blue"}


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"subnet": "10.1.0.0/16", "gateway": "10.2.0.1"}, "gateway", "not inside the subnet"),
        ({"subnet": "10.1.0.5/16"}, "subnet", "host bits set: the subnet is 10.1.0.0/16"),
        ({"ip_range": "10.1.0.0/24"}, "ip_range", "Give a subnet first"),
        ({"ipv6_subnet": "10.1.0.0/16"}, "ipv6_subnet", "not an IPv6 subnet"),
        ({"driver": "macvlan"}, "parent", "needs the host interface"),
        ({"labels": "=x"}, "labels", "has no name before"),
        ({"driver": "overlay"}, "driver", "Select a valid choice"),
    ],
)
def test_it_reports_bad_input_on_its_field_and_creates_nothing(logged_in, docker_client, fields, field, message):
    data = {"name": random_name("net"), "driver": "bridge", "macvlan_mode": "bridge", **fields}
    response = logged_in.post("/networks/new/", data)
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert not network_exists(docker_client, data["name"])


def test_it_reports_an_overlapping_subnet_in_the_daemons_words(logged_in, engine, docker_client):
    subnet, gateway = free_subnet()
    make_network(engine, docker_client, ipam={"Config": [{"Subnet": subnet}]})
    name = random_name("net")
    response = logged_in.post(
        "/networks/new/", {"name": name, "driver": "bridge", "subnet": subnet, "macvlan_mode": "bridge"}
    )
    assert response.status_code == 200
    assert "Pool overlaps with other one on this address space" in response.content.decode()
    assert not network_exists(docker_client, name)


def test_it_explains_the_drivers_it_does_not_offer(logged_in):
    html = logged_in.get("/networks/new/").content.decode()
    assert "swarm mode" in html and "ipvlan" in html
    assert '<option value="bridge" selected>' in html and '<option value="macvlan">' in html
    assert '<option value="overlay">' not in html and '<option value="host">' not in html
    # The engine runs on this machine: its interfaces are suggested as macvlan parents.
    assert "<code>eth0</code>" in html


def test_it_connects_a_stopped_container_with_aliases_and_a_static_ip(logged_in, engine, docker_client):
    subnet, gateway = free_subnet()
    network = make_network(engine, docker_client, ipam={"Config": [{"Subnet": subnet, "Gateway": gateway}]})
    container = engine.container("sleep 300", start=False)
    static = subnet.replace(".0/24", ".42")
    response = logged_in.post(
        "/networks/connect/",
        {
            "network": network["Id"],
            "container": container["Id"],
            "aliases": "web, www",
            "ipv4": static,
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/networks/{network['Id']}/"
    docker_client.api.start(container["Id"])
    endpoint = docker_client.api.inspect_container(container["Id"])["NetworkSettings"]["Networks"][network["Name"]]
    assert endpoint["IPAddress"] == static
    assert {"web", "www"} <= set(endpoint["Aliases"])
    html = logged_in.get(f"/networks/{network['Id']}/").content.decode()
    assert static in html and "web, www" in html


def test_it_returns_the_container_table_to_an_htmx_connect(logged_in, engine, docker_client):
    network = make_network(engine, docker_client)
    container = engine.container("sleep 300")
    response = logged_in.post(
        "/networks/connect/",
        {"network": network["Id"], "container": container["Id"]},
        headers={"HX-Request": "true", "HX-Target": "network-containers"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="network-containers"') and container["Name"].lstrip("/") in html
    assert 'id="messages"' in html and "hx-swap-oob" in html


def test_it_refuses_aliases_and_static_ips_on_the_default_bridge_before_asking(logged_in, engine, docker_client):
    container = engine.container("sleep 300", start=False, host={"network_mode": "none"})
    bridge = docker_client.api.inspect_network("bridge")
    response = logged_in.post(
        "/networks/connect/",
        {
            "network": bridge["Id"],
            "container": container["Id"],
            "aliases": "web",
            "ipv4": "172.17.0.200",
        },
    )
    form = response.context["form"]
    assert "default bridge network takes no aliases" in form.errors["aliases"][0]
    assert "no static addresses" in form.errors["ipv4"][0]
    # The page says so up front as well.
    assert "takes no aliases and no static addresses" in logged_in.get("/networks/bridge/").content.decode()


def test_it_keeps_a_static_ip_inside_the_network_subnet(logged_in, engine, docker_client):
    subnet, _ = free_subnet()
    network = make_network(engine, docker_client, ipam={"Config": [{"Subnet": subnet}]})
    container = engine.container("sleep 300", start=False)
    response = logged_in.post(
        "/networks/connect/", {"network": network["Id"], "container": container["Id"], "ipv4": "192.0.2.9"}
    )
    assert "not inside the network" in response.context["form"].errors["ipv4"][0]
    assert network["Name"] not in docker_client.api.inspect_container(container["Id"])["NetworkSettings"]["Networks"]


def test_it_disconnects_a_container(logged_in, engine, docker_client):
    network = make_network(engine, docker_client)
    container = engine.container("sleep 300")
    docker_client.api.connect_container_to_network(container["Id"], network["Id"])
    response = logged_in.post(
        f"/networks/{network['Id']}/disconnect/",
        {"container": container["Id"], "next": f"/containers/{container['Id']}/"},
    )
    assert response.status_code == 302 and response["Location"] == f"/containers/{container['Id']}/"
    assert network["Name"] not in docker_client.api.inspect_container(container["Id"])["NetworkSettings"]["Networks"]


def test_it_offers_connect_and_disconnect_on_the_container_page(logged_in, engine, docker_client):
    network = make_network(engine, docker_client)
    container = engine.container("sleep 300", host={"network_mode": network["Name"]})
    page = logged_in.get(f"/containers/{container['Id']}/").content.decode()
    assert f'action="/networks/{network["Name"]}/disconnect/"' in page
    assert f"/networks/connect/?container={container['Id']}" in page
    form = logged_in.get(
        f"/networks/connect/?container={container['Id']}", headers={"HX-Request": "true", "HX-Target": "connect-form"}
    )
    html = form.content.decode()
    assert html.lstrip().startswith('<form id="connect-form"')
    assert f'<input type="hidden" name="container" value="{container["Id"]}">' in html
    # Only networks it is not on yet are offered.
    assert f'value="{network["Id"]}"' not in html and ">bridge</option>" in html
    # Connecting from there goes back to the container page.
    bridge = docker_client.api.inspect_network("bridge")["Id"]
    response = logged_in.post(
        "/networks/connect/",
        {
            "network": bridge,
            "container": container["Id"],
            "fixed": container["Id"],
            "next": f"/containers/{container['Id']}/",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/containers/{container['Id']}/"
    assert "bridge" in docker_client.api.inspect_container(container["Id"])["NetworkSettings"]["Networks"]


def test_it_refuses_to_remove_a_network_with_containers_and_names_them(logged_in, engine, docker_client):
    network = make_network(engine, docker_client)
    container = engine.container("true", start=False, host={"network_mode": network["Name"]})
    page = logged_in.get(f"/networks/{network['Id']}/remove/").content.decode()
    assert "cannot be removed while containers are attached" in page and container["Name"].lstrip("/") in page
    response = logged_in.post(f"/networks/{network['Id']}/remove/", {"confirm": "on"})
    assert container["Name"].lstrip("/") in response.content.decode()
    assert network["Id"] in network_ids(docker_client)


@pytest.mark.parametrize("builtin", ["bridge", "host", "none"])
def test_it_never_removes_a_builtin_network(logged_in, builtin, docker_client):
    assert "cannot be removed" in logged_in.get(f"/networks/{builtin}/remove/").content.decode()
    response = logged_in.post(f"/networks/{builtin}/remove/", {"confirm": "on"})
    assert response.status_code == 200
    assert builtin in {n["Name"] for n in docker_client.api.networks()}


def test_it_removes_a_network_after_confirmation(logged_in, engine, docker_client):
    network = make_network(engine, docker_client)
    assert "Tick the box" in logged_in.post(f"/networks/{network['Id']}/remove/", {}).content.decode()
    assert network["Id"] in network_ids(docker_client)
    response = logged_in.post(f"/networks/{network['Id']}/remove/", {"confirm": "on"})
    assert response.status_code == 302 and network["Id"] not in network_ids(docker_client)


def test_it_removes_exactly_the_unused_networks_it_listed(logged_in, engine, docker_client):
    listed = make_network(engine, docker_client)
    used = make_network(engine, docker_client)
    engine.container("true", start=False, host={"network_mode": used["Name"]})
    page = logged_in.get("/networks/unused/remove/").content.decode()
    assert listed["Name"] in page and used["Name"] not in page and ">bridge<" not in page
    late = make_network(engine, docker_client)  # unused, but never shown: stays
    taken = make_network(engine, docker_client)  # shown, then taken by a container: kept
    engine.container("true", start=False, host={"network_mode": taken["Name"]})
    response = logged_in.post("/networks/unused/remove/", {"names": [listed["Id"], taken["Id"]], "confirm": "on"})
    html = response.content.decode()
    assert f"Removed <strong>{listed['Name']}</strong>" in html and f"Kept <strong>{taken['Name']}</strong>" in html
    remaining = network_ids(docker_client)
    assert listed["Id"] not in remaining and {used["Id"], late["Id"], taken["Id"]} <= remaining


def test_it_lets_a_viewer_look_but_not_change(client, django_user_model, engine, docker_client):
    viewer = django_user_model.objects.create_user("victor", password="victor-password-1")
    client.force_login(viewer)
    network = make_network(engine, docker_client)
    container = engine.container("sleep 300", host={"network_mode": network["Name"]})
    assert "Create a network" not in client.get("/networks/").content.decode()
    page = client.get(f"/networks/{network['Id']}/").content.decode()
    assert container["Name"].lstrip("/") in page and "Disconnect" not in page and "Connect a container" not in page
    name = random_name("net")
    assert (
        client.post("/networks/new/", {"name": name, "driver": "bridge", "macvlan_mode": "bridge"}).status_code == 403
    )
    assert client.post(f"/networks/{network['Id']}/disconnect/", {"container": container["Id"]}).status_code == 403
    assert not network_exists(docker_client, name)
    assert network["Name"] in docker_client.api.inspect_container(container["Id"])["NetworkSettings"]["Networks"]


def test_it_records_connect_and_remove_in_the_audit_log(logged_in, engine, docker_client):
    from accounts.models import AuditEntry

    network = make_network(engine, docker_client)
    container = engine.container("sleep 300")
    logged_in.post("/networks/connect/", {"network": network["Id"], "container": container["Id"], "aliases": "web"})
    logged_in.post(f"/networks/{network['Id']}/disconnect/", {"container": container["Id"]})
    logged_in.post(f"/networks/{network['Id']}/remove/", {"confirm": "on"})
    entries = list(
        AuditEntry.objects.filter(object_type="network").order_by("at").values_list("action", "outcome", "object_name")
    )
    assert entries == [
        ("network.connect", "ok", network["Name"]),
        ("network.disconnect", "ok", ""),
        ("network.remove", "ok", network["Name"]),
    ]


def test_it_answers_a_malformed_htmx_connect_without_a_500(logged_in):
    response = logged_in.post(
        "/networks/connect/", {"container": "x"}, headers={"HX-Request": "true", "HX-Target": "network-containers"}
    )
    assert response.status_code == 302 and response["Location"] == "/networks/"
