"""Build the local test images (no registry is reachable): `python -m tests.images`.

berth-test/busybox is busybox FROM scratch, 2 MB: sh, httpd, nc, nslookup, seq, vi, top.
It has no /etc/passwd and no /tmp, like the engine's smallest real images.
"""

import io
import shutil
import tarfile
import time

import docker

BUSYBOX_IMAGE = "berth-test/busybox:latest"
BUSYBOX_BINARY = "/bin/busybox"

DOCKERFILE = b"""FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
CMD ["sh"]
"""


def build_context(files: dict[str, bytes], executables: set[str] = frozenset()) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mode = 0o755 if name in executables else 0o644
            info.mtime = int(time.time())
            tar.addfile(info, io.BytesIO(content))
    buffer.seek(0)
    return buffer


def build_busybox(client: docker.DockerClient, tag: str = BUSYBOX_IMAGE) -> str:
    with open(shutil.which("busybox") or BUSYBOX_BINARY, "rb") as f:
        busybox = f.read()
    context = build_context({"Dockerfile": DOCKERFILE, "busybox": busybox}, executables={"busybox"})
    image, _ = client.images.build(fileobj=context, custom_context=True, tag=tag, rm=True)
    return image.id


def ensure_test_images(client: docker.DockerClient) -> None:
    try:
        client.images.get(BUSYBOX_IMAGE)
    except docker.errors.ImageNotFound:
        build_busybox(client)


if __name__ == "__main__":
    ensure_test_images(docker.from_env())
    print(f"test image ready: {BUSYBOX_IMAGE}")
