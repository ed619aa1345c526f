"""The docker CLI in and out (issue 14, part 3): a pasted `docker run` line fills the Run form,
and a container's page gives the `docker run` line that makes it again.

The reading of a line is pure (tokens and flags); what the fields then mean is the form's own
parsers', tested against the real engine here with the docker CLI as the oracle, as in
tests/containers/test_create.py.
"""

import re
import shlex
import string
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.masking import MASK
from accounts.models import AuditEntry
from containers.cli_export import docker_run
from containers.cli_import import read_command, tokens
from containers.forms import ContainerCreateForm
from tests.conftest import random_name
from tests.containers.test_create import (
    DOCKER_CLI,
    SCENARIOS,
    Fixtures,
    created_id,
    docker_cli,
    essentials,
    form_data_from,
)
from tests.containers.test_port_taken import free_port
from tests.images import BUSYBOX_IMAGE

# The project's scenario list lives beside the repository, not in it: where it is missing, the
# seed lines below are still pasted, only the check that they are all of its lines is skipped.
SCENARIOS_MD = Path(__file__).resolve().parents[3] / "shared" / "SCENARIOS.md"
SECRET = "hunter2"
FORM_FIELDS = set(ContainerCreateForm.base_fields)


# ---------------------------------------------------------------- reading a line (pure)


@pytest.mark.parametrize(
    "line, words",
    [
        ("docker run -d busybox", ["docker", "run", "-d", "busybox"]),
        ("docker run \\\n  -e 'A=b c' \\\r\n  busybox", ["docker", "run", "-e", "A=b c", "busybox"]),
        ("docker run -e \"A='q'\" busybox", ["docker", "run", "-e", "A='q'", "busybox"]),
        ('docker run busybox sh -c "echo \\"$HOME\\""', ["docker", "run", "busybox", "sh", "-c", 'echo "$HOME"']),
    ],
)
def test_it_cuts_a_line_as_a_posix_shell_with_continuations(line, words):
    assert tokens(line) == words


@pytest.mark.parametrize(
    "line, data",
    [
        ("sudo docker run -it busybox", {"interactive": "on", "tty": "on", "image": "busybox"}),
        ("sudo -E docker create --name=x busybox", {"name": "x", "image": "busybox"}),
        ("docker run --name x -d busybox", {"name": "x", "detach": "on", "image": "busybox"}),
        ("docker container run -dit busybox", {"detach": "on", "interactive": "on", "tty": "on", "image": "busybox"}),
        (
            "/usr/bin/docker run -p80 -itp 81 -p=82 busybox",
            {"ports": "80\n81\n82", "interactive": "on", "tty": "on", "image": "busybox"},
        ),
        ("docker run -eA=1 --env=B=2 -e C=3 busybox", {"env": "A=1\nB=2\nC=3", "image": "busybox"}),
        ("docker run --rm=false --init=true -d=false busybox", {"init": "on", "image": "busybox"}),
        (
            "docker run --restart on-failure:3 busybox",
            {"restart_policy": "on-failure", "restart_max_retries": "3", "image": "busybox"},
        ),
        ("docker run --entrypoint 'sh -c' busybox", {"entrypoint": "'sh -c'", "image": "busybox"}),
        (
            "docker run --net host --net-alias a busybox",
            {"network": "host", "network_aliases": "a", "image": "busybox"},
        ),
        ("docker run busybox sh -c 'echo -d'", {"image": "busybox", "command": "sh -c 'echo -d'"}),
        ("docker run -- busybox -d", {"image": "busybox", "command": "-d"}),
        ("$ docker run -l a=1 -l b busybox", {"labels": "a=1\nb", "image": "busybox"}),
        ("-v /srv:/data:ro --volumes-from other", {"volumes": "/srv:/data:ro", "volumes_from": "other"}),
    ],
)
def test_it_reads_each_flag_into_its_field_as_the_cli_reads_it(line, data):
    pasted = read_command(line)
    assert (pasted.data, pasted.problems, pasted.unsupported) == (data, [], [])


def test_it_knows_run_from_create():
    assert read_command("docker create busybox").action == "create"
    assert read_command("docker run busybox").action == "run"


def test_it_lists_the_flags_it_has_no_field_for_and_skips_their_values():
    pasted = read_command("docker -H tcp://x:2375 run --read-only --tmpfs /run -a stdout --sig-proxy=false -t busybox")
    assert pasted.unsupported == ["-H", "--read-only", "--tmpfs", "--attach", "--sig-proxy"]
    assert pasted.data == {"tty": "on", "image": "busybox"}


@pytest.mark.parametrize(
    "line, problem",
    [
        ("docker exec -it web sh", "not docker exec"),
        ("ls -l", "not a docker run"),
        ("docker run --no-such-flag busybox", "--no-such-flag is not a flag of docker run"),
        ("docker run -X busybox", "-X is not a flag of docker run"),
        ("docker run busybox --name", ""),  # after the image: the command's, not a flag
        ("docker run -e", "-e needs a value"),
        ("docker run -e 'A=1", "no closing quotation"),
        ("docker run --rm=maybe busybox", "takes true or false"),
        ("docker run busybox && docker ps", "Only the first command"),
    ],
)
def test_it_says_what_it_could_not_read(line, problem):
    problems = " ".join(read_command(line).problems)
    assert problem in problems if problem else not problems


# ---------------------------------------------------------------- every seed line pastes cleanly

# The `docker run` / `docker create` lines of SCENARIOS.md, each with the form it gives: the
# seed's "..." stands for left-out flags and is skipped, with a note.
SEED_FORMS = {
    "docker run -i -t ubuntu:14.04": {"interactive": "on", "tty": "on", "image": "ubuntu:14.04"},
    "docker create -i -t --name mycentos centos:7": {
        "interactive": "on",
        "tty": "on",
        "name": "mycentos",
        "image": "centos:7",
    },
    "docker run -i -t --name mywebserver -p 80:80 ubuntu:14.04": {
        "interactive": "on",
        "tty": "on",
        "name": "mywebserver",
        "ports": "80:80",
        "image": "ubuntu:14.04",
    },
    "docker run -d --name wordpressdb -e MYSQL_ROOT_PASSWORD=password -e MYSQL_DATABASE=wordpress mysql:5.7": {
        "detach": "on",
        "name": "wordpressdb",
        "env": "MYSQL_ROOT_PASSWORD=password\nMYSQL_DATABASE=wordpress",
        "image": "mysql:5.7",
    },
    "docker run -d -e WORDPRESS_DB_HOST=mysql ... --name wordpress --link wordpressdb:mysql -p 80 wordpress": {
        "detach": "on",
        "env": "WORDPRESS_DB_HOST=mysql",
        "name": "wordpress",
        "links": "wordpressdb:mysql",
        "ports": "80",
        "image": "wordpress",
    },
    "docker run --net mybridge ...": {"network": "mybridge"},
}
# What the form itself then says of them on this engine: the link's and the network's targets
# do not exist here, and a line of flags only has no image yet.
SEED_ERRORS = {
    "docker run -d -e WORDPRESS_DB_HOST=mysql ... --name wordpress --link wordpressdb:mysql -p 80 wordpress": {"links"},
    "docker run --net mybridge ...": {"image", "network"},
}


def seed_lines() -> list[str]:
    text = re.sub(r"\s*\n\s*", " ", SCENARIOS_MD.read_text())  # a code span may wrap
    return re.findall(r"`((?:sudo )?docker (?:container )?(?:run|create) [^`]*)`", text)


@pytest.mark.skipif(not SCENARIOS_MD.exists(), reason="SCENARIOS.md is not beside the repository")
def test_the_seed_lines_are_the_ones_checked():
    assert sorted(seed_lines()) == sorted(SEED_FORMS)


@pytest.mark.django_db
@pytest.mark.parametrize("line", SEED_FORMS)
def test_every_seed_line_pastes_cleanly_into_the_form(line, logged_in, docker_client):
    response = logged_in.get(f"/containers/new/?cli={quote(line)}")
    assert response.status_code == 200
    form, pasted = response.context["form"], response.context["pasted"]
    assert form.data == SEED_FORMS[line]
    assert pasted.unsupported == []
    assert all("stands for flags left out" in problem for problem in pasted.problems)
    assert set(form.errors) == SEED_ERRORS.get(line, set()), form.errors
    page = response.content.decode()
    for name, value in SEED_FORMS[line].items():  # each value is on the page, in its field
        field_html = str(form[name])
        assert (" checked" in field_html) if value == "on" else (escape(value) in field_html), name
        assert field_html in page
    assert f'<a href="{escape(pasted.link)}" class="share-link">' in page


@pytest.mark.django_db
def test_a_pasted_line_lists_the_unsupported_flags_by_name_on_the_page(logged_in, docker_client):
    line = "docker run -d --read-only --tmpfs /run --health-cmd 'true' busybox"
    page = logged_in.get(f"/containers/new/?cli={quote(line)}").content.decode()
    assert "left out: --read-only, --tmpfs, --health-cmd." in page


@pytest.mark.django_db
def test_a_pasted_line_creates_what_the_cli_creates(logged_in, engine):
    flags = ["-e", "A=b c", "-p", "127.0.0.1::80", "--restart", "on-failure:2", "-w", "/srv", "--init"]
    line = shlex.join(["sudo", "docker", "create", *flags, "--label", "berth.test=1", BUSYBOX_IMAGE, "sleep", "300"])
    form = logged_in.get(f"/containers/new/?cli={quote(line)}").context["form"]
    berth_id = created_id(engine, logged_in.post("/containers/new/", {**form.data, "action": "create"}))
    cli_id = docker_cli(engine, "create", random_name("cli"), flags, ["sleep", "300"])
    berth, cli = (engine.client.api.inspect_container(i) for i in (berth_id, cli_id))
    assert essentials(berth) == essentials(cli)


# ---------------------------------------------------------------- out: copy as docker run


@pytest.fixture
def many_flags(engine, tmp_path):
    """A container made by `docker run -d` with many flags, and its flags."""
    fixtures = Fixtures(engine, tmp_path)
    flags = [
        *("-e", "A=1", "-e", "B=two words", "-e", f"DB_PASSWORD={SECRET}"),
        *("-p", f"127.0.0.1:{free_port()}:80", "-p", "127.0.0.1::81/udp"),
        *("-v", f"{fixtures['dir']}:/data:ro", "-v", "/cache", "-w", "/srv", "-u", "1000:1000"),
        *("-h", "myhost", "--add-host", "db.local:10.0.0.5", "--dns", "1.1.1.1"),
        *("--network", fixtures["net"], "--network-alias", "web", "--ip", fixtures["ip"]),
        *("--restart", "on-failure:3", "-m", "64m", "--cpus", "0.5", "--log-opt", "max-size=10k"),
        *("-l", "com.example.team=web", "--cap-add", "NET_ADMIN", "--cap-drop", "CHOWN", "--init", "-i"),
        *("--device", "/dev/null:/dev/n:r", "--entrypoint", "sh"),
    ]
    name = random_name("cli")
    container_id = docker_cli(engine, "run", name, ["-d", *flags], ["-c", "sleep 300"])
    return engine.client.api.inspect_container(container_id)


@pytest.mark.django_db
def test_the_page_masks_secrets_in_the_line(viewer_client, many_flags):
    response = viewer_client.get(f"/containers/{many_flags['Id']}/docker-run/", HTTP_HX_REQUEST="true")
    line = response.context["docker_run"].line
    assert SECRET not in response.content.decode() and 'id="docker-run-line"' in response.content.decode()
    assert f"-e 'DB_PASSWORD={MASK}'" in line and "-e 'B=two words'" in line
    assert "Reveal secrets" not in response.content.decode()


@pytest.mark.django_db
def test_the_container_page_leaves_the_line_to_its_block(viewer_client, many_flags):
    # The line costs an image inspect: the page asks for it when its block scrolls into view.
    page = viewer_client.get(f"/containers/{many_flags['Id']}/")
    assert "docker_run" not in page.context and 'id="docker-run-line"' not in page.content.decode()
    block = f"/containers/{many_flags['Id']}/docker-run/"
    assert f'hx-get="{block}" hx-trigger="revealed"' in page.content.decode()
    whole = viewer_client.get(block)  # without JavaScript: the link's page
    assert whole.status_code == 200 and "-e 'B=two words'" in whole.context["docker_run"].line
    assert "This reveal is recorded" not in whole.content.decode()


@pytest.mark.django_db
def test_a_viewer_may_not_reveal_the_line(viewer_client, many_flags):
    response = viewer_client.post(f"/containers/{many_flags['Id']}/docker-run/reveal/")
    assert response.status_code == 403 and SECRET not in response.content.decode()
    assert not AuditEntry.objects.filter(action="container.env.reveal").exists()


def shown_notes(client, container_id: str) -> list[str]:
    return client.get(f"/containers/{container_id}/docker-run/").context["docker_run"].notes


def revealed_line(client, container_id: str) -> str:
    response = client.post(f"/containers/{container_id}/docker-run/reveal/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    return response.context["docker_run"].line


@pytest.mark.django_db
def test_an_operator_reveals_the_line_and_it_is_audited(operator_client, many_flags):
    assert "Reveal secrets" in operator_client.get(f"/containers/{many_flags['Id']}/docker-run/").content.decode()
    line = revealed_line(operator_client, many_flags["Id"])
    assert f"-e DB_PASSWORD={SECRET}" in line
    entry = AuditEntry.objects.get(action="container.env.reveal", object_id=many_flags["Id"])
    assert entry.extra == {"variables": ["DB_PASSWORD"], "in": "docker run"}
    # Without JavaScript, a page of its own shows the line.
    page = operator_client.post(f"/containers/{many_flags['Id']}/docker-run/reveal/").content.decode()
    assert f"-e DB_PASSWORD={SECRET}" in page and "recorded in the audit log" in page
    assert AuditEntry.objects.filter(action="container.env.reveal", object_id=many_flags["Id"]).count() == 2


@pytest.mark.django_db
def test_the_line_leaves_out_the_defaults(logged_in, engine):
    container = engine.container("sh", start=False)  # busybox's own command, no flags
    line = logged_in.get(f"/containers/{container['Id']}/docker-run/").context["docker_run"].line
    name = container["Name"].lstrip("/")
    assert (
        line
        == f"docker run --name {name} -l berth.test=1 -l berth.test.run={container['Config']['Labels']['berth.test.run']} {BUSYBOX_IMAGE}"
    )


@pytest.mark.django_db
def test_the_line_run_by_the_cli_makes_the_same_container(logged_in, engine, many_flags):
    words = shlex.split(revealed_line(logged_in, many_flags["Id"]))
    assert words[:3] == ["docker", "run", "-d"]
    # The hostname the engine adds to a started container's aliases is not an alias of its own.
    assert words.count("--network-alias") == 1
    engine.client.api.remove_container(many_flags["Id"], force=True)  # its name and host port, free again
    result = subprocess.run([DOCKER_CLI, *words[1:]], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    again = engine.client.api.inspect_container(engine.track_container(result.stdout.strip()))
    assert essentials(again) == essentials(many_flags)
    assert shown_notes(logged_in, again["Id"]) == []  # nothing the Run form lacks a field for
    assert again["Name"] == many_flags["Name"]


@pytest.mark.django_db
def test_the_line_pasted_into_the_form_gives_the_duplicate_form(logged_in, many_flags):
    line = logged_in.get(f"/containers/{many_flags['Id']}/docker-run/").context["docker_run"].line
    pasted = logged_in.get(f"/containers/new/?cli={quote(line)}").context["pasted"]
    assert (pasted.unsupported, pasted.problems) == ([], [])
    duplicate = {key: str(value) for key, value in form_data_from(logged_in, many_flags["Id"]).items() if value != ""}
    # What the line leaves out as defaults: the image's PATH and the engine's log driver; -d is
    # how it was run, which Duplicate/Edit leaves to the button pressed.
    duplicate["env"] = "\n".join(line for line in duplicate["env"].split("\n") if not line.startswith("PATH="))
    del duplicate["log_driver"]
    assert pasted.data == {**duplicate, "detach": "on"}


@pytest.mark.django_db
def test_a_secret_that_spans_lines_stays_masked_whole_in_the_line(logged_in, engine):
    container = engine.container("sleep 300", environment=["SSH_PRIVATE_KEY=-----BEGIN-----\nMIIsecret\n-----END-----"])
    response = logged_in.get(f"/containers/{container['Id']}/docker-run/")
    assert "MIIsecret" not in response.content.decode()
    assert f"-e 'SSH_PRIVATE_KEY={MASK}'" in response.context["docker_run"].line
    words = shlex.split(revealed_line(logged_in, container["Id"]))
    assert words[words.index("-e") + 1] == "SSH_PRIVATE_KEY=-----BEGIN-----\nMIIsecret\n-----END-----"


def inspect_of(config: dict, host: dict | None = None) -> dict:
    """A minimal inspect document: what spec_from_inspect reads."""
    return {
        "Id": "f" * 64,
        "Name": "/web",
        "Config": {"Image": "app:1", "Hostname": "ffffffffffff", "AttachStdout": True, **config},
        "HostConfig": {"NetworkMode": "default", "LogConfig": {"Type": "json-file"}, **(host or {})},
    }


IMAGE = {"Config": {"Env": ["PATH=/bin"], "Cmd": ["serve"], "WorkingDir": "/app", "Labels": {"v": "1"}}}


@pytest.mark.parametrize(
    "config, line, notes",
    [
        ({"Env": ["PATH=/bin"], "Cmd": ["serve"], "WorkingDir": "/app", "Labels": {"v": "1"}}, "app:1", 0),
        ({"Cmd": ["serve", "--debug"], "Labels": {"v": "2"}}, "-l v=2 app:1 serve --debug", 0),
        ({"Entrypoint": ["tini"], "Cmd": ["serve"]}, "--entrypoint tini app:1 serve", 0),
        ({"Entrypoint": ["sh", "-c"], "Cmd": ["echo hi"]}, "--entrypoint sh app:1 -c 'echo hi'", 1),
        ({"WorkingDir": "/srv", "Env": ["PATH=/bin", "A=1"]}, "-e A=1 -w /srv app:1", 0),
    ],
)
def test_the_line_leaves_out_what_the_image_sets(config, line, notes):
    written, said = docker_run(inspect_of(config), IMAGE, default_log_driver="json-file")
    assert written == f"docker run --name web {line}"
    assert len(said) == notes


def test_the_line_writes_a_log_driver_other_than_the_engines_default():
    written, _notes = docker_run(inspect_of({}), {}, default_log_driver="local")
    assert written == "docker run --name web --log-driver json-file app:1"


# ---------------------------------------------------------------- whatever is pasted

flag_words = st.sampled_from(
    ["-d", "-it", "-p", "-e", "--name", "--rm=maybe", "--tmpfs", "--", "...", "'", '"', "\\\n"]
)
pasted_lines = st.lists(st.one_of(flag_words, st.text(alphabet=string.printable + "é€", max_size=12)), max_size=8).map(
    lambda words: "docker run " + " ".join(words)
)


@settings(max_examples=40, deadline=None)
@given(line=st.one_of(pasted_lines, st.text(max_size=60)))
def test_whatever_is_pasted_it_reads_or_says_why(line):
    pasted = read_command(line)
    assert set(pasted.data) <= FORM_FIELDS
    assert all(isinstance(value, str) for value in pasted.data.values())


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(line=pasted_lines)
def test_whatever_is_pasted_the_form_answers(logged_in, docker_client, line):
    # A GET: it only fills the form (other helpers share the engine, so nothing is counted there).
    response = logged_in.get(f"/containers/new/?cli={quote(line)}")
    assert response.status_code == 200 and response.context["pasted"] is not None


@pytest.mark.django_db
def test_a_container_in_anothers_network_is_copied_without_its_hostname(logged_in, engine):
    peer = engine.container("sleep 300")
    user = engine.container("sleep 300", host={"network_mode": f"container:{peer['Id']}"})
    # Started, it carries the peer's hostname, which -h could not set beside --network container:...
    assert user["Config"]["Hostname"] == peer["Id"][:12]
    assert form_data_from(logged_in, user["Id"]).get("hostname", "") == ""
    words = shlex.split(logged_in.get(f"/containers/{user['Id']}/docker-run/").context["docker_run"].line)
    assert "-h" not in words and f"container:{peer['Name'].lstrip('/')}" in words  # by name, as people write it


@pytest.mark.django_db
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_create_scenarios_line_makes_the_same_container_again(scenario, logged_in, engine, tmp_path):
    """The create tests' scenarios, made by `docker create`; Berth's line, its flags given to
    `docker create` again (a created container's line has no -d: run, it would attach)."""
    fixtures = Fixtures(engine, tmp_path)
    flags, command, _fields = SCENARIOS[scenario]
    original_id = docker_cli(
        engine, "create", random_name("cli"), [fixtures.fill(f) for f in flags], [fixtures.fill(c) for c in command]
    )
    original = engine.client.api.inspect_container(original_id)
    words = shlex.split(revealed_line(logged_in, original_id))
    assert words[:2] == ["docker", "run"] and "-d" not in words
    engine.client.api.remove_container(original_id, force=True)
    result = subprocess.run([DOCKER_CLI, "create", *words[2:]], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    again = engine.client.api.inspect_container(engine.track_container(result.stdout.strip().splitlines()[-1]))
    assert essentials(again) == essentials(original)
    assert shown_notes(logged_in, original_id := again["Id"]) == [], original_id


@pytest.mark.django_db
def test_the_page_names_what_the_line_cannot_carry(logged_in, engine):
    flags = ["--read-only", "--tmpfs", "/run", "--shm-size", "128m", "--expose", "9000", "--health-cmd", "true"]
    container_id = docker_cli(engine, "create", random_name("cli"), flags, ["sleep", "300"])
    notes = shown_notes(logged_in, container_id)
    assert notes == [
        "Not in the line, as the Run form has no field for them: --read-only, --tmpfs, --shm-size, --health-cmd, --expose."
    ]
