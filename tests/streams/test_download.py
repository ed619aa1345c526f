"""The logs download is the log as `docker logs C > f 2>&1` writes it, byte for byte (issue 11,
item 5); `format=annotated` keeps the labelled lines."""

import asyncio
import subprocess
import tempfile

import pytest

from tests.conftest import wait_for

pytestmark = pytest.mark.django_db

# stdout and stderr, a line Docker cuts into 16 KiB messages, bytes that are not UTF-8 (the
# json-file driver keeps them as U+FFFD, and `docker logs` prints that), and a last line
# without a newline.
SCRIPT = (
    "echo out1; echo err1 >&2; head -c 100000 /dev/zero | tr '\\0' x; echo; "
    "printf 'bad \\377\\376 bytes\\n'; printf 'err \\300 bad\\n' >&2; echo out2; printf 'no newline at the end'"
)
BOTH = "stdout=1&stderr=1"


def docker_logs(container_id: str, *args: str, stdout: bool = True, stderr: bool = True) -> bytes:
    """What `docker logs [args] C > f 2>&1` writes into f (one stream: the other to /dev/null)."""
    with tempfile.TemporaryFile() as f:
        out = f if stdout else subprocess.DEVNULL
        err = (subprocess.STDOUT if stdout else f) if stderr else subprocess.DEVNULL
        subprocess.run(["docker", "logs", *args, container_id], stdout=out, stderr=err, check=True, timeout=60)
        f.seek(0)
        return f.read()


def download(client, container_id: str, query: str) -> tuple[bytes, list[bytes]]:
    response = client.get(f"/containers/{container_id}/logs/download/?{query}")
    assert response.status_code == 200, response.content
    assert response.streaming and response.is_async
    chunks = asyncio.run(_collect(response.streaming_content))
    return b"".join(chunks), chunks


async def _collect(iterator) -> list[bytes]:
    return [chunk async for chunk in iterator]


def finished(engine, docker_client, command, **kwargs) -> dict:
    container = engine.container(command, **kwargs)
    wait_for(
        lambda: docker_client.api.inspect_container(container["Id"])["State"]["Status"] == "exited",
        timeout=60,
        message="the container to finish",
    )
    return container


CASES = [
    (BOTH, ()),
    (f"{BOTH}&tail=", ()),
    (f"{BOTH}&tail=3", ("--tail", "3")),
    (f"{BOTH}&timestamps=1", ("-t",)),
    (f"{BOTH}&timestamps=1&tail=2", ("-t", "--tail", "2")),
    (f"{BOTH}&since=1h", ("--since", "1h")),
    (f"{BOTH}&until=2000-01-01T00:00:00", ("--until", "2000-01-01T00:00:00")),
]


@pytest.mark.parametrize("tty", [False, True], ids=["plain", "tty"])
def test_it_downloads_the_log_byte_for_byte_as_docker_logs_writes_it(logged_in, engine, docker_client, tty):
    container = finished(engine, docker_client, ["sh", "-c", SCRIPT], tty=tty)
    for query, args in CASES:
        expected = docker_logs(container["Id"], *args)
        assert download(logged_in, container["Id"], query)[0] == expected, query
    whole = docker_logs(container["Id"])
    # The engine copies each stream on its own: stderr's lines may land between the long line's
    # 16 KiB messages, as `docker logs` shows them.
    assert whole.count(b"x") == 100_000 and b"err1" in whole and whole.endswith(b"no newline at the end")


def test_it_downloads_one_stream_as_docker_logs_gives_it(logged_in, engine, docker_client):
    container = finished(engine, docker_client, ["sh", "-c", SCRIPT])
    stdout = download(logged_in, container["Id"], "stdout=1&stderr=0&tail=")[0]
    assert stdout == docker_logs(container["Id"], stderr=False) and b"err1" not in stdout
    stderr = download(logged_in, container["Id"], "stdout=0&stderr=1&tail=")[0]
    assert stderr == docker_logs(container["Id"], stdout=False) and stderr.startswith(b"err1\nerr ")


def test_it_keeps_the_matching_lines_of_a_search_as_the_engine_wrote_them(logged_in, engine, docker_client):
    container = finished(engine, docker_client, ["sh", "-c", SCRIPT])
    body = download(logged_in, container["Id"], f"{BOTH}&tail=&q=BAD")[0]
    # Whole lines of each stream, as `docker logs` gives that stream (each line is kept whole,
    # even when the other stream's lines came between its messages).
    lines = docker_logs(container["Id"], stderr=False).splitlines(keepends=True) + docker_logs(
        container["Id"], stdout=False
    ).splitlines(keepends=True)
    assert sorted(body.splitlines(keepends=True)) == sorted(line for line in lines if b"bad" in line)
    assert body.count(b"\n") == 2


def test_it_streams_a_long_log_in_pieces(logged_in, engine, docker_client):
    container = finished(engine, docker_client, ["seq", "1", "200000"])
    body, chunks = download(logged_in, container["Id"], f"{BOTH}&tail=")
    assert body == docker_logs(container["Id"])
    assert len(chunks) > 10 and max(len(chunk) for chunk in chunks) <= 65536  # never the whole log at once


def test_it_keeps_the_annotated_download_on_request(logged_in, engine, docker_client):
    container = finished(engine, docker_client, ["sh", "-c", "echo out-line; echo err-line >&2; echo other"])
    body = download(logged_in, container["Id"], "format=annotated&tail=&stdout=1&stderr=1&q=line")[0]
    assert sorted(body.decode().splitlines()) == ["stderr err-line", "stdout out-line"]


@pytest.mark.parametrize("query", ["format=html", "stdout=0&stderr=0"])
def test_it_refuses_a_download_it_cannot_make(logged_in, engine, query):
    container = engine.container("sleep 300")
    response = logged_in.get(f"/containers/{container['Id']}/logs/download/?{query}")
    assert response.status_code == 400 and response.content
