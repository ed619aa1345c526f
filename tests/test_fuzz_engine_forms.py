"""Hypothesis fuzzing of the forms that change the engine (issue 5): whatever is typed,
Berth never answers 500, and a rejected form leaves the engine's objects unchanged.

Every object a fuzzed form could make carries this run's label (or name), so "unchanged"
is checked exactly, and whatever a valid example did make is removed again. The inputs
stay safe by construction: no image that would be pulled from outside (only the local test
image, references that do not parse, or the local registry), no subnet outside 10.250/16,
and Create, never Run, so no fuzzed container starts.
"""

import secrets
import string
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from images import pulls
from images.references import parse_reference
from tests.conftest import BUSYBOX_IMAGE, TEST_LABEL, random_name

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
LABEL_LINES = "\n".join(f"{key}={value}" for key, value in TEST_LABEL.items())

junk = st.text(alphabet=string.printable + "é€ \t", max_size=40)
names = st.one_of(junk, st.from_regex(r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,20}", fullmatch=True))
key_values = st.one_of(
    junk, st.lists(st.from_regex(r"[a-z.]{1,8}=[a-z0-9]{0,6}", fullmatch=True), max_size=3).map("\n".join)
)
safe_subnets = st.one_of(junk, st.builds(lambda a, b: f"10.250.{a}.0/{b}", st.integers(0, 255), st.integers(16, 30)))
safe_addresses = st.one_of(junk, st.builds(lambda a, b: f"10.250.{a}.{b}", st.integers(0, 255), st.integers(0, 255)))


def fuzz_tag() -> dict:
    """A label unique to one example, so its objects (if any) can be found exactly."""
    return {"berth.fuzz": secrets.token_hex(6)}


def with_labels(text: str, tag: dict) -> str:
    lines = [text, LABEL_LINES, *(f"{k}={v}" for k, v in tag.items())]
    return "\n".join(line for line in lines if line)


def labelled(docker_client, kind: str, tag: dict) -> list:
    label = [f"{k}={v}" for k, v in tag.items()]
    if kind == "container":
        return docker_client.api.containers(all=True, filters={"label": label})
    if kind == "network":
        return docker_client.api.networks(filters={"label": label})
    return (docker_client.api.volumes(filters={"label": label}) or {}).get("Volumes") or []


def check_and_clean(response, docker_client, engine, kind: str, tag: dict) -> None:
    assert response.status_code < 500, response.content[:500]
    made = labelled(docker_client, kind, tag)
    if response.status_code == 200:  # the form came back with its errors: nothing may exist
        assert made == [], f"a rejected {kind} form left {made}"
    for obj in made:
        if kind == "container":
            engine.track_container(obj["Id"])
        elif kind == "network":
            engine.networks.append(obj["Id"])
        else:
            engine.volumes.append(obj["Name"])


@FUZZ
@given(
    name=names,
    subnet=safe_subnets,
    ip_range=safe_subnets,
    gateway=safe_addresses,
    options=key_values,
    labels=key_values,
    driver=st.sampled_from(["bridge", "nope", ""]),
    internal=st.booleans(),
)
def test_it_never_fails_on_any_network_form(
    logged_in, docker_client, engine, name, subnet, ip_range, gateway, options, labels, driver, internal
):
    tag = fuzz_tag()
    data = {
        "name": name,
        "driver": driver,
        "macvlan_mode": "bridge",
        "subnet": subnet,
        "ip_range": ip_range,
        "gateway": gateway,
        "options": options,
        "labels": with_labels(labels, tag),
    }
    if internal:
        data["internal"] = "on"
    check_and_clean(logged_in.post("/networks/new/", data), docker_client, engine, "network", tag)


@FUZZ
@given(
    name=names,
    kind=st.sampled_from(["", "tmpfs", "none", "bogus"]),
    device=junk,
    o=junk,
    options=key_values,
    labels=key_values,
)
def test_it_never_fails_on_any_volume_form(logged_in, docker_client, engine, name, kind, device, o, options, labels):
    tag = fuzz_tag()
    data = {
        "name": name,
        "driver": "local",
        "type": kind,
        "device": device,
        "o": o,
        "options": options,
        "labels": with_labels(labels, tag),
    }
    check_and_clean(logged_in.post("/volumes/new/", data), docker_client, engine, "volume", tag)


@FUZZ
@given(new_name=names)
def test_it_never_fails_on_any_rename(logged_in, docker_client, engine, new_name):
    container = engine.container("true", start=False)
    response = logged_in.post(f"/containers/{container['Id']}/rename/", {"name": new_name})
    assert response.status_code < 500
    now = docker_client.api.inspect_container(container["Id"])["Name"]
    if response.status_code == 200:
        assert now == container["Name"], "a rejected rename renamed"


# Only references Berth must refuse, or ones on the local registry: a fuzzed pull never
# reaches outside this machine.
unpullable = st.one_of(
    junk.filter(lambda text: parse_reference(text) is None),
    st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True).map(lambda tag: f"127.0.0.1:5000/berth-fuzz-missing:{tag}"),
)


@pytest.fixture
def started_pulls(monkeypatch) -> list:
    """Each pull Berth starts (the pulls themselves stay real)."""
    started = []
    real_start = pulls.start_pull

    def recording_start(*args, **kwargs):
        started.append(args)
        job_id = real_start(*args, **kwargs)
        # Let the pull end before the next example: its thread writes the audit entry on a
        # connection of its own, which the in-memory test database allows only one at a time.
        for thread in threading.enumerate():
            if thread.name == f"pull-{job_id}":
                thread.join(timeout=30)
        return job_id

    monkeypatch.setattr(pulls, "start_pull", recording_start)
    return started


@pytest.mark.django_db(transaction=True)  # the pull's thread writes the audit entry on its own connection
@FUZZ
@given(reference=unpullable, username=st.one_of(st.just(""), junk), password=st.one_of(st.just(""), junk))
def test_it_never_fails_on_any_pull(logged_in, started_pulls, reference, username, password):
    # Parallel tests build images at any moment, so "unchanged" is checked where it is
    # decided: a rejected form starts no pull at all.
    started_pulls.clear()
    response = logged_in.post("/images/pull/", {"reference": reference, "username": username, "password": password})
    assert response.status_code < 500
    if response.status_code == 200:
        assert started_pulls == [], "a rejected pull form started a pull"


images = st.one_of(
    st.just(BUSYBOX_IMAGE), junk.filter(lambda text: parse_reference(text.strip()) is None and text.strip())
)
form_text = {
    "command": junk,
    "entrypoint": junk,
    "ports": st.one_of(junk, st.from_regex(r"(\d{1,5}:)?\d{1,5}(/udp)?", fullmatch=True)),
    "env": key_values,
    "volumes": junk,
    "volumes_from": junk,
    "links": junk,
    "network": st.sampled_from(["", "bridge", "none", "host", "nosuchnet", "container:nope"]),
    "network_aliases": junk,
    "ipv4_address": safe_addresses,
    "add_host": junk,
    "dns": safe_addresses,
    "hostname": junk,
    "workdir": junk,
    "user": junk,
    "memory": junk,
    "cpus": junk,
    "log_options": key_values,
    "restart_max_retries": junk,
}


@FUZZ
@given(
    image=images,
    name=names,
    fields=st.fixed_dictionaries({}, optional=form_text),
    flags=st.sets(st.sampled_from(["interactive", "tty", "auto_remove", "publish_all", "init"])),
    restart=st.sampled_from(["no", "always", "unless-stopped", "on-failure", "bogus"]),
)
def test_it_never_fails_on_any_container_form(logged_in, docker_client, engine, image, name, fields, flags, restart):
    tag = fuzz_tag()
    data = {
        "image": image,
        "name": name,
        "action": "create",
        "restart_policy": restart,
        "log_driver": "json-file",
        "labels": with_labels("", tag),
        **fields,
        **{flag: "on" for flag in flags},
    }
    check_and_clean(logged_in.post("/containers/new/", data), docker_client, engine, "container", tag)


def test_fuzzing_reaches_the_engine_with_valid_examples(logged_in, docker_client, engine):
    """The fuzzers' generators do produce accepted forms (so "unchanged on rejection" is not
    only ever checked on nothing): one valid example of each, by hand."""
    tag = fuzz_tag()
    response = logged_in.post(
        "/networks/new/",
        {
            "name": random_name("fuzz"),
            "driver": "bridge",
            "macvlan_mode": "bridge",
            "subnet": "10.250.7.0/24",
            "labels": with_labels("", tag),
        },
    )
    assert response.status_code == 302
    check_and_clean(response, docker_client, engine, "network", tag)
    assert labelled(docker_client, "network", tag)
