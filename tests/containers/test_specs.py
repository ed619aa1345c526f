"""The Run/Create form's spec parsers: pure functions, property-tested (no engine needed)."""

import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from containers import specs
from containers.specs import ContainerSpec, PortSpec, VolumeSpec

FAST = settings(max_examples=150, deadline=None)

PARSERS = [
    specs.parse_port,
    specs.parse_ports,
    specs.parse_env,
    specs.parse_volume,
    specs.parse_volumes_from,
    specs.parse_link,
    specs.parse_add_host,
    specs.parse_labels,
    specs.parse_log_options,
    specs.parse_memory,
    specs.parse_cpus,
    specs.parse_command,
    specs.parse_network,
    specs.parse_image_reference,
    specs.parse_ip_address,
    specs.parse_alias,
    specs.parse_capability,
    specs.parse_device,
    specs.parse_devices,
    specs.parse_pid_mode,
]

names = st.from_regex(specs.NAME_PATTERN, fullmatch=True).filter(lambda n: len(n) <= 60)
ports = st.integers(min_value=1, max_value=65535)
protocols = st.sampled_from(specs.PROTOCOLS)
ipv4 = st.ip_addresses(v=4).map(str)
ips = st.ip_addresses().map(str)
abs_paths = st.lists(st.from_regex(r"[a-zA-Z0-9_.-]{1,12}", fullmatch=True), min_size=1, max_size=4).map(
    lambda parts: "/" + "/".join(parts)
)


# ---------------------------------------------------------------- never crash


@pytest.mark.parametrize("parse", PARSERS, ids=lambda p: p.__name__)
@FAST
@given(text=st.text(max_size=80))
def test_it_never_crashes_on_arbitrary_text(parse, text):
    """Anything a user types either parses or raises ValueError with a message: nothing else."""
    try:
        parse(text)
    except ValueError as e:
        assert str(e)


# ---------------------------------------------------------------- ports


@FAST
@given(
    container=ports,
    protocol=protocols,
    host_ip=st.one_of(st.just(""), ips),
    host_port=st.one_of(st.just(""), ports.map(str)),
)
def test_it_round_trips_a_port_spec(container, protocol, host_ip, host_port):
    port = PortSpec(container, protocol, host_ip, host_port)
    assert specs.parse_port(port.text) == [port]


@FAST
@given(start=st.integers(1, 60000), length=st.integers(1, 20), host_start=st.integers(1, 60000))
def test_it_expands_equal_port_ranges_pairwise(start, length, host_start):
    parsed = specs.parse_port(f"{host_start}-{host_start + length - 1}:{start}-{start + length - 1}")
    assert [(p.container_port, p.host_port) for p in parsed] == [
        (start + i, str(host_start + i)) for i in range(length)
    ]


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("80", [PortSpec(80)]),
        ("8080:80", [PortSpec(80, host_port="8080")]),
        ("127.0.0.1:8080:80", [PortSpec(80, host_ip="127.0.0.1", host_port="8080")]),
        ("127.0.0.1::80", [PortSpec(80, host_ip="127.0.0.1")]),
        ("53:53/udp", [PortSpec(53, "udp", host_port="53")]),
        ("[::1]:8080:80/tcp", [PortSpec(80, host_ip="::1", host_port="8080")]),
        ("8000-8010:80", [PortSpec(80, host_port="8000-8010")]),
        ("90-91", [PortSpec(90), PortSpec(91)]),
    ],
)
def test_it_parses_the_docker_port_forms(spec, expected):
    assert specs.parse_port(spec) == expected


@pytest.mark.parametrize(
    "spec, message",
    [
        ("70000", "out of range"),
        ("8080:70000", "out of range"),
        ("0", "out of range"),
        ("abc:80", "not a number"),
        ("80/icmp", "protocol"),
        ("1.2.3:80:80", "not a valid host IP"),
        ("::1:80:80", "too many"),
        ("8000-8001:80-82", "same length"),
        ("90-80", "ends before"),
        ("1-5000", "too long"),
        ("8080:", "no container port"),
    ],
)
def test_it_rejects_bad_ports(spec, message):
    with pytest.raises(ValueError, match=message):
        specs.parse_port(spec)


def test_it_reads_ports_one_per_line_or_comma_separated():
    assert [p.text for p in specs.parse_ports("80, 8080:81\n\n53/udp")] == ["80/tcp", "8080:81/tcp", "53/udp"]


# ---------------------------------------------------------------- env

env_keys = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True)
env_values = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\x00\r\n\x85"),
    max_size=30,
)


@FAST
@given(pairs=st.lists(st.tuples(env_keys, env_values), max_size=8))
def test_it_round_trips_env_lines(pairs):
    lines = [f"{key}={value}" for key, value in pairs]
    assert specs.parse_env("\n".join(lines)) == lines


def test_it_reads_env_file_text_skipping_blanks_and_comments():
    text = "# database\nMYSQL_ROOT_PASSWORD=password\n\n  MYSQL_DATABASE=word=press\r\n#X=1\nEMPTY=\n"
    assert specs.parse_env(text) == ["MYSQL_ROOT_PASSWORD=password", "MYSQL_DATABASE=word=press", "EMPTY="]


@pytest.mark.parametrize(
    "text, message", [("A=1\nNOEQUALS", "Line 2.*no '='"), ("=x", "non-empty"), ("MY VAR=1", "no spaces")]
)
def test_it_rejects_bad_env_lines(text, message):
    with pytest.raises(ValueError, match=message):
        specs.parse_env(text)


# ---------------------------------------------------------------- volumes


@FAST
@given(
    source=st.one_of(abs_paths, names, st.just("")),
    target=abs_paths,
    mode=st.sampled_from(["", "ro", "rw"]),
)
def test_it_round_trips_a_volume_spec(source, target, mode):
    mode = mode if source else ""
    kind = "anonymous" if not source else ("bind" if source.startswith("/") else "volume")
    volume = VolumeSpec(kind, target, source, mode)
    assert specs.parse_volume(volume.text) == volume


@pytest.mark.parametrize(
    "spec, message",
    [
        ("./data:/data", "must be absolute"),
        ("data/sub:/data", "must be absolute"),
        ("~/data:/data", "must be absolute"),
        ("/data:relative", "must be absolute"),
        ("/data:ro", "must be absolute"),
        ("/a:/b:rx", "mode"),
        ("/a:/b:ro,rw", "mode"),
        ("/a:/", "cannot be /"),
        ("/a:/b:ro:x", "not a volume spec"),
        ("x:/b", "not a valid name"),
    ],
)
def test_it_rejects_bad_volumes(spec, message):
    with pytest.raises(ValueError, match=message):
        specs.parse_volume(spec)


@FAST
@given(name=names, mode=st.sampled_from(["", ":ro", ":rw"]))
def test_it_round_trips_volumes_from(name, mode):
    assert specs.parse_volumes_from(name + mode) == name + mode


# ---------------------------------------------------------------- links, hosts, labels, resources


@FAST
@given(name=names, alias=st.one_of(st.none(), names))
def test_it_round_trips_links(name, alias):
    assert specs.parse_link(f"{name}:{alias}" if alias else name) == (name, alias or name)


@FAST
@given(host=st.from_regex(r"[a-z0-9.-]{1,30}", fullmatch=True), ip=ips)
def test_it_round_trips_add_host(host, ip):
    assert specs.parse_add_host(f"{host}:{ip}") == f"{host}:{ip}"


@pytest.mark.parametrize("spec", ["nohost", ":1.2.3.4", "host:999.1.1.1", "a b:1.2.3.4"])
def test_it_rejects_bad_add_host(spec):
    with pytest.raises(ValueError):
        specs.parse_add_host(spec)


@FAST
@given(
    labels=st.dictionaries(
        st.from_regex(r"[a-z][a-z0-9.-]{0,20}", fullmatch=True), env_values.map(str.strip), max_size=6
    )
)
def test_it_round_trips_labels_and_log_options(labels):
    text = "\n".join(f"{k}={v}" for k, v in labels.items())
    assert specs.parse_labels(text) == labels
    assert specs.parse_log_options(text) == labels


def test_it_requires_a_value_for_log_options_only():
    assert specs.parse_labels("bare") == {"bare": ""}
    with pytest.raises(ValueError, match="key=value"):
        specs.parse_log_options("max-size")


@pytest.mark.parametrize(
    "text, size",
    [("512m", 512 * 2**20), ("1g", 2**30), ("1.5g", 3 * 2**29), ("7340032", 7340032), ("10MB", 10 * 2**20)],
)
def test_it_parses_memory_like_docker(text, size):
    assert specs.parse_memory(text) == size


@pytest.mark.parametrize("text", ["", "lots", "5m", "-1g", "1x"])
def test_it_rejects_bad_memory(text):
    with pytest.raises(ValueError):
        specs.parse_memory(text)


@FAST
@given(cpus=st.decimals(min_value="0.001", max_value="64", places=3))
def test_it_converts_cpus_to_nano_cpus_exactly(cpus):
    assert specs.parse_cpus(str(cpus)) == int(cpus * 1_000_000_000)


@pytest.mark.parametrize("text", ["0", "-1", "nan", "inf", "two", "1e9"])
def test_it_rejects_bad_cpus(text):
    with pytest.raises(ValueError):
        specs.parse_cpus(text)


@FAST
@given(words=st.lists(st.text(min_size=1, max_size=12).filter(lambda w: "\x00" not in w), max_size=6))
def test_it_round_trips_commands_with_shell_quoting(words):
    assert specs.parse_command(shlex.join(words)) == words


def test_it_explains_an_unbalanced_quote():
    with pytest.raises(ValueError, match="no closing quotation"):
        specs.parse_command("sh -c 'echo hi")


# ---------------------------------------------------------------- image references


@pytest.mark.parametrize(
    "reference",
    [
        "busybox",
        "busybox:1.36",
        "berth-test/busybox:latest",
        "127.0.0.1:5000/team/app:v1.2",
        "localhost/app",
        "registry.example.com/a/b/c@sha256:" + "a" * 64,
        "sha256:" + "0" * 64,
        "my_app__x/y.z-w",
    ],
)
def test_it_accepts_valid_image_references(reference):
    assert specs.parse_image_reference(reference) == reference


@pytest.mark.parametrize(
    "reference",
    ["", "Busybox", "UPPER/app", "busybox:", ":tag", "a//b", "app:tag:tag", "-app", "app@sha256:xyz", "has space"],
)
def test_it_rejects_invalid_image_references(reference):
    with pytest.raises(ValueError, match="not a valid image reference"):
        specs.parse_image_reference(reference)


# ---------------------------------------------------------------- a whole spec, both ways


def test_it_translates_a_spec_to_docker_py_arguments():
    spec = ContainerSpec(
        image="busybox",
        name="web",
        command=("httpd", "-f"),
        ports=(PortSpec(80), PortSpec(80, host_ip="127.0.0.1", host_port="8080"), PortSpec(53, "udp", host_port="53")),
        volumes=(VolumeSpec("bind", "/data", "/srv", "ro"), VolumeSpec("anonymous", "/cache")),
        links=(("db", "mysql"),),
        network="mynet",
        network_aliases=("web",),
        restart_policy="on-failure",
        restart_max_retries=3,
        log_options={"max-size": "10k"},
        init=True,
    )
    arguments = specs.create_arguments(spec, detach=True)
    assert arguments.container["ports"] == [(80, "tcp"), (53, "udp")]
    assert arguments.container["volumes"] == ["/cache"]
    assert arguments.container["detach"] is True
    assert arguments.host_config["port_bindings"] == {
        "80/tcp": [{"HostIp": "", "HostPort": ""}, {"HostIp": "127.0.0.1", "HostPort": "8080"}],
        "53/udp": [{"HostIp": "", "HostPort": "53"}],
    }
    assert arguments.host_config["binds"] == ["/srv:/data:ro"]
    assert arguments.host_config["links"] == [("db", "mysql")]
    assert arguments.host_config["restart_policy"] == {"Name": "on-failure", "MaximumRetryCount": 3}
    assert arguments.host_config["log_config"] == {"Type": "", "Config": {"max-size": "10k"}}
    assert arguments.host_config["init"] is True
    assert (arguments.network, arguments.endpoint) == ("mynet", {"aliases": ["web"], "ipv4_address": None})


def test_it_reads_form_data_back_from_an_inspect_document():
    data = {
        "Id": "abcdef0123456789",
        "Name": "/web",
        "Config": {
            "Image": "busybox",
            "Cmd": ["sh", "-c", "echo hi"],
            "Entrypoint": None,
            "Env": ["A=1"],
            "Hostname": "abcdef012345",
            "OpenStdin": True,
            "Tty": True,
            "Volumes": {"/cache": {}, "/data": {}},
            "Labels": {"berth.test": "1"},
        },
        "HostConfig": {
            "PortBindings": {
                "80/tcp": [{"HostIp": "", "HostPort": ""}],
                "53/udp": [{"HostIp": "127.0.0.1", "HostPort": "53"}],
            },
            "Binds": ["/srv:/data:ro"],
            "Links": ["/db:/web/mysql"],
            "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3},
            "NetworkMode": "default",
            "LogConfig": {"Type": "json-file", "Config": {"max-size": "10k"}},
            "Memory": 512 * 2**20,
            "NanoCpus": 1_500_000_000,
        },
    }
    initial = specs.spec_from_inspect(data)
    assert initial["command"] == "sh -c 'echo hi'"
    assert initial["ports"] == "127.0.0.1:53:53/udp\n80/tcp"
    assert initial["volumes"] == "/srv:/data:ro\n/cache"
    assert initial["links"] == "db:mysql"
    assert (initial["network"], initial["hostname"]) == ("", "")
    assert (initial["memory"], initial["cpus"]) == ("512m", "1.5")
    assert (initial["restart_policy"], initial["restart_max_retries"]) == ("on-failure", 3)
    assert initial["log_options"] == "max-size=10k"


# ---------------------------------------------------------------- privileges and devices


@pytest.mark.parametrize(
    "name", ["NET_ADMIN", "CAP_NET_ADMIN", "net_admin", "cap_sys_time", "ALL", "all", " SYS_PTRACE "]
)
def test_it_accepts_capability_names_as_typed(name):
    assert specs.parse_capability(name) == name.strip()


@pytest.mark.parametrize("name", ["FLY", "CAP_", "NET ADMIN", "CAP_ALL", "ALLL", ""])
def test_it_refuses_unknown_capabilities(name):
    with pytest.raises(ValueError, match="not a Linux capability"):
        specs.parse_capability(name)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("/dev/fuse", ("/dev/fuse", "/dev/fuse", "rwm")),
        ("/dev/zero:/dev/z", ("/dev/zero", "/dev/z", "rwm")),
        ("/dev/full:rw", ("/dev/full", "/dev/full", "rw")),
        ("/dev/snd:/dev/audio:r", ("/dev/snd", "/dev/audio", "r")),
        ("/dev/urandom:/dev/u/", ("/dev/urandom", "/dev/u", "rwm")),  # the CLI cleans the container path
        ("/dev//null", ("/dev/null", "/dev/null", "rwm")),
    ],
)
def test_it_parses_devices_like_the_cli(text, expected):
    device = specs.parse_device(text)
    assert (device.path_on_host, device.path_in_container, device.permissions) == expected
    assert specs.parse_device(device.text) == device


@pytest.mark.parametrize(
    "text", ["dev/null", "/dev/null:dev/n", "/dev/a:/dev/b:rwx", "/dev/a:/dev/b:rr", "/a:/b:r:w", "/dev/a:"]
)
def test_it_refuses_bad_devices(text):
    with pytest.raises(ValueError):
        specs.parse_device(text)


def test_it_sends_privileges_and_devices_to_the_engine():
    spec = ContainerSpec(
        image="busybox",
        privileged=True,
        cap_add=("NET_ADMIN",),
        cap_drop=("CHOWN",),
        devices=(specs.parse_device("/dev/zero:/dev/z:r"),),
        pid_mode="host",
    )
    host = specs.create_arguments(spec, detach=False).host_config
    assert (host["privileged"], host["cap_add"], host["cap_drop"], host["pid_mode"]) == (
        True,
        ["NET_ADMIN"],
        ["CHOWN"],
        "host",
    )
    assert host["devices"] == [{"PathOnHost": "/dev/zero", "PathInContainer": "/dev/z", "CgroupPermissions": "r"}]
