"""SCENARIOS 14-17 against the real engine: bind mounts, --volumes-from, a shared volume, inspect."""

import json
import os
import shutil
import subprocess

import pytest

from tests.conftest import TEST_LABEL, random_name

pytestmark = pytest.mark.django_db


def run_in(docker_client, container_id: str, command: str) -> tuple[int, str]:
    """`docker exec CONTAINER sh -c COMMAND`: exit code and output."""
    exec_id = docker_client.api.exec_create(container_id, ["sh", "-c", command])["Id"]
    output = docker_client.api.exec_start(exec_id).decode()
    return docker_client.api.exec_inspect(exec_id)["ExitCode"], output


@pytest.fixture
def host_dir():
    """A host directory path that does not exist yet (the engine creates it), removed after."""
    parent = f"/tmp/{random_name('bind')}"
    yield f"{parent}/wordpress_db"
    shutil.rmtree(parent, ignore_errors=True)


def test_it_keeps_bind_mounted_data_across_recreating_the_container(logged_in, engine, docker_client, host_dir):
    """SCENARIOS 14: -v /home/wordpress_db:/var/lib/mysql, created if missing; data survives; :ro."""
    assert not os.path.exists(host_dir)
    first = engine.container("sleep 300", host={"binds": [f"{host_dir}:/var/lib/mysql"]})
    assert os.path.isdir(host_dir), "the engine creates a missing bind source on the host"
    assert run_in(docker_client, first["Id"], "echo kept > /var/lib/mysql/table")[0] == 0
    docker_client.api.remove_container(first["Id"], force=True)

    second = engine.container("sleep 300", host={"binds": [f"{host_dir}:/var/lib/mysql"]})
    assert run_in(docker_client, second["Id"], "cat /var/lib/mysql/table") == (0, "kept\n")

    read_only = engine.container("sleep 300", host={"binds": [f"{host_dir}:/var/lib/mysql:ro"]})
    code, output = run_in(docker_client, read_only["Id"], "echo no > /var/lib/mysql/other")
    assert code != 0 and "Read-only file system" in output
    # The container page shows the bind and its mode.
    page = logged_in.get(f"/containers/{read_only['Id']}/").content.decode()
    assert host_dir in page and ">ro<" in page


def test_it_mounts_every_volume_of_another_container_with_volumes_from(logged_in, engine, docker_client):
    """SCENARIOS 15: --volumes-from other gives the same mounts (named and anonymous)."""
    named = random_name("vol")
    engine.volumes.append(named)
    source = engine.container(
        "sh -c 'echo shared > /data/file; sleep 300'", volumes=["/data", "/anon"], host={"binds": [f"{named}:/data"]}
    )
    other = engine.container("sleep 300", host={"volumes_from": [source["Id"]]})
    source_mounts = {
        (m["Name"], m["Destination"], m["RW"]) for m in docker_client.api.inspect_container(source["Id"])["Mounts"]
    }
    other_mounts = {
        (m["Name"], m["Destination"], m["RW"]) for m in docker_client.api.inspect_container(other["Id"])["Mounts"]
    }
    assert other_mounts == source_mounts and len(source_mounts) == 2
    assert run_in(docker_client, other["Id"], "cat /data/file") == (0, "shared\n")
    # The volume page names both containers as users.
    page = logged_in.get(f"/volumes/{named}/").content.decode()
    assert source["Name"].lstrip("/") in page and other["Name"].lstrip("/") in page


def test_it_shares_a_volume_between_two_containers(logged_in, engine, docker_client):
    """SCENARIOS 16: docker volume create --name myvolume; two containers with -v myvolume:/root/."""
    myvolume = random_name("myvolume")
    engine.volumes.append(myvolume)
    response = logged_in.post("/volumes/new/", {"name": myvolume, "driver": "local", "labels": "berth.test=1"})
    assert response.status_code == 302
    assert myvolume in logged_in.get(f"/volumes/?q={myvolume}").content.decode()  # docker volume ls

    writer = engine.container("sleep 300", host={"binds": [f"{myvolume}:/root/"]})
    reader = engine.container("sleep 300", host={"binds": [f"{myvolume}:/root/"]})
    assert run_in(docker_client, writer["Id"], "echo hello from the writer > /root/note")[0] == 0
    assert run_in(docker_client, reader["Id"], "cat /root/note") == (0, "hello from the writer\n")
    listing = logged_in.get(f"/volumes/?q={myvolume}").content.decode()
    assert writer["Name"].lstrip("/") in listing and reader["Name"].lstrip("/") in listing


def test_it_shows_what_docker_volume_inspect_shows(logged_in, engine, docker_client):
    """SCENARIOS 17: docker inspect --type volume myvolume: Mountpoint, driver, and its users."""
    myvolume = random_name("myvolume")
    docker_client.api.create_volume(myvolume, labels=TEST_LABEL)
    engine.volumes.append(myvolume)
    user = engine.container("true", start=False, host={"binds": [f"{myvolume}:/root/"]})
    oracle = json.loads(
        subprocess.run(
            ["/usr/bin/docker", "inspect", "--type", "volume", myvolume], capture_output=True, text=True, check=True
        ).stdout
    )[0]
    page = logged_in.get(f"/volumes/{myvolume}/").content.decode()
    assert f'<code class="mountpoint">{oracle["Mountpoint"]}</code>' in page
    assert f'<dd class="driver">{oracle["Driver"]}</dd>' in page
    assert user["Name"].lstrip("/") in page and "<code>/root</code>" in page
