"""A pasted `docker run` / `docker create` line, read into the Run/Create form's fields.

Only the words are read here: the command line is cut into tokens (shlex, posix, after
`\\`-newline continuations are joined and `sudo` is dropped) and each flag's value is put, as
typed, into the text of its form field. The form's own parsers (containers/run_flags.py,
privilege_flags.py, dashboard/inputs.py) then read those fields exactly as if they had been
typed: there is no second parser of ports, env or labels here. Flags the form has no field
for are listed by name, never dropped silently.

The flag table follows the docker CLI 20.10's `docker run --help` (names, short forms, and
whether a flag takes a value), with its hidden aliases `--net` and `--net-alias`.
"""

import re
import shlex
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# {flag: form field}; a field of the same name gets one line per flag given (lists), or the last value.
VALUE_FLAGS = {
    "--name": "name",
    "--publish": "ports",
    "--env": "env",
    "--entrypoint": "entrypoint",
    "--workdir": "workdir",
    "--user": "user",
    "--volume": "volumes",
    "--volumes-from": "volumes_from",
    "--network": "network",
    "--network-alias": "network_aliases",
    "--ip": "ipv4_address",
    "--link": "links",
    "--hostname": "hostname",
    "--add-host": "add_host",
    "--dns": "dns",
    "--restart": "restart_policy",
    "--memory": "memory",
    "--cpus": "cpus",
    "--log-driver": "log_driver",
    "--log-opt": "log_options",
    "--label": "labels",
    "--cap-add": "cap_add",
    "--cap-drop": "cap_drop",
    "--device": "devices",
    "--pid": "pid",
}
LIST_FIELDS = {
    "ports",
    "env",
    "volumes",
    "volumes_from",
    "network_aliases",
    "links",
    "add_host",
    "dns",
    "log_options",
    "labels",
    "cap_add",
    "cap_drop",
    "devices",
}
BOOLEAN_FLAGS = {
    "--interactive": "interactive",
    "--tty": "tty",
    "--detach": "detach",
    "--rm": "auto_remove",
    "--publish-all": "publish_all",
    "--init": "init",
    "--privileged": "privileged",
}
ALIASES = {"--net": "--network", "--net-alias": "--network-alias"}
SHORT = {
    "a": "--attach",
    "c": "--cpu-shares",
    "d": "--detach",
    "e": "--env",
    "h": "--hostname",
    "i": "--interactive",
    "l": "--label",
    "m": "--memory",
    "p": "--publish",
    "P": "--publish-all",
    "t": "--tty",
    "u": "--user",
    "v": "--volume",
    "w": "--workdir",
}
# Flags of `docker run` the form has no field for: listed, their values skipped.
UNSUPPORTED_BOOLEAN = {
    "--disable-content-trust",
    "--help",
    "--no-healthcheck",
    "--oom-kill-disable",
    "--read-only",
    "--sig-proxy",
}
UNSUPPORTED_VALUE = set(
    [
        "--attach",
        "--blkio-weight",
        "--blkio-weight-device",
        "--cgroup-parent",
        "--cgroupns",
        "--cidfile",
        "--cpu-period",
        "--cpu-quota",
        "--cpu-rt-period",
        "--cpu-rt-runtime",
        "--cpu-shares",
        "--cpuset-cpus",
        "--cpuset-mems",
        "--detach-keys",
        "--device-cgroup-rule",
        "--device-read-bps",
        "--device-read-iops",
        "--device-write-bps",
        "--device-write-iops",
        "--dns-option",
        "--dns-search",
        "--domainname",
        "--env-file",
        "--expose",
        "--gpus",
        "--group-add",
        "--health-cmd",
        "--health-interval",
        "--health-retries",
        "--health-start-period",
        "--health-timeout",
        "--ip6",
        "--ipc",
        "--isolation",
        "--kernel-memory",
        "--label-file",
        "--link-local-ip",
        "--mac-address",
        "--memory-reservation",
        "--memory-swap",
        "--memory-swappiness",
        "--mount",
        "--oom-score-adj",
        "--pids-limit",
        "--platform",
        "--pull",
        "--runtime",
        "--security-opt",
        "--shm-size",
        "--stop-signal",
        "--stop-timeout",
        "--storage-opt",
        "--sysctl",
        "--tmpfs",
        "--ulimit",
        "--userns",
        "--uts",
        "--volume-driver",
        "--cpu-count",
        "--cpu-percent",
        "--io-maxbandwidth",
        "--io-maxiops",
        "--dns-opt",
    ]
)
VERBS = {"run": "run", "create": "create"}
# A shell would end the command here; only the first command is read.
COMMAND_ENDS = {";", "&&", "||", "|", "&"}
# The seed writes "..." for flags it leaves out (SCENARIOS.md 10 and 19).
ELISIONS = {"...", "…"}
_CONTINUATION = re.compile(r"\\\r?\n")
_TRUE, _FALSE = {"", "true", "1", "t", "yes"}, {"false", "0", "f", "no"}


@dataclass
class Pasted:
    """What a pasted command gives the form: its fields' text, and what it could not take."""

    data: dict[str, str] = field(default_factory=dict)
    action: str = "run"
    unsupported: list[str] = field(default_factory=list)  # flag names, each once, in order
    problems: list[str] = field(default_factory=list)  # sentences: why something was not read
    link: str = ""  # the Run form's address filled with this command, to share

    def put(self, name: str, value: str) -> None:
        if name in LIST_FIELDS and self.data.get(name):
            self.data[name] += "\n" + value
        else:
            self.data[name] = value

    def skip(self, flag: str) -> None:
        if flag not in self.unsupported:
            self.unsupported.append(flag)


def tokens(text: str) -> list[str]:
    """The words of a shell command line: quotes and escapes as a POSIX shell, `\\`-newline joins lines."""
    return shlex.split(_CONTINUATION.sub("", text or ""), comments=False, posix=True)


def _strip_prefix(words: list[str], pasted: Pasted) -> list[str] | None:
    """The words after `[sudo [options]] docker [container] run|create`, or None if it is not one.

    A line that starts with a flag is taken as flags only (a part of a command, e.g. `-v a:/b`).
    """
    if words and words[0] in ("$", "#"):  # a shell prompt copied along
        words = words[1:]
    if words and words[0] == "sudo":
        words = words[1:]
        while words and words[0].startswith("-"):
            words = words[2:] if words[0] in ("-u", "-g", "-h", "-p", "-C", "-U") else words[1:]
    if words and words[0].startswith("-"):
        return words
    if not words or words[0].rsplit("/", 1)[-1] != "docker":
        pasted.problems.append(_("This is not a docker run or docker create command."))
        return None
    words = words[1:]
    if words and words[0] == "container":
        words = words[1:]
    while words and words[0].startswith("-"):  # docker's global options (-H, --context...): not Berth's
        pasted.skip(words[0].split("=", 1)[0])
        words = words[1:] if "=" in words[0] or words[0] in ("-D", "--debug", "--tls", "--tlsverify") else words[2:]
    if not words or words[0] not in VERBS:
        verb = words[0] if words else ""
        pasted.problems.append(
            _("Berth's Run form takes docker run or docker create, not docker %(verb)s.") % {"verb": verb}
        )
        return None
    pasted.action = VERBS[words[0]]
    return words[1:]


def _boolean(flag: str, text: str, pasted: Pasted) -> bool:
    if text.lower() in _TRUE:
        return True
    if text.lower() not in _FALSE:
        pasted.problems.append(_("%(flag)s takes true or false, not %(value)r.") % {"flag": flag, "value": text})
    return False


def _apply(flag: str, value: str | None, pasted: Pasted) -> None:
    """One flag with its value (None: a boolean flag given bare)."""
    if flag in BOOLEAN_FLAGS:
        on = _boolean(flag, value or "", pasted)
        pasted.data.pop(BOOLEAN_FLAGS[flag], None)
        if on:
            pasted.data[BOOLEAN_FLAGS[flag]] = "on"
    elif flag == "--restart":
        policy, _colon, retries = value.partition(":")
        pasted.data["restart_policy"], pasted.data["restart_max_retries"] = policy, retries
    elif flag == "--entrypoint":
        # The CLI's --entrypoint is one word, spaces and all; the field splits shell-style.
        pasted.data["entrypoint"] = shlex.quote(value)
    elif flag in VALUE_FLAGS:
        if re.search(r"[\r\n]", value):
            pasted.problems.append(
                _("The value of %(flag)s has a line break, which its field cannot hold.") % {"flag": flag}
            )
        pasted.put(VALUE_FLAGS[flag], value)
    else:
        pasted.skip(flag)


def _takes_value(flag: str) -> bool:
    return flag in VALUE_FLAGS or flag in UNSUPPORTED_VALUE


def _known(flag: str) -> bool:
    return _takes_value(flag) or flag in BOOLEAN_FLAGS or flag in UNSUPPORTED_BOOLEAN


def _read_long(word: str, rest: list[str], pasted: Pasted) -> None:
    name, equals, value = word.partition("=")
    flag = ALIASES.get(name, name)
    if not _known(flag):
        pasted.skip(name)
        pasted.problems.append(_("%(flag)s is not a flag of docker run.") % {"flag": name})
        return
    if _takes_value(flag) and not equals:
        if not rest:
            pasted.problems.append(_("%(flag)s needs a value.") % {"flag": name})
            return
        value = rest.pop(0)
    _apply(flag, value if equals or _takes_value(flag) else None, pasted)


def _read_short(word: str, rest: list[str], pasted: Pasted) -> None:
    """`-it`, `-d`, `-p80`, `-p 80`, `-itp 80`, `-e=A=1`: as pflag reads a group of short flags."""
    letters = word[1:]
    while letters:
        letter, letters = letters[0], letters[1:]
        flag = SHORT.get(letter)
        if flag is None:
            pasted.skip(f"-{letter}")
            pasted.problems.append(_("-%(letter)s is not a flag of docker run.") % {"letter": letter})
            return
        if not _takes_value(flag):
            if letters.startswith("="):
                _apply(flag, letters[1:], pasted)
                return
            _apply(flag, None, pasted)
            continue
        if letters:
            value = letters[1:] if letters.startswith("=") else letters
        elif rest:
            value = rest.pop(0)
        else:
            pasted.problems.append(_("-%(letter)s needs a value.") % {"letter": letter})
            return
        _apply(flag, value, pasted)
        return


def read_command(text: str) -> Pasted:
    """The form's fields (as a browser would post them) for a pasted docker run/create line."""
    pasted = Pasted()
    try:
        words = tokens(text)
    except ValueError as e:  # "No closing quotation", "No escaped character"
        pasted.problems.append(_("Cannot split this command: %(error)s.") % {"error": str(e).lower()})
        return pasted
    for index, word in enumerate(words):
        if word in COMMAND_ENDS:
            pasted.problems.append(
                _("Only the first command is read: the line goes on after %(word)s.") % {"word": word}
            )
            words = words[:index]
            break
    rest = _strip_prefix(words, pasted)
    if rest is None:
        return pasted
    while rest:
        word = rest.pop(0)
        if word in ELISIONS:
            pasted.problems.append(_("%(word)s stands for flags left out of the command: skipped.") % {"word": word})
        elif word == "--":
            break
        elif word.startswith("--"):
            _read_long(word, rest, pasted)
        elif word.startswith("-") and word != "-":
            _read_short(word, rest, pasted)
        else:
            rest.insert(0, word)
            break
    _take_image_and_command(rest, pasted)
    return pasted


def _take_image_and_command(rest: list[str], pasted: Pasted) -> None:
    if rest:
        pasted.data["image"] = rest[0]
    if rest[1:]:
        pasted.data["command"] = shlex.join(rest[1:])
