"""The Run/Create form against the real engine, with the docker CLI as the oracle.

For each scenario a container is made twice: by POSTing Berth's form, and by
`/usr/bin/docker create` (Debian's 20.10 client, matching the engine) with the same
flags. The two inspect documents must agree on every field the flags touch.
"""

import random
import subprocess
from urllib.parse import urlsplit

import docker.errors
import pytest

from containers import services
from images import pulls
from tests.conftest import TEST_LABEL, random_name, wait_for
from tests.images import BUSYBOX_IMAGE

pytestmark = pytest.mark.django_db

DOCKER_CLI = "/usr/bin/docker"


# ---------------------------------------------------------------- helpers


def post_form(client, **fields):
    data = {"image": BUSYBOX_IMAGE, "labels": "berth.test=1", "action": "create", **fields}
    return client.post("/containers/new/", data)


def created_id(engine, response) -> str:
    """The container a redirect to its page names, tracked for removal."""
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    container_id = urlsplit(response["Location"]).path.split("/")[2]
    return engine.track_container(engine.client.api.inspect_container(container_id)["Id"])


def docker_cli(engine, verb: str, name: str, flags: list[str], command: list[str] = ()) -> str:
    result = subprocess.run(
        [DOCKER_CLI, verb, "--label", "berth.test=1", "--name", name, *flags, BUSYBOX_IMAGE, *command],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return engine.track_container(result.stdout.strip().splitlines()[-1])


def essentials(data: dict) -> dict:
    """What `docker create` flags decide, with the per-container names and ids taken out."""
    config, host = data["Config"], data["HostConfig"]
    short_id, name = data["Id"][:12], data["Name"]
    anonymous = lambda mount: len(mount.get("Name", "")) == 64  # noqa: E731 - engine-made volume names
    return {
        **{
            key: config.get(key)
            for key in (
                "Cmd",
                "Entrypoint",
                "Tty",
                "OpenStdin",
                "StdinOnce",
                "AttachStdin",
                "AttachStdout",
                "AttachStderr",
                "ExposedPorts",
                "Volumes",
                "WorkingDir",
                "User",
                "Labels",
            )
        },
        # The CLI sorts -e flags and walks -v flags in Go map order; neither order means anything.
        "Env": sorted(config.get("Env") or []),
        "Binds": sorted(host.get("Binds") or []),
        "Hostname": "" if config.get("Hostname") == short_id else config.get("Hostname"),
        **{
            key: host.get(key)
            for key in (
                "PortBindings",
                "PublishAllPorts",
                "NetworkMode",
                "RestartPolicy",
                "LogConfig",
                "Init",
                "Memory",
                "NanoCpus",
                "ExtraHosts",
                "Dns",
                "AutoRemove",
                "VolumesFrom",
                "Privileged",
                "CapAdd",
                "CapDrop",
                "Devices",
                "PidMode",
            )
        },
        "Links": [link.replace(f"{name}/", "<self>/") for link in host.get("Links") or []],
        "Mounts": sorted(
            (
                m["Type"],
                m["Destination"],
                m["RW"],
                m.get("Mode", ""),
                m["Source"] if m["Type"] == "bind" else "",
                "<anonymous>" if anonymous(m) else m.get("Name", ""),
            )
            for m in data.get("Mounts") or []
        ),
        "Networks": {
            network: (sorted(a for a in endpoint.get("Aliases") or [] if a != short_id), endpoint.get("IPAMConfig"))
            for network, endpoint in (data["NetworkSettings"].get("Networks") or {}).items()
        },
    }


class Fixtures:
    """What a scenario's flags refer to, made on first use: {peer}, {net}, {ip}, {dir}, {vol}."""

    def __init__(self, engine, tmp_path):
        self.engine, self.tmp_path, self.values = engine, tmp_path, {}

    def __getitem__(self, key: str) -> str:
        if key not in self.values:
            self.values[key] = getattr(self, f"make_{key}")()
        return self.values[key]

    def make_peer(self) -> str:
        return self.engine.container("sleep 300", volumes=["/data"])["Name"].lstrip("/")

    def make_net(self) -> str:
        subnet = f"10.{random.randint(201, 250)}.{random.randint(0, 255)}.0/24"
        ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=subnet)])
        name = random_name("net")
        self.engine.client.api.create_network(name, driver="bridge", ipam=ipam, labels=TEST_LABEL)
        self.engine.networks.append(name)
        self.values["ip"] = subnet.replace(".0/24", ".10")
        return name

    def make_ip(self) -> str:
        self["net"]
        return self.values["ip"]

    def make_dir(self) -> str:
        return str(self.tmp_path / "host-dir")

    def make_vol(self) -> str:
        name = random_name("vol")
        self.engine.volumes.append(name)
        return name

    def fill(self, text: str) -> str:
        for key in ("peer", "net", "ip", "dir", "vol"):
            if "{" + key + "}" in text:
                text = text.replace("{" + key + "}", self[key])
        return text


# Scenario: (docker flags, command after the image, Berth's form fields).
SCENARIOS = {
    "1-interactive-tty": (["-i", "-t"], [], {"interactive": "on", "tty": "on"}),
    "2-create-named": (["-i", "-t"], [], {"interactive": "on", "tty": "on"}),
    "8-ports": (
        ["-p", "8080:80", "-p", "80", "-p", "127.0.0.1:8081:81", "-p", "5353:53/udp", "-p", "127.0.0.1::82"],
        [],
        {"ports": "8080:80, 80\n127.0.0.1:8081:81\n5353:53/udp\n127.0.0.1::82"},
    ),
    "8-random-port": (["-p", "80"], [], {"ports": "80"}),
    "8-port-range": (["-p", "9000-9001:90-91", "-p", "7000-7010:70"], [], {"ports": "9000-9001:90-91\n7000-7010:70"}),
    "8-publish-all": (["-P", "-p", "80"], [], {"publish_all": "on", "ports": "80"}),
    "9-env": (
        ["-e", "MYSQL_ROOT_PASSWORD=password", "-e", "MYSQL_DATABASE=wordpress"],
        [],
        {"env": "MYSQL_ROOT_PASSWORD=password\nMYSQL_DATABASE=wordpress"},
    ),
    "10-link-and-random-port": (
        ["-e", "WORDPRESS_DB_HOST=mysql", "--link", "{peer}:mysql", "-p", "80"],
        [],
        {"env": "WORDPRESS_DB_HOST=mysql", "links": "{peer}:mysql", "ports": "80"},
    ),
    "10-link-without-alias": (["--link", "{peer}"], [], {"links": "{peer}"}),
    "11-command": ([], ["sh", "-c", "echo hi; exit 3"], {"command": "sh -c 'echo hi; exit 3'"}),
    "12-entrypoint": (
        ["--entrypoint", "sh"],
        ["-c", 'echo "$HOME"'],
        {"entrypoint": "sh", "command": "-c 'echo \"$HOME\"'"},
    ),
    "13-workdir-user": (["-w", "/srv", "-u", "1000:1000"], [], {"workdir": "/srv", "user": "1000:1000"}),
    "14-bind": (
        ["-v", "{dir}:/var/lib/mysql", "-v", "{dir}/conf:/etc/conf:ro"],
        [],
        {"volumes": "{dir}:/var/lib/mysql\n{dir}/conf:/etc/conf:ro"},
    ),
    "15-volumes-from": (["--volumes-from", "{peer}:ro"], [], {"volumes_from": "{peer}:ro"}),
    "16-named-and-anonymous-volumes": (["-v", "{vol}:/root", "-v", "/cache"], [], {"volumes": "{vol}:/root\n/cache"}),
    "19-user-network": (["--network", "{net}"], [], {"network": "{net}"}),
    "20-static-ip": (["--network", "{net}", "--ip", "{ip}"], [], {"network": "{net}", "ipv4_address": "{ip}"}),
    "21-host": (["--network", "host"], [], {"network": "host"}),
    "21-none": (["--network", "none"], [], {"network": "none"}),
    "21-container": (["--network", "container:{peer}"], [], {"network": "container:{peer}"}),
    "22-net-alias": (
        ["--network", "{net}", "--network-alias", "alicek106", "--network-alias", "web"],
        [],
        {"network": "{net}", "network_aliases": "alicek106, web"},
    ),
    "24-log-options": (
        ["--log-driver", "json-file", "--log-opt", "max-size=10k", "--log-opt", "max-file=3"],
        [],
        {"log_driver": "json-file", "log_options": "max-size=10k\nmax-file=3"},
    ),
    "24-log-option-default-driver": (["--log-opt", "max-size=10k"], [], {"log_options": "max-size=10k"}),
    "24-log-driver-local": (["--log-driver", "local"], [], {"log_driver": "local"}),
    "24-log-driver-none": (["--log-driver", "none"], [], {"log_driver": "none"}),
    "restart-on-failure": (
        ["--restart", "on-failure:3"],
        [],
        {"restart_policy": "on-failure", "restart_max_retries": "3"},
    ),
    "restart-unless-stopped": (["--restart", "unless-stopped"], [], {"restart_policy": "unless-stopped"}),
    "rm-init": (["--rm", "--init"], [], {"auto_remove": "on", "init": "on"}),
    "resources": (["-m", "512m", "--cpus", "1.5"], [], {"memory": "512m", "cpus": "1.5"}),
    "hosts-dns-hostname": (
        ["--add-host", "db.local:10.0.0.5", "--add-host", "v6.local:::1", "--dns", "1.1.1.1", "-h", "myhost"],
        [],
        {"add_host": "db.local:10.0.0.5, v6.local:::1", "dns": "1.1.1.1", "hostname": "myhost"},
    ),
    "labels": (["--label", "com.example.team=web"], [], {"labels": "berth.test=1\ncom.example.team=web"}),
    # Privileges and devices (issue 5, item 3)
    "privileged": (["--privileged"], [], {"privileged": "on"}),
    "capabilities": (
        ["--cap-add", "NET_ADMIN", "--cap-add", "cap_sys_time", "--cap-drop", "CHOWN", "--cap-drop", "CAP_MKNOD"],
        [],
        {"cap_add": "NET_ADMIN, cap_sys_time", "cap_drop": "CHOWN\nCAP_MKNOD"},
    ),
    "capabilities-all": (["--cap-add", "ALL", "--cap-drop", "all"], [], {"cap_add": "ALL", "cap_drop": "all"}),
    "devices": (
        [
            "--device",
            "/dev/null",
            "--device",
            "/dev/zero:/dev/z",
            "--device",
            "/dev/full:rw",
            "--device",
            "/dev/urandom:/dev/u/:r",
        ],
        [],
        {"devices": "/dev/null, /dev/zero:/dev/z\n/dev/full:rw\n/dev/urandom:/dev/u/:r"},
    ),
    "pid-host": (["--pid", "host"], [], {"pid": "host"}),
}


@pytest.fixture
def fixtures(engine, tmp_path):
    return Fixtures(engine, tmp_path)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_it_creates_what_docker_create_creates(scenario, logged_in, engine, fixtures):
    flags, command, fields = SCENARIOS[scenario]
    flags, command = [fixtures.fill(f) for f in flags], [fixtures.fill(c) for c in command]
    fields = {key: fixtures.fill(value) for key, value in fields.items()}
    berth_id = created_id(engine, post_form(logged_in, name=random_name("berth"), **fields))
    cli_id = docker_cli(engine, "create", random_name("cli"), flags, command)
    berth, cli = (engine.client.api.inspect_container(i) for i in (berth_id, cli_id))
    assert essentials(berth) == essentials(cli)
    assert berth["State"]["Status"] == "created"


def test_it_runs_a_detached_container_like_docker_run_d(logged_in, engine):
    response = post_form(logged_in, name=random_name(), command="sleep 300", ports="80", env="A=1", action="run")
    berth_id = created_id(engine, response)
    cli_id = docker_cli(engine, "run", random_name("cli"), ["-d", "-p", "80", "-e", "A=1"], ["sleep", "300"])
    berth, cli = (engine.client.api.inspect_container(i) for i in (berth_id, cli_id))
    assert berth["State"]["Running"] is True
    assert essentials(berth) == essentials(cli)
    assert response["Location"] == f"/containers/{berth_id}/"


def test_it_sends_run_with_i_and_t_to_the_terminal_without_starting_it(logged_in, engine):
    response = post_form(logged_in, name=random_name(), interactive="on", tty="on", action="run")
    assert response.status_code == 302
    container_id = urlsplit(response["Location"]).path.split("/")[2]
    engine.track_container(container_id)
    assert response["Location"] == f"/containers/{container_id}/attach/?start=1"
    data = engine.client.api.inspect_container(container_id)
    assert data["State"]["Status"] == "created"
    assert (data["Config"]["OpenStdin"], data["Config"]["Tty"], data["Config"]["StdinOnce"]) == (True, True, True)


def test_it_runs_i_t_detached_when_asked(logged_in, engine):
    response = post_form(logged_in, name=random_name(), interactive="on", tty="on", detach="on", action="run")
    data = engine.client.api.inspect_container(created_id(engine, response))
    assert data["State"]["Running"] is True
    assert (data["Config"]["AttachStdin"], data["Config"]["StdinOnce"]) == (False, False)


def test_it_creates_and_leaves_it_created(logged_in, engine):
    response = post_form(logged_in, name=random_name(), command="sleep 300")
    assert engine.client.api.inspect_container(created_id(engine, response))["State"]["Status"] == "created"


# ---------------------------------------------------------------- bad input (issue item 9)


def count_labelled(engine, case: str) -> int:
    return len(engine.client.api.containers(all=True, filters={"label": f"berth.case={case}"}))


@pytest.fixture
def bad_input(logged_in, engine, fixtures):
    """POST the form with one bad field; assert the message on that field and that nothing was made."""

    def submit(field_with_error: str, message: str, **fields):
        case, name = random_name("case"), random_name()
        fields = {key: fixtures.fill(value) for key, value in fields.items()}
        fields.setdefault("name", name)
        before = count_labelled(engine, case)
        for action in ("create", "run"):
            response = post_form(logged_in, labels=f"berth.test=1\nberth.case={case}", action=action, **fields)
            assert response.status_code == 200
            errors = response.context["form"].errors
            assert message in " ".join(errors.get(field_with_error, [])), errors
            assert message in response.content.decode().replace("&#x27;", "'")
        assert count_labelled(engine, case) == before == 0
        if fields["name"] == name:
            assert not services.container_exists(name)

    return submit


@pytest.mark.parametrize(
    "field, message, fields",
    [
        ("ports", "out of range", {"ports": "70000"}),
        ("ports", "is not a number", {"ports": "abc:80"}),
        ("env", "has no '='", {"env": "A=1\nNOEQUALS"}),
        ("image", "not a valid image reference", {"image": "Busybox:!"}),
        ("volumes", "must be absolute", {"volumes": "./data:/data"}),
        ("network", "There is no network", {"network": "berth-test-no-such-network"}),
        ("links", "There is no container", {"links": "berth-test-no-such-container:db"}),
        ("volumes_from", "There is no container", {"volumes_from": "berth-test-no-such-container"}),
        ("network", "There is no container", {"network": "container:berth-test-no-such-container"}),
        ("ports", "cannot be published with --network host", {"network": "host", "ports": "80"}),
        ("ports", "cannot be published with --network container", {"network": "container:{peer}", "ports": "80"}),
        ("hostname", "cannot be used with --network container", {"network": "container:{peer}", "hostname": "x"}),
        ("network_aliases", "Only a user-defined network", {"network_aliases": "web"}),
        ("ipv4_address", "Only a user-defined network", {"network": "bridge", "ipv4_address": "172.17.0.99"}),
        ("restart_policy", "cannot be used with --rm", {"auto_remove": "on", "restart_policy": "always"}),
        ("memory", "at least 6m", {"memory": "1m"}),
        ("command", "no closing quotation", {"command": "sh -c 'echo"}),
        ("cap_add", "is not a Linux capability", {"cap_add": "NET_ADMIN, FLY"}),
        ("cap_drop", "is not a Linux capability", {"cap_drop": "CAP_"}),
        ("devices", "must be absolute", {"devices": "dev/null"}),
        ("devices", "permissions 'rwx' are not valid", {"devices": "/dev/null:/dev/n:rwx"}),
        ("devices", "is not a device", {"devices": "/dev/null:/dev/n:rw:m"}),
        ("pid", "not one of the available choices", {"pid": "container:x"}),
    ],
)
def test_it_puts_bad_input_on_its_field_and_creates_nothing(bad_input, field, message, fields):
    bad_input(field, message, **fields)


def test_it_refuses_a_name_in_use(bad_input, engine):
    taken = engine.container("sleep 300")["Name"].lstrip("/")
    bad_input("name", "already in use", name=taken)


def test_it_warns_about_an_unusual_log_driver(logged_in, engine):
    response = post_form(logged_in, name=random_name(), log_driver="syslog")
    # The engine here may or may not accept syslog at create; either way the user is warned.
    if response.status_code == 302:
        engine.track_container(urlsplit(response["Location"]).path.split("/")[2])
        messages = [str(m) for m in response.wsgi_request._messages]
    else:
        messages = [str(m) for m in response.context["messages"]]
    assert any("may not start on this host" in m for m in messages)


# ---------------------------------------------------------------- create succeeds, start refuses


def test_it_creates_a_link_to_a_stopped_container_like_docker(logged_in, engine):
    stopped = engine.container("sleep 300", start=False)["Name"].lstrip("/")
    response = post_form(logged_in, name=random_name(), links=f"{stopped}:db")
    assert engine.client.api.inspect_container(created_id(engine, response))["State"]["Status"] == "created"


def test_it_reports_the_daemons_words_when_run_cannot_start_and_leaves_nothing(logged_in, engine):
    stopped = engine.container("sleep 300", start=False)["Name"].lstrip("/")
    case, name = random_name("case"), random_name()
    response = post_form(
        logged_in, name=name, links=f"{stopped}:db", labels=f"berth.test=1\nberth.case={case}", action="run"
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "non running container" in errors  # "Cannot link to a non running container: /x AS /y/db"
    assert "non running container" in response.content.decode()
    assert count_labelled(engine, case) == 0
    assert not services.container_exists(name)


# ---------------------------------------------------------------- Duplicate/Edit


def test_it_fills_the_form_from_an_existing_container(logged_in, engine):
    name = random_name()
    source = created_id(
        engine, post_form(logged_in, name=name, env="COLOR=blue", ports="127.0.0.1:8089:80", command="sleep 300")
    )
    response = logged_in.get(f"/containers/new/?from={source}")
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert "COLOR=blue" in initial["env"] and initial["ports"] == "127.0.0.1:8089:80/tcp"
    assert (initial["name"], initial["command"]) == (name, "sleep 300")
    assert f'name="replace" value="{source}"' in response.content.decode()


def form_data_from(client, container_id: str) -> dict:
    """What the Duplicate/Edit page fills in, as a browser would post it back."""
    initial = client.get(f"/containers/new/?from={container_id}").context["form"].initial
    return {key: "on" if value is True else value for key, value in initial.items() if value not in (None, False)}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_it_duplicates_every_scenario_faithfully(scenario, logged_in, engine, fixtures):
    fields = {key: fixtures.fill(value) for key, value in SCENARIOS[scenario][2].items()}
    original_id = created_id(engine, post_form(logged_in, name=random_name("orig"), **fields))
    copy = {**form_data_from(logged_in, original_id), "name": random_name("copy"), "action": "create"}
    copy_id = created_id(engine, logged_in.post(f"/containers/new/?from={original_id}", copy))
    original, duplicate = (engine.client.api.inspect_container(i) for i in (original_id, copy_id))
    assert essentials(duplicate) == essentials(original)


def test_it_recreates_a_container_with_changed_values(logged_in, engine):
    name = random_name()
    # --init: `sleep` as PID 1 ignores SIGTERM, and the old container is stopped on the way.
    old_id = created_id(
        engine, post_form(logged_in, name=name, env="COLOR=blue", command="sleep 300", init="on", action="run")
    )
    edited = form_data_from(logged_in, old_id)
    edited.update(env=edited["env"].replace("COLOR=blue", "COLOR=green"), replace=old_id, action="run")
    response = logged_in.post(f"/containers/new/?from={old_id}", edited)
    new_id = created_id(engine, response)
    assert new_id != old_id
    assert not services.container_exists(old_id)
    new = engine.client.api.inspect_container(name)
    assert new["Id"] == new_id and new["State"]["Running"]
    assert "COLOR=green" in new["Config"]["Env"] and "COLOR=blue" not in new["Config"]["Env"]


def test_it_puts_the_old_container_back_when_the_replacement_cannot_start(logged_in, engine):
    name = random_name()
    old_id = created_id(engine, post_form(logged_in, name=name, command="sleep 300", init="on", action="run"))
    stopped = engine.container("sleep 300", start=False)["Name"].lstrip("/")
    response = logged_in.post(
        f"/containers/new/?from={old_id}",
        {
            "image": BUSYBOX_IMAGE,
            "name": name,
            "command": "sleep 300",
            "init": "on",
            "links": f"{stopped}:db",
            "replace": old_id,
            "labels": "berth.test=1",
            "action": "run",
        },
    )
    assert response.status_code == 200
    assert "non running container" in " ".join(response.context["form"].non_field_errors())
    old = engine.client.api.inspect_container(name)
    assert old["Id"] == old_id and old["State"]["Running"]


def test_it_answers_404_for_duplicating_a_missing_container(logged_in, docker_client):
    assert logged_in.get("/containers/new/?from=berth-test-no-such-container").status_code == 404


# ---------------------------------------------------------------- a missing image is pulled first


@pytest.mark.registry
@pytest.mark.django_db(transaction=True)  # the pull's thread writes the audit entry on its own connection
def test_it_pulls_a_missing_image_then_runs_it(logged_in, engine):
    repository = f"127.0.0.1:5000/{random_name('create')}"
    engine.client.api.tag(BUSYBOX_IMAGE, repository, "latest")
    engine.images.append(f"{repository}:latest")
    for line in engine.client.api.push(repository, "latest", stream=True, decode=True):
        assert "error" not in line, line
    engine.client.api.remove_image(f"{repository}:latest")
    name = random_name()
    response = post_form(logged_in, image=f"{repository}:latest", name=name, command="sleep 300", action="run")
    assert response.status_code == 302
    job_id = urlsplit(response["Location"]).path.rstrip("/").split("/")[-1]
    assert response["Location"] == pulls.progress_url(job_id)
    job = wait_for(lambda: (j := pulls.get_job(job_id)) and not j.running and j, timeout=60, message="the pull")
    assert job.state == pulls.DONE, job.error
    container = engine.client.api.inspect_container(name)
    engine.track_container(container["Id"])
    assert job.next_url == f"/containers/{container['Id']}/"
    assert container["State"]["Running"] and container["Config"]["Image"] == f"{repository}:latest"


def test_it_requires_login(client):
    response = client.get("/containers/new/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# ---------------------------------------------------------------- engine errors never become 500s


def test_it_shows_the_daemons_refusal_at_create_on_the_form(logged_in, engine):
    case, name = random_name("case"), random_name()
    # More CPUs than the host has: the form accepts the number, the engine refuses it at create.
    response = post_form(logged_in, name=name, cpus="1000", labels=f"berth.test=1\nberth.case={case}")
    assert response.status_code == 200
    assert "CPUs" in " ".join(response.context["form"].non_field_errors())
    assert count_labelled(engine, case) == 0


def test_it_answers_503_when_the_engine_is_down(logged_in, monkeypatch):
    from dashboard.engine import EngineUnavailable

    def down():
        raise EngineUnavailable("ConnectionError")

    monkeypatch.setattr(services, "network_names", down)
    response = logged_in.get("/containers/new/")
    assert response.status_code == 503
