"""Which container holds a host port the engine refused as "already allocated".

The engine's refusal of a start (`Bind for 127.0.0.1:8080 failed: port is already allocated`)
names the address but not who has it; the running containers' published ports do, from one
list call, made only when that refusal happened.
"""

import re
from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from containers import services
from dashboard.engine import EngineError

# The engine's own words, matched: never translated.
_ALLOCATED = re.compile(
    r"Bind for (?P<ip>\S*):(?P<port>\d+) failed: port is already allocated"  # not UI: the engine's
)
_ANY_ADDRESS = ("", "0.0.0.0", "::")


@dataclass(frozen=True)
class PortHolder:
    port: int
    container_id: str
    name: str


def _same_address(published: str, refused: str) -> bool:
    # A binding on every address meets one on a single address of the same port.
    return published == refused or published in _ANY_ADDRESS or refused in _ANY_ADDRESS


def port_holder(engine_message: str, exclude_id: str = "") -> PortHolder | None:
    """The running container publishing the port the message names, or None (another message,
    or no container has it: a process outside Docker, or it was freed since)."""
    match = _ALLOCATED.search(engine_message)
    if not match:
        return None
    port, ip = int(match["port"]), match["ip"].strip("[]")
    try:
        running = services.list_raw_containers(all=False)
    except EngineError:
        return None  # the refusal itself is still shown
    for raw in running:
        if raw["Id"] != exclude_id and any(
            p.get("PublicPort") == port and _same_address(p.get("IP", ""), ip) for p in raw.get("Ports") or []
        ):
            return PortHolder(port, raw["Id"], services.container_name(raw))
    return None


def explained(engine_message: str, exclude_id: str = "") -> str:
    """The engine's message, followed by who holds the port when that is why it refused (HTML-safe)."""
    holder = port_holder(engine_message, exclude_id)
    if holder is None:
        return engine_message
    held = format_html(
        _('Port {port} is already used by <a href="{url}">{name}</a>.'),
        port=holder.port,
        url=reverse("containers:detail", args=[holder.container_id]),
        name=holder.name,
    )
    # The engine's sentence ends without a full stop: give it one before ours.
    return format_html("{}{} {}", engine_message, "" if engine_message.endswith(".") else ".", held)
