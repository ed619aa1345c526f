"""Which containers are Berth's own: its container and the rest of its compose project.

Bulk actions and prune never touch them. Inside a container Berth finds its id, in order:
BERTH_CONTAINER_ID (set it when nothing below works, e.g. a remote engine); the engine's
per-container files bind-mounted into it (/etc/hostname, /etc/hosts, /etc/resolv.conf come
from `<data-root>/containers/<id>/`, which /proc/self/mountinfo names, whatever the hostname
and on cgroup v1 and v2 alike: v2's /proc/self/cgroup only says "0::/"); else the hostname,
which is the short id unless compose or `--hostname` set another.
"""

import os
import re
import socket

from containers.services import ContainerSummary

MOUNTINFO = "/proc/self/mountinfo"
# e.g. "... /var/lib/docker/containers/<64 hex>/hostname /etc/hostname rw,relatime ..."
_ENGINE_FILE = re.compile(r"/containers/([0-9a-f]{64})/(?:hostname|hosts|resolv\.conf)\s")


def id_from_mountinfo(text: str) -> str:
    """The container id in the mount table of a process inside an engine's container, or ""."""
    match = _ENGINE_FILE.search(text)
    return match.group(1) if match else ""


def own_container_id() -> str:
    """Berth's own container id (or a prefix of it, or its name); "" when not in a container."""
    if os.environ.get("BERTH_CONTAINER_ID"):
        return os.environ["BERTH_CONTAINER_ID"]
    try:
        with open(MOUNTINFO) as f:
            found = id_from_mountinfo(f.read())
    except OSError:
        found = ""
    if found:
        return found
    return socket.gethostname() if os.path.exists("/.dockerenv") else ""


def own_containers(containers: list[ContainerSummary]) -> list[ContainerSummary]:
    own_id = own_container_id()
    if not own_id:
        return []
    return [c for c in containers if c.id.startswith(own_id) or c.name == own_id]


def own_projects(containers: list[ContainerSummary]) -> set[str]:
    """The compose projects Berth's own container belongs to (its volumes and networks carry the label)."""
    return {c.compose_project for c in own_containers(containers) if c.compose_project}


def own_container_ids(containers: list[ContainerSummary]) -> set[str]:
    """Berth's own container and every container of its compose project."""
    own = own_containers(containers)
    projects = {c.compose_project for c in own if c.compose_project}
    return {c.id for c in own} | {c.id for c in containers if c.compose_project in projects}
