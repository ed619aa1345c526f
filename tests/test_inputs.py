"""One parser per kind of input (issue 12): every form that takes a kind of input follows the
same rules, the docker CLI's, shown here as one table of cases per kind, run against each form.

The oracle is docker CLI 28.2 against this engine (20.10), tried by hand with labelled objects:
- labels, `--label` on run, network create and volume create (opts.ValidateLabel, then
  opts.ConvertKVStringsToMap): a key given twice keeps the later value; the value is kept as
  typed, spaces included (`--label 'a= 2 '` gives " 2 "); a bare key is an empty value; an empty
  key (`=1`) or a key with a space or tab (`a b=1`, `a =1`) is refused.
- driver options, `-o` on network and volume create (MapOpts.Set): the same, except that the CLI
  checks no key at all (`-o '=1'` makes an option named ""); Berth refuses those keys as for labels.
- log options, `--log-opt` (ConvertKVStringsToMap): the same, and a bare `max-size` is created
  with "" but the container never starts, so Berth asks for the value.
- network aliases: neither `docker run --network-alias` nor `docker network connect --alias`
  (which splits on commas) nor the engine checks anything, `x` included; Berth takes what a DNS
  lookup can name: letters, digits, `_ . -`, starting with a letter or digit.
- container names: the engine's `[a-zA-Z0-9][a-zA-Z0-9_.-]+` (so `x` is refused), a leading `/`
  dropped; local volume names: the same rule, no `/`; network names: the engine takes any
  (`a b`, `a/b`, `x`), Berth `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, which `--network NAME` and its URLs carry.
- a static IPv4, `--ip` on run and on network connect: `docker network connect --ip` refuses an
  address outside the network's subnets at once; `docker run --ip` creates the container and
  then fails its start; Berth refuses it on both forms, with the network and broadcast addresses.
- image references (`docker tag`): distribution/reference's grammar, at most 255 characters
  for the name alone (a 200-character name with a 100-character tag is taken).
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from containers.action_forms import RenameForm
from containers.forms import ContainerCreateForm
from dashboard import inputs
from images.forms import PullForm, TagForm
from networks import services as network_services
from networks.forms import ConnectForm, NetworkCreateForm
from networks.forms import RemoveUnusedForm as NetworkRemoveUnusedForm
from tests.conftest import BUSYBOX_IMAGE, random_name
from tests.networks.helpers import free_subnet, make_network
from volumes.forms import RemoveUnusedForm as VolumeRemoveUnusedForm
from volumes.forms import VolumeCreateForm

pytestmark = pytest.mark.django_db

REFUSED = None  # the field has an error, and the form is not valid

NETWORK_DRIVERS = [network_services.DriverChoice("bridge", True)]


def field_result(form, field: str):
    """The cleaned value of one field, or REFUSED when the form put an error on it."""
    valid = form.is_valid()
    if field in form.errors:
        assert not valid and all(form.errors[field]), "a refusal says why, on the field"
        return REFUSED
    assert valid, form.errors
    return form.cleaned_data[field]


def run_form(user, **fields) -> ContainerCreateForm:
    return ContainerCreateForm({"image": BUSYBOX_IMAGE, "action": "create", **fields}, user=user)


def network_form(**fields) -> NetworkCreateForm:
    return NetworkCreateForm(
        {"name": "inputs-net", "driver": "bridge", "macvlan_mode": "bridge", **fields}, drivers=NETWORK_DRIVERS
    )


def volume_form(**fields) -> VolumeCreateForm:
    return VolumeCreateForm({"name": "inputs-vol", "driver": "local", **fields}, drivers=["local"])


# ---------------------------------------------------------------- key=value lines

KEY_VALUE_CASES = [
    ("a=1\na= 2 ", {"a": " 2 "}),  # the example: the later value wins, kept as typed
    ("a=1\na=1", {"a": "1"}),
    ("bare", {"bare": ""}),
    ("empty=", {"empty": ""}),
    ("a=b=c", {"a": "b=c"}),
    ("  indented=1", {"indented": "1"}),  # blanks before a key go, as in a --label-file
    ("x=1\r\n\r\ny=2\r\n", {"x": "1", "y": "2"}),  # a browser's line breaks; blank lines skipped
    ("com.example.team=web", {"com.example.team": "web"}),
    ("", {}),
    ("=1", REFUSED),
    ("a b=1", REFUSED),
    ("a =1", REFUSED),
    ("\t=x", REFUSED),
]
LOG_OPTION_CASES = [
    (text, REFUSED if text == "bare" else expected) for text, expected in KEY_VALUE_CASES
]  # a bare log option makes a container that never starts


@pytest.mark.parametrize("text, expected", KEY_VALUE_CASES)
@pytest.mark.parametrize(
    "form, field",
    [("run", "labels"), ("network", "labels"), ("network", "options"), ("volume", "labels"), ("volume", "options")],
)
def test_every_form_reads_key_value_lines_as_the_cli(user, form, field, text, expected):
    make = {"run": lambda **f: run_form(user, **f), "network": network_form, "volume": volume_form}[form]
    assert field_result(make(**{field: text}), field) == expected


@pytest.mark.parametrize("text, expected", LOG_OPTION_CASES)
def test_the_run_form_reads_log_options_as_the_cli(user, text, expected):
    assert field_result(run_form(user, log_driver="json-file", log_options=text), "log_options") == expected


# ---------------------------------------------------------------- names

CONTAINER_NAME_CASES = [
    ("ab", "ab"),
    ("/ab", "ab"),
    ("A.b_c-9", "A.b_c-9"),
    ("x", REFUSED),  # Invalid container name (x)
    ("_ab", REFUSED),
    ("-ab", REFUSED),
    (".ab", REFUSED),
    ("a b", REFUSED),
    ("a/b", REFUSED),
    ("aé", REFUSED),
]


@pytest.mark.parametrize("text, expected", CONTAINER_NAME_CASES)
@pytest.mark.parametrize("form", ["run", "rename"])
def test_every_form_takes_container_names_as_the_engine(user, form, text, expected):
    if form == "run":
        result = field_result(run_form(user, name=text), "name")
    else:
        result = field_result(RenameForm({"name": text}), "name")
    assert result == expected


VOLUME_NAME_CASES = [
    ("ab", "ab"),
    ("A.b_c-9", "A.b_c-9"),
    ("x", REFUSED),  # volume name is too short
    ("_ab", REFUSED),
    ("-ab", REFUSED),
    ("aé", REFUSED),
]


@pytest.mark.parametrize("text, expected", VOLUME_NAME_CASES)
@pytest.mark.parametrize("form", ["run", "volume", "volume-remove"])
def test_every_form_takes_volume_names_as_the_engine(user, form, text, expected):
    if form == "run":
        volumes = field_result(run_form(user, volumes=f"{text}:/data"), "volumes")
        assert (volumes and volumes[0].source) == expected
    elif form == "volume":
        assert field_result(volume_form(name=text), "name") == expected
    else:
        names = field_result(VolumeRemoveUnusedForm({"names": [text], "confirm": "on"}), "names")
        assert names == (REFUSED if expected is REFUSED else [expected])


NETWORK_NAME_CASES = [
    ("x", "x"),
    ("ab", "ab"),
    ("A.b_c-9", "A.b_c-9"),
    ("_ab", REFUSED),
    ("-ab", REFUSED),
    ("a b", REFUSED),
    ("a/b", REFUSED),
    ("aé", REFUSED),
]


@pytest.mark.parametrize("text, expected", NETWORK_NAME_CASES)
@pytest.mark.parametrize("form", ["run", "network", "network-remove"])
def test_every_form_takes_network_names_alike(user, engine, docker_client, form, text, expected):
    if form == "run":
        if expected is not REFUSED:
            make_network(engine, docker_client, name=text)  # the engine allows two networks of one name
        assert field_result(run_form(user, network=text), "network") == expected
    elif form == "network":
        assert field_result(network_form(name=text), "name") == expected
    else:
        names = field_result(NetworkRemoveUnusedForm({"names": [text], "confirm": "on"}), "names")
        assert names == (REFUSED if expected is REFUSED else [expected])


# ---------------------------------------------------------------- network aliases

ALIAS_CASES = [
    ("x", ["x"]),  # the example: refused by the Run form, accepted by connect
    ("web", ["web"]),
    ("web api", ["web", "api"]),
    ("web,api", ["web", "api"]),
    ("web, api\ndb", ["web", "api", "db"]),
    ("web web", ["web"]),
    ("Db.local_1-a", ["Db.local_1-a"]),
    ("-x", REFUSED),
    ("_x", REFUSED),
    ("a/b", REFUSED),
    ("é", REFUSED),
    ("x" * 254, REFUSED),
]


@pytest.fixture
def user_network(engine, docker_client) -> dict:
    return make_network(engine, docker_client)


@pytest.mark.parametrize("text, expected", ALIAS_CASES)
@pytest.mark.parametrize("form", ["run", "connect"])
def test_every_form_takes_network_aliases_alike(user, engine, user_network, form, text, expected):
    if form == "run":
        result = field_result(run_form(user, network=user_network["Name"], network_aliases=text), "network_aliases")
        assert result == (REFUSED if expected is REFUSED else tuple(expected))
    else:
        container = engine.container(start=False)
        networks = [n for n in network_services.list_networks() if n.id == user_network["Id"]]
        data = {"network": user_network["Id"], "container": container["Id"], "aliases": text}
        form = ConnectForm(data, networks=networks, containers=[(container["Id"], container["Name"])])
        assert field_result(form, "aliases") == expected


def test_a_link_alias_follows_the_alias_rule(user, engine):
    target = engine.container(start=False)
    name = target["Name"].lstrip("/")
    assert field_result(run_form(user, links=f"{name}:x"), "links") == ((name, "x"),)
    assert field_result(run_form(user, links=f"{name}:-x"), "links") is REFUSED


def test_a_refused_label_changes_nothing(logged_in, docker_client):
    """Bad input keeps its message on the field, and nothing is made."""
    name = random_name("inputs")
    response = logged_in.post(
        "/networks/new/", {"name": name, "driver": "bridge", "macvlan_mode": "bridge", "labels": "a b=1"}
    )
    assert response.status_code == 200
    assert "a b" in response.context["form"].errors["labels"][0]
    assert not docker_client.api.networks(names=[name])


# ---------------------------------------------------------------- static IPv4 (--ip)

STATIC_IP_CASES = [  # in the network's subnet 10.X.Y.0/24; "{net}" is 10.X.Y
    ("{net}.9", "{net}.9"),
    ("{net}.0", REFUSED),  # the network's address: the engine creates, then fails the start
    ("{net}.255", REFUSED),  # its broadcast address: the same
    ("192.168.250.7", REFUSED),  # outside the subnet: the same
    ("::1", REFUSED),
    ("10.1.2", REFUSED),
    ("not an address", REFUSED),
]


@pytest.mark.parametrize("text, expected", STATIC_IP_CASES)
@pytest.mark.parametrize("form", ["run", "connect"])
def test_every_form_takes_a_static_ip_alike(user, engine, docker_client, form, text, expected):
    subnet, _gateway = free_subnet()
    network = make_network(engine, docker_client, ipam={"Config": [{"Subnet": subnet}]})
    prefix = subnet.rsplit(".", 1)[0]
    text, expected = text.format(net=prefix), expected and expected.format(net=prefix)
    if form == "run":
        assert field_result(run_form(user, network=network["Name"], ipv4_address=text), "ipv4_address") == expected
    else:
        container = engine.container(start=False)
        networks = [n for n in network_services.list_networks() if n.id == network["Id"]]
        data = {"network": network["Id"], "container": container["Id"], "ipv4": text}
        form = ConnectForm(data, networks=networks, containers=[(container["Id"], container["Name"])])
        assert field_result(form, "ipv4") == expected


# ---------------------------------------------------------------- image references

DIGEST = "@sha256:" + "a" * 64
IMAGE_REFERENCE_CASES = [
    ("busybox", True),
    ("busybox:1.36", True),
    ("127.0.0.1:5000/team/app:v2", True),
    ("a" * 200 + ":" + "t" * 100, True),  # `docker tag` takes it: the 255 limit is the name's alone
    ("a" * 256, False),  # repository name must not be more than 255 characters
    ("Busybox", False),
    ("busybox:", False),
    ("has space", False),
    ("busybox" + DIGEST, True),  # but no tag may be a digest: "refusing to create a tag with a digest"
]


@pytest.mark.parametrize("text, accepted", IMAGE_REFERENCE_CASES)
@pytest.mark.parametrize("form", ["run", "pull", "tag"])
def test_every_form_takes_image_references_as_the_cli(user, form, text, accepted):
    if form == "run":
        result = field_result(run_form(user, image=text), "image")
    elif form == "pull":
        result = field_result(PullForm({"reference": text}), "reference")
    else:
        result = field_result(TagForm({"target": text}), "target")
        accepted = accepted and DIGEST not in text
    assert (result is not REFUSED) == accepted


# ---------------------------------------------------------------- the parsers themselves

keys = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Cc", "Zl", "Zp"), blacklist_characters="=\x85"),
    min_size=1,
    max_size=20,
)
values = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=20)


@given(st.dictionaries(keys, values, max_size=6))
def test_it_round_trips_key_value_lines_values_as_typed(pairs):
    text = "\n".join(f"{key}={value}" for key, value in pairs.items())
    assert inputs.parse_key_values(text, "Label") == pairs


@given(keys, values, values)
def test_the_later_of_a_key_given_twice_wins(key, first, second):
    assert inputs.parse_key_values(f"{key}={first}\n{key}={second}", "Label") == {key: second}


@given(st.lists(st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,20}", fullmatch=True), max_size=5))
def test_it_splits_aliases_on_commas_spaces_and_lines(aliases):
    for separator in (", ", " ", "\n", ","):
        assert inputs.parse_aliases(separator.join(aliases)) == list(dict.fromkeys(aliases))
