from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.masking import MASK, can_reveal, unmask_env
from accounts.restrictions import Restrictions, restrictions_for
from containers import services
from containers.create_checks import CreateChecks
from containers.specs import (
    RESTART_POLICIES,
    ContainerSpec,
    parse_add_host,
    parse_aliases,
    parse_capability,
    parse_command,
    parse_cpus,
    parse_devices,
    parse_env,
    parse_image_reference,
    parse_ip_address,
    parse_labels,
    parse_link,
    parse_log_options,
    parse_memory,
    parse_network,
    parse_pid_mode,
    parse_ports,
    parse_volumes,
    parse_volumes_from,
    split_items,
)
from dashboard import inputs
from dashboard.converters import is_name_or_id
from dashboard.engine import EngineNotFound

# ---------------------------------------------------------------- the Run/Create form


_parsed = inputs.cleaned  # a spec parser's result, its ValueError a message on the field


def _lines(rows: int = 2, placeholder: str = "") -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "placeholder": placeholder, "spellcheck": "false"})


def _text(placeholder: str = "", **attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"placeholder": placeholder, "spellcheck": "false", **attrs})


KNOWN_LOG_DRIVERS = ("json-file", "local", "none")


class ContainerCreateForm(CreateChecks, forms.Form):
    """`docker create` / `docker run` as a form; each clean_<field> returns what the spec wants."""

    ACTIONS = [("run", gettext_lazy("Run")), ("create", gettext_lazy("Create"))]

    action = forms.ChoiceField(choices=ACTIONS, required=False)
    replace = forms.CharField(required=False, widget=forms.HiddenInput)
    # The common case
    image = forms.CharField(
        label=gettext_lazy("Image"), max_length=512, widget=_text("busybox:latest", autofocus=True), help_text="IMAGE"
    )
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=128,
        required=False,
        widget=_text(gettext_lazy("random if empty")),
        help_text="--name",  # not UI: the CLI's flag
    )
    ports = forms.CharField(
        label=gettext_lazy("Ports"),
        required=False,
        widget=_lines(3, "8080:80\n80\n127.0.0.1:5353:53/udp"),
        help_text=gettext_lazy(
            "-p [ip:][hostPort:]containerPort[/udp], one per line or comma-separated; a container port alone gets a random host port"
        ),
    )
    publish_all = forms.BooleanField(required=False, label=gettext_lazy("Publish all exposed ports"), help_text="-P")
    env = forms.CharField(
        label=gettext_lazy("Env"),
        required=False,
        widget=_lines(3, "KEY=value"),
        help_text=gettext_lazy(
            "-e KEY=value, one per line; an env file's text may be pasted (blank lines and # comments are skipped)"
        ),
    )
    interactive = forms.BooleanField(
        required=False, label=gettext_lazy("Interactive"), help_text=gettext_lazy("-i: keep stdin open")
    )
    tty = forms.BooleanField(
        required=False, label=gettext_lazy("Terminal"), help_text=gettext_lazy("-t: allocate a TTY")
    )
    detach = forms.BooleanField(
        required=False,
        label=gettext_lazy("Detached"),
        help_text=gettext_lazy("-d: with -i/-t, Run starts it in the background instead of opening its terminal"),
    )
    auto_remove = forms.BooleanField(
        required=False,
        label=gettext_lazy("Remove when it exits"),
        help_text="--rm",  # not UI: the CLI's flag
    )
    # Command & entrypoint
    command = forms.CharField(
        label=gettext_lazy("Command"),
        required=False,
        widget=_text("sh -c 'echo \"$HOME\"'"),
        help_text=gettext_lazy("COMMAND [ARG...], shell-style quoting"),
    )
    entrypoint = forms.CharField(
        label=gettext_lazy("Entrypoint"),
        required=False,
        widget=_text(gettext_lazy("the image's")),
        help_text=gettext_lazy("--entrypoint, shell-style quoting"),
    )
    workdir = forms.CharField(
        required=False, max_length=4096, widget=_text("/"), label=gettext_lazy("Working directory"), help_text="-w"
    )
    user = forms.CharField(
        label=gettext_lazy("User"),
        required=False,
        max_length=256,
        widget=_text(gettext_lazy("uid[:gid] or name")),
        help_text="-u",
    )
    init = forms.BooleanField(
        required=False,
        label=gettext_lazy("Run an init process"),
        help_text=gettext_lazy("--init: reaps zombies, forwards signals"),
    )
    # Volumes
    volumes = forms.CharField(
        label=gettext_lazy("Volumes"),
        required=False,
        widget=_lines(2, "/srv/data:/data:ro\nmyvolume:/root\n/cache"),
        help_text=gettext_lazy("-v /host/path:/container/path[:ro], name:/path or /path (anonymous), one per line"),
    )
    volumes_from = forms.CharField(
        required=False,
        widget=_text("other[:ro]"),
        label=gettext_lazy("Volumes from"),
        help_text=gettext_lazy("--volumes-from container[:ro|rw], comma-separated"),
    )
    # Network
    network = forms.CharField(
        label=gettext_lazy("Network"),
        required=False,
        max_length=256,
        widget=_text("bridge", list="network-names"),
        help_text=gettext_lazy("--network bridge, host, none, container:NAME or a network's name"),
    )
    network_aliases = forms.CharField(
        required=False,
        widget=_text("web, api"),
        label=gettext_lazy("Network aliases"),
        help_text=gettext_lazy("--network-alias, separated by commas or spaces (user-defined networks)"),
    )
    ipv4_address = forms.CharField(
        required=False,
        max_length=15,
        label=gettext_lazy("Static IPv4 address"),
        widget=_text("172.72.0.10"),
        help_text=gettext_lazy("--ip (user-defined networks)"),
    )
    links = forms.CharField(
        label=gettext_lazy("Links"),
        required=False,
        widget=_text("db:mysql"),
        help_text=gettext_lazy("--link container[:alias], comma-separated"),
    )
    hostname = forms.CharField(
        label=gettext_lazy("Hostname"),
        required=False,
        max_length=253,
        widget=_text(gettext_lazy("the short id")),
        help_text="-h",
    )
    add_host = forms.CharField(
        required=False,
        widget=_text("db.local:10.0.0.5"),
        label=gettext_lazy("Extra hosts"),
        help_text=gettext_lazy("--add-host host:ip, comma-separated"),
    )
    dns = forms.CharField(
        required=False,
        widget=_text("1.1.1.1"),
        label=gettext_lazy("DNS servers"),
        help_text=gettext_lazy("--dns, comma-separated"),
    )
    # Restart & resources
    restart_policy = forms.ChoiceField(
        choices=[(p, p) for p in RESTART_POLICIES],
        initial="no",
        required=False,
        label=gettext_lazy("Restart policy"),
        help_text="--restart",  # not UI: the CLI's flag
    )
    restart_max_retries = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=1000,
        label=gettext_lazy("Max retries"),
        help_text="--restart on-failure:N",  # not UI: the CLI's flag
    )
    memory = forms.CharField(
        required=False,
        max_length=32,
        widget=_text("512m"),
        label=gettext_lazy("Memory limit"),
        help_text=gettext_lazy("-m, e.g. 512m or 1g"),
    )
    cpus = forms.CharField(
        required=False,
        max_length=32,
        widget=_text("1.5"),
        label=gettext_lazy("CPUs"),
        help_text="--cpus",  # not UI: the CLI's flag
    )
    # Logging
    log_driver = forms.CharField(
        required=False,
        max_length=64,
        widget=_text("json-file", list="log-drivers"),
        label=gettext_lazy("Log driver"),
        help_text=gettext_lazy("--log-driver json-file, local or none; others may not start on this host"),
    )
    log_options = forms.CharField(
        required=False,
        strip=False,  # `--log-opt k=v ` keeps the space, as every key=value field (dashboard/inputs.py)
        widget=_lines(2, "max-size=10m\nmax-file=3"),
        label=gettext_lazy("Log options"),
        help_text=gettext_lazy("--log-opt key=value, one per line"),
    )
    # Labels & other
    labels = forms.CharField(
        label=gettext_lazy("Labels"),
        required=False,
        strip=False,  # `-l a= 2 ` keeps " 2 ", as the CLI does
        widget=_lines(2, "com.example.team=web"),
        help_text=gettext_lazy("-l key=value, one per line"),
    )
    # Privileges & devices: each of these hands out root on the host (admins may limit Operators)
    privileged = forms.BooleanField(
        required=False,
        label=gettext_lazy("Privileged"),
        help_text=gettext_lazy("--privileged: every capability and every host device"),
    )
    cap_add = forms.CharField(
        required=False,
        widget=_lines(2, "NET_ADMIN"),
        label=gettext_lazy("Add capabilities"),
        help_text=gettext_lazy("--cap-add NET_ADMIN, CAP_SYS_TIME or ALL, one per line or comma-separated"),
    )
    cap_drop = forms.CharField(
        required=False,
        widget=_lines(2, "CHOWN"),
        label=gettext_lazy("Drop capabilities"),
        help_text=gettext_lazy("--cap-drop, one per line or comma-separated"),
    )
    devices = forms.CharField(
        required=False,
        widget=_lines(2, "/dev/fuse\n/dev/snd:/dev/audio:rw"),
        label=gettext_lazy("Devices"),
        help_text=gettext_lazy("--device /dev/host[:/dev/container][:rwm], one per line or comma-separated"),
    )
    pid = forms.ChoiceField(
        choices=[("", gettext_lazy("its own")), ("host", "host")],
        required=False,
        label=gettext_lazy("PID namespace"),
        help_text=gettext_lazy("--pid host: see and signal every process of the host"),
    )

    # The folded-away parts of the page, in order: (title, fields).
    ADVANCED_SECTIONS = [
        (gettext_lazy("Command & entrypoint"), ["command", "entrypoint", "workdir", "user", "init"]),
        (gettext_lazy("Volumes"), ["volumes", "volumes_from"]),
        (
            gettext_lazy("Network"),
            ["network", "network_aliases", "ipv4_address", "links", "hostname", "add_host", "dns"],
        ),
        (gettext_lazy("Restart & resources"), ["restart_policy", "restart_max_retries", "memory", "cpus"]),
        (gettext_lazy("Logging"), ["log_driver", "log_options"]),
        (gettext_lazy("Labels & other"), ["labels"]),
        (gettext_lazy("Privileges & devices"), ["privileged", "cap_add", "cap_drop", "devices", "pid"]),
    ]
    CHECKBOXES = ["interactive", "tty", "detach", "auto_remove", "publish_all"]
    # Fields a restriction forbids outright (the others, volumes and network, only some values of).
    RESTRICTED_FIELDS = {
        "privileged": "privileged",
        "cap_add": "capabilities",
        "devices": "devices",
        "pid": "host_pid",
        "volumes_from": "volumes_from",
    }
    NOT_ALLOWED = gettext_lazy("Not allowed for your role; an admin can allow it in Settings.")

    def __init__(self, *args, user=None, source_env: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Duplicate/Edit: the source container's environment, for the placeholders of its masked values.
        self.source_env = source_env if source_env is not None and can_reveal(user) else None
        if self.source_env is not None:
            self.fields["env"].help_text += _("; %(mask)s keeps the source container's value of that variable") % {
                "mask": MASK
            }
        self.networks = services.network_names()
        self.warnings: list[str] = []
        self.replacing = None  # the ContainerDetail a "replace" submission recreates
        self.restrictions: Restrictions = restrictions_for(user)
        self.restriction_errors: dict[str, str] = {}  # {field: message} refused by the settings
        self._disable_forbidden_fields()

    def _disable_forbidden_fields(self) -> None:
        """Greyed out, with the reason, for an Operator; the server refuses them anyway.

        Not Django's `disabled`, which would silently drop a posted value instead of refusing it;
        and a field that already has a value (Duplicate/Edit) stays usable, so that its refusal
        shows instead of the value quietly disappearing.
        """
        values = self.data if self.is_bound else self.initial
        for name, restriction in self.RESTRICTED_FIELDS.items():
            field = self.fields[name]
            if getattr(self.restrictions, restriction) and values.get(name) in (None, "", False):
                field.widget.attrs["disabled"] = True
                field.restricted = self.NOT_ALLOWED

    @property
    def restriction_notes(self) -> list[str]:
        """What this user may not put in a container, for a note on the form."""
        return self.restrictions.forbidden

    def sections(self) -> list[tuple[str, list, bool]]:
        """Each advanced section's bound fields, open when one of them has an error or a value."""

        def in_use(field) -> bool:
            return bool(field.errors) or field.value() not in (None, "", False, "no")

        return [
            (title, [self[name] for name in names], any(in_use(self[name]) for name in names))
            for title, names in self.ADVANCED_SECTIONS
        ]

    def checkboxes(self) -> list:
        return [self[name] for name in self.CHECKBOXES]

    # ------------------------------------------------------------ one field at a time

    def clean_action(self) -> str:
        # Enter in a text box submits without a button: that is Run, the first button.
        return self.cleaned_data["action"] or "run"

    def clean_replace(self) -> str:
        container_id = self.cleaned_data["replace"].strip()
        if container_id and not is_name_or_id(container_id):  # "." would reach the engine as a path segment
            raise forms.ValidationError(
                _("The container to replace, %(id)s, is not a container's name or id.") % {"id": container_id}
            )
        if container_id:
            try:
                self.replacing = services.get_container(container_id)
            except EngineNotFound:
                raise forms.ValidationError(
                    _("The container to replace, %(id)s, no longer exists.") % {"id": container_id}
                ) from None
        return container_id

    def clean_restart_policy(self) -> str:
        return self.cleaned_data["restart_policy"] or "no"

    def clean_image(self) -> str:
        return _parsed(parse_image_reference, self.cleaned_data["image"])

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        return _parsed(inputs.container_name, name) if name else name

    def clean_ports(self) -> tuple:
        return tuple(_parsed(parse_ports, self.cleaned_data["ports"]))

    def clean_env(self) -> tuple:
        return tuple(_parsed(lambda text: unmask_env(parse_env(text), self.source_env), self.cleaned_data["env"]))

    def clean_command(self) -> tuple:
        return tuple(_parsed(parse_command, self.cleaned_data["command"]))

    def clean_entrypoint(self) -> tuple:
        return tuple(_parsed(parse_command, self.cleaned_data["entrypoint"]))

    def clean_volumes(self) -> tuple:
        return tuple(_parsed(parse_volumes, self.cleaned_data["volumes"]))

    def clean_volumes_from(self) -> tuple:
        return self._each(parse_volumes_from, "volumes_from")

    def clean_links(self) -> tuple:
        return self._each(parse_link, "links")

    def clean_add_host(self) -> tuple:
        return self._each(parse_add_host, "add_host")

    def clean_dns(self) -> tuple:
        return self._each(parse_ip_address, "dns")

    def clean_network_aliases(self) -> tuple:
        return tuple(_parsed(parse_aliases, self.cleaned_data["network_aliases"]))

    def clean_ipv4_address(self) -> str:
        text = self.cleaned_data["ipv4_address"]
        return str(_parsed(inputs.ip_address, text, version=4)) if text else text

    def clean_network(self) -> str:
        return _parsed(parse_network, self.cleaned_data["network"])

    def clean_labels(self) -> dict:
        return _parsed(parse_labels, self.cleaned_data["labels"])

    def clean_log_options(self) -> dict:
        return _parsed(parse_log_options, self.cleaned_data["log_options"])

    def clean_log_driver(self) -> str:
        driver = self.cleaned_data["log_driver"].strip()
        if driver and driver not in KNOWN_LOG_DRIVERS:
            self.warnings.append(
                _("The log driver %(driver)s may not start on this host (json-file, local and none always do).")
                % {"driver": repr(driver)}
            )
        return driver

    def clean_memory(self) -> int:
        return _parsed(parse_memory, self.cleaned_data["memory"]) if self.cleaned_data["memory"].strip() else 0

    def clean_cpus(self) -> int:
        return _parsed(parse_cpus, self.cleaned_data["cpus"]) if self.cleaned_data["cpus"].strip() else 0

    def clean_cap_add(self) -> tuple:
        return self._each(parse_capability, "cap_add")

    def clean_cap_drop(self) -> tuple:
        return self._each(parse_capability, "cap_drop")

    def clean_devices(self) -> tuple:
        return tuple(_parsed(parse_devices, self.cleaned_data["devices"]))

    def clean_pid(self) -> str:
        return _parsed(parse_pid_mode, self.cleaned_data["pid"] or "")

    def _each(self, parse, field_name: str) -> tuple:
        return tuple(_parsed(parse, item) for item in split_items(self.cleaned_data[field_name]))

    # ------------------------------------------------------------ across fields, against the engine

    def clean(self) -> dict:
        data = super().clean()
        self._check_name_free(data)
        self._check_network(data)
        self._check_targets_exist(data)
        self._check_restart(data)
        self._check_restrictions(data)
        return data

    # ------------------------------------------------------------ the result

    def spec(self) -> ContainerSpec:
        data = self.cleaned_data
        return ContainerSpec(
            image=data["image"],
            name=data["name"],
            command=data["command"],
            entrypoint=data["entrypoint"],
            interactive=data["interactive"],
            tty=data["tty"],
            detach=data["detach"],
            auto_remove=data["auto_remove"],
            env=data["env"],
            ports=data["ports"],
            publish_all=data["publish_all"],
            links=data["links"],
            restart_policy=data["restart_policy"],
            restart_max_retries=data["restart_max_retries"] or 0,
            volumes=data["volumes"],
            volumes_from=data["volumes_from"],
            network=data["network"],
            network_aliases=data["network_aliases"],
            ipv4_address=data["ipv4_address"] or "",
            extra_hosts=data["add_host"],
            dns=data["dns"],
            hostname=data["hostname"].strip(),
            workdir=data["workdir"].strip(),
            user=data["user"].strip(),
            init=data["init"],
            labels=data["labels"],
            log_driver=data["log_driver"],
            log_options=data["log_options"],
            memory=data["memory"],
            nano_cpus=data["cpus"],
            privileged=data["privileged"],
            cap_add=data["cap_add"],
            cap_drop=data["cap_drop"],
            devices=data["devices"],
            pid_mode=data["pid"],
        )
