"""The command palette's search (issue 14, part 5): names of every kind, links limited to the role."""

import pytest
from django.urls import reverse

from tests.conftest import TEST_LABEL, random_name
from tests.networks.helpers import make_network

pytestmark = pytest.mark.django_db
URL = reverse("system:palette")


def found(client, query: str) -> dict[tuple[str, str], list[str]]:
    response = client.get(URL, {"q": query})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return {(item["kind"], item["name"]): item["actions"] for item in response.json()["results"]}


def labels(actions: list[dict]) -> list[str]:
    return [action["label"] for action in actions]


def test_it_needs_a_login(client):
    response = client.get(URL, {"q": "x"})
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_viewer_finds_a_container_by_part_of_its_name_with_only_links_that_change_nothing(viewer_client, engine):
    name = random_name("palette")
    container = engine.container(name=name)
    results = found(viewer_client, name[-10:].upper())  # any part, any case
    actions = results[("container", name)]
    assert labels(actions) == ["Open", "Logs"]
    assert actions[0]["url"] == reverse("containers:detail", args=[container["Id"]])
    assert actions[1]["url"] == reverse("containers:logs", args=[container["Id"]])
    assert all(kind == "container" for kind, _ in results)  # nothing else has that name


def test_an_operator_gets_the_terminal_of_a_running_container_and_its_removal_page(
    operator_client, engine, docker_client
):
    running = engine.container(name=random_name("palette-run"))
    stopped = engine.container(name=random_name("palette-stop"), start=False)
    results = found(operator_client, "berth-test-palette-")
    run_actions = results[("container", running["Name"].lstrip("/"))]
    assert labels(run_actions) == ["Open", "Logs", "Terminal", "Remove…"]
    assert run_actions[2]["url"] == reverse("containers:exec", args=[running["Id"]])
    assert labels(results[("container", stopped["Name"].lstrip("/"))]) == ["Open", "Logs", "Remove…"]
    # Remove… is the confirmation page: following it (GET) removes nothing.
    page = operator_client.get(run_actions[3]["url"])
    assert page.status_code == 200
    assert docker_client.api.inspect_container(running["Id"])["State"]["Running"]


def test_it_finds_images_volumes_and_networks_with_their_removal_pages_for_an_admin_only(
    admin_client_, viewer_client, operator_client, engine, docker_client, busybox_image
):
    stem = random_name("palette")
    volume = docker_client.api.create_volume(f"{stem}-vol", labels=TEST_LABEL)["Name"]
    engine.volumes.append(volume)
    network = make_network(engine, docker_client, name=f"{stem}-net")
    repository = f"{stem}-img"
    docker_client.api.tag(busybox_image, repository, "v1")
    engine.images.append(f"{repository}:v1")
    image_id = docker_client.api.inspect_image(busybox_image)["Id"]

    admin = found(admin_client_, stem)
    assert set(admin) == {("volume", volume), ("network", network["Name"]), ("image", f"{repository}:v1")}
    assert admin[("volume", volume)][1]["url"] == reverse("volumes:remove", args=[volume])
    assert admin[("network", network["Name"])][1]["url"] == reverse("networks:remove", args=[network["Id"]])
    assert admin[("image", f"{repository}:v1")] == [
        {"label": "Open", "url": reverse("images:detail", args=[image_id])},
        {"label": "Remove…", "url": reverse("images:remove", args=[image_id])},
    ]
    for client in (viewer_client, operator_client):  # removing these needs the admin role
        assert all(labels(actions) == ["Open"] for actions in found(client, stem).values())


def test_names_that_start_with_the_query_come_first_and_the_answer_is_bounded(viewer_client, engine):
    stem = random_name("order")
    inner = engine.container(name=f"x-{stem}")
    first = engine.container(name=stem)
    answer = viewer_client.get(URL, {"q": stem}).json()
    assert [item["name"] for item in answer["results"]] == [first["Name"][1:], inner["Name"][1:]]
    everything = viewer_client.get(URL).json()
    assert len(everything["results"]) <= 50


def test_it_asks_the_engine_once_per_kind(viewer_client, engine, monkeypatch):
    """A spy on the real client's GETs (the engine still answers): the four lists, nothing per object."""
    import docker.api.client

    engine.container(name=random_name("palette"))
    asked, original = [], docker.api.client.APIClient._get
    monkeypatch.setattr(
        docker.api.client.APIClient, "_get", lambda self, url, **kw: asked.append(url) or original(self, url, **kw)
    )
    assert viewer_client.get(URL, {"q": "berth-test-"}).status_code == 200
    paths = sorted(url.split("/v1.", 1)[-1].split("/", 1)[-1] for url in asked)
    assert paths == ["containers/json", "images/json", "networks", "volumes"]
