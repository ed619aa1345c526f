"""A second Docker engine of the test's own, for fault tests that stop an engine (never the main one).

Started as DESIGN.md "More engines on one machine" says: its own bridge (made first, deleted at
the end), data-root, exec-root, pidfile, socket and containerd namespace under a temporary
directory, and no iptables. `--live-restore` keeps its containers running under their shims
while it is down, as a production engine usually is set up; without it a restarted engine
kills them. It is stopped by its own pid only.

The bridge's name and subnet start with BERTH_EXTRA_BRIDGE ("br-h5") and BERTH_EXTRA_SUBNET
("172.31.45"): every engine on a machine needs its own.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import docker
import docker.errors

from tests.conftest import TEST_LABEL, random_name
from tests.images import BUSYBOX_IMAGE

# One engine per pytest-xdist worker at most (modules are spread over workers): each gets its
# own bridge and a /28 of the subnet.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % 16
BRIDGE = f"{os.environ.get('BERTH_EXTRA_BRIDGE', 'br-h5')}-{_WORKER}"
SUBNET = f"{os.environ.get('BERTH_EXTRA_SUBNET', '172.31.45')}.{16 * _WORKER + 1}/28"
START_SECONDS = 60
# Numbered lines whose count survives a restart of the container (kept in /n), so that a line
# shown twice, or out of order, is seen whatever happened to the container.
# The count is kept in /n by a rename, which a kill cannot cut in half: `echo $i > /n` truncates
# first, and a container killed between the truncation and the write (the lost-engine tests kill
# it at a moment of their choosing) counted from 1 again after its restart.
COUNTER = (
    "i=$(cat /n 2>/dev/null || echo 0); "
    "while true; do i=$((i+1)); echo $i > /n.new; mv /n.new /n; echo line $i; sleep 0.1; done"
)


class ExtraEngine:
    def __init__(self, tcp_port: int | None = None):
        self.dir = Path(tempfile.mkdtemp(prefix="berth-engine-"))
        self.socket = self.dir / "docker.sock"
        self.host = f"unix://{self.socket}"
        # Also on plain TCP, on 127.0.0.1 only, for Berth's tcp:// paths (its tests' clients use it).
        self.tcp_host = f"tcp://127.0.0.1:{tcp_port}" if tcp_port else ""
        self.process: subprocess.Popen | None = None
        self.made_bridge = False
        self.client: docker.DockerClient | None = None
        self.namespace = f"berth-{secrets.token_hex(4)}"  # containerd's: letters and digits

    # -- lifetime

    def start(self) -> None:
        if not self.made_bridge:
            self._ip("link", "add", BRIDGE, "type", "bridge")
            self.made_bridge = True
            self._ip("addr", "add", SUBNET, "dev", BRIDGE)
            self._ip("link", "set", BRIDGE, "up")
        command = [
            "dockerd",
            "-b",
            BRIDGE,
            "--data-root",
            str(self.dir / "root"),
            "--exec-root",
            str(self.dir / "exec"),
            "-H",
            self.host,
            *(["-H", self.tcp_host] if self.tcp_host else []),
            "--pidfile",
            str(self.dir / "docker.pid"),
            "--iptables=false",
            "--ip-masq=false",
            "--containerd-namespace",
            self.namespace,
            "--containerd-plugins-namespace",
            f"{self.namespace}-plugins",
            "--live-restore",
        ]
        with open(self.dir / "dockerd.log", "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_SECONDS
        while self.client is None or not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the extra dockerd did not start:\n{self.log_tail()}")
            time.sleep(0.1)
            if self.client is None:
                try:  # the client asks for the engine's API version as it is made
                    self.client = docker.DockerClient(base_url=self.host, timeout=30)
                except docker.errors.DockerException:
                    pass

    def _answers(self) -> bool:
        try:
            return self.client.ping()
        except Exception:  # noqa: BLE001 - not answering yet
            return False

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ensure_running(self) -> None:
        """Start it again if a test killed it (and failed before it could start it itself)."""
        if self.process is not None and not self.running:
            (self.dir / "docker.pid").unlink(missing_ok=True)
            self.start()

    def kill(self) -> None:
        """kill -9, as a crash would; its containers go on under their shims (live-restore)."""
        containerd = self.dir / "exec" / "containerd" / "containerd.pid"
        containerd_pid = containerd.read_text().strip() if containerd.exists() else ""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        (self.dir / "docker.pid").unlink(missing_ok=True)  # a killed dockerd leaves it behind
        # Its containerd dies with it, but stays a zombie until pid 1 reaps it; a dockerd started
        # meanwhile finds its pid alive, waits for it to answer, and gives up.
        deadline = time.monotonic() + 30
        while containerd_pid and Path(f"/proc/{containerd_pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    def load_image(self, image: str = BUSYBOX_IMAGE) -> None:
        save = subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE)
        subprocess.run(["docker", "-H", self.host, "load", "-q"], stdin=save.stdout, check=True, capture_output=True)
        save.stdout.close()
        if save.wait() != 0:
            raise RuntimeError(f"docker save {image} failed")

    def counter(self, tty: bool = False) -> str:
        """A started container that logs `line 1`, `line 2`, ... ten a second; its id."""
        api = self.client.api
        created = api.create_container(
            BUSYBOX_IMAGE, ["sh", "-c", COUNTER], name=random_name("lost"), labels=TEST_LABEL, tty=tty
        )
        api.start(created["Id"])
        return created["Id"]

    def stop(self) -> None:
        """Remove its containers (live-restore would leave them running), stop it, clean up; each
        step even when one before it failed."""
        try:
            self.ensure_running()  # a killed engine's containers run on: it must remove them
        except Exception:  # noqa: BLE001 - the rest is done anyway
            pass
        if self.running:
            try:
                for raw in self.client.api.containers(all=True):
                    self.client.api.remove_container(raw["Id"], force=True, v=True)
            except Exception:  # noqa: BLE001 - stopped anyway; its shims go with the bridge's removal at worst
                pass
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGKILL)
                self.process.wait()
        if self.client is not None:
            self.client.close()
        # dockerd mounts its data root on itself; a crash leaves the mount behind.
        subprocess.run(["umount", "-R", str(self.dir / "root")], capture_output=True)
        if self.made_bridge:
            self._ip("link", "del", BRIDGE, check=False)
            self.made_bridge = False
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self) -> str:
        try:
            return (self.dir / "dockerd.log").read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    @staticmethod
    def _ip(*args: str, check: bool = True) -> None:
        result = subprocess.run(["ip", *args], capture_output=True, text=True)
        if check and result.returncode != 0:
            raise RuntimeError(f"ip {' '.join(args)}: {result.stderr.strip()}")


def can_start_engines() -> str:
    """Why an extra engine cannot be started here, or ""."""
    if os.geteuid() != 0:
        return "extra engines need root"
    if not shutil.which("dockerd"):
        return "no dockerd on this machine"
    return ""
